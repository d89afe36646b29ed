// The cluster as the engine sees it: plain views of nodes, pods, budgets and workloads, and the answers of
// the calls it makes (an eviction's, a cordon's, a lease's). Adapters (kube/) build them from the API's
// objects; planner, preflight and checks read them too.
import type { LabelSelector } from '../../lib/selectors.ts';

/** Annotations and labels of Daylight's own on cluster objects. */
export const ANNOTATIONS = {
  /** On a node Daylight cordoned: the run id that owns the cordon. */
  cordonedBy: 'daylight.dev/cordoned-by',
  /** The node action request and its answer (DESIGN.md section 6). */
  action: 'daylight.dev/action',
  actionStatus: 'daylight.dev/action-status',
} as const;

export interface Resources {
  readonly milliCpu: number;
  readonly memory: number;
  readonly pods: number;
}

export interface NodeView {
  readonly name: string;
  readonly uid: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  readonly unschedulable: boolean;
  readonly ready: boolean;
  /** Why the node is not Ready, from its Ready condition. */
  readonly readyMessage?: string;
  readonly taints: readonly { key: string; value?: string; effect: string }[];
  readonly allocatable: Resources;
  readonly bootId: string;
  readonly kubeletVersion: string;
  /** The run that cordoned this node, from the cordoned-by annotation. */
  readonly cordonedBy?: string;
  readonly resourceVersion: string;
}

export interface OwnerView {
  readonly kind: string;
  readonly name: string;
  readonly uid: string;
}

export interface PodView {
  readonly namespace: string;
  readonly name: string;
  readonly uid: string;
  readonly nodeName?: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly phase: string;
  readonly ready: boolean;
  readonly terminating: boolean;
  /** The controller owner reference (ReplicaSet, StatefulSet, DaemonSet, Job, ...). */
  readonly controller?: OwnerView;
  /** The workload a person manages: the Deployment above a ReplicaSet, else the controller itself. */
  readonly workload?: { readonly kind: string; readonly name: string };
  readonly requests: { readonly milliCpu: number; readonly memory: number };
  readonly emptyDir: boolean;
  /** A static pod shown through the API (annotation kubernetes.io/config.mirror). */
  readonly mirror: boolean;
  readonly hasReadinessProbe: boolean;
  readonly terminationGracePeriodSeconds: number;
  /**
   * The latest moment (epoch ms, the server's second precision) the pod's status says it came to life:
   * its creation, its Ready condition's last transition, or a container's last start. After a reboot, a
   * pod whose `lastAlive` is older still shows the status from before it (a real node keeps its last
   * Ready for the node-monitor grace period).
   */
  readonly lastAlive?: number;
}

export interface PdbView {
  readonly namespace: string;
  readonly name: string;
  readonly selector?: LabelSelector;
  readonly minAvailable?: number | string;
  readonly maxUnavailable?: number | string;
  readonly unhealthyPodEvictionPolicy?: string;
  readonly currentHealthy: number;
  readonly desiredHealthy: number;
  readonly disruptionsAllowed: number;
  readonly expectedPods: number;
}

export interface NodePods {
  /** The node's pods now, their workloads resolved. */
  pods(signal?: AbortSignal): Promise<PodView[]>;
  /** True once `done` holds for the node's pods; false when `timeoutMs` of cluster time passed. */
  waitUntil(done: (pods: readonly PodView[]) => boolean, timeoutMs: number, signal?: AbortSignal): Promise<boolean>;
  close(): void;
}

export interface BudgetFeed {
  all(): PdbView[];
  /** Calls `fn` on every change of a budget until the returned function is called. */
  subscribe(fn: () => void): () => void;
}

