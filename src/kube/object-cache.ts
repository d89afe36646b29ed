// Every node of the cluster as one list and one watch keep it, for as long as the adapter lives: reads
// of nodes (the budget's room, gates, a node's readiness, waits for a reboot) cost no request each, as an
// informer does for a controller. Writes never trust it alone: they carry the resourceVersion it saw,
// and a conflict sends them to the API server for a fresh read.
import type { V1Node } from '@kubernetes/client-node';
import { abortError } from '../lib/clock.ts';
import { isAbortError } from '../lib/errors.ts';
import type { KubeApi } from './api.ts';
import { listNodeObjects } from './reads.ts';
import { watchUntil } from './watch-wait.ts';

type Listener = (node: V1Node | undefined, name: string) => void;

export class NodeCache {
  private readonly api: KubeApi;
  private readonly nodes = new Map<string, V1Node>();
  private readonly listeners = new Set<Listener>();
  private readonly stop = new AbortController();
  private started: Promise<void> | undefined;

  constructor(api: KubeApi) {
    this.api = api;
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

  get(name: string): V1Node | undefined {
    return this.nodes.get(name);
  }

  all(): V1Node[] {
    return [...this.nodes.values()];
  }

  /** Calls `fn` on every change of a node (undefined when deleted) until the returned function is called. */
  subscribe(fn: Listener): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  close(): void {
    this.stop.abort();
  }

  private start(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      let listed = false;
      const loop = watchUntil<V1Node>(this.api, {
        path: '/api/v1/nodes',
        fieldSelector: '',
        list: async (s) => {
          try {
            return await listNodeObjects(this.api, s);
          } catch (e: unknown) {
            // The first list's failure is the caller's; later ones are retried by the watch loop.
            if (!listed) reject(e);
            throw e;
          }
        },
        onList: (items) => {
          const seen = new Set(items.map((n) => n.metadata?.name ?? ''));
          for (const name of [...this.nodes.keys()]) if (!seen.has(name)) this.set(name, undefined);
          for (const n of items) this.set(n.metadata?.name ?? '', n);
          listed = true;
          resolve();
          return false;
        },
        onEvent: (type, n) => {
          this.set(n.metadata?.name ?? '', type === 'DELETED' ? undefined : n);
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

  private set(name: string, node: V1Node | undefined): void {
    if (!name) return;
    const had = this.nodes.get(name);
    // An event older than what a write of ours already put here (a watch lagging) is ignored.
    if (node && had && Number(had.metadata?.resourceVersion) > Number(node.metadata?.resourceVersion)) return;
    if (node) this.nodes.set(name, node);
    else this.nodes.delete(name);
    for (const fn of this.listeners) fn(node, name);
  }

  /** What a write of ours returned: newer than the watch may have delivered yet. */
  learn(node: V1Node): void {
    this.set(node.metadata?.name ?? '', node);
  }
}
