// Nodes that alone hold more pods of a PodDisruptionBudget than it allows at once: no wave can take them
// within the budget, so each is reported by name, with the budget's live numbers and the fix.
import type { PodIndex } from './pdb-index.ts';
import type { BlockedNode } from './types.ts';

const LISTED = 5;

/** In `nodes` order; one entry per node and budget it exceeds. `allowed` is per budget index, as the waves use it. */
export function blockedNodes(nodes: readonly string[], index: PodIndex, allowed: Int32Array): BlockedNode[] {
  const out: BlockedNode[] = [];
  for (const name of nodes) {
    const pairs = index.nodePdbs.get(name);
    for (let i = 0; pairs && i < pairs.length; i += 2) {
      const b = pairs[i] as number;
      const pods = pairs[i + 1] as number;
      const limit = allowed[b] as number;
      if (pods > limit) out.push({ name, pdb: index.pdbs[b]?.name ?? '?', pods, allowed: limit });
    }
  }
  return out;
}

/**
 * One sentence per budget that allows some disruptions (those that allow none have their own note): which
 * nodes it blocks and what the run does with them. Such a node still goes, alone, so that the drain's
 * timeout policy (fail, skip, quarantine) decides at run time, as for any drain a budget holds up.
 */
export function blockedNotes(blocked: readonly BlockedNode[]): string[] {
  const byPdb = new Map<string, BlockedNode[]>();
  for (const b of blocked) if (b.allowed > 0) byPdb.set(b.pdb, [...(byPdb.get(b.pdb) ?? []), b]);
  return [...byPdb].map(([pdb, list]) => {
    const nodes = list.slice(0, LISTED).map((b) => `${b.name} (${b.pods})`).join(', ') + (list.length > LISTED ? ` and ${list.length - LISTED} more` : '');
    return `PDB ${pdb} allows ${list[0]?.allowed ?? 0} of its pods per wave, but these nodes alone hold more: ${nodes}; ` +
      'each goes alone and its drain waits for replacements; spread the pods over more nodes (topologySpreadConstraints, anti-affinity) or raise the budget\'s allowance';
  });
}
