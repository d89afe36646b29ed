// The Kubernetes adapter: the ClusterPort over @kubernetes/client-node, one instance per cluster
// context. Each operation lives in its own module; this class holds the shared parts and the clock.
import type { Clock } from '../lib/clock.ts';
import type { KubeApi } from './api.ts';
import { cordon, uncordon } from './cordon.ts';
import { deletePod, evict } from './eviction.ts';
import { recordNodeEvent } from './events.ts';
import type { NodeEvent } from './events.ts';
import { acquireLease, LeaseObservations, readLease, releaseLease, renewLease } from './lease.ts';
import { requestNodeAction } from './node-action.ts';
import { openNodePods } from './node-pods.ts';
import { nodeCache, pdbCache } from './object-cache.ts';
import type { NodeCache, PdbCache } from './object-cache.ts';
import { listPdbs, listWorkloads, podsOnNode, readNode, takeSnapshot } from './reads.ts';
import { ReplicaSetOwners } from './replica-set-owners.ts';
import type {
  BudgetFeed,
  NodePods,
  ClusterPort,
  ClusterSnapshot,
  CordonResult,
  EvictionAnswer,
  LeaseHolder,
  LeaseResult,
  NodeActionRequest,
  NodeView,
  PdbView,
  PodRef,
  PodView,
  WorkloadView,
} from './types.ts';
import { nodeView, pdbView, podView } from './views.ts';
import { waitForCachedNode, waitPodsGone, waitPodsOnNode } from './waits.ts';

export interface KubeClusterOptions {
  /** The cluster's name in the plan. */
  readonly name: string;
  /** The API client over the kubeconfig context to use (see connect). */
  readonly api: KubeApi;
  /** The cluster's clock (see detectClock); waits and lease times run on it. */
  readonly clock: Clock;
}

export class KubeCluster implements ClusterPort {
  readonly name: string;
  readonly clock: Clock;
  readonly api: KubeApi;
  /** What this process saw of each Lease and when: expiry is judged by it (see lease.ts). */
  readonly leases = new LeaseObservations();
  private readonly owners = new ReplicaSetOwners();
  private readonly nodeCache: NodeCache;
  private readonly pdbCache: PdbCache;
  /** Node name → UID from the last read of the node, for events. */
  private readonly nodeUids = new Map<string, string>();

  constructor(o: KubeClusterOptions) {
    this.name = o.name;
    this.clock = o.clock;
    this.api = o.api;
    this.nodeCache = nodeCache(o.api);
    this.pdbCache = pdbCache(o.api);
  }

  get requestCount(): number {
    return this.api.requestCount;
  }

  get requestKinds(): ReadonlyMap<string, number> {
    return this.api.requestKinds;
  }

  /** The API server's URL. */
  get server(): string {
    return this.api.server;
  }

  /** A GET outside the Kubernetes API (the sandbox's own endpoints), counted and authenticated. */
  rawGet(path: string, signal?: AbortSignal): Promise<{ status: number; body: string }> {
    return this.api.rawGet(path, signal);
  }

  /** Any request outside the generated clients (sandbox endpoints, custom resources), counted and authenticated. */
  raw(method: 'GET' | 'PUT' | 'POST' | 'PATCH' | 'DELETE', path: string, body?: unknown, signal?: AbortSignal): Promise<{ status: number; body: string }> {
    return this.api.raw(method, path, body, signal);
  }

  /** Closes the connections; the adapter is not to be used afterwards. */
  close(): Promise<void> {
    this.nodeCache.close();
    this.pdbCache.close();
    return this.api.close();
  }

  async snapshot(signal?: AbortSignal): Promise<ClusterSnapshot> {
    const s = await takeSnapshot({ api: this.api, owners: this.owners, clock: this.clock, cluster: this.name }, signal);
    this.remember(s.nodes);
    return s;
  }

  /** From the node cache; a node it does not hold (created a moment ago?) is read from the API server. */
  async getNode(name: string, signal?: AbortSignal): Promise<NodeView | undefined> {
    await this.nodeCache.ready(signal);
    const n = this.nodeCache.get(name) ?? (await readNode(this.api, name, signal));
    return n ? this.remember([nodeView(n)])[0] : undefined;
  }

