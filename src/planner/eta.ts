// How long each wave takes: drain (the longest grace period on its nodes, plus waits for replacements when
// a budget allows fewer of its pods at once than the wave holds) + action + ready + soak + gates.
import { Duration } from '../lib/duration.ts';
import type { PodIndex } from './pdb-index.ts';
import type { PhaseEta, StepDurations, Wave, WaveEstimate } from './types.ts';

export function estimateWaves(waves: readonly Wave[], index: PodIndex, steps: StepDurations): { eta: PhaseEta; notes: string[] } {
  const out: WaveEstimate[] = [];
  const notes: string[] = [];
  let offset = 0;
  for (const wave of waves) {
    const drain = waveDrain(wave, index, steps);
    // A rolling wave runs its nodes `concurrency` at a time, one after another in each slot.
    const rounds = wave.concurrency ? Math.ceil(wave.nodes.length / Math.max(1, wave.concurrency)) : 1;
    const durationMs = rounds * (drain.drainMs + steps.actionMs + steps.readyMs) + steps.soakMs + steps.gateMs;
    out.push({ index: wave.index, ...drain, actionMs: steps.actionMs, readyMs: steps.readyMs, soakMs: steps.soakMs, gateMs: steps.gateMs, durationMs, startOffsetMs: offset, endOffsetMs: offset + durationMs });
    offset += durationMs;
    if (drain.drainMs > steps.drainTimeoutMs) notes.push(slowDrain(wave.index, drain, steps.drainTimeoutMs));
  }
  return { eta: { waves: out, totalMs: offset, steps }, notes };
}

/** The drain of one node without budget waits: what the node-throughput bound uses. */
export function nodeDrainMs(node: string, index: PodIndex, steps: StepDurations): number {
  return steps.drainMs ?? Math.min(steps.drainTimeoutMs, index.nodeGraceMs.get(node) ?? 0);
}

function waveDrain(wave: Wave, index: PodIndex, steps: StepDurations): { drainMs: number; pdbWaitMs: number; waitsOn?: string } {
  if (wave.concurrency) return { drainMs: steps.drainMs ?? Math.min(steps.drainTimeoutMs, Math.max(0, ...wave.nodes.map((n) => index.nodeGraceMs.get(n) ?? 0))), pdbWaitMs: 0 };
  const grace = wave.nodes.reduce((max, n) => Math.max(max, index.nodeGraceMs.get(n) ?? 0), 0);
  const base = steps.drainMs ?? Math.min(steps.drainTimeoutMs, grace);
  const wait = pdbWait(wave, index, steps, base);
  return wait.ms > 0 ? { drainMs: base + wait.ms, pdbWaitMs: wait.ms, waitsOn: wait.on } : { drainMs: base, pdbWaitMs: 0 };
}

/**
 * Evictions beyond a budget's allowance wait in rounds: each round frees `allowed` more once the evicted
 * pods' replacements are Ready. A budget that allows nothing holds the drain until it times out.
 */
function pdbWait(wave: Wave, index: PodIndex, steps: StepDurations, baseMs: number): { ms: number; on?: string } {
  const pods = new Map<number, number>();
  for (const node of wave.nodes) {
    const pairs = index.nodePdbs.get(node);
    for (let i = 0; pairs && i < pairs.length; i += 2) pods.set(pairs[i] as number, (pods.get(pairs[i] as number) ?? 0) + (pairs[i + 1] as number));
  }
  let worst: { ms: number; on?: string } = { ms: 0 };
  for (const [b, p] of [...pods].sort((x, y) => x[0] - y[0])) {
    const budget = index.pdbs[b];
    if (!budget || p <= budget.allowed) continue;
    const ms = budget.allowed === 0 ? Math.max(0, steps.drainTimeoutMs - baseMs) : Math.ceil((p - budget.allowed) / budget.allowed) * steps.replacementMs;
    if (ms > worst.ms) worst = { ms, on: budget.name };
  }
  return worst;
}

function slowDrain(wave: number, drain: { drainMs: number; waitsOn?: string }, timeoutMs: number): string {
  const why = drain.waitsOn ? ` waiting on PDB ${drain.waitsOn}` : '';
  return `wave ${wave}: the drain is expected to take ${Duration.ofMs(drain.drainMs).toString()}${why}, longer than drain.timeout ${Duration.ofMs(timeoutMs).toString()}; raise drain.timeout, or make room in the budget`;
}
