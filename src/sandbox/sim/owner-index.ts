// Which stored objects each owner (by uid) has, with their latest state, kept current from store
// changes: controllers read their pods from it without a store lookup per pod, and the garbage collector
// finds dependents.
import type { KObject, Pod } from '../k8s-types.ts';
import type { Change } from '../store.ts';
import { objectKey } from '../store.ts';
import { isPodActive, isPodReady } from './objects.ts';

export interface Dependent {
  readonly resource: string;
  readonly namespace: string | undefined;
  readonly name: string;
  readonly object: KObject;
}

/** Running counts of an owner's pods, so status writes need no scan. */
export interface PodCounts {
  /** Not being deleted and not finished. */
  active: number;
  /** Active and Ready. */
  ready: number;
}

export class OwnerIndex {
  private readonly byOwner = new Map<string, Map<string, Dependent>>();
  private readonly counts = new Map<string, PodCounts>();

  onChange(change: Change): void {
    const { old, object, resource } = change;
    if (resource === 'pods') {
      if (old) this.count(old as Pod, -1);
      if (change.type !== 'DELETED') this.count(object as Pod, 1);
    }
    if (old && (change.type === 'DELETED' || old.metadata.ownerReferences !== object.metadata.ownerReferences)) {
      this.drop(resource, old);
    }
    if (change.type !== 'DELETED') this.add(resource, object);
  }

  podCounts(ownerUid: string): PodCounts {
    return this.counts.get(ownerUid) ?? { active: 0, ready: 0 };
  }

  private count(p: Pod, sign: 1 | -1): void {
    if (!isPodActive(p)) return;
    const ready = isPodReady(p) ? sign : 0;
    for (const ref of p.metadata.ownerReferences ?? []) {
      const c = this.counts.get(ref.uid) ?? { active: 0, ready: 0 };
      c.active += sign;
      c.ready += ready;
      if (c.active === 0 && c.ready === 0) this.counts.delete(ref.uid);
      else this.counts.set(ref.uid, c);
    }
  }

  /** Dependents of the owner with this uid, optionally of one resource type only. */
  dependents(ownerUid: string, resource?: string): Dependent[] {
    const all = this.byOwner.get(ownerUid);
    if (!all) return [];
    const list = [...all.values()];
    return resource ? list.filter((d) => d.resource === resource) : list;
  }

  /** The current objects of one type that this owner has. */
  objects<T extends KObject>(ownerUid: string, resource: string): T[] {
    const out: T[] = [];
    for (const d of this.byOwner.get(ownerUid)?.values() ?? []) if (d.resource === resource) out.push(d.object as T);
    return out;
  }

  private add(resource: string, o: KObject): void {
    for (const ref of o.metadata.ownerReferences ?? []) {
      let deps = this.byOwner.get(ref.uid);
      if (!deps) {
        deps = new Map();
        this.byOwner.set(ref.uid, deps);
      }
      deps.set(`${resource}|${objectKey(o.metadata.namespace, o.metadata.name)}`, { resource, namespace: o.metadata.namespace, name: o.metadata.name, object: o });
    }
  }

  private drop(resource: string, o: KObject): void {
    for (const ref of o.metadata.ownerReferences ?? []) {
      const deps = this.byOwner.get(ref.uid);
      if (!deps) continue;
      deps.delete(`${resource}|${objectKey(o.metadata.namespace, o.metadata.name)}`);
      if (deps.size === 0) this.byOwner.delete(ref.uid);
    }
  }
}
