// `daylight plan` as text: per cluster and phase the budget, the waves (nodes, domain, ETA, start, reason),
// the lower bound and notes; then the blockers with their fixes. Times are shown in the window's zone.
import { Duration } from '../lib/duration.ts';
import type { PlannedPhase, RunPlan } from './plan-run.ts';
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
    `start ${wallText(z, run.startMs)}, end ${wallText(z, run.endMs)}: ${fmt(run.makespanMs)} (working ${fmt(run.workMs)}, waiting ${fmt(Math.max(0, run.makespanMs - run.workMs))})`,
    `lower bound ${fmt(run.lowerBoundMs)}${run.lowerBoundMs > 0 ? `; the schedule's work is ${(run.workMs / run.lowerBoundMs).toFixed(2)}× it` : ''}`,
  ];
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
