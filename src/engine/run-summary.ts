// The end of a run in words (and as data): how many nodes were maintained, skipped, quarantined or
// failed, where the others were left, how long it took, why it stopped, and each problem by name.
import type { NodeState, RunState } from './state.ts';
import { leftAs, runProblems } from './verdict.ts';

export interface RunSummary {
  readonly runId: string;
  readonly status: string;
  readonly reason?: string;
  /** Nodes by how they ended (or where they were left): `maintained`, `skipped`, `left cordoned, not drained`, ... */
  readonly nodes: Record<string, number>;
  readonly durationMs?: number;
  /** Each node or region not maintained as planned, and why; empty only for a run that did all of it. */
  readonly problems: readonly string[];
  /** What a person should know although the run went on: a silence it could not expire, ... */
  readonly warnings: readonly string[];
}

export function summariseRun(s: RunState): RunSummary {
  const nodes: Record<string, number> = {};
  for (const n of Object.values(s.nodes)) {
    const key = n.step === 'done' ? doneKey(n) : leftAs(n);
    nodes[key] = (nodes[key] ?? 0) + 1;
  }
  const problems = s.problems ?? runProblems(s);
  const durationMs = s.startedAt !== undefined && s.endedAt !== undefined ? s.endedAt - s.startedAt : undefined;
  return { runId: s.runId, status: s.status, ...(s.reason ? { reason: s.reason } : {}), nodes, ...(durationMs !== undefined ? { durationMs } : {}), problems, warnings: s.warnings };
}

function doneKey(n: NodeState): string {
  const outcome = n.outcome ?? 'maintained';
  if (n.held) return `${outcome}, left cordoned`;
  if (outcome === 'maintained' && n.forced && n.forced.pods.length > 0) return 'maintained with pods force-deleted';
  return outcome;
}

export function renderSummary(r: RunSummary): string {
  const counts = Object.entries(r.nodes).map(([k, v]) => `${v} ${k}`).join(', ') || 'no nodes';
  const took = r.durationMs !== undefined ? ` in ${formatMs(r.durationMs)} of cluster time` : '';
  const lines = [`Run ${r.runId} ${r.status}${took}: ${counts}.`];
  if (r.reason) lines.push(`Reason: ${r.reason}`);
  if (r.problems.length > 0) lines.push('Problems:', ...r.problems.map((p) => `  ${p}`));
  if (r.warnings.length > 0) lines.push('Warnings:', ...r.warnings.map((w) => `  ${w}`));
  return lines.join('\n');
}

export function formatMs(ms: number): string {
  const s = Math.round(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return `${h ? `${h}h` : ''}${h || m ? `${m}m` : ''}${s % 60}s`;
}

/**
 * A rollout's stages as far as they went, one line each, in the order they started: its state, its groups
 * done of all, its clusters done of all and those that failed, and the soak or scheduled start it waits for.
 */
export function stageLines(s: RunState): string[] {
  return Object.values(s.stages).map((st) => {
    const clusters = st.groups.flatMap((g) => g.clusters);
    const done = clusters.filter((c) => s.failedClusters[c] === undefined && s.phases.some((p) => p.cluster === c) && s.phases.filter((p) => p.cluster === c).every((p) => p.completed));
    const failed = clusters.filter((c) => s.failedClusters[c] !== undefined);
    const groups = Object.entries(st.groupsDone);
    const stopped = groups.filter(([, v]) => v === 'stopped').map(([g]) => g);
    const parts = [
      `stage ${st.stage}: ${st.status}`,
      `groups ${groups.length}/${st.groups.length} done${stopped.length ? ` (stopped: ${stopped.join(', ')})` : ''}`,
      `clusters ${done.length}/${clusters.length} maintained${failed.length ? `, ${failed.length} failed (${failed.join(', ')})` : ''}`,
    ];
    if (st.status === 'soaking' && st.soakUntil !== undefined) parts.push(`soaking until ${new Date(st.soakUntil).toISOString()}`);
    else if (st.status === 'running' && st.waitingUntil !== undefined && groups.length === 0) parts.push(`scheduled to start at ${new Date(st.waitingUntil).toISOString()}`);
    if (st.reason) parts.push(st.reason);
    return parts.join(' · ');
  });
}
