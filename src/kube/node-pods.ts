// The pods of one node as one list and one watch keep them while the node is maintained: the drain's
// decisions, the wait until evicted pods are gone and the wait until its DaemonSet pods are Ready again
// after the reboot all read it, as a kubelet watches its own pods, instead of listing anew each time.
import type { V1Pod } from '@kubernetes/client-node';
import { abortError } from '../lib/clock.ts';
import type { Clock } from '../lib/clock.ts';
import { isAbortError } from '../lib/errors.ts';
import type { KubeApi } from './api.ts';
import { listPodObjects } from './reads.ts';
import type { NodePods, PodView } from './types.ts';
import { watchUntil, withClusterTimeout } from './watch-wait.ts';

export interface NodePodsSource {
  readonly api: KubeApi;
  readonly clock: Clock;
  readonly node: string;
  /** A pod's view with what is known of its owners now. */
  readonly view: (pod: V1Pod) => PodView;
  /** Learns the owners of these pods (ReplicaSets to their Deployments). */
  readonly learn: (pods: V1Pod[], signal?: AbortSignal) => Promise<void>;
}

export async function openNodePods(o: NodePodsSource, signal?: AbortSignal): Promise<NodePods> {
  const pods = new Map<string, V1Pod>();
  const listeners = new Set<() => void>();
  const stop = new AbortController();
  const changed = () => {
    for (const fn of listeners) fn();
  };
  let first: ((e?: unknown) => void) | undefined;
  const listed = new Promise<void>((resolve, reject) => {
    first = (e?: unknown) => (e === undefined ? resolve() : reject(e));
  });
  const fieldSelector = `spec.nodeName=${o.node}`;
  const uidOf = (p: V1Pod) => p.metadata?.uid ?? '';
  watchUntil<V1Pod>(o.api, {
    path: '/api/v1/pods',
    fieldSelector,
    list: (s) => listPodObjects(o.api, s, fieldSelector),
    onList: (items) => {
      pods.clear();
      for (const p of items) pods.set(uidOf(p), p);
      first?.();
      changed();
      return false;
    },
    onEvent: (type, p) => {
      if (type === 'DELETED') pods.delete(uidOf(p));
      else pods.set(uidOf(p), p);
      changed();
      return false;
    },
  }, signal ? AbortSignal.any([signal, stop.signal]) : stop.signal).catch((e: unknown) => {
    if (!isAbortError(e)) first?.(e);
    // A watch that gave up leaves the waits to their timeouts; a closed one ends quietly.
  });
  await listed;
  const now = () => [...pods.values()];
  return {
    async pods(s) {
      const list = now();
      await o.learn(list, s);
      return list.map(o.view);
    },
    async waitUntil(done, timeoutMs, s) {
      const check = () => done(now().map(o.view));
      if (check()) return true;
      return withClusterTimeout(o.clock, timeoutMs, s, (w) =>
        new Promise<void>((resolve, reject) => {
          const fn = () => {
            if (!check()) return;
            listeners.delete(fn);
            resolve();
          };
          listeners.add(fn);
          w.addEventListener('abort', () => {
            listeners.delete(fn);
            reject(abortError());
          }, { once: true });
          fn();
        }),
      );
    },
    close: () => stop.abort(),
  };
}
