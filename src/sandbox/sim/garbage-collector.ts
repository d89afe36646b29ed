// The garbage collector: when an owner is deleted its dependents go too (background propagation), and
// pods bound to a node that no longer exists are removed.
import type { Pod } from '../k8s-types.ts';
import type { Change } from '../store.ts';
import type { Controller, SimContext } from './context.ts';
import type { PodIndex } from './pod-index.ts';
import { deletePod } from './pods.ts';

export class GarbageCollector implements Controller {
  readonly name = 'garbage-collector';
  private readonly ctx: SimContext;
  private readonly pods: PodIndex;
  private readonly owners = new Set<string>();
  private readonly nodes = new Set<string>();

  constructor(ctx: SimContext, pods: PodIndex) {
    this.ctx = ctx;
    this.pods = pods;
  }

  onChange(change: Change): void {
    if (change.type !== 'DELETED') return;
    this.owners.add(change.object.metadata.uid);
    if (change.resource === 'nodes') this.nodes.add(change.object.metadata.name);
  }

  reconcile(): boolean {
    if (this.owners.size === 0 && this.nodes.size === 0) return false;
    const owners = [...this.owners];
    const nodes = [...this.nodes];
    this.owners.clear();
    this.nodes.clear();
    for (const uid of owners) this.collect(uid);
    for (const node of nodes) for (const pod of this.pods.podsOn(node)) deletePod(this.ctx, pod, 0);
    return true;
  }

  private collect(uid: string): void {
    for (const d of this.ctx.owners.dependents(uid)) {
      const o = this.ctx.store.get(d.resource, d.namespace, d.name);
      if (!o) continue;
      const others = (o.metadata.ownerReferences ?? []).filter((r) => r.uid !== uid);
      if (others.length > 0) this.ctx.store.replace(d.resource, { ...o, metadata: { ...o.metadata, ownerReferences: others } });
      else if (d.resource === 'pods') deletePod(this.ctx, o as Pod);
      else this.ctx.store.remove(d.resource, d.namespace, d.name);
    }
  }
}
