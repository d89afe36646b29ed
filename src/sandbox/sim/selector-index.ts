// Which pods each selector (a Service's, a PodDisruptionBudget's) selects, kept current from pod changes,
// with a running count of the healthy ones (Ready, not terminating), so controllers of large fleets read
// counts instead of scanning thousands of pods on every change.
import type { Pod } from '../k8s-types.ts';
import type { LabelMatcher } from '../../lib/selectors.ts';
import type { Change, ObjectStore } from '../store.ts';
import { objectKey } from '../store.ts';
import { isPodReady } from './objects.ts';

interface Entry {
  readonly namespace: string;
  readonly matches: LabelMatcher;
  /** Pod key → latest pod. */
  readonly members: Map<string, Pod>;
  healthy: number;
  /** Bumped whenever a pod joins or leaves, so callers can cache what depends on membership only. */
  generation: number;
}

/** Ready and not being deleted: what a budget counts as healthy and an endpoint as ready. */
export function isHealthy(p: Pod): boolean {
  return !p.metadata.deletionTimestamp && isPodReady(p);
}

export class SelectorIndex {
  private readonly store: ObjectStore;
  private readonly entries = new Map<string, Entry>();
  private readonly byNamespace = new Map<string, Set<string>>();

  constructor(store: ObjectStore) {
    this.store = store;
  }

  /** Sets (or replaces) the selector under `key` and finds its pods. */
  set(key: string, namespace: string, matches: LabelMatcher): void {
    const generation = (this.entries.get(key)?.generation ?? 0) + 1;
    this.remove(key);
    const entry: Entry = { namespace, matches, members: new Map(), healthy: 0, generation };
    for (const p of this.store.list('pods', namespace) as Pod[]) {
      if (!matches(p.metadata.labels)) continue;
      entry.members.set(objectKey(namespace, p.metadata.name), p);
      if (isHealthy(p)) entry.healthy++;
    }
    this.entries.set(key, entry);
    const keys = this.byNamespace.get(namespace) ?? new Set<string>();
    keys.add(key);
    this.byNamespace.set(namespace, keys);
  }

  remove(key: string): void {
    const e = this.entries.get(key);
    if (!e) return;
    this.entries.delete(key);
    this.byNamespace.get(e.namespace)?.delete(key);
  }

  has(key: string): boolean {
    return this.entries.has(key);
  }

  /** Updates membership for a pod change; returns the selector keys whose pods changed. */
  onPodChange(change: Change): string[] {
    const pod = change.object as Pod;
    const namespace = pod.metadata.namespace ?? '';
    const keys = this.byNamespace.get(namespace);
    if (!keys || keys.size === 0) return [];
    const podKey = objectKey(namespace, pod.metadata.name);
    const touched: string[] = [];
    for (const key of keys) {
      const e = this.entries.get(key) as Entry;
      const before = e.members.get(podKey);
      const is = change.type !== 'DELETED' && e.matches(pod.metadata.labels);
      if (before && isHealthy(before)) e.healthy--;
      if (is) {
        e.members.set(podKey, pod);
        if (isHealthy(pod)) e.healthy++;
      } else {
        e.members.delete(podKey);
      }
      if (!before !== !is) e.generation++;
      if (before || is) touched.push(key);
    }
    return touched;
  }

  /** Selector keys in a namespace whose selector matches these labels. */
  matching(namespace: string, labels: Readonly<Record<string, string>> | undefined): string[] {
    const keys = this.byNamespace.get(namespace);
    if (!keys) return [];
    return [...keys].filter((k) => (this.entries.get(k) as Entry).matches(labels));
  }

  pods(key: string): Pod[] {
    const e = this.entries.get(key);
    return e ? [...e.members.values()] : [];
  }

  pod(key: string, name: string): Pod | undefined {
    const e = this.entries.get(key);
    return e?.members.get(objectKey(e.namespace, name));
  }

  size(key: string): number {
    return this.entries.get(key)?.members.size ?? 0;
  }

  healthy(key: string): number {
    return this.entries.get(key)?.healthy ?? 0;
  }

  generation(key: string): number {
    return this.entries.get(key)?.generation ?? 0;
  }
}
