// The pod paths every part shares: defaults a new pod gets (as admission gives them on a real cluster),
// creation from a template, and deletion, which is graceful unless the pod never ran.
import type { KObject, Pod, PodSpec, PodTemplate, Toleration } from '../k8s-types.ts';
import type { SimContext } from './context.ts';
import { createObject, iso, ownerRef, SIM } from './objects.ts';

/** The tolerations the DefaultTolerationSeconds admission plugin adds to every pod. */
const DEFAULT_TOLERATIONS: Toleration[] = [
  { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
  { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
];

/** Spec defaults of a real API server, applied on create. */
export function defaultPodSpec(spec: PodSpec): PodSpec {
  const tolerations = [...(spec.tolerations ?? [])];
  for (const t of DEFAULT_TOLERATIONS) {
    if (!tolerations.some((x) => x.key === t.key && (x.effect === t.effect || !x.effect))) tolerations.push(t);
  }
  return {
    restartPolicy: 'Always',
    terminationGracePeriodSeconds: 30,
    dnsPolicy: 'ClusterFirst',
    schedulerName: 'default-scheduler',
    serviceAccountName: 'default',
    securityContext: {},
    priority: 0,
    enableServiceLinks: true,
    preemptionPolicy: 'PreemptLowerPriority',
    ...spec,
    containers: (spec.containers ?? []).map((c) => ({ imagePullPolicy: 'IfNotPresent', terminationMessagePath: '/dev/termination-log', terminationMessagePolicy: 'File', ...c })),
    tolerations,
  };
}

export function pendingStatus(): Pod['status'] {
  return { phase: 'Pending', qosClass: 'Burstable' };
}

export interface PodFromTemplate {
  readonly template: PodTemplate;
  readonly owner: KObject;
  readonly name: string;
  readonly labels?: Record<string, string>;
  readonly spec?: Partial<PodSpec>;
}

/**
 * A free name `<prefix>-<5 random characters>`, as generateName gives: tries again on the rare collision
 * (thirty thousand pods under one prefix make one likely), then widens the suffix.
 */
export function generatePodName(ctx: SimContext, namespace: string | undefined, prefix: string): string {
  for (let length = 5; ; length++) {
    for (let i = 0; i < 8; i++) {
      const name = `${prefix}-${ctx.rng.suffix(length)}`;
      if (!ctx.store.get('pods', namespace, name)) return name;
    }
  }
}

/** Creates a pod for a controller; a fault from the fleet file lands as an annotation. */
export function createPodFromTemplate(ctx: SimContext, p: PodFromTemplate): Pod {
  const namespace = p.owner.metadata.namespace ?? 'default';
  const labels = { ...p.template.metadata?.labels, ...p.labels };
  const annotations = { ...p.template.metadata?.annotations };
  const fault = ctx.faults.podFault(namespace, labels);
  if (fault) annotations[SIM.fault] = fault;
  return createObject<Pod>(ctx, 'pods', {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: p.name, namespace, labels, annotations, ownerReferences: [ownerRef(p.owner)] },
    // Shared with the template, not copied: stored objects are never changed in place.
    spec: defaultPodSpec({ ...p.template.spec, ...p.spec }),
    status: pendingStatus(),
  });
}

/**
 * Starts the deletion of a pod: graceful (deletionTimestamp set, the kubelet finishes it) when it runs
 * on a node, at once when it never got a node or the grace period is 0. Returns the stored state.
 */
export function deletePod(ctx: SimContext, pod: Pod, graceSeconds?: number): Pod {
  const grace = graceSeconds ?? pod.spec.terminationGracePeriodSeconds ?? 30;
  const finished = pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';
  if (grace === 0 || !pod.spec.nodeName || finished) return removePod(ctx, pod);
  if (pod.metadata.deletionTimestamp) {
    const current = pod.metadata.deletionGracePeriodSeconds ?? grace;
    if (grace >= current) return pod;
  }
  const metadata = { ...pod.metadata, deletionTimestamp: iso(ctx.clock.nowMs() + grace * 1000), deletionGracePeriodSeconds: grace };
  return ctx.store.replace('pods', { ...pod, metadata }) as Pod;
}

/**
 * The final delete (grace 0, as the kubelet sends once a pod has stopped): the pod is gone, unless it has
 * finalizers; then it stays, marked deleted, until the last one is removed (the API layer removes it then).
 */
export function removePod(ctx: SimContext, pod: Pod): Pod {
  if (!pod.metadata.finalizers?.length) return (ctx.store.remove('pods', pod.metadata.namespace, pod.metadata.name) as Pod | undefined) ?? pod;
  if (pod.metadata.deletionTimestamp && pod.metadata.deletionGracePeriodSeconds === 0) return pod;
  const metadata = { ...pod.metadata, deletionTimestamp: pod.metadata.deletionTimestamp ?? iso(ctx.clock.nowMs()), deletionGracePeriodSeconds: 0 };
  return ctx.store.replace('pods', { ...pod, metadata }) as Pod;
}
