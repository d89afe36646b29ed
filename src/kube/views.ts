// Pure translations of client-node objects (V1Node, V1Pod, budgets, workloads) into the views the engine
// reads. They read no dates, so raw JSON from a watch translates the same as a deserialized object.
import type {
  V1DaemonSet,
  V1Deployment,
  V1LabelSelector,
  V1Node,
  V1OwnerReference,
  V1Pod,
  V1PodDisruptionBudget,
  V1ReplicaSet,
  V1StatefulSet,
} from '@kubernetes/client-node';
import { Quantity } from '../lib/quantity.ts';
import type { LabelSelector } from '../lib/selectors.ts';
import type { ContainerImage, NodeView, OwnerView, PdbView, PodView, Resources, WorkloadView } from './types.ts';
import { ANNOTATIONS } from './types.ts';

export const MIRROR_ANNOTATION = 'kubernetes.io/config.mirror';

/** The workload a person manages above a controller, when the controller itself has one (ReplicaSet → Deployment). */
export type WorkloadLookup = (namespace: string, controller: OwnerView) => { kind: string; name: string } | undefined;

export function nodeView(n: V1Node): NodeView {
  const annotations = n.metadata?.annotations ?? {};
  const ready = n.status?.conditions?.find((c) => c.type === 'Ready');
  const isReady = ready?.status === 'True';
  return {
    name: n.metadata?.name ?? '',
    uid: n.metadata?.uid ?? '',
    labels: n.metadata?.labels ?? {},
    annotations,
    unschedulable: n.spec?.unschedulable === true,
    ready: isReady,
    ...(!isReady ? { readyMessage: ready?.message ?? (ready ? `Ready is ${ready.status}` : 'the node reports no Ready condition') } : {}),
    taints: (n.spec?.taints ?? []).map((t) => ({ key: t.key, ...(t.value !== undefined ? { value: t.value } : {}), effect: t.effect })),
    allocatable: resources(n.status?.allocatable),
    bootId: n.status?.nodeInfo?.bootID ?? '',
    kubeletVersion: n.status?.nodeInfo?.kubeletVersion ?? '',
    ...(annotations[ANNOTATIONS.cordonedBy] !== undefined ? { cordonedBy: annotations[ANNOTATIONS.cordonedBy] } : {}),
    resourceVersion: n.metadata?.resourceVersion ?? '',
  };
}

export function podView(p: V1Pod, workloadOf?: WorkloadLookup): PodView {
  const namespace = p.metadata?.namespace ?? 'default';
  const controller = controllerOf(p.metadata?.ownerReferences);
  const above = controller && workloadOf?.(namespace, controller);
  const containers = p.spec?.containers ?? [];
  return {
    namespace,
    name: p.metadata?.name ?? '',
    uid: p.metadata?.uid ?? '',
    ...(p.spec?.nodeName ? { nodeName: p.spec.nodeName } : {}),
    labels: p.metadata?.labels ?? {},
    phase: p.status?.phase ?? 'Unknown',
    ready: p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false,
    terminating: !!p.metadata?.deletionTimestamp,
    ...(controller ? { controller, workload: above ?? { kind: controller.kind, name: controller.name } } : {}),
    requests: podRequests(p),
    emptyDir: (p.spec?.volumes ?? []).some((v) => v.emptyDir !== undefined),
    mirror: p.metadata?.annotations?.[MIRROR_ANNOTATION] !== undefined,
    hasReadinessProbe: containers.some((c) => c.readinessProbe !== undefined),
    terminationGracePeriodSeconds: p.spec?.terminationGracePeriodSeconds ?? 30,
    ...lastAlive(p),
  };
}

