// `daylight plan` as text: the rollout's stages when the plan has one; per cluster and phase the budget, the
// waves (nodes, domain, ETA, start, reason), the lower bound and notes; then the blockers with their fixes.
// Times are shown in the window's zone.
import { Duration } from '../lib/duration.ts';
import type { PlannedPhase, RunPlan } from './plan-run.ts';
import type { ClusterEstimate, RolloutPlan, RolloutStagePlan } from './rollout-plan.ts';
import { gateText } from './rollout-plan.ts';
import type { Zone } from './zoned-time.ts';
import { wallText, zone } from './zoned-time.ts';

const NODES_SHOWN = 3;

export function renderPlan(run: RunPlan): string {
  const z = zone(run.timezone);
  const phases = run.clusters.flatMap((c) => c.phases).sort((a, b) => a.order - b.order);
  const waves = phases.reduce((n, p) => n + p.plan.waves.length, 0);
  const names = new Set(phases.map((p) => p.plan.phase)).size;
  const lines = [
    `plan ${run.plan}: ${plural(names, 'phase')} on ${plural(run.clusters.length, 'cluster')}, ${plural(waves, 'wave')}; times in ${run.timezone}`,
    ...(run.rollout
      ? [
          `start ${wallText(z, run.startMs)}, end ${wallText(z, run.endMs)}: ${fmt(run.makespanMs)} in the rollout's stages (working ${fmt(run.workMs)} over all clusters, some at once)`,
          `lower bound ${fmt(run.lowerBoundMs)} (the stage structure over each cluster's own bound)${run.lowerBoundMs > 0 ? `; the makespan is ${(run.makespanMs / run.lowerBoundMs).toFixed(2)}× it` : ''}`,
        ]
      : [
          `start ${wallText(z, run.startMs)}, end ${wallText(z, run.endMs)}: ${fmt(run.makespanMs)} (working ${fmt(run.workMs)}, waiting ${fmt(Math.max(0, run.makespanMs - run.workMs))})`,
          `lower bound ${fmt(run.lowerBoundMs)}${run.lowerBoundMs > 0 ? `; the schedule's work is ${(run.workMs / run.lowerBoundMs).toFixed(2)}× it` : ''}`,
        ]),
  ];
  if (run.rollout) lines.push('', ...renderRollout(run.rollout, z));
  for (const p of phases) lines.push('', ...renderPhase(p, z, phases.length));
  lines.push('', ...renderBlockers(run));
  return `${lines.join('\n')}\n`;
}

function renderPhase(p: PlannedPhase, z: Zone, total: number): string[] {
  const plan = p.plan;
  const b = plan.budget;
  const lines = [
    `${plan.cluster} · ${plan.phase} (${p.order} of ${total}${p.regional ? ', out of traffic' : ''})`,
    `  ${b.selected} nodes selected, ${b.selected - plan.excluded.length} to maintain; maxUnavailable ${String(b.maxUnavailable)} = ${b.resolved}, ${b.alreadyUnavailable} already unavailable, so ${b.perWave} at once`,
  ];
  if (plan.excluded.length > 0) lines.push(`  left alone: ${plan.excluded.map((e) => `${e.name} (${e.reason})`).join(', ')}`);
  if (plan.waves.length > 0) lines.push(...table(waveRows(p, z)).map((l) => `  ${l}`));
  if (plan.lowerBound) {
    const ratio = plan.lowerBound.ms > 0 ? `; ETA ${fmt(plan.eta.totalMs)} is ${(plan.eta.totalMs / plan.lowerBound.ms).toFixed(2)}× it` : '';
    const beside = plan.lowerBound.binding === 'waves' ? ` (node throughput alone: ${fmt(plan.lowerBound.nodes.ms)})` : '';
    lines.push(`  lower bound ${fmt(plan.lowerBound.ms)}, ${plan.lowerBound.text}${beside}${ratio}`);
  }
  for (const note of [...plan.notes, ...p.notes]) lines.push(`  note: ${note}`);
  for (const blocker of plan.blockers) lines.push(`  BLOCKED: ${blocker}`);
  return lines;
}

function renderRollout(r: RolloutPlan, z: Zone): string[] {
  const approvals = r.stages.some((s) => s.before.some((g) => g.type === 'approval')) ? ', not counting the wait for approvals' : '';
  const span = r.endMs === undefined ? 'ETA unknown: a stage has no estimate' : `from ${wallText(z, r.startMs)} to ${wallText(z, r.endMs)}: ${fmt(r.endMs - r.startMs)}${approvals}`;
  const lines = [`rollout: ${plural(r.stages.length, 'stage')} one after another, versions ${r.versions}; ${span}`];
  r.stages.forEach((s, i) => lines.push(...renderStage(s, { index: i + 1, of: r.stages.length, startMs: r.startMs, z })));
  return lines;
}

