// `daylight recover`: give back what runs that are no longer active left behind. A node is uncordoned
// only if it carries the cordoned-by annotation of such a run; a run is active while its process lives
// or while it holds the cluster's lease.
import type { ClusterPort } from '../kube/types.ts';
import type { Clock } from '../lib/clock.ts';
import { LEASE_NAME } from './lease-keeper.ts';

export interface RecoveredNode {
  readonly cluster: string;
  readonly node: string;
  readonly runId: string;
  readonly action: 'uncordoned' | 'left: run still active' | 'would uncordon (dry run)';
}

export interface RecoverOptions {
  readonly clusters: readonly ClusterPort[];
  readonly clock: Clock;
  /** Whether a process on this machine runs `runId` now (from the state directory). */
  readonly runAlive: (runId: string) => boolean;
  readonly dryRun?: boolean;
  /** Called for every node given back, so the run's own journal can record it. */
  readonly onRecovered?: (n: RecoveredNode) => void;
  readonly signal?: AbortSignal;
}

export async function recover(o: RecoverOptions): Promise<RecoveredNode[]> {
  const out: RecoveredNode[] = [];
  for (const cluster of o.clusters) {
    const holder = await activeLeaseHolder(cluster, o.clock, o.signal);
    for (const node of await cluster.listNodes(o.signal)) {
      const runId = node.cordonedBy;
      if (!runId) continue;
      const entry = { cluster: cluster.name, node: node.name, runId };
      if (runId === holder || o.runAlive(runId)) {
        out.push({ ...entry, action: 'left: run still active' });
        continue;
      }
      if (o.dryRun) {
        out.push({ ...entry, action: 'would uncordon (dry run)' });
        continue;
      }
      await cluster.uncordon(node.name, runId, o.signal);
      await cluster.recordNodeEvent(node.name, { reason: 'DaylightRecovered', message: `uncordoned by daylight recover: run ${runId} is no longer active` }, o.signal).catch(() => undefined);
      const done: RecoveredNode = { ...entry, action: 'uncordoned' };
      o.onRecovered?.(done);
      out.push(done);
    }
  }
  return out;
}

async function activeLeaseHolder(cluster: ClusterPort, clock: Clock, signal?: AbortSignal): Promise<string | undefined> {
  const lease = await cluster.readLease(LEASE_NAME, signal);
  if (!lease?.holder) return undefined;
  const expires = (lease.renewedAt ?? 0) + (lease.durationSeconds ?? 0) * 1000;
  return expires > clock.now() ? lease.holder : undefined;
}