/** The latest of the pod's creation, its Ready transition and its containers' starts (see PodView.lastAlive). */
function lastAlive(p: V1Pod): { lastAlive?: number } {
  const ready = p.status?.conditions?.find((c) => c.type === 'Ready');
  const starts = (p.status?.containerStatuses ?? []).map((c) => c.state?.running?.startedAt);
  const times = [p.metadata?.creationTimestamp, ready?.lastTransitionTime, ...starts].map(timeMs).filter((t): t is number => t !== undefined);
  return times.length > 0 ? { lastAlive: Math.max(...times) } : {};
}

/** client-node turns date-times into Date objects, or leaves them strings from the raw watch; accept both. */
function timeMs(t: Date | string | undefined): number | undefined {
  if (t === undefined) return undefined;
  const ms = t instanceof Date ? t.getTime() : Date.parse(t);
  return Number.isFinite(ms) ? ms : undefined;
}

export function pdbView(b: V1PodDisruptionBudget): PdbView {
  const s = b.status;
  return {
    namespace: b.metadata?.namespace ?? 'default',
    name: b.metadata?.name ?? '',
    ...(b.spec?.selector ? { selector: labelSelector(b.spec.selector) } : {}),
    ...(b.spec?.minAvailable !== undefined ? { minAvailable: b.spec.minAvailable } : {}),
    ...(b.spec?.maxUnavailable !== undefined ? { maxUnavailable: b.spec.maxUnavailable } : {}),
    ...(b.spec?.unhealthyPodEvictionPolicy ? { unhealthyPodEvictionPolicy: b.spec.unhealthyPodEvictionPolicy } : {}),
    currentHealthy: s?.currentHealthy ?? 0,
    desiredHealthy: s?.desiredHealthy ?? 0,
    disruptionsAllowed: s?.disruptionsAllowed ?? 0,
    expectedPods: s?.expectedPods ?? 0,
  };
}

export function deploymentView(d: V1Deployment): WorkloadView {
  const ru = d.spec?.strategy?.rollingUpdate;
  const strategy = {
    type: d.spec?.strategy?.type ?? 'RollingUpdate',
    ...(ru?.maxSurge !== undefined ? { maxSurge: ru.maxSurge } : {}),
    ...(ru?.maxUnavailable !== undefined ? { maxUnavailable: ru.maxUnavailable } : {}),
  };
  const s = d.status;
  return {
    ...workloadBase('Deployment', d),
    containers: containerImages(d.spec?.template?.spec?.containers),
    replicas: d.spec?.replicas ?? 1,
    readyReplicas: s?.readyReplicas ?? 0,
    availableReplicas: s?.availableReplicas ?? 0,
    updatedReplicas: s?.updatedReplicas ?? 0,
    ...(d.spec?.selector ? { selector: labelSelector(d.spec.selector) } : {}),
    strategy,
  };
}

export function statefulSetView(x: V1StatefulSet): WorkloadView {
  const s = x.status;
  return {
    ...workloadBase('StatefulSet', x),
    containers: containerImages(x.spec?.template?.spec?.containers),
    replicas: x.spec?.replicas ?? 1,
    readyReplicas: s?.readyReplicas ?? 0,
    availableReplicas: s?.availableReplicas ?? 0,
    updatedReplicas: s?.updatedReplicas ?? 0,
    ...(x.spec?.selector ? { selector: labelSelector(x.spec.selector) } : {}),
  };
}

export function daemonSetView(x: V1DaemonSet): WorkloadView {
  const s = x.status;
  return {
    ...workloadBase('DaemonSet', x),
    containers: containerImages(x.spec?.template?.spec?.containers),
    replicas: s?.desiredNumberScheduled ?? 0,
    readyReplicas: s?.numberReady ?? 0,
    availableReplicas: s?.numberAvailable ?? 0,
    updatedReplicas: s?.updatedNumberScheduled ?? 0,
    ...(x.spec?.selector ? { selector: labelSelector(x.spec.selector) } : {}),
  };
}

