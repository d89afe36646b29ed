// Reads that every node of a wave asks for at about the same time (the cluster's workloads), answered
// once and shared for a moment, so a wave of a hundred nodes costs one list, not a hundred.
import type { Cluster } from './ports/cluster.ts';
import type { NodeView, WorkloadView } from './ports/cluster-views.ts';

export class SharedReads {
  private readonly cluster: Cluster;
  private readonly workloadsAgeMs: number;
  private last: { readonly at: number; readonly value: Promise<WorkloadView[]> } | undefined;

  /**
   * The workloads are kept for `maxAgeMs` of real time (a cache's age, not a wait) and at least
   * `clusterAgeMs` of cluster time, so a fleet of nodes polling them costs one list every few seconds.
   */
  constructor(cluster: Cluster, maxAgeMs = 250, o: { clusterAgeMs?: number; speed?: number } = {}) {
    this.cluster = cluster;
    this.workloadsAgeMs = Math.max(maxAgeMs, (o.clusterAgeMs ?? 0) / (o.speed ?? 1));
  }

  /** The adapter keeps nodes in a watched cache already, so a read costs no request to share. */
  nodes(signal?: AbortSignal): Promise<NodeView[]> {
    return this.cluster.nodes.list(signal);
  }

  private forget(value: Promise<WorkloadView[]>): void {
    if (this.last?.value === value) this.last = undefined;
  }

  workloads(signal?: AbortSignal): Promise<WorkloadView[]> {
    const now = performance.now();
    if (this.last && now - this.last.at < this.workloadsAgeMs) return this.last.value;
    const value = this.cluster.workloads.list(signal);
    this.last = { at: now, value };
    // A failed read is not kept: the caller gets the failure, the next caller reads again.
    value.then(undefined, () => this.forget(value));
    return value;
  }
}
