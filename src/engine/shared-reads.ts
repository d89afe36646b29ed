// Reads that every node of a wave asks for at about the same time (the cluster's workloads), answered
// once and shared for a moment, so a wave of a hundred nodes costs one list, not a hundred.
import type { ClusterPort, NodeView, WorkloadView } from '../kube/types.ts';

export class SharedReads {
  private readonly cluster: ClusterPort;
  private readonly maxAgeMs: number;
  private readonly workloadsAgeMs: number;
  private last: { readonly at: number; readonly value: Promise<WorkloadView[]> } | undefined;
  private lastNodes: { readonly at: number; readonly value: Promise<NodeView[]> } | undefined;

  /**
   * `maxAgeMs` is real time: a cache's age, not a wait. The workloads are also kept for `clusterAgeMs` of
   * cluster time, so a fleet of nodes polling them costs one list every few seconds, not four a second.
   */
  constructor(cluster: ClusterPort, maxAgeMs = 250, o: { clusterAgeMs?: number; speed?: number } = {}) {
    this.cluster = cluster;
    this.maxAgeMs = maxAgeMs;
    this.workloadsAgeMs = Math.max(maxAgeMs, (o.clusterAgeMs ?? 0) / (o.speed ?? 1));
  }

  nodes(signal?: AbortSignal): Promise<NodeView[]> {
    const now = performance.now();
    if (this.lastNodes && now - this.lastNodes.at < this.maxAgeMs) return this.lastNodes.value;
    const value = this.cluster.listNodes(signal);
    this.lastNodes = { at: now, value };
    value.catch(() => {
      if (this.lastNodes?.value === value) this.lastNodes = undefined;
    });
    return value;
  }

  workloads(signal?: AbortSignal): Promise<WorkloadView[]> {
    const now = performance.now();
    if (this.last && now - this.last.at < this.workloadsAgeMs) return this.last.value;
    const value = this.cluster.workloads(signal);
    this.last = { at: now, value };
    value.catch(() => {
      if (this.last?.value === value) this.last = undefined;
    });
    return value;
  }
}
