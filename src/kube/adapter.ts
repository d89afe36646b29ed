// The Kubernetes adapter: the engine's cluster ports (src/engine/ports/cluster.ts) over
// @kubernetes/client-node, one instance per cluster context. Each operation lives in its own module; this
// class holds the shared parts and the clock.
import type { Clock } from '../lib/clock.ts';
import type { KubeApi } from './api.ts';
import { cordon, uncordon } from './cordon.ts';
import { deletePod, evict } from './eviction.ts';
import { recordNodeEvent } from './events.ts';
import { acquireLease, LeaseObservations, readLease, releaseLease, renewLease } from './lease.ts';
import { requestNodeAction } from './node-action.ts';
import { openNodePods } from './node-pods.ts';
import { nodeCache, pdbCache } from './object-cache.ts';
import type { NodeCache, PdbCache } from './object-cache.ts';
import { listPdbs, listWorkloads, podsOnNode, readNode, takeSnapshot } from './reads.ts';
import { ReplicaSetOwners } from './replica-set-owners.ts';
import type { BudgetsPort, Cluster, EventsPort, LeasePort, NodesPort, PodsPort, WorkloadsPort } from '../engine/ports/cluster.ts';
import type { ClusterSnapshot, NodeView } from '../engine/ports/cluster-views.ts';
import { nodeView, pdbView, podView } from './views.ts';
import { waitForCachedNode, waitPodsGone } from './waits.ts';

export interface KubeClusterOptions {
  /** The cluster's name in the plan. */
  readonly name: string;
  /** The API client over the kubeconfig context to use (see connect). */
  readonly api: KubeApi;
  /** The cluster's clock (see detectClock); waits and lease times run on it. */
  readonly clock: Clock;
}

export class KubeCluster implements Cluster {
  readonly name: string;
  readonly clock: Clock;
  readonly api: KubeApi;
  /** What this process saw of each Lease and when: expiry is judged by it (see lease.ts). */
  readonly leaseObservations = new LeaseObservations();
  readonly nodes: NodesPort;
  readonly pods: PodsPort;
  readonly budgets: BudgetsPort;
  readonly workloads: WorkloadsPort;
  readonly leases: LeasePort;
  readonly events: EventsPort;
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
    const api = o.api;
    const cache = this.nodeCache;
    const waits = { api, clock: o.clock };
    const podOf = (p: Parameters<typeof podView>[0]) => podView(p, this.owners.lookup);
    this.nodes = {
      get: (name, signal) => this.getNode(name, signal),
      list: async (signal) => {
        await cache.ready(signal);
        return this.remember(cache.all().map(nodeView));
      },
      cordon: async (node, runId, signal) => {
        await cache.ready(signal);
        return cordon(api, node, runId, signal, cache);
      },
      uncordon: async (node, runId, signal) => {
        await cache.ready(signal);
        return uncordon(api, node, runId, signal, cache);
      },
      requestAction: (node, action, signal) => requestNodeAction(api, node, action, signal, cache),
      waitFor: (name, done, timeoutMs, signal) => waitForCachedNode({ cache, clock: o.clock }, name, done, timeoutMs, signal),
    };
    this.pods = {
      onNode: (node, signal) => podsOnNode(api, this.owners, node, signal),
      watchNode: (node, signal) => openNodePods({ api, clock: o.clock, node, view: podOf, learn: (pods, s) => this.owners.learn(api, pods, s) }, signal),
      evict: (pod, grace, signal) => evict(api, pod, grace, signal),
      delete: (pod, grace, signal) => deletePod(api, pod, grace, signal),
      waitGone: (node, uids, timeoutMs, signal) => waitPodsGone(waits, node, uids, timeoutMs, signal),
    };
    const pdbs = this.pdbCache;
    this.budgets = {
      list: (signal) => listPdbs(api, signal),
      feed: async (signal) => {
        await pdbs.ready(signal);
        return { all: () => pdbs.all().map(pdbView), subscribe: (fn) => pdbs.subscribe(() => fn()) };
      },
    };
    this.workloads = { list: (signal) => listWorkloads(api, this.owners, signal) };
    const leases = { api, clock: o.clock, leases: this.leaseObservations };
    this.leases = {
      acquire: (name, holder, durationSeconds, signal) => acquireLease(leases, { name, holder, durationSeconds }, signal),
      renew: (name, holder, signal) => renewLease(leases, name, holder, signal),
      release: (name, holder, signal) => releaseLease(leases, name, holder, signal),
      read: (name, signal) => readLease(leases, name, signal),
    };
    this.events = {
      onNode: async (node, e, signal) => {
        const uid = this.nodeUids.get(node) ?? (await this.getNode(node, signal))?.uid;
        if (uid === undefined) throw new Error(`record event ${e.reason} on node ${node}: node "${node}" not found in the cluster`);
        await recordNodeEvent(waits, { name: node, uid }, e, signal);
      },
    };
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
  private async getNode(name: string, signal?: AbortSignal): Promise<NodeView | undefined> {
    await this.nodeCache.ready(signal);
    const n = this.nodeCache.get(name) ?? (await readNode(this.api, name, signal));
    return n ? this.remember([nodeView(n)])[0] : undefined;
  }

  private remember(nodes: readonly NodeView[]): NodeView[] {
    for (const n of nodes) this.nodeUids.set(n.name, n.uid);
    return [...nodes];
  }
}
