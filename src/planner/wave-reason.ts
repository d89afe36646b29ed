// The sentence that says why a wave holds these nodes and no more: where they are, the budget, and what
// held the wave below it (a PodDisruptionBudget, a per-zone cap, the zone's last nodes).
import type { Domain, Rack, Topology } from './topology.ts';
import { groupLabel } from './topology.ts';
import type { Candidate, WaveFill } from './wave-fill.ts';

const RACKS_LISTED = 4;

export interface ReasonContext {
  readonly topology: Topology;
  readonly canary: boolean;
  readonly budgetText: string;
  /** The wave's nodes in topology order. */
  readonly taken: readonly Candidate[];
}

/** "zone eu-1a (1/3 by name), racks r1+r2 (1 of 2): 3 nodes (budget 3 of 12); held to 3 by …". */
export function describeWave(fill: WaveFill, at: ReasonContext): string {
  const where = place(at.topology, at.taken);
  const n = at.taken.length;
  const count = n === 1 ? '1 node' : `${n} nodes`;
  const prefix = at.canary ? 'canary: ' : '';
  if (fill.over) {
    const pdb = fill.rules.pdbNames[fill.over.pdb] ?? '?';
    const allowed = fill.allowanceOf(fill.over.pdb);
    const pods = fill.over.pods === 1 ? '1 pod' : `${fill.over.pods} pods`;
    const wait = allowed === 0 ? 'which allows none now; its drain waits until it does' : `which allows ${allowed} at once; its drain waits for replacements`;
    return `${prefix}${where}: ${count} alone, it holds ${pods} of PDB ${pdb}, ${wait}`;
  }
  const alone = at.canary ? ' first, alone' : '';
  return `${prefix}${where}: ${count}${alone} (${at.budgetText})${limit(fill, at)}`;
}

function limit(fill: WaveFill, at: ReasonContext): string {
  const n = at.taken.length;
  if (n >= fill.capacity) return fill.rules.spread ? `; ${fill.rules.spread}` : '';
  if (fill.limit) return `; held to ${n} by ${fill.limit}`;
  if (at.canary) return '';
  const t = at.topology;
  return t.keyed && t.serial ? `; the last nodes of the ${t.noun}` : '; the last nodes';
}

function place(t: Topology, taken: readonly Candidate[]): string {
  const domains = [...new Set(taken.map((c) => c.domain))];
  const racks = t.rackNoun === undefined ? '' : `, ${rackText(t.rackNoun, taken)}`;
  if (!t.keyed) return `all nodes by name${racks}`;
  if (domains.length > 1) return `${t.noun}s ${domains.map((d) => d.name || '(none)').join('+')}${racks}`;
  const domain = domains[0] as Domain;
  const position = t.domains.length > 1 ? ` (${t.domains.indexOf(domain) + 1}/${t.domains.length} by name)` : '';
  return `${groupLabel(t.noun, domain.name)}${position}${racks}`;
}

/** "rack r1", "racks r1+r2 (2 of 4)": a rack the wave takes only part of says how much. */
function rackText(noun: string, taken: readonly Candidate[]): string {
  const perRack = new Map<Rack, number>();
  for (const c of taken) perRack.set(c.rack, (perRack.get(c.rack) ?? 0) + 1);
  const parts = [...perRack].map(([rack, k]) => `${rack.name || `(no ${noun} label)`}${k < rack.size ? ` (${k} of ${rack.size})` : ''}`);
  if (parts.length > RACKS_LISTED) return `${parts.length} ${noun}s ${parts[0]} … ${parts.at(-1)}`;
  return `${parts.length === 1 ? noun : `${noun}s`} ${parts.join('+')}`;
}
