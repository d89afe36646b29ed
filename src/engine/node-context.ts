// What every step of one node's maintenance works with: the cluster, the phase's policies, the clock,
// the recorder that journals each step before the next, and the signal that pauses or aborts it.
import type { Cluster } from './ports/cluster.ts';
import type { NodePods } from './ports/cluster-views.ts';
import type { NodesPhase } from '../plan/schema.ts';
import type { Clock } from '../lib/clock.ts';
import type { RunEvent } from './events.ts';
import type { BudgetQueue } from './budget-queue.ts';
import type { SharedReads } from './shared-reads.ts';

export type Record = (event: RunEvent) => Promise<void>;

export interface NodeContext {
  readonly cluster: Cluster;
  readonly clusterName: string;
  readonly node: string;
  readonly runId: string;
  readonly phase: NodesPhase;
  readonly clock: Clock;
  readonly record: Record;
  readonly signal: AbortSignal;
  /** Reads shared by the nodes of a wave. */
  readonly reads: SharedReads;
  /** Where evictions wait for their budget's room. */
  readonly budgets: BudgetQueue;
}

/** A node from its drain until its DaemonSet pods are back: one watch keeps its pods for all of it. */
export interface WatchedNode extends NodeContext {
  readonly nodePods: NodePods;
}