export interface WorkloadView {
  readonly kind: 'Deployment' | 'StatefulSet' | 'DaemonSet' | 'ReplicaSet';
  readonly namespace: string;
  readonly name: string;
  /** Desired pods (DaemonSets: desiredNumberScheduled). */
  readonly replicas: number;
  readonly readyReplicas: number;
  readonly availableReplicas: number;
  readonly updatedReplicas: number;
  readonly observedGeneration: number;
  readonly generation: number;
  readonly selector?: LabelSelector;
  /** Deployments: the rolling-update parameters. */
  readonly strategy?: { readonly type: string; readonly maxSurge?: number | string; readonly maxUnavailable?: number | string };
  /** Owned by another workload (a ReplicaSet under a Deployment): not listed to people on its own. */
  readonly owned: boolean;
  /** The pod template's containers and their images (Deployments, StatefulSets, DaemonSets); absent when not read. */
  readonly containers?: readonly ContainerImage[];
}

export interface ContainerImage {
  readonly name: string;
  /** As the pod template writes it: "registry.example/grafana/grafana:11.2.0". */
  readonly image: string;
}

export interface ClusterSnapshot {
  /** The cluster's name in the plan. */
  readonly cluster: string;
  /** Epoch ms at which it was taken, on the engine's clock. */
  readonly takenAt: number;
  readonly version: string;
  readonly nodes: readonly NodeView[];
  readonly pods: readonly PodView[];
  readonly pdbs: readonly PdbView[];
  readonly workloads: readonly WorkloadView[];
}

export interface PodRef {
  readonly namespace: string;
  readonly name: string;
  readonly uid: string;
}

/**
 * What an RBAC refusal (HTTP 403) says was not allowed: the verb, the resource with its subresource
 * (`pods/eviction`), the identity that lacked the permission, and where. Read from the API server's own
 * wording (`User "system:serviceaccount:ops:daylight" cannot create resource "pods/eviction" in API group
 * "" in the namespace "shop"`, k8s.io/apiserver's forbiddenMessage), so it names exactly what to grant.
 */
export interface Denial {
  /** Empty, with `user` and `resource`, when the server's message does not say (an admission webhook's 403). */
  readonly verb: string;
  readonly resource: string;
  readonly user: string;
  readonly group?: string;
  /** Undefined for a cluster-scoped resource (nodes). */
  readonly namespace?: string;
  /** The server's message as it was. */
  readonly message: string;
}

/**
 * The Eviction API's answer, classified once at the boundary. `throttled` is the API server's own flow
 * control (429 with Retry-After and no DisruptionBudget cause), not a budget; `forbidden` is a missing
 * permission, which no retry cures.
 */
export type EvictionAnswer =
  | { readonly kind: 'evicted' }
  | { readonly kind: 'gone' }
  | { readonly kind: 'blocked'; readonly message: string }
  | { readonly kind: 'misconfigured'; readonly message: string }
  | { readonly kind: 'throttled'; readonly retryAfterSeconds: number; readonly message: string }
  | { readonly kind: 'forbidden'; readonly denial: Denial }
  /** 403 with cause NamespaceTerminating: the pod's namespace is being deleted, and the server evicts nothing there. */
  | { readonly kind: 'namespace-terminating'; readonly message: string }
  | { readonly kind: 'error'; readonly status: number; readonly message: string };

export interface CordonResult {
  /** Whether this call changed the node (false: already cordoned by this run). */
  readonly changed: boolean;
  /** Who held a cordon before: undefined when the node was schedulable. */
  readonly previousOwner?: string | 'unknown';
}

export interface LeaseHolder {
  readonly holder: string;
  /** The renewTime the holder wrote, by its own clock: for people, never to judge expiry by. */
  readonly renewedAt?: number;
  readonly durationSeconds?: number;
  /** When (this process's clock) this process last saw the Lease change; set when an acquire was refused. */
  readonly observedAt?: number;
  /** `observedAt` plus the lease's duration: when, unless it changes again, the holder's claim runs out. */
  readonly expiresAt?: number;
}

export type LeaseResult = { readonly acquired: true } | { readonly acquired: false; readonly heldBy: LeaseHolder };

export interface NodeActionRequest {
  readonly id: string;
  readonly operation: string;
  readonly version?: string;
  /** For a patch: reboot only when the node needs it, or always (the plan's `rebootAfter`). */
  readonly rebootAfter?: 'needed' | 'always';
}
