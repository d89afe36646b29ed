// The views of a cluster live with the engine's ports (src/engine/ports/cluster-views.ts); they are
// re-exported here for the planner, preflight and checks, which read them as the adapter builds them.
export { ANNOTATIONS } from '../engine/ports/cluster-views.ts';
export type {
  BudgetFeed,
  ClusterSnapshot,
  ContainerImage,
  CordonResult,
  Denial,
  EvictionAnswer,
  LeaseHolder,
  LeaseResult,
  NodeActionRequest,
  NodePods,
  NodeView,
  OwnerView,
  PdbView,
  PodRef,
  PodView,
  Resources,
  WorkloadView,
} from '../engine/ports/cluster-views.ts';
import type { BudgetFeed, ClusterSnapshot, CordonResult, EvictionAnswer, LeaseHolder, LeaseResult, NodeActionRequest, NodePods, NodeView, PdbView, PodRef, PodView, WorkloadView } from '../engine/ports/cluster-views.ts';

/** Every call takes an AbortSignal: Ctrl-C and pause stop waits at once. */
export interface ClusterPort {
  readonly name: string;
  snapshot(signal?: AbortSignal): Promise<ClusterSnapshot>;
  getNode(name: string, signal?: AbortSignal): Promise<NodeView | undefined>;
  listNodes(signal?: AbortSignal): Promise<NodeView[]>;
  podsOnNode(node: string, signal?: AbortSignal): Promise<PodView[]>;
  /** Cordons and records `runId` as the owner; never takes over a cordon someone else made. */
  cordon(node: string, runId: string, signal?: AbortSignal): Promise<CordonResult>;
  /** Uncordons only if `runId` owns the cordon; returns whether it did. */
  uncordon(node: string, runId: string, signal?: AbortSignal): Promise<boolean>;
  evict(pod: PodRef, gracePeriodSeconds: number | undefined, signal?: AbortSignal): Promise<EvictionAnswer>;
  /** Plain DELETE: only for the `force` policy. */
  deletePod(pod: PodRef, gracePeriodSeconds: number | undefined, signal?: AbortSignal): Promise<void>;
  /**
   * Waits until every pod in `uids` on `node` is gone (404 or another UID under its name), through a
   * watch; returns the UIDs still there when `timeoutMs` of cluster time passed.
   */
  waitPodsGone(node: string, uids: readonly string[], timeoutMs: number, signal?: AbortSignal): Promise<string[]>;
  /**
   * Waits, through one watch of the node's pods, until `done` holds for them; returns them then, or undefined
   * when `timeoutMs` of cluster time passed. The views name their controller; Deployments behind
   * ReplicaSets are resolved only as far as already known.
   */
  waitPodsOnNode(node: string, done: (pods: readonly PodView[]) => boolean, timeoutMs: number, signal?: AbortSignal): Promise<PodView[] | undefined>;
  /**
   * The node's pods kept by one list and one watch until closed; optional (without it the engine lists
   * and watches for each wait).
   */
  watchNodePods?(node: string, signal?: AbortSignal): Promise<NodePods>;
  /** Writes the action annotation for the node agent. */
  requestNodeAction(node: string, action: NodeActionRequest, signal?: AbortSignal): Promise<void>;
  /** Waits, through a watch, until `done(node)` holds; returns the node then, or undefined at the timeout. */
  waitForNode(name: string, done: (n: NodeView) => boolean, timeoutMs: number, signal?: AbortSignal): Promise<NodeView | undefined>;
  pdbs(signal?: AbortSignal): Promise<PdbView[]>;
  /**
   * The disruption budgets as a watch keeps them, and a way to hear of every change; optional (a cluster
   * without it is evicted against blindly, with backoff on refusals).
   */
  budgetFeed?(signal?: AbortSignal): Promise<BudgetFeed>;
  workloads(signal?: AbortSignal): Promise<WorkloadView[]>;
  /** A Kubernetes Event on the node (involvedObject = node) for a transition Daylight made. */
  recordNodeEvent(node: string, e: { reason: string; message: string; type?: 'Normal' | 'Warning' }, signal?: AbortSignal): Promise<void>;
  acquireLease(name: string, holder: string, durationSeconds: number, signal?: AbortSignal): Promise<LeaseResult>;
  renewLease(name: string, holder: string, signal?: AbortSignal): Promise<boolean>;
  releaseLease(name: string, holder: string, signal?: AbortSignal): Promise<void>;
  readLease(name: string, signal?: AbortSignal): Promise<LeaseHolder | undefined>;
  /**
   * One request to any API path (`/version`, `/readyz`, custom resources such as Velero Backups), answered
   * with its status and body as they are; optional (a cluster without it cannot run kubernetes phases).
   */
  raw?(method: 'GET' | 'PUT' | 'POST' | 'PATCH' | 'DELETE', path: string, body?: unknown, signal?: AbortSignal): Promise<{ status: number; body: string }>;
  /** API requests made so far, for benchmarks. */
  readonly requestCount: number;
  /** The same, by method and resource ("POST pods/eviction"). */
  readonly requestKinds: ReadonlyMap<string, number>;
}