  async listNodes(signal?: AbortSignal): Promise<NodeView[]> {
    await this.nodeCache.ready(signal);
    return this.remember(this.nodeCache.all().map(nodeView));
  }

  podsOnNode(node: string, signal?: AbortSignal): Promise<PodView[]> {
    return podsOnNode(this.api, this.owners, node, signal);
  }

  cordon(node: string, runId: string, signal?: AbortSignal): Promise<CordonResult> {
    return this.nodeCache.ready(signal).then(() => cordon(this.api, node, runId, signal, this.nodeCache));
  }

  uncordon(node: string, runId: string, signal?: AbortSignal): Promise<boolean> {
    return this.nodeCache.ready(signal).then(() => uncordon(this.api, node, runId, signal, this.nodeCache));
  }

  evict(pod: PodRef, gracePeriodSeconds: number | undefined, signal?: AbortSignal): Promise<EvictionAnswer> {
    return evict(this.api, pod, gracePeriodSeconds, signal);
  }

  deletePod(pod: PodRef, gracePeriodSeconds: number | undefined, signal?: AbortSignal): Promise<void> {
    return deletePod(this.api, pod, gracePeriodSeconds, signal);
  }

  waitPodsGone(node: string, uids: readonly string[], timeoutMs: number, signal?: AbortSignal): Promise<string[]> {
    return waitPodsGone(this, node, uids, timeoutMs, signal);
  }

  watchNodePods(node: string, signal?: AbortSignal): Promise<NodePods> {
    return openNodePods({ api: this.api, clock: this.clock, node, view: (p) => podView(p, this.owners.lookup), learn: (pods, s) => this.owners.learn(this.api, pods, s) }, signal);
  }

  waitPodsOnNode(node: string, done: (pods: readonly PodView[]) => boolean, timeoutMs: number, signal?: AbortSignal): Promise<PodView[] | undefined> {
    return waitPodsOnNode(this, node, { view: (p) => podView(p, this.owners.lookup), done }, timeoutMs, signal);
  }

  requestNodeAction(node: string, action: NodeActionRequest, signal?: AbortSignal): Promise<void> {
    return requestNodeAction(this.api, node, action, signal, this.nodeCache);
  }

  waitForNode(name: string, done: (n: NodeView) => boolean, timeoutMs: number, signal?: AbortSignal): Promise<NodeView | undefined> {
    return waitForCachedNode({ cache: this.nodeCache, clock: this.clock }, name, done, timeoutMs, signal);
  }

  pdbs(signal?: AbortSignal): Promise<PdbView[]> {
    return listPdbs(this.api, signal);
  }

  async budgetFeed(signal?: AbortSignal): Promise<BudgetFeed> {
    await this.pdbCache.ready(signal);
    const cache = this.pdbCache;
    return { all: () => cache.all().map(pdbView), subscribe: (fn) => cache.subscribe(() => fn()) };
  }

  workloads(signal?: AbortSignal): Promise<WorkloadView[]> {
    return listWorkloads(this.api, this.owners, signal);
  }

  async recordNodeEvent(node: string, e: NodeEvent, signal?: AbortSignal): Promise<void> {
    const uid = this.nodeUids.get(node) ?? (await this.getNode(node, signal))?.uid;
    if (uid === undefined) throw new Error(`record event ${e.reason} on node ${node}: node "${node}" not found in the cluster`);
    await recordNodeEvent(this, { name: node, uid }, e, signal);
  }

  acquireLease(name: string, holder: string, durationSeconds: number, signal?: AbortSignal): Promise<LeaseResult> {
    return acquireLease(this, { name, holder, durationSeconds }, signal);
  }

  renewLease(name: string, holder: string, signal?: AbortSignal): Promise<boolean> {
    return renewLease(this, name, holder, signal);
  }

  releaseLease(name: string, holder: string, signal?: AbortSignal): Promise<void> {
    return releaseLease(this, name, holder, signal);
  }

  readLease(name: string, signal?: AbortSignal): Promise<LeaseHolder | undefined> {
    return readLease(this, name, signal);
  }

  private remember(nodes: readonly NodeView[]): NodeView[] {
    for (const n of nodes) this.nodeUids.set(n.name, n.uid);
    return [...nodes];
  }
}
