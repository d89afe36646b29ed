// The disruption controller: PodDisruptionBudget status (expectedPods, currentHealthy, desiredHealthy,
// disruptionsAllowed, disruptedPods) from the pods a budget selects, and the referee's breach count.
import type { Deployment, KObject, Pod, PodDisruptionBudget, ReplicaSet, StatefulSet } from '../k8s-types.ts';
import { compileLabelSelector } from '../../lib/selectors.ts';
import type { Change } from '../store.ts';
import { objectKey } from '../store.ts';
import type { Controller, SimContext } from './context.ts';
import { controllerOf, parseTime, setCondition, writeStatus } from './objects.ts';
import { isHealthy, SelectorIndex } from './selector-index.ts';
import { scaled, splitKey } from './workload-queue.ts';

/** How long an eviction keeps a pod out of currentHealthy while the pod has not started terminating. */
const DISRUPTED_TIMEOUT_MS = 2 * 60_000;

type PdbStatus = NonNullable<PodDisruptionBudget['status']>;

interface ControllerRef {
  readonly namespace: string | undefined;
  readonly kind: string;
  readonly name: string;
  /** The first pod found with this controller, named when the controller has no scale. */
  readonly pod: string;
}

interface ControllerSet {
  readonly generation: number;
  readonly controllers: readonly ControllerRef[];
}

export class DisruptionController implements Controller {
  readonly name = 'disruption';
  private readonly ctx: SimContext;
  readonly index: SelectorIndex;
  private readonly queue = new Set<string>();
  private readonly satisfied = new Map<string, boolean>();
  private readonly controllerSets = new Map<string, ControllerSet>();

  constructor(ctx: SimContext) {
    this.ctx = ctx;
    this.index = new SelectorIndex(ctx.store);
  }

  onChange(change: Change): void {
    if (change.resource === 'poddisruptionbudgets.policy') {
      const pdb = change.object as PodDisruptionBudget;
      const key = objectKey(pdb.metadata.namespace, pdb.metadata.name);
      if (change.type === 'DELETED') {
        this.index.remove(key);
        this.satisfied.delete(key);
        this.controllerSets.delete(key);
      } else if (change.type === 'ADDED' || JSON.stringify((change.old as PodDisruptionBudget).spec.selector) !== JSON.stringify(pdb.spec.selector)) {
        this.index.set(key, pdb.metadata.namespace ?? 'default', compileLabelSelector(pdb.spec.selector));
      }
      if (change.type !== 'DELETED') this.queue.add(key);
    } else if (change.resource === 'pods') {
      for (const key of this.index.onPodChange(change)) this.queue.add(key);
    }
  }

  reconcile(): boolean {
    if (this.queue.size === 0) return false;
    const keys = [...this.queue];
    this.queue.clear();
    for (const key of keys) this.sync(key);
    return true;
  }

  /** The budgets that select a pod. */
  budgetsFor(pod: Pod): PodDisruptionBudget[] {
    return this.index
      .matching(pod.metadata.namespace ?? 'default', pod.metadata.labels)
      .map((key) => {
        const [ns, name] = splitKey(key);
        return this.ctx.store.get('poddisruptionbudgets.policy', ns, name) as PodDisruptionBudget | undefined;
      })
      .filter((p): p is PodDisruptionBudget => p !== undefined);
  }

  /** Brings one budget's status up to date now (the eviction path calls this before deciding). */
  sync(key: string): PodDisruptionBudget | undefined {
    const [namespace, name] = splitKey(key);
    const pdb = this.ctx.store.get('poddisruptionbudgets.policy', namespace, name) as PodDisruptionBudget | undefined;
    if (!pdb) return undefined;
    const status = this.compute(key, pdb);
    const ok = status.currentHealthy >= status.desiredHealthy;
    const was = this.satisfied.get(key);
    if (was === true && !ok) this.ctx.referee.pdbBreach(this.ctx.region, key);
    if (ok || was !== undefined) this.satisfied.set(key, ok);
    return writeStatus(this.ctx, 'poddisruptionbudgets.policy', pdb, status);
  }

  private compute(key: string, pdb: PodDisruptionBudget): PdbStatus {
    const now = this.ctx.clock.nowMs();
    const disruptedPods = this.stillDisrupted(key, pdb, now);
    const targets = this.targets(key, pdb);
    if ('failed' in targets) return failSafe(pdb, targets.failed, now);
    const { expected, desired } = targets;
    const disruptedHealthy = Object.keys(disruptedPods).filter((name) => {
      const p = this.index.pod(key, name);
      return p !== undefined && isHealthy(p);
    }).length;
    const currentHealthy = this.index.healthy(key) - disruptedHealthy;
    // No expected pods allows nothing: a budget whose pods have not been counted yet stays safe.
    const disruptionsAllowed = expected <= 0 ? 0 : Math.max(0, currentHealthy - desired);
    const condition = disruptionsAllowed > 0
      ? { type: 'DisruptionAllowed', status: 'True' as const, reason: 'SufficientPods', message: '' }
      : { type: 'DisruptionAllowed', status: 'False' as const, reason: 'InsufficientPods', message: '' };
    const status: PdbStatus = {
      observedGeneration: pdb.metadata.generation ?? 1,
      expectedPods: expected,
      currentHealthy,
      desiredHealthy: desired,
      disruptionsAllowed,
      conditions: setCondition(pdb.status?.conditions, condition, now),
    };
    if (Object.keys(disruptedPods).length > 0) status.disruptedPods = disruptedPods;
    return status;
  }

