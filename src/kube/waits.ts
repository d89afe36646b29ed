// The waits of a drain and a node action: until a node's evicted pods are gone and until its pods are in a
// state, each through one watch, and until a node reaches a state (rebooted, Ready), through the node cache.
import type { V1Node, V1Pod } from '@kubernetes/client-node';
import type { Clock } from '../lib/clock.ts';
import { abortError } from '../lib/clock.ts';
import type { NodeCache } from './object-cache.ts';
import type { KubeApi } from './api.ts';
import { listPodObjects } from './reads.ts';
import type { NodeView } from './types.ts';
import { nodeView } from './views.ts';
import { watchUntil, withClusterTimeout } from './watch-wait.ts';
import type { WatchSpec } from './watch-wait.ts';

export interface WaitContext {
  readonly api: KubeApi;
  readonly clock: Clock;
}

/**
 * Waits until every pod in `uids` has left `node`: DELETED, absent from a (re)list, or its name taken by a
 * pod with another UID. Returns the UIDs still there when `timeoutMs` of cluster time passed.
 */
export async function waitPodsGone(c: WaitContext, node: string, uids: readonly string[], timeoutMs: number, signal?: AbortSignal): Promise<string[]> {
  const pending = new Set(uids);
  if (pending.size === 0) return [];
  const names = new Map<string, string>();
  const fieldSelector = `spec.nodeName=${node}`;
  const spec: WatchSpec<V1Pod> = {
    path: '/api/v1/pods',
    fieldSelector,
    list: (s) => listPodObjects(c.api, s, fieldSelector),
    onList: (pods) => {
      const present = new Set(pods.map(uidOf));
      for (const uid of pending) if (!present.has(uid)) pending.delete(uid);
      for (const p of pods) if (pending.has(uidOf(p))) names.set(uidOf(p), keyOf(p));
      return pending.size === 0;
    },
    onEvent: (type, p) => {
      if (type === 'DELETED') pending.delete(uidOf(p));
      else for (const [uid, key] of names) if (key === keyOf(p) && uid !== uidOf(p)) pending.delete(uid);
      return pending.size === 0;
    },
  };
  await withClusterTimeout(c.clock, timeoutMs, signal, (s) => watchUntil(c.api, spec, s));
  return uids.filter((u) => pending.has(u));
}

function uidOf(p: V1Pod): string {
  return p.metadata?.uid ?? '';
}

function keyOf(p: V1Pod): string {
  return `${p.metadata?.namespace ?? ''}/${p.metadata?.name ?? ''}`;
}

/**
 * The same wait over the adapter's node cache: no request of its own, the cache's watch tells it every
 * change; undefined at the timeout.
 */
export async function waitForCachedNode(c: { cache: NodeCache; clock: Clock }, name: string, done: (n: NodeView) => boolean, timeoutMs: number, signal?: AbortSignal): Promise<NodeView | undefined> {
  await c.cache.ready(signal);
  let reached: NodeView | undefined;
  const check = (n: V1Node | undefined): boolean => {
    if (!n) return false;
    const view = nodeView(n);
    if (!done(view)) return false;
    reached = view;
    return true;
  };
  if (check(c.cache.get(name))) return reached;
  const finished = await withClusterTimeout(c.clock, timeoutMs, signal, (s) =>
    new Promise<void>((resolve, reject) => {
      const stop = c.cache.subscribe((n, changed) => {
        if (changed === name && check(n)) {
          stop();
          resolve();
        }
      });
      if (check(c.cache.get(name))) {
        stop();
        resolve();
      }
      s.addEventListener('abort', () => {
        stop();
        reject(abortError());
      }, { once: true });
    }),
  );
  return finished ? reached : undefined;
}

