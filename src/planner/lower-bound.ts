// The least time any schedule needs (node-maintenance.md §19.2): node throughput ceil(N / c) × T_node, and
// per budget (pods in scope / allowed disruptions) × S; the larger one binds and is named. A plan with a
// canary sends it alone first, so no schedule of that plan beats 1 + ceil((N - k) / c) node cycles. When
// waves must keep every budget, the fewest such waves × T_node (wave-bound.ts, with the argument) is a third,
// usually tighter bound; the other two stay beside it.
import { Duration } from '../lib/duration.ts';
import type { PdbBudget } from './pdb-index.ts';
import type { FewestWaves } from './wave-bound.ts';
import type { LowerBound } from './types.ts';

export interface BoundInput {
  /** Nodes to maintain (N). */
  readonly nodes: number;
  /** Nodes at once (c). */
  readonly perWave: number;
  /** One node's cycle: drain + action + ready + soak + gates (T_node). */
  readonly nodeMs: number;
  readonly pdbs: readonly PdbBudget[];
  /** An evicted pod's replacement-to-Ready time (S). */
  readonly replacementMs: number;
  /** Nodes of the canary, which go alone before any other (k); 0 or absent: no canary. */
  readonly canary?: number;
  /** The fewest waves that keep every budget (wave-bound.ts); absent: no such bound (rolling phases). */
  readonly waves?: FewestWaves;
}

export function lowerBound(input: BoundInput): LowerBound {
  const per = Math.max(1, input.perWave);
  const canary = Math.min(input.canary ?? 0, input.nodes, per);
  const waves = input.nodes === 0 ? 0 : canary > 0 ? 1 + Math.ceil((input.nodes - canary) / per) : Math.ceil(input.nodes / per);
  const nodes = { ms: waves * input.nodeMs, count: input.nodes, perWave: input.perWave, waves, nodeMs: input.nodeMs };
  const pdb = slowestBudget(input.pdbs, input.replacementMs);
  const budgetWaves = input.waves && input.nodes > 0 ? { ms: input.waves.waves * input.nodeMs, waves: input.waves.waves, nodeMs: input.nodeMs, ...(input.waves.pdb ? { pdb: input.waves.pdb } : {}) } : undefined;
  const binding = budgetWaves && budgetWaves.ms > Math.max(nodes.ms, pdb?.ms ?? 0) ? 'waves' : pdb !== undefined && pdb.ms > nodes.ms ? 'pdb' : 'nodes';
  const ms = binding === 'waves' && budgetWaves ? budgetWaves.ms : binding === 'pdb' && pdb ? pdb.ms : nodes.ms;
  const text = binding === 'waves' && budgetWaves
    ? wavesText(budgetWaves)
    : binding === 'pdb' && pdb
      ? `PDB ${pdb.name}: ${pdb.pods} pods, ${pdb.allowed} at a time, ${fmt(pdb.replacementMs)} to replace each`
      : `node throughput: ${input.nodes} nodes, ${canary > 0 ? `the canary (${canary}) alone, then ` : ''}${input.perWave} at a time = ${waves} waves × ${fmt(input.nodeMs)} per node`;
  return { ms, binding, nodes, text, ...(pdb ? { pdb } : {}), ...(budgetWaves ? { waves: budgetWaves } : {}) };
}

/** "waves that keep every budget: 16 × 5m50s per node; PDB team-9/svc-9 has 296 pods in zone eu-1a, 140 per wave". */
function wavesText(w: NonNullable<LowerBound['waves']>): string {
  const why = w.pdb ? `; PDB ${w.pdb.name} has ${w.pdb.pods} pods in ${w.pdb.where}, ${w.pdb.allowed} per wave` : '';
  return `waves that keep every budget and the topology: ${w.waves} × ${fmt(w.nodeMs)} per node${why}`;
}

function slowestBudget(pdbs: readonly PdbBudget[], replacementMs: number): LowerBound['pdb'] {
  let worst: LowerBound['pdb'];
  for (const p of pdbs) {
    if (p.podsInScope === 0 || p.allowed <= 0) continue;
    const ms = Math.round((p.podsInScope / p.allowed) * replacementMs);
    if (worst === undefined || ms > worst.ms || (ms === worst.ms && p.name < worst.name)) {
      worst = { ms, name: p.name, pods: p.podsInScope, allowed: p.allowed, replacementMs };
    }
  }
  return worst;
}

function fmt(ms: number): string {
  return Duration.ofMs(ms).toString();
}
