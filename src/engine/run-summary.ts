// The end of a run in words (and as data): how many nodes were maintained, skipped, quarantined or
// failed, how long it took, and why it stopped.
import type { RunState } from './state.ts';

export interface RunSummary {
  readonly runId: string;
  readonly status: string;
  readonly reason?: string;
  readonly nodes: Record<string, number>;
  readonly durationMs?: number;
  readonly problems: readonly string[];
}

export function summariseRun(s: RunState): RunSummary {
  const nodes: Record<string, number> = {};
  const problems: string[] = [];
  for (const n of Object.values(s.nodes)) {
    const key = n.step === 'done' ? (n.outcome ?? 'maintained') : `in progress (${n.step})`;
    nodes[key] = (nodes[key] ?? 0) + 1;
    if (n.outcome && n.outcome !== 'maintained') problems.push(`${n.cluster}/${n.node}: ${n.outcome}${n.message ? ` (${n.message})` : ''}`);
  }
  const durationMs = s.startedAt !== undefined && s.endedAt !== undefined ? s.endedAt - s.startedAt : undefined;
  return { runId: s.runId, status: s.status, ...(s.reason ? { reason: s.reason } : {}), nodes, ...(durationMs !== undefined ? { durationMs } : {}), problems };
}

export function renderSummary(r: RunSummary): string {
  const counts = Object.entries(r.nodes).map(([k, v]) => `${v} ${k}`).join(', ') || 'no nodes';
  const took = r.durationMs !== undefined ? ` in ${formatMs(r.durationMs)} of cluster time` : '';
  const lines = [`Run ${r.runId} ${r.status}${took}: ${counts}.`];
  if (r.reason) lines.push(`Reason: ${r.reason}`);
  for (const p of r.problems) lines.push(`  ${p}`);
  return lines.join('\n');
}

export function formatMs(ms: number): string {
  const s = Math.round(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return `${h ? `${h}h` : ''}${h || m ? `${m}m` : ''}${s % 60}s`;
}
