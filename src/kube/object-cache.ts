// Every object of a kind as one list and one watch keep it, for as long as the adapter lives (an
// informer, as controllers have): reads of nodes (the budget's room, gates, a node's readiness, waits
// for a reboot) and of disruption budgets cost no request each. Writes never trust it alone: they carry
// the resourceVersion it saw, and a conflict sends them to the API server for a fresh read.
import type { V1Node, V1PodDisruptionBudget } from '@kubernetes/client-node';
import { abortError } from '../lib/clock.ts';
import { isAbortError } from '../lib/errors.ts';
import type { KubeApi } from './api.ts';
import { listAll, listNodeObjects } from './reads.ts';
import { watchUntil } from './watch-wait.ts';

interface Cached {
  metadata?: { name?: string; namespace?: string; resourceVersion?: string };
}

type Listener<T> = (object: T | undefined, key: string) => void;

interface Source<T> {
  /** The collection's URL path, such as `/api/v1/nodes`. */
  readonly path: string;
  list(api: KubeApi, signal: AbortSignal): Promise<{ items: T[]; resourceVersion: string }>;
}

export class ObjectCache<T extends Cached> {
  private readonly api: KubeApi;
  private readonly source: Source<T>;
  private readonly nodes = new Map<string, T>();
  private readonly listeners = new Set<Listener<T>>();
  private readonly stop = new AbortController();
  private started: Promise<void> | undefined;

  constructor(api: KubeApi, source: Source<T>) {
    this.api = api;
    this.source = source;
  }

  /** Resolves once the first list is in; starts the list and the watch on first use. */
  ready(signal?: AbortSignal): Promise<void> {
    this.started ??= this.start();
    if (!signal) return this.started;
    if (signal.aborted) return Promise.reject(abortError());
    return new Promise((resolve, reject) => {
      const onAbort = () => reject(abortError());
      signal.addEventListener('abort', onAbort, { once: true });
      this.started?.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
    });
  }

  /** By name, or `namespace/name` for namespaced kinds. */
  get(key: string): T | undefined {
    return this.nodes.get(key);
  }

  all(): T[] {
    return [...this.nodes.values()];
  }

  /** Calls `fn` on every change of an object (undefined when deleted) until the returned function is called. */
  subscribe(fn: Listener<T>): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  close(): void {
    this.stop.abort();
  }

  private start(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      let listed = false;
      const loop = watchUntil<T>(this.api, {
        path: this.source.path,
        fieldSelector: '',
        list: async (s) => {
          try {
            return await this.source.list(this.api, s);
          } catch (e: unknown) {
            // The first list's failure is the caller's; later ones are retried by the watch loop.
            if (!listed) reject(e);
            throw e;
          }
        },
        onList: (items) => {
          const seen = new Set(items.map(keyOf));
          for (const key of [...this.nodes.keys()]) if (!seen.has(key)) this.set(key, undefined);
          for (const n of items) this.set(keyOf(n), n);
          listed = true;
          resolve();
          return false;
        },
        onEvent: (type, n) => {
          this.set(keyOf(n), type === 'DELETED' ? undefined : n);
          return false;
        },
      }, this.stop.signal);
      loop.catch((e: unknown) => {
        if (isAbortError(e)) return;
        if (!listed) reject(e);
        // The watch loop gave up (a relist kept failing): the next read starts over with a fresh list.
        else this.started = undefined;
      });
    }).catch((e: unknown) => {
      // A cache that could not list is not kept: the next read tries again.
      this.started = undefined;
      throw e;
    });
  }

  private set(name: string, node: T | undefined): void {
    if (!name) return;
    const had = this.nodes.get(name);
    // An event older than what a write of ours already put here (a watch lagging) is ignored.
    if (node && had && Number(had.metadata?.resourceVersion) > Number(node.metadata?.resourceVersion)) return;
    if (node) this.nodes.set(name, node);
    else this.nodes.delete(name);
    for (const fn of this.listeners) fn(node, name);
  }

  /** What a write of ours returned: newer than the watch may have delivered yet. */
  learn(object: T): void {
    this.set(keyOf(object), object);
  }
}

function keyOf(o: Cached): string {
  const name = o.metadata?.name ?? '';
  return o.metadata?.namespace ? `${o.metadata.namespace}/${name}` : name;
}

export type NodeCache = ObjectCache<V1Node>;

export function nodeCache(api: KubeApi): NodeCache {
  return new ObjectCache<V1Node>(api, { path: '/api/v1/nodes', list: (a, s) => listNodeObjects(a, s) });
}

export type PdbCache = ObjectCache<V1PodDisruptionBudget>;

export function pdbCache(api: KubeApi): PdbCache {
  return new ObjectCache<V1PodDisruptionBudget>(api, {
    path: '/apis/policy/v1/poddisruptionbudgets',
    list: (a, s) => listAll(a, 'list PodDisruptionBudgets', (p, o) => a.policy.listPodDisruptionBudgetForAllNamespaces(p, o), s),
  });
}
