// The least time any schedule needs (node-maintenance.md §19.2): node throughput ceil(N / c) × T_node, and
// per budget (pods in scope / allowed disruptions) × S; the larger one binds and is named. A plan with a
// canary sends it alone first, so no schedule of that plan beats 1 + ceil((N - k) / c) node cycles.
import { Duration } from '../lib/duration.ts';
import type { PdbBudget } from './pdb-index.ts';
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
}

export function lowerBound(input: BoundInput): LowerBound {
  const per = Math.max(1, input.perWave);
  const canary = Math.min(input.canary ?? 0, input.nodes, per);
  const waves = input.nodes === 0 ? 0 : canary > 0 ? 1 + Math.ceil((input.nodes - canary) / per) : Math.ceil(input.nodes / per);
  const nodes = { ms: waves * input.nodeMs, count: input.nodes, perWave: input.perWave, waves, nodeMs: input.nodeMs };
  const pdb = slowestBudget(input.pdbs, input.replacementMs);
  const binding = pdb !== undefined && pdb.ms > nodes.ms ? 'pdb' : 'nodes';
  const ms = binding === 'pdb' && pdb ? pdb.ms : nodes.ms;
  const text = binding === 'pdb' && pdb
    ? `PDB ${pdb.name}: ${pdb.pods} pods, ${pdb.allowed} at a time, ${fmt(pdb.replacementMs)} to replace each`
    : `node throughput: ${input.nodes} nodes, ${canary > 0 ? `the canary (${canary}) alone, then ` : ''}${input.perWave} at a time = ${waves} waves × ${fmt(input.nodeMs)} per node`;
  return pdb ? { ms, binding, nodes, pdb, text } : { ms, binding, nodes, text };
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
