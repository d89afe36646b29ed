// The DaemonSet controller: one pod on every node the DaemonSet fits, bound directly to its node; pods
// tolerate cordons and node outages, as DaemonSet pods do on a real cluster.
import type { DaemonSet, Node, Pod, Toleration } from '../k8s-types.ts';
import type { Change } from '../store.ts';
import type { Controller, SimContext } from './context.ts';
import { controllerOf, isPodActive, isPodReady, writeStatus } from './objects.ts';
import type { PodIndex } from './pod-index.ts';
import { createPodFromTemplate, deletePod, generatePodName } from './pods.ts';
import { stableHash } from './random.ts';
import { tolerates } from './scheduler.ts';
import { ownedPods } from './replicaset.ts';
import { splitKey, WorkloadQueue } from './workload-queue.ts';

const REVISION_LABEL = 'controller-revision-hash';

/** What the DaemonSet controller adds to every pod it makes. */
const DAEMON_TOLERATIONS: Toleration[] = [
  { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' },
  { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' },
  { key: 'node.kubernetes.io/disk-pressure', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/memory-pressure', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/pid-pressure', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' },
];

export class DaemonSetController implements Controller {
  readonly name = 'daemonset';
  private readonly ctx: SimContext;
  private readonly queue = new WorkloadQueue('daemonsets.apps', 'DaemonSet');
  /** DaemonSets whose pods only changed readiness: their status needs counts, not a full pass over nodes. */
  private readonly readiness = new WorkloadQueue('daemonsets.apps', 'DaemonSet');
  /** Nodes whose labels or taints changed since the last pass. */
  private readonly changedNodes = new Set<string>();
  /** Per DaemonSet: the nodes it should run on, from its last full pass. */
  private readonly eligible = new Map<string, Set<string>>();
  private readonly pods: PodIndex;

  constructor(ctx: SimContext, pods: PodIndex) {
    this.ctx = ctx;
    this.pods = pods;
  }

  onChange(change: Change): void {
    if (change.resource === 'nodes') {
      if (nodeShapeChanged(change)) this.changedNodes.add(change.object.metadata.name);
    } else if (change.resource === 'pods' && readinessOnly(change)) {
      this.readiness.onChange(change);
    } else {
      this.queue.onChange(change);
    }
  }

  reconcile(): boolean {
    if (this.queue.size === 0 && this.readiness.size === 0 && this.changedNodes.size === 0) return false;
    const full = new Set(this.queue.drain());
    if (this.changedNodes.size > 0) {
      const changed = [...this.changedNodes];
      this.changedNodes.clear();
      for (const ds of this.ctx.store.list('daemonsets.apps') as DaemonSet[]) {
        const key = `${ds.metadata.namespace}/${ds.metadata.name}`;
        if (!full.has(key)) this.syncNodes(ds, key, changed, full);
      }
    }
    for (const key of this.readiness.drain()) if (!full.has(key)) this.syncReadiness(key, full);
    if (full.size === 0) return true;
    const nodes = this.ctx.store.list('nodes') as Node[];
    for (const key of full) this.sync(key, nodes);
    return true;
  }

  /** Only some nodes changed: look at those, not at the whole fleet. */
  private syncNodes(ds: DaemonSet, key: string, changed: string[], full: Set<string>): void {
    const eligible = this.eligible.get(key);
    if (!eligible) {
      full.add(key);
      return;
    }
    const revision = stableHash(JSON.stringify(ds.spec.template));
    for (const name of changed) {
      const node = this.ctx.store.get('nodes', undefined, name) as Node | undefined;
      const pod = this.pods.podsOn(name).find((p) => isPodActive(p) && controllerOf(p)?.uid === ds.metadata.uid);
      const fitsNow = node !== undefined && fits(ds, node, !pod);
      if (fitsNow) eligible.add(name);
      else eligible.delete(name);
      if (fitsNow && !pod) this.createOn(ds, name, revision);
      if (!fitsNow && pod) deletePod(this.ctx, pod);
    }
    const status = (ds.status ?? {}) as Record<string, number>;
    if (status.desiredNumberScheduled !== eligible.size) full.add(key);
  }

  /** Readiness of a pod changed: update the ready counts, or do a full pass while a rollout waits on it. */
  private syncReadiness(key: string, full: Set<string>): void {
    const [namespace, name] = splitKey(key);
    const ds = this.ctx.store.get('daemonsets.apps', namespace, name) as DaemonSet | undefined;
    if (!ds) return;
    const status = (ds.status ?? {}) as Record<string, number>;
    if ((status.updatedNumberScheduled ?? 0) < (status.desiredNumberScheduled ?? 0)) {
      full.add(key);
      return;
    }
    const ready = this.ctx.owners.podCounts(ds.metadata.uid).ready;
    const unavailable = (status.desiredNumberScheduled ?? 0) - ready;
    const { numberUnavailable: _drop, ...rest } = status;
    writeStatus(this.ctx, 'daemonsets.apps', ds, { ...rest, numberReady: ready, numberAvailable: ready, ...(unavailable > 0 ? { numberUnavailable: unavailable } : {}) });
  }

  private sync(key: string, nodes: Node[]): void {
    const [namespace, name] = splitKey(key);
    const ds = this.ctx.store.get('daemonsets.apps', namespace, name) as DaemonSet | undefined;
    if (!ds || ds.metadata.deletionTimestamp) return;
    const revision = stableHash(JSON.stringify(ds.spec.template));
    const byNode = new Map<string, Pod>();
    for (const p of ownedPods(this.ctx, ds.metadata.uid)) if (isPodActive(p) && p.spec.nodeName) byNode.set(p.spec.nodeName, p);
    const eligible = nodes.filter((n) => fits(ds, n, !byNode.has(n.metadata.name)));
    this.eligible.set(key, new Set(eligible.map((n) => n.metadata.name)));
    for (const node of eligible) {
      if (!byNode.has(node.metadata.name)) this.createOn(ds, node.metadata.name, revision);
    }
    const wanted = new Set(eligible.map((n) => n.metadata.name));
    for (const [node, pod] of byNode) if (!wanted.has(node)) deletePod(this.ctx, pod);
    this.rollOne(ds, [...byNode.values()].filter((p) => wanted.has(p.spec.nodeName as string)), revision);
    this.writeStatus(ds, eligible, revision);
  }

  private createOn(ds: DaemonSet, node: string, revision: string): void {
    const tolerations = [...(ds.spec.template.spec.tolerations ?? []), ...DAEMON_TOLERATIONS];
    createPodFromTemplate(this.ctx, {
      template: ds.spec.template,
      owner: ds,
      name: generatePodName(this.ctx, ds.metadata.namespace, ds.metadata.name),
      labels: { [REVISION_LABEL]: revision },
      spec: { nodeName: node, tolerations },
    });
  }

  /** Rolling update with maxUnavailable 1: replace one outdated pod while all others are Ready. */
  private rollOne(ds: DaemonSet, pods: Pod[], revision: string): void {
    const outdated = pods.filter((p) => p.metadata.labels?.[REVISION_LABEL] !== revision);
    if (outdated.length === 0 || pods.some((p) => !isPodReady(p))) return;
    deletePod(this.ctx, outdated[0] as Pod);
  }

  private writeStatus(ds: DaemonSet, eligible: Node[], revision: string): void {
    const wanted = new Set(eligible.map((n) => n.metadata.name));
    const pods = ownedPods(this.ctx, ds.metadata.uid).filter((p) => isPodActive(p) && p.spec.nodeName);
    const onWanted = pods.filter((p) => wanted.has(p.spec.nodeName as string));
    const ready = onWanted.filter(isPodReady).length;
    writeStatus(this.ctx, 'daemonsets.apps', ds, {
      desiredNumberScheduled: eligible.length,
      currentNumberScheduled: onWanted.length,
      numberMisscheduled: pods.length - onWanted.length,
      numberReady: ready,
      numberAvailable: ready,
      ...(eligible.length - ready > 0 ? { numberUnavailable: eligible.length - ready } : {}),
      updatedNumberScheduled: onWanted.filter((p) => p.metadata.labels?.[REVISION_LABEL] === revision).length,
      observedGeneration: ds.metadata.generation ?? 1,
    });
  }
}

/** A pod that stayed on its node, alive and at its revision: only its readiness can matter. */
function readinessOnly(change: Change): boolean {
  if (change.type !== 'MODIFIED' || !change.old) return false;
  const a = change.old as Pod;
  const b = change.object as Pod;
  return a.spec.nodeName === b.spec.nodeName && isPodActive(a) && isPodActive(b) && a.metadata.labels?.[REVISION_LABEL] === b.metadata.labels?.[REVISION_LABEL];
}

/** Labels or taints changed, or a node came or went: the set of eligible nodes may differ. */
function nodeShapeChanged(change: Change): boolean {
  if (change.type !== 'MODIFIED' || !change.old) return true;
  const a = change.old as Node;
  const b = change.object as Node;
  return a.metadata.labels !== b.metadata.labels || JSON.stringify(a.spec.taints) !== JSON.stringify(b.spec.taints);
}

/** A new pod needs every NoSchedule and NoExecute taint tolerated; a running one only NoExecute. */
function fits(ds: DaemonSet, node: Node, forNewPod: boolean): boolean {
  const selector = ds.spec.template.spec.nodeSelector;
  if (selector && Object.entries(selector).some(([k, v]) => node.metadata.labels?.[k] !== v)) return false;
  const tolerations = [...(ds.spec.template.spec.tolerations ?? []), ...DAEMON_TOLERATIONS];
  const counts = (effect: string) => effect === 'NoExecute' || (forNewPod && effect === 'NoSchedule');
  return (node.spec.taints ?? []).every((t) => !counts(t.effect) || tolerates(tolerations, t));
}
