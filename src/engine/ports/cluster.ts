// What the engine asks of one cluster, port by port: its nodes, the pods on them, the disruption budgets,
// the workloads, the run's Lease and the node Events it records. Each port is a few members the engine
// calls, none optional: an adapter implements them all (kube/ over the API server, tests in memory), so
// the engine never asks what an adapter can do. Every call takes an AbortSignal: Ctrl-C and pause stop
// waits at once.
import type {
  BudgetFeed,
  ClusterSnapshot,
  CordonResult,
  EvictionAnswer,
  LeaseHolder,
  LeaseResult,
  NodeActionRequest,
  NodePods,
  NodeView,
  PdbView,
  PodRef,
  PodView,
  WorkloadView,
} from './cluster-views.ts';

export interface NodesPort {
  get(name: string, signal?: AbortSignal): Promise<NodeView | undefined>;
  list(signal?: AbortSignal): Promise<NodeView[]>;
  /** Cordons and records `runId` as the owner; never takes over a cordon someone else made. */
  cordon(node: string, runId: string, signal?: AbortSignal): Promise<CordonResult>;
  /** Uncordons only if `runId` owns the cordon; returns whether it did. */
  uncordon(node: string, runId: string, signal?: AbortSignal): Promise<boolean>;
  /** Writes the action request for the node agent (DESIGN.md section 6). */
  requestAction(node: string, action: NodeActionRequest, signal?: AbortSignal): Promise<void>;
  /** Waits until `done(node)` holds; returns the node then, or undefined when `timeoutMs` of cluster time passed. */
  waitFor(name: string, done: (n: NodeView) => boolean, timeoutMs: number, signal?: AbortSignal): Promise<NodeView | undefined>;
}

export interface PodsPort {
  /** The node's pods now, their workloads resolved. */
  onNode(node: string, signal?: AbortSignal): Promise<PodView[]>;
  /** The node's pods kept up to date until closed: one drain and the wait for its DaemonSet pods read them. */
  watchNode(node: string, signal?: AbortSignal): Promise<NodePods>;
  evict(pod: PodRef, gracePeriodSeconds: number | undefined, signal?: AbortSignal): Promise<EvictionAnswer>;
  /** Plain DELETE, guarded by the pod's UID: only for the `force` policy and a namespace being deleted. */
  delete(pod: PodRef, gracePeriodSeconds: number | undefined, signal?: AbortSignal): Promise<void>;
  /**
   * Waits until every pod in `uids` on `node` is gone (or another UID holds its name); returns the UIDs still
   * there when `timeoutMs` of cluster time passed.
   */
  waitGone(node: string, uids: readonly string[], timeoutMs: number, signal?: AbortSignal): Promise<string[]>;
}

export interface BudgetsPort {
  list(signal?: AbortSignal): Promise<PdbView[]>;
  /** The budgets as they are kept up to date, and a way to hear of every change (evictions wait for room by it). */
  feed(signal?: AbortSignal): Promise<BudgetFeed>;
}

export interface WorkloadsPort {
  list(signal?: AbortSignal): Promise<WorkloadView[]>;
}

/** The Lease that makes one run the only one maintaining a cluster. */
export interface LeasePort {
  acquire(name: string, holder: string, durationSeconds: number, signal?: AbortSignal): Promise<LeaseResult>;
  /** False once the Lease is no longer `holder`'s. */
  renew(name: string, holder: string, signal?: AbortSignal): Promise<boolean>;
  release(name: string, holder: string, signal?: AbortSignal): Promise<void>;
  read(name: string, signal?: AbortSignal): Promise<LeaseHolder | undefined>;
}

export interface NodeEvent {
  readonly reason: string;
  readonly message: string;
  readonly type?: 'Normal' | 'Warning';
}

export interface EventsPort {
  /** An Event on the node (a Kubernetes Event whose involved object is the node) for a transition Daylight made. */
  onNode(node: string, e: NodeEvent, signal?: AbortSignal): Promise<void>;
}

/** One cluster of the plan, as the engine works with it. */
export interface Cluster {
  /** The cluster's name in the plan. */
  readonly name: string;
  /** Nodes, pods, budgets and workloads at one moment: what a phase is planned from. */
  snapshot(signal?: AbortSignal): Promise<ClusterSnapshot>;
  readonly nodes: NodesPort;
  readonly pods: PodsPort;
  readonly budgets: BudgetsPort;
  readonly workloads: WorkloadsPort;
  readonly leases: LeasePort;
  readonly events: EventsPort;
}
