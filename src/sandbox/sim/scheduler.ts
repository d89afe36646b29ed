// The scheduler of one region: binds pending pods to nodes that are Ready, schedulable, tolerated, match
// the nodeSelector and have room, spreading each workload over zones and nodes.
import type { LabelSelector, Node, Pod, Taint, Toleration } from '../k8s-types.ts';
import { Quantity } from '../../lib/quantity.ts';
import { compileLabelSelector } from '../../lib/selectors.ts';
import type { Change } from '../store.ts';
import { objectKey } from '../store.ts';
import type { Controller, SimContext } from './context.ts';
import { controllerOf, isPodActive, setCondition } from './objects.ts';
import type { PodIndex } from './pod-index.ts';
import { isNodeReady } from './node-status.ts';
import { SpreadCounts } from './spread-counts.ts';
import type { SpreadGroup } from './spread-counts.ts';

export const ZONE_LABEL = 'topology.kubernetes.io/zone';

interface Candidate {
  readonly node: Node;
  readonly name: string;
  readonly zone: string;
  readonly cpu: number;
  readonly memory: number;
  readonly pods: number;
  /** Why no pod can go here at all, or undefined. */
  readonly blocked?: string;
}


export class Scheduler implements Controller {
  readonly name = 'scheduler';
  private readonly ctx: SimContext;
  private readonly pods: PodIndex;
  private readonly queue = new Set<string>();
  private readonly parked = new Set<string>();
  private readonly spread: SpreadCounts;
  /** Allocatable of each node, parsed once per node version. */
  private readonly allocatable = new Map<string, { rv: string; cpu: number; memory: number; pods: number }>();

  constructor(ctx: SimContext, pods: PodIndex) {
    this.ctx = ctx;
    this.pods = pods;
    this.spread = new SpreadCounts(ZONE_LABEL, () => ctx.store.list('nodes') as Node[]);
  }

  onChange(change: Change): void {
    this.spread.onChange(change);
    if (change.resource === 'nodes') {
      this.wake();
      return;
    }
    if (change.resource !== 'pods') return;
    const pod = change.object as Pod;
    const key = objectKey(pod.metadata.namespace, pod.metadata.name);
    if (change.type === 'DELETED') {
      this.queue.delete(key);
      this.parked.delete(key);
      if (pod.spec?.nodeName) this.wake();
    } else if (!pod.spec?.nodeName && isPodActive(pod) && !this.parked.has(key)) {
      this.queue.add(key);
    }
  }

  /** Capacity changed: parked pods get another try. */
  private wake(): void {
    for (const key of this.parked) this.queue.add(key);
    this.parked.clear();
  }

  reconcile(): boolean {
    if (this.queue.size === 0) return false;
    const keys = [...this.queue];
    this.queue.clear();
    const nodes = this.candidates();
    for (const key of keys) {
      const [namespace, name] = key.split('/') as [string, string];
      const pod = this.ctx.store.get('pods', namespace, name) as Pod | undefined;
      if (!pod || pod.spec.nodeName || !isPodActive(pod)) continue;
      this.place(pod, nodes);
    }
    return true;
  }

  private candidates(): Candidate[] {
    return (this.ctx.store.list('nodes') as Node[]).map((node) => {
      const name = node.metadata.name;
      const used = this.pods.usageOf(name);
      const alloc = this.allocatableOf(node);
      const cpu = alloc.cpu - used.milliCpu;
      const memory = alloc.memory - used.memory;
      const pods = alloc.pods - used.pods;
      const blocked = isNodeReady(node) ? undefined : "node(s) weren't ready";
      return { node, name, zone: node.metadata.labels?.[ZONE_LABEL] ?? '', cpu, memory, pods, blocked };
    });
  }

  private allocatableOf(node: Node): { cpu: number; memory: number; pods: number } {
    const rv = node.metadata.resourceVersion;
    const cached = this.allocatable.get(node.metadata.name);
    if (cached?.rv === rv) return cached;
    const a = node.status.allocatable;
    const parsed = { rv, cpu: quantity(a.cpu, 'milli'), memory: quantity(a.memory, 'value'), pods: quantity(a.pods, 'value') };
    this.allocatable.set(node.metadata.name, parsed);
    return parsed;
  }

  private place(pod: Pod, nodes: Candidate[]): void {
    const req = this.pods.requestsOf(pod);
    const reasons = new Map<string, number>();
    const spread = this.spreadFor(pod);
    const zoneLimit = this.zoneLimit(pod, nodes, spread);
    let best: { i: number; score: number } | undefined;
    for (let i = 0; i < nodes.length; i++) {
      const c = nodes[i] as Candidate;
      const why = c.blocked ?? unfit(pod, c, req) ?? (zoneLimit && !zoneLimit.has(c.zone) ? "node(s) didn't match pod topology spread constraints" : undefined);
      if (why) {
        reasons.set(why, (reasons.get(why) ?? 0) + 1);
        continue;
      }
      const score = scoreNode(c, spread, req);
      if (!best || score < best.score) best = { i, score };
    }
    if (!best) {
      this.park(pod, nodes.length, reasons);
      return;
    }
    const chosen = nodes[best.i] as Candidate;
    nodes[best.i] = { ...chosen, cpu: chosen.cpu - req.milliCpu, memory: chosen.memory - req.memory, pods: chosen.pods - 1 };
    this.bind(pod, chosen.name);
  }

