// The failure domains waves follow: nodes grouped by the topology label (zones), then by the second level
// (racks), each in name order, with how many nodes of each may be out at once after those already out.
import type { NodeView } from '../kube/types.ts';
import { naturalCompare } from '../lib/natural-compare.ts';
import type { TopologyPolicy } from '../plan/schema.ts';
import type { IntOrPercent } from '../plan/values.ts';
import { resolveIntOrPercent } from '../plan/values.ts';

export interface Rack {
  readonly name: string;
  /** Nodes to maintain, by name. */
  readonly nodes: readonly string[];
  /** Selected nodes in the rack, maintained or not. */
  readonly size: number;
  /** Most nodes of it a wave may take: its cap minus its nodes already unavailable; Infinity uncapped. */
  readonly room: number;
}

export interface Domain {
  readonly name: string;
  readonly racks: readonly Rack[];
  readonly size: number;
  readonly room: number;
}

export interface Topology {
  /** False without a topology policy: one domain "" holding every node. */
  readonly keyed: boolean;
  /** What a domain is called in sentences: the label key's last part ("zone"). */
  readonly noun: string;
  readonly rackNoun?: string;
  readonly serial: boolean;
  readonly domainCap?: IntOrPercent;
  readonly rackCap?: IntOrPercent;
  readonly domains: readonly Domain[];
}

export interface NodeSets {
  readonly selected: readonly NodeView[];
  readonly maintain: ReadonlySet<string>;
  readonly unavailable: ReadonlySet<string>;
}

export function groupTopology(sets: NodeSets, policy: TopologyPolicy | undefined): Topology {
  const domainKey = policy?.key;
  const rackKey = policy?.then?.key;
  const byDomain = groupBy(sets.selected, domainKey);
  const domains = [...byDomain.entries()].sort(byGroupName).map(([name, nodes]) => {
    const racks = [...groupBy(nodes, rackKey).entries()].sort(byGroupName).map(([rack, members]) => ({
      name: rack,
      nodes: members.filter((n) => sets.maintain.has(n.name)).map((n) => n.name),
      size: members.length,
      room: room(policy?.then?.maxPerDomain, members, sets.unavailable),
    }));
    return { name, racks, size: nodes.length, room: room(policy?.maxPerDomain, nodes, sets.unavailable) };
  });
  return {
    keyed: domainKey !== undefined,
    noun: nounOf(domainKey) ?? 'cluster',
    rackNoun: nounOf(rackKey),
    serial: policy?.serial ?? true,
    domainCap: policy?.maxPerDomain,
    rackCap: policy?.then?.maxPerDomain,
    domains,
  };
}

/** "zone eu-1a", "(no zone label)" for nodes without one, "" without topology. */
export function groupLabel(noun: string, name: string): string {
  return name === '' ? `(no ${noun} label)` : `${noun} ${name}`;
}

function groupBy(nodes: readonly NodeView[], key: string | undefined): Map<string, NodeView[]> {
  const out = new Map<string, NodeView[]>();
  for (const n of nodes) {
    const value = key === undefined ? '' : (n.labels[key] ?? '');
    const list = out.get(value) ?? [];
    list.push(n);
    out.set(value, list);
  }
  return out;
}

/** Name order; nodes without the label go last. */
function byGroupName(a: [string, unknown], b: [string, unknown]): number {
  if (a[0] === '' || b[0] === '') return a[0] === b[0] ? 0 : a[0] === '' ? 1 : -1;
  return naturalCompare(a[0], b[0]);
}

function room(cap: IntOrPercent | undefined, members: readonly NodeView[], unavailable: ReadonlySet<string>): number {
  if (cap === undefined) return Infinity;
  const out = members.filter((n) => unavailable.has(n.name)).length;
  return resolveIntOrPercent(cap, members.length, 1) - out;
}

function nounOf(key: string | undefined): string | undefined {
  if (key === undefined) return undefined;
  return key.slice(key.lastIndexOf('/') + 1) || key;
}