export function replicaSetView(x: V1ReplicaSet): WorkloadView {
  const s = x.status;
  return {
    ...workloadBase('ReplicaSet', x),
    replicas: x.spec?.replicas ?? 1,
    readyReplicas: s?.readyReplicas ?? 0,
    availableReplicas: s?.availableReplicas ?? 0,
    updatedReplicas: s?.replicas ?? 0,
    ...(x.spec?.selector ? { selector: labelSelector(x.spec.selector) } : {}),
  };
}

function containerImages(containers: readonly { name: string; image?: string }[] | undefined): ContainerImage[] {
  return (containers ?? []).map((c) => ({ name: c.name, image: c.image ?? '' }));
}

/** ReplicaSet UID → the controller above it (the Deployment), for `podView`'s workload. */
export function replicaSetOwners(sets: readonly V1ReplicaSet[]): Map<string, OwnerView | undefined> {
  return new Map(sets.map((rs) => [rs.metadata?.uid ?? '', controllerOf(rs.metadata?.ownerReferences)]));
}

export function controllerOf(refs: readonly V1OwnerReference[] | undefined): OwnerView | undefined {
  const c = refs?.find((r) => r.controller === true);
  return c ? { kind: c.kind, name: c.name, uid: c.uid } : undefined;
}

export function labelSelector(s: V1LabelSelector): LabelSelector {
  return {
    ...(s.matchLabels ? { matchLabels: { ...s.matchLabels } } : {}),
    ...(s.matchExpressions
      ? { matchExpressions: s.matchExpressions.map((e) => ({ key: e.key, operator: e.operator as NonNullable<LabelSelector['matchExpressions']>[number]['operator'], ...(e.values ? { values: [...e.values] } : {}) })) }
      : {}),
  };
}

type Meta = { metadata?: { namespace?: string; name?: string; generation?: number; ownerReferences?: V1OwnerReference[] }; status?: { observedGeneration?: number } };

function workloadBase<K extends WorkloadView['kind']>(kind: K, o: Meta): { kind: K; namespace: string; name: string; generation: number; observedGeneration: number; owned: boolean } {
  return {
    kind,
    namespace: o.metadata?.namespace ?? 'default',
    name: o.metadata?.name ?? '',
    generation: o.metadata?.generation ?? 0,
    observedGeneration: o.status?.observedGeneration ?? 0,
    owned: controllerOf(o.metadata?.ownerReferences) !== undefined,
  };
}

/** What the scheduler counts: the larger of the containers' sum and any init container, plus overhead. */
function podRequests(p: V1Pod): { milliCpu: number; memory: number } {
  const sum = (p.spec?.containers ?? []).reduce((acc, c) => add(acc, requestOf(c.resources?.requests)), { milliCpu: 0, memory: 0 });
  const init = (p.spec?.initContainers ?? []).map((c) => requestOf(c.resources?.requests));
  const peak = {
    milliCpu: Math.max(sum.milliCpu, ...init.map((r) => r.milliCpu)),
    memory: Math.max(sum.memory, ...init.map((r) => r.memory)),
  };
  return add(peak, requestOf(p.spec?.overhead));
}

function requestOf(r: Record<string, string> | undefined): { milliCpu: number; memory: number } {
  return { milliCpu: r?.cpu !== undefined ? Quantity.parse(r.cpu).milli : 0, memory: r?.memory !== undefined ? Quantity.parse(r.memory).value : 0 };
}

function add(a: { milliCpu: number; memory: number }, b: { milliCpu: number; memory: number }): { milliCpu: number; memory: number } {
  return { milliCpu: a.milliCpu + b.milliCpu, memory: a.memory + b.memory };
}

function resources(r: Record<string, string> | undefined): Resources {
  return {
    milliCpu: r?.cpu !== undefined ? Quantity.parse(r.cpu).milli : 0,
    memory: r?.memory !== undefined ? Quantity.parse(r.memory).value : 0,
    pods: r?.pods !== undefined ? Quantity.parse(r.pods).value : 0,
  };
}
