// Pods of each spread group (a topology constraint's selector, or a controller's pods) per node and per
// zone, kept current from pod changes: the scheduler reads them for every placement instead of counting
// thirty thousand pods again.
import type { Node, Pod } from '../k8s-types.ts';
import type { Change } from '../store.ts';
import { isPodActive } from './objects.ts';

export interface SpreadGroup {
  readonly perNode: ReadonlyMap<string, number>;
  readonly perZone: ReadonlyMap<string, number>;
}

interface Group {
  readonly namespace: string | undefined;
  readonly matches: (p: Pod) => boolean;
  readonly perNode: Map<string, number>;
  readonly perZone: Map<string, number>;
}

/** A pod counts where it is bound while it is not being deleted or finished. */
function counted(p: Pod | undefined): p is Pod {
  return p !== undefined && !!p.spec?.nodeName && isPodActive(p);
}

export class SpreadCounts {
  private readonly groups = new Map<string, Group>();
  private readonly byNamespace = new Map<string | undefined, Group[]>();
  private readonly zones = new Map<string, string>();

  constructor(zoneLabel: string, nodes: () => readonly Node[]) {
    for (const n of nodes()) this.zones.set(n.metadata.name, n.metadata.labels?.[zoneLabel] ?? '');
    this.zoneLabel = zoneLabel;
  }

  private readonly zoneLabel: string;

  onChange(change: Change): void {
    if (change.resource === 'nodes') {
      if (change.type === 'DELETED') this.zones.delete(change.object.metadata.name);
      else this.zones.set(change.object.metadata.name, change.object.metadata.labels?.[this.zoneLabel] ?? '');
      return;
    }
    if (change.resource !== 'pods') return;
    const groups = this.byNamespace.get(change.object.metadata.namespace);
    if (!groups) return;
    const before = change.old as Pod | undefined;
    const after = change.type === 'DELETED' ? undefined : (change.object as Pod);
    for (const g of groups) {
      if (counted(before) && g.matches(before)) this.bump(g, before.spec.nodeName as string, -1);
      if (counted(after) && g.matches(after)) this.bump(g, after.spec.nodeName as string, 1);
    }
  }

  /** The counts of group `key`, counting the pods once when the group is first asked for. */
  group(key: string, namespace: string | undefined, matches: (p: Pod) => boolean, pods: () => Iterable<Pod>): SpreadGroup {
    let g = this.groups.get(key);
    if (g) return g;
    g = { namespace, matches, perNode: new Map(), perZone: new Map() };
    for (const p of pods()) if (p.metadata.namespace === namespace && counted(p) && matches(p)) this.bump(g, p.spec.nodeName as string, 1);
    this.groups.set(key, g);
    const list = this.byNamespace.get(namespace) ?? [];
    list.push(g);
    this.byNamespace.set(namespace, list);
    return g;
  }

  private bump(g: Group, node: string, by: number): void {
    g.perNode.set(node, (g.perNode.get(node) ?? 0) + by);
    const zone = this.zones.get(node) ?? '';
    g.perZone.set(zone, (g.perZone.get(zone) ?? 0) + by);
  }
}
