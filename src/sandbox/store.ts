// The object store of one simulated region: objects by resource type in key order, a resourceVersion
// counter, synchronous change listeners and a bounded history that watches resume from.
import type { KObject } from './k8s-types.ts';

export type ChangeType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface Change {
  readonly type: ChangeType;
  /** Resource key: `pods`, `deployments.apps`. */
  readonly resource: string;
  readonly object: KObject;
  readonly old?: KObject;
  readonly rv: number;
}

export type Listener = (change: Change) => void;

/** Objects of one resource type, keyed `namespace/name` (or `name`), with the keys kept sorted for paging. */
class Collection {
  readonly objects = new Map<string, KObject>();
  readonly keys: string[] = [];

  insertKey(key: string): void {
    this.keys.splice(lowerBound(this.keys, key), 0, key);
  }

  removeKey(key: string): void {
    const i = lowerBound(this.keys, key);
    if (this.keys[i] === key) this.keys.splice(i, 1);
  }
}

/** Index of the first key >= `key`. */
export function lowerBound(keys: readonly string[], key: string): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((keys[mid] as string) < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export function objectKey(namespace: string | undefined, name: string): string {
  return namespace ? `${namespace}/${name}` : name;
}

export interface StoreOptions {
  /** How many changes watches can resume from before they get 410 Gone. */
  readonly historySize?: number;
}

/** Stored objects are never mutated in place: every write stores a new object, so references stay snapshots. */
export class ObjectStore {
  private rv = 0;
  private readonly collections = new Map<string, Collection>();
  private readonly listeners = new Set<Listener>();
  private readonly history: (Change | undefined)[];
  private historyNext = 0;
  private compacted = 0;

  constructor(options: StoreOptions = {}) {
    this.history = new Array<Change | undefined>(options.historySize ?? 10_000);
  }

  get resourceVersion(): number {
    return this.rv;
  }

  get(resource: string, namespace: string | undefined, name: string): KObject | undefined {
    return this.collections.get(resource)?.objects.get(objectKey(namespace, name));
  }

  /** All objects of a type, in key order; within one namespace when `namespace` is given. */
  list(resource: string, namespace?: string): KObject[] {
    return this.page(resource, { namespace, limit: Infinity }).items;
  }

  /** Objects of a type in key order, after the key `after`, that pass `filter`, at most `limit`. */
  page(resource: string, q: { namespace?: string | undefined; after?: string; limit: number; filter?: (o: KObject) => boolean }): { items: KObject[]; next?: string; remaining: number } {
    const c = this.collections.get(resource);
    if (!c) return { items: [], remaining: 0 };
    const prefix = q.namespace ? `${q.namespace}/` : '';
    let i = q.after !== undefined ? lowerBound(c.keys, q.after) : lowerBound(c.keys, prefix);
    if (q.after !== undefined && c.keys[i] === q.after) i++;
    const items: KObject[] = [];
    let last: string | undefined;
    for (; i < c.keys.length; i++) {
      const key = c.keys[i] as string;
      if (prefix && !key.startsWith(prefix)) break;
      const o = c.objects.get(key) as KObject;
      if (q.filter && !q.filter(o)) continue;
      if (items.length === q.limit) return { items, next: last, remaining: this.countFrom(c, i, prefix) };
      items.push(o);
      last = key;
    }
    return { items, remaining: 0 };
  }

  private countFrom(c: Collection, from: number, prefix: string): number {
    if (!prefix) return c.keys.length - from;
    return lowerBound(c.keys, `${prefix.slice(0, -1)}0`) - from;
  }

  count(resource: string): number {
    return this.collections.get(resource)?.objects.size ?? 0;
  }

  /** Stores a new object; the caller has checked it does not exist and filled uid and timestamps. */
  create(resource: string, object: KObject): KObject {
    const c = this.collection(resource);
    const key = objectKey(object.metadata.namespace, object.metadata.name);
    if (c.objects.has(key)) throw new Error(`store: ${resource} ${key} exists`);
    const stored = this.stamp(object);
    c.objects.set(key, stored);
    c.insertKey(key);
    this.emit({ type: 'ADDED', resource, object: stored, rv: this.rv });
    return stored;
  }

  /** Replaces an existing object with a new one. */
  replace(resource: string, object: KObject): KObject {
    const c = this.collection(resource);
    const key = objectKey(object.metadata.namespace, object.metadata.name);
    const old = c.objects.get(key);
    if (!old) throw new Error(`store: ${resource} ${key} does not exist`);
    const stored = this.stamp(object);
    c.objects.set(key, stored);
    this.emit({ type: 'MODIFIED', resource, object: stored, old, rv: this.rv });
    return stored;
  }

  /** Removes an object for good; watchers get DELETED with its last state. */
  remove(resource: string, namespace: string | undefined, name: string): KObject | undefined {
    const c = this.collections.get(resource);
    const key = objectKey(namespace, name);
    const old = c?.objects.get(key);
    if (!c || !old) return undefined;
    c.objects.delete(key);
    c.removeKey(key);
    this.rv++;
    const last = { ...old, metadata: { ...old.metadata, resourceVersion: String(this.rv) } };
    this.emit({ type: 'DELETED', resource, object: last, old, rv: this.rv });
    return last;
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Forgets the history up to now, as etcd's compaction does: a watch from an older resourceVersion then
   * gets 410 Gone (kube-apiserver compacts every 5 minutes; tests call this to see it at once).
   */
  compact(): void {
    this.history.fill(undefined);
    this.historyNext = 0;
    this.compacted = this.rv;
  }

  /** The resourceVersion of the last compaction (0: never): older list snapshots are gone too. */
  get compactedRevision(): number {
    return this.compacted;
  }

  /** Changes after `rv`, oldest first, or undefined when the history no longer reaches back that far. */
  changesSince(rv: number): Change[] | undefined {
    if (rv >= this.rv) return [];
    const size = this.history.length;
    const count = Math.min(this.historyNext, size);
    const oldest = this.history[(this.historyNext - count) % size];
    if (!oldest || oldest.rv > rv + 1) return undefined;
    const out: Change[] = [];
    for (let i = this.historyNext - count; i < this.historyNext; i++) {
      const change = this.history[i % size] as Change;
      if (change.rv > rv) out.push(change);
    }
    return out;
  }

  private collection(resource: string): Collection {
    let c = this.collections.get(resource);
    if (!c) {
      c = new Collection();
      this.collections.set(resource, c);
    }
    return c;
  }

  private stamp(object: KObject): KObject {
    this.rv++;
    return { ...object, metadata: { ...object.metadata, resourceVersion: String(this.rv) } };
  }

  private emit(change: Change): void {
    this.history[this.historyNext % this.history.length] = change;
    this.historyNext++;
    for (const listener of this.listeners) listener(change);
  }
}
