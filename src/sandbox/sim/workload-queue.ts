// The queueing every workload controller shares: its own objects by key, and the owners of pods that
// changed, so a pod becoming Ready wakes exactly the controller that owns it.
import type { KObject } from '../k8s-types.ts';
import type { Change } from '../store.ts';
import { objectKey } from '../store.ts';
import type { Controller, SimContext } from './context.ts';
import { controllerOf } from './objects.ts';

export class WorkloadQueue {
  private readonly resource: string;
  private readonly kind: string;
  private readonly keys = new Set<string>();

  /** `resource` is the controller's own type (`replicasets.apps`), `kind` its Kind (`ReplicaSet`). */
  constructor(resource: string, kind: string) {
    this.resource = resource;
    this.kind = kind;
  }

  onChange(change: Change, dependents: readonly string[] = ['pods']): void {
    if (change.resource === this.resource) {
      if (statusOnly(change)) return;
      this.keys.add(objectKey(change.object.metadata.namespace, change.object.metadata.name));
    } else if (dependents.includes(change.resource)) {
      this.addOwner(change.object);
      if (change.old) this.addOwner(change.old);
    }
  }

  add(key: string): void {
    this.keys.add(key);
  }

  private addOwner(o: KObject): void {
    const owner = controllerOf(o);
    if (owner?.kind === this.kind) this.keys.add(objectKey(o.metadata.namespace, owner.name));
  }

  /** Takes every queued key. */
  drain(): string[] {
    const out = [...this.keys];
    this.keys.clear();
    return out;
  }

  get size(): number {
    return this.keys.size;
  }
}

/** A controller of one workload kind: queued by changes to its objects and to their dependents, one sync per key. */
export abstract class WorkloadController implements Controller {
  abstract readonly name: string;
  protected readonly ctx: SimContext;
  protected readonly queue: WorkloadQueue;
  private readonly dependents: readonly string[];

  constructor(ctx: SimContext, own: { resource: string; kind: string; dependents?: readonly string[] }) {
    this.ctx = ctx;
    this.queue = new WorkloadQueue(own.resource, own.kind);
    this.dependents = own.dependents ?? ['pods'];
  }

  onChange(change: Change): void {
    this.queue.onChange(change, this.dependents);
  }

  reconcile(): boolean {
    if (this.queue.size === 0) return false;
    for (const key of this.queue.drain()) this.sync(key);
    return true;
  }

  protected abstract sync(key: string): void;
}

/** A write of the controller's own status: nothing to reconcile, or every status write would loop back. */
function statusOnly(change: Change): boolean {
  const old = change.old;
  return change.type === 'MODIFIED' && old !== undefined && old.spec === change.object.spec && old.metadata.deletionTimestamp === change.object.metadata.deletionTimestamp;
}

export function splitKey(key: string): [string | undefined, string] {
  const i = key.indexOf('/');
  return i < 0 ? [undefined, key] : [key.slice(0, i), key.slice(i + 1)];
}

/** Resolves an int-or-percent against a total, rounding up or down as Kubernetes does for each field. */
export function scaled(value: number | string | undefined, total: number, roundUp: boolean, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value === 'number') return value;
  const m = /^(\d+)%$/.exec(value);
  if (!m) return Number.isFinite(Number(value)) ? Number(value) : fallback;
  const exact = (Number(m[1]) * total) / 100;
  return roundUp ? Math.ceil(exact) : Math.floor(exact);
}
