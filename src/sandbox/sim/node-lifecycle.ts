// The node lifecycle controller: the unschedulable taint follows spec.unschedulable, pods leave nodes
// whose NoExecute taints they no longer tolerate, and the referee learns how many nodes are unavailable.
import type { Timer } from '../clock.ts';
import type { Node, Pod, Taint } from '../k8s-types.ts';
import type { Change } from '../store.ts';
import type { Controller, SimContext } from './context.ts';
import { iso, isPodActive, parseTime } from './objects.ts';
import type { PodIndex } from './pod-index.ts';
import { deletePod } from './pods.ts';
import { isNodeUnavailable, TAINT } from './node-status.ts';
import { tolerates } from './scheduler.ts';

export class NodeLifecycle implements Controller {
  readonly name = 'node-lifecycle';
  private readonly ctx: SimContext;
  private readonly pods: PodIndex;
  private readonly queue = new Set<string>();
  private readonly unavailable = new Set<string>();
  /** The next NoExecute check per node, so repeated changes to a node do not pile up timers. */
  private readonly checks = new Map<string, { at: number; timer: Timer }>();

  constructor(ctx: SimContext, pods: PodIndex) {
    this.ctx = ctx;
    this.pods = pods;
  }

  onChange(change: Change): void {
    if (change.resource !== 'nodes') return;
    const node = change.object as Node;
    const name = node.metadata.name;
    const before = this.unavailable.size;
    if (change.type !== 'DELETED' && isNodeUnavailable(node)) this.unavailable.add(name);
    else this.unavailable.delete(name);
    if (this.unavailable.size !== before) this.ctx.referee.unavailableNodes(this.ctx.region, this.unavailable.size);
    if (change.type !== 'DELETED') this.queue.add(name);
  }

  reconcile(): boolean {
    if (this.queue.size === 0) return false;
    const names = [...this.queue];
    this.queue.clear();
    for (const name of names) this.sync(name);
    return true;
  }

  private sync(name: string): void {
    const node = this.ctx.store.get('nodes', undefined, name) as Node | undefined;
    if (!node) return;
    this.syncUnschedulableTaint(node);
    const noExecute = (node.spec.taints ?? []).filter((t) => t.effect === 'NoExecute');
    if (noExecute.length > 0) this.evictIntolerant(name, noExecute);
  }

  private syncUnschedulableTaint(node: Node): void {
    const taints = node.spec.taints ?? [];
    const has = taints.some((t) => t.key === TAINT.unschedulable);
    const want = node.spec.unschedulable === true;
    if (has === want) return;
    const next: Taint[] = want
      ? [...taints, { key: TAINT.unschedulable, effect: 'NoSchedule', timeAdded: iso(this.ctx.clock.nowMs()) }]
      : taints.filter((t) => t.key !== TAINT.unschedulable);
    this.ctx.store.replace('nodes', { ...node, spec: { ...node.spec, taints: next.length ? next : undefined } });
  }

  /** Deletes pods whose toleration of a NoExecute taint ran out; checks again when the next one does. */
  private evictIntolerant(name: string, taints: Taint[]): void {
    const now = this.ctx.clock.nowMs();
    let nextCheck = Infinity;
    for (const pod of this.pods.podsOn(name)) {
      if (!isPodActive(pod)) continue;
      const deadline = evictionTime(pod, taints);
      if (deadline <= now) deletePod(this.ctx, pod);
      else nextCheck = Math.min(nextCheck, deadline);
    }
    const pending = this.checks.get(name);
    if (!Number.isFinite(nextCheck) || (pending && pending.at <= nextCheck)) return;
    pending?.timer.cancel();
    const timer = this.ctx.clock.at(nextCheck, () => {
      this.checks.delete(name);
      this.queue.add(name);
    });
    this.checks.set(name, { at: nextCheck, timer });
  }
}

/** When a pod must leave a node with these NoExecute taints (Infinity: it tolerates them for good). */
function evictionTime(pod: Pod, taints: Taint[]): number {
  let at = Infinity;
  for (const taint of taints) {
    const added = parseTime(taint.timeAdded) ?? 0;
    const match = (pod.spec.tolerations ?? []).filter((t) => tolerates([t], taint));
    if (match.length === 0) return added;
    if (match.some((t) => t.tolerationSeconds === undefined)) continue;
    const seconds = Math.max(...match.map((t) => t.tolerationSeconds ?? 0));
    at = Math.min(at, added + seconds * 1000);
  }
  return at;
}
