// Which pods each selector (a Service's, a PodDisruptionBudget's) selects, kept current from pod changes,
// so a controller recomputes one selector from its members instead of scanning every pod.
import type { Pod } from '../k8s-types.ts';
import type { LabelMatcher } from '../api/selectors.ts';
import type { Change, ObjectStore } from '../store.ts';
import { objectKey } from '../store.ts';

interface Entry {
  readonly namespace: string;
  readonly matches: LabelMatcher;
  /** Pod key → latest pod. */
  readonly members: Map<string, Pod>;
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
    this.remove(key);
    const members = new Map<string, Pod>();
    for (const p of this.store.list('pods', namespace)) {
      if (matches(p.metadata.labels)) members.set(objectKey(namespace, p.metadata.name), p as Pod);
    }
    this.entries.set(key, { namespace, matches, members });
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
      const was = e.members.has(podKey);
      const is = change.type !== 'DELETED' && e.matches(pod.metadata.labels);
      if (is) e.members.set(podKey, pod);
      else e.members.delete(podKey);
      if (was || is) touched.push(key);
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
}
