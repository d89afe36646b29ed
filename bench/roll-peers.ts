// The procedures Daylight is compared with, run on the same sandbox through the same adapter: the runbook
// (one node at a time: drain as kubectl does, reboot, wait Ready, uncordon) and kured's default
// (concurrency 1, a lock taken at each node's own --period tick), the latter as a model over measured steps.
import type { Cluster } from '../src/engine/ports/cluster.ts';
import type { PodView } from '../src/kube/types.ts';
import type { Clock } from '../src/lib/clock.ts';
import { seededRng } from '../src/sandbox/sim/random.ts';

export interface NodeTiming {
  readonly node: string;
  readonly drainMs: number;
  readonly rebootMs: number;
  readonly readyMs: number;
}

/** kubectl drain's way: every pod evicted at once, a 429 retried after 5 s, each pod polled every second until gone. */
export async function runbookNode(cluster: Cluster, clock: Clock, node: string): Promise<NodeTiming> {
  const t0 = clock.now();
  await cluster.nodes.cordon(node, 'runbook');
  const pods = (await cluster.pods.onNode(node)).filter((p) => p.controller?.kind !== 'DaemonSet' && !p.mirror && !p.terminating);
  await Promise.all(pods.map((p) => evictLikeKubectl(cluster, clock, p)));
  const t1 = clock.now();
  const before = await cluster.nodes.get(node);
  await cluster.nodes.requestAction(node, { id: `runbook/${node}/${t1}`, operation: 'reboot' });
  await cluster.nodes.waitFor(node, (n) => n.ready && n.bootId !== before?.bootId, 30 * 60_000);
  const t2 = clock.now();
  await cluster.nodes.waitFor(node, (n) => n.ready, 60_000);
  await cluster.nodes.uncordon(node, 'runbook');
  return { node, drainMs: t1 - t0, rebootMs: t2 - t1, readyMs: clock.now() - t2 };
}

async function evictLikeKubectl(cluster: Cluster, clock: Clock, pod: PodView): Promise<void> {
  for (let i = 0; i < 1000; i++) {
    const a = await cluster.pods.evict(pod, undefined);
    if (a.kind === 'evicted' || a.kind === 'gone') break;
    await clock.sleep(5000);
  }
  await cluster.pods.waitGone(pod.nodeName ?? '', [pod.uid], 10 * 60_000);
}

/**
 * kured with its defaults: one node at a time; a node takes the lock only at its own tick, every
 * --period (60 min) from a random phase; it drains, reboots, and uncordons when its kured pod is back.
 * Each node's own steps take the measured median; the model adds only the wait for the next tick.
 */
export function kuredMakespan(o: { nodes: number; drainMs: number; rebootMs: number; kuredBackMs: number; periodMs?: number; seed?: number }): number {
  const period = o.periodMs ?? 3_600_000;
  const rng = seededRng(o.seed ?? 7);
  const phases = Array.from({ length: o.nodes }, () => period * (0.5 + rng.next()));
  let free = 0;
  let done = 0;
  const waiting = phases.map((first) => first);
  while (done < o.nodes) {
    let best = -1;
    let bestTick = Infinity;
    for (let i = 0; i < waiting.length; i++) {
      const first = waiting[i] as number;
      if (first < 0) continue;
      const tick = first >= free ? first : first + Math.ceil((free - first) / period) * period;
      if (tick < bestTick) {
        bestTick = tick;
        best = i;
      }
    }
    waiting[best] = -1;
    free = bestTick + o.drainMs + o.rebootMs + o.kuredBackMs;
    done++;
  }
  return free;
}