  private bind(pod: Pod, node: string): void {
    const conditions = setCondition(pod.status.conditions, { type: 'PodScheduled', status: 'True' }, this.ctx.clock.nowMs());
    this.ctx.store.replace('pods', { ...pod, spec: { ...pod.spec, nodeName: node }, status: { ...pod.status, conditions } });
  }

  private park(pod: Pod, total: number, reasons: Map<string, number>): void {
    this.parked.add(objectKey(pod.metadata.namespace, pod.metadata.name));
    const parts = [...reasons.entries()].sort((a, b) => a[0].localeCompare(b[0])).map(([why, n]) => `${n} ${why}`);
    const message = `0/${total} nodes are available: ${parts.join(', ')}.`;
    const conditions = setCondition(pod.status.conditions, { type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message }, this.ctx.clock.nowMs());
    if (JSON.stringify(conditions) !== JSON.stringify(pod.status.conditions)) {
      this.ctx.store.replace('pods', { ...pod, status: { ...pod.status, conditions } });
    }
  }

  /** Pods of the same workload per node and zone: counted once per workload, then kept current. */
  private spreadFor(pod: Pod): SpreadGroup | undefined {
    const owner = controllerOf(pod);
    const constraint = pod.spec.topologySpreadConstraints?.[0];
    const key = constraint ? `${pod.metadata.namespace}|${JSON.stringify(constraint.labelSelector)}` : owner ? `owner|${owner.uid}` : undefined;
    if (!key) return undefined;
    const matches = constraint ? labelMatcher(constraint.labelSelector) : (p: Pod) => controllerOf(p)?.uid === owner?.uid;
    return this.spread.group(key, pod.metadata.namespace, matches, () => this.allBoundPods());
  }

  private *allBoundPods(): Iterable<Pod> {
    for (const node of this.pods.nodes()) yield* this.pods.podsOn(node);
  }

  /** With a DoNotSchedule zone constraint: the zones a pod may go to without exceeding maxSkew. */
  private zoneLimit(pod: Pod, nodes: Candidate[], spread: SpreadGroup | undefined): Set<string> | undefined {
    const c = pod.spec.topologySpreadConstraints?.find((t) => t.topologyKey === ZONE_LABEL && t.whenUnsatisfiable === 'DoNotSchedule');
    if (!c || !spread) return undefined;
    const zones = new Set(nodes.filter((n) => !n.blocked).map((n) => n.zone));
    const min = Math.min(...[...zones].map((z) => spread.perZone.get(z) ?? 0));
    return new Set([...zones].filter((z) => (spread.perZone.get(z) ?? 0) + 1 - min <= c.maxSkew));
  }
}

function labelMatcher(selector: LabelSelector | undefined): (p: Pod) => boolean {
  const m = compileLabelSelector(selector ?? {});
  return (p) => m(p.metadata.labels);
}

function quantity(text: string | undefined, unit: 'milli' | 'value'): number {
  if (text === undefined) return Infinity;
  try {
    const q = Quantity.parse(text);
    return unit === 'milli' ? q.milli : q.value;
  } catch {
    return 0;
  }
}

function unfit(pod: Pod, c: Candidate, req: { milliCpu: number; memory: number }): string | undefined {
  if (c.node.spec.unschedulable && !tolerates(pod.spec.tolerations, { key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' })) {
    return 'node(s) were unschedulable';
  }
  const taint = (c.node.spec.taints ?? []).find((t) => t.effect !== 'PreferNoSchedule' && !tolerates(pod.spec.tolerations, t));
  if (taint) return `node(s) had untolerated taint {${taint.key}: ${taint.value ?? ''}}`;
  const selector = pod.spec.nodeSelector;
  if (selector && Object.entries(selector).some(([k, v]) => c.node.metadata.labels?.[k] !== v)) return "node(s) didn't match Pod's node affinity/selector";
  if (c.pods < 1) return 'Too many pods';
  if (c.cpu < req.milliCpu) return 'Insufficient cpu';
  if (c.memory < req.memory) return 'Insufficient memory';
  return undefined;
}

export function tolerates(tolerations: readonly Toleration[] | undefined, taint: Pick<Taint, 'key' | 'effect' | 'value'>): boolean {
  return (tolerations ?? []).some((t) => {
    if (t.effect && t.effect !== taint.effect) return false;
    if (!t.key) return t.operator === 'Exists';
    if (t.key !== taint.key) return false;
    return t.operator === 'Exists' || (t.value ?? '') === (taint.value ?? '');
  });
}

/** Lower is better: fewest pods of the same workload in the zone, then on the node, then least allocated. */
function scoreNode(c: Candidate, spread: SpreadGroup | undefined, req: { milliCpu: number }): number {
  const zone = spread?.perZone.get(c.zone) ?? 0;
  const node = spread?.perNode.get(c.name) ?? 0;
  const cpuLeft = Number.isFinite(c.cpu) ? c.cpu - req.milliCpu : 1e9;
  return zone * 1e12 + node * 1e9 - cpuLeft;
}