  /** Evicted pods stay counted as disrupted until they start terminating, or for two minutes at most. */
  private stillDisrupted(key: string, pdb: PodDisruptionBudget, now: number): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [name, at] of Object.entries(pdb.status?.disruptedPods ?? {})) {
      const pod = this.index.pod(key, name);
      const since = parseTime(at) ?? 0;
      if (pod && !pod.metadata.deletionTimestamp && now - since < DISRUPTED_TIMEOUT_MS) out[name] = at;
    }
    return out;
  }

  /** expectedPods and desiredHealthy, as the disruption controller derives them from spec and scale. */
  private targets(key: string, pdb: PodDisruptionBudget): { expected: number; desired: number } | { failed: string } {
    const { minAvailable, maxUnavailable } = pdb.spec;
    if (typeof minAvailable === 'number') return { expected: this.index.size(key), desired: minAvailable };
    const expected = this.expectedScale(key);
    if (typeof expected === 'string') return { failed: expected };
    if (minAvailable !== undefined) return { expected, desired: scaled(minAvailable, expected, true, 0) };
    if (maxUnavailable !== undefined) return { expected, desired: Math.max(0, expected - scaled(maxUnavailable, expected, true, 0)) };
    return { expected, desired: 0 };
  }

  /**
   * Sum of the scale of each distinct controller of the pods, as `getExpectedScale` finds it: a pod without
   * a controller counts for nothing (the real controller warns "UnmanagedPods"); a controller without a
   * scale (a DaemonSet) is an error, returned as the sentence the real controller reports.
   */
  private expectedScale(key: string): number | string {
    const { controllers } = this.controllersOf(key);
    const scales = new Map<string, number>();
    for (const c of controllers) {
      const top = this.topController(c.namespace, c.kind, c.name);
      if (!top) return `found no controllers for pod ${JSON.stringify(c.pod)}`;
      scales.set(top.metadata.uid, replicasOf(top));
    }
    return [...scales.values()].reduce((a, b) => a + b, 0);
  }

  /** The controllers of a budget's pods, recomputed only when pods join or leave it. */
  private controllersOf(key: string): ControllerSet {
    const generation = this.index.generation(key);
    const cached = this.controllerSets.get(key);
    if (cached?.generation === generation) return cached;
    const byUid = new Map<string, ControllerRef>();
    for (const p of this.index.pods(key)) {
      const ref = controllerOf(p);
      if (ref && !byUid.has(ref.uid)) byUid.set(ref.uid, { namespace: p.metadata.namespace, kind: ref.kind, name: ref.name, pod: p.metadata.name });
    }
    const set = { generation, controllers: [...byUid.values()] };
    this.controllerSets.set(key, set);
    return set;
  }

  private topController(namespace: string | undefined, kind: string, name: string): KObject | undefined {
    if (kind === 'ReplicaSet') {
      const rs = this.ctx.store.get('replicasets.apps', namespace, name) as ReplicaSet | undefined;
      const up = rs && controllerOf(rs);
      if (up?.kind === 'Deployment') return this.ctx.store.get('deployments.apps', namespace, up.name) ?? rs;
      return rs;
    }
    if (kind === 'StatefulSet') return this.ctx.store.get('statefulsets.apps', namespace, name);
    // DaemonSets, and any other owner, have no scale subresource for the disruption controller to read.
    return undefined;
  }
}

function replicasOf(o: KObject): number {
  return (o as Deployment | ReplicaSet | StatefulSet).spec.replicas ?? 1;
}

/**
 * The real controller's `failSafe` when it cannot count the expected pods: nothing allowed, condition
 * SyncFailed with the reason, the other counts and observedGeneration left as they were.
 */
function failSafe(pdb: PodDisruptionBudget, message: string, now: number): PdbStatus {
  const was = pdb.status;
  const condition = { type: 'DisruptionAllowed', status: 'False' as const, reason: 'SyncFailed', message };
  return {
    observedGeneration: was?.observedGeneration ?? 0,
    expectedPods: was?.expectedPods ?? 0,
    currentHealthy: was?.currentHealthy ?? 0,
    desiredHealthy: was?.desiredHealthy ?? 0,
    disruptionsAllowed: 0,
    conditions: setCondition(was?.conditions, condition, now),
    ...(was?.disruptedPods ? { disruptedPods: was.disruptedPods } : {}),
  };
}