function renderStage(s: RolloutStagePlan, at: { index: number; of: number; startMs: number; z: Zone }): string[] {
  const clusters = s.groups.reduce((n, g) => n + g.clusters.length, 0);
  const soak = s.soakMs > 0 ? `; soak ${fmt(s.soakMs)}` : s.afterStageWaitMs > 0 ? `; no soak after the last stage (afterStageWait ${fmt(s.afterStageWaitMs)} is not waited)` : '';
  const rows = [['GROUP', 'CLUSTERS', 'MAX FAILURES', 'ETA'], ...s.groups.map((g) => [g.name, g.clusters.map(clusterText).join(', '), String(g.maxAllowedFailures), g.etaMs === undefined ? '-' : fmt(g.etaMs)])];
  return [
    `stage ${at.index} of ${at.of} · ${s.name}: ${plural(clusters, 'cluster')} in ${plural(s.groups.length, 'group')}, ${s.maxConcurrency} at once, maxAllowedFailures ${s.maxAllowedFailures}`,
    `  before: ${s.before.map(gateText).join('; ') || 'none'}`,
    ...table(rows).map((l) => `  ${l}`),
    `  after: ${s.after.map(gateText).join('; ') || 'none'}${soak}`,
    `  ${stageEta(s, at)}`,
  ];
}

function clusterText(c: ClusterEstimate): string {
  return `${c.name} (${c.etaMs === undefined ? c.why ?? 'no estimate' : fmt(c.etaMs)})`;
}

function stageEta(s: RolloutStagePlan, at: { startMs: number; z: Zone }): string {
  if (s.workMs === undefined || s.etaMs === undefined) {
    const missing = s.groups.flatMap((g) => g.clusters).filter((c) => c.etaMs === undefined).map(clusterText);
    return `ETA unknown: no estimate for ${missing.join(', ')}; see the blockers`;
  }
  const lanes = Math.min(s.maxConcurrency, s.groups.length);
  const longest = Math.max(0, ...s.groups.map((g) => g.etaMs ?? 0));
  const soak = s.soakMs > 0 ? ` + soak ${fmt(s.soakMs)}` : '';
  const work = `${fmt(s.workMs)} of work (longest group ${fmt(longest)}; ${plural(s.groups.length, 'group')} over ${plural(lanes, 'lane')})`;
  const scheduled = s.startMs !== undefined && s.before.some((g) => g.type === 'schedule') ? `; starts at its scheduled start ${wallText(at.z, s.startMs)}` : '';
  const end = s.endMs === undefined ? '' : `${scheduled}; ends ${fmt(s.endMs - at.startMs)} from the start, ${wallText(at.z, s.endMs)}`;
  return `ETA ${fmt(s.etaMs)}: ${work}${soak}${end}`;
}

function waveRows(p: PlannedPhase, z: Zone): string[][] {
  const placed = new Map(p.schedule.steps.map((s) => [s.id, s]));
  const rows = [['WAVE', 'NODES', 'DOMAIN', 'ETA', 'START', 'REASON']];
  p.plan.waves.forEach((w, i) => {
    const at = placed.get(`wave ${w.index}`);
    const eta = p.plan.eta.waves[i];
    const nodes = w.nodes.length > NODES_SHOWN ? `${w.nodes.slice(0, NODES_SHOWN).join(',')} +${w.nodes.length - NODES_SHOWN}` : w.nodes.join(',');
    const start = at ? `${wallText(z, at.startMs)}${at.fits ? '' : ' (!)'}` : '-';
    rows.push([String(w.index), nodes, w.domain || '-', eta ? fmt(eta.durationMs) : '-', start, w.reason]);
  });
  return rows;
}

function table(rows: readonly string[][]): string[] {
  const widths = (rows[0] ?? []).map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join('  ').trimEnd());
}

function renderBlockers(run: RunPlan): string[] {
  if (run.blockers.length === 0) return ['blockers: none'];
  return ['blockers:', ...run.blockers.map((b) => `  - ${[b.cluster, b.phase].filter(Boolean).join(' / ')}: ${b.message}`)];
}

function plural(n: number, noun: string): string {
  return n === 1 ? `1 ${noun}` : `${n} ${noun}s`;
}

function fmt(ms: number): string {
  return Duration.ofMs(Math.round(ms)).toString();
}
