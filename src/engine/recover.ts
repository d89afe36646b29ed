// `daylight recover`: give back what runs that are no longer active left behind. A node is uncordoned
// only if it carries the cordoned-by annotation of such a run; a run is active while its process lives
// or while it holds the cluster's lease.
import type { Cluster } from './ports/cluster.ts';
import type { Clock } from '../lib/clock.ts';
import { isAbortError } from '../lib/errors.ts';
import type { TrafficPort } from './ports/traffic.ts';
import type { RunEvent } from './events.ts';
import { LEASE_NAME } from './lease-keeper.ts';
import { silenceMarker } from './region.ts';
import type { RegionState, RunState } from './state.ts';

export interface RecoveredNode {
  readonly cluster: string;
  readonly node: string;
  readonly runId: string;
  readonly action: 'uncordoned' | 'left: run still active' | 'would uncordon (dry run)';
}

export interface RecoverOptions {
  readonly clusters: readonly Cluster[];
  readonly clock: Clock;
  /** Whether a process on this machine runs `runId` now (from the state directory). */
  readonly runAlive: (runId: string) => boolean;
  readonly dryRun?: boolean;
  /** Called for every node given back, so the run's own journal can record it. */
  readonly onRecovered?: (n: RecoveredNode) => Promise<void>;
  readonly signal?: AbortSignal;
}

export async function recover(o: RecoverOptions): Promise<RecoveredNode[]> {
  const out: RecoveredNode[] = [];
  for (const cluster of o.clusters) {
    // No node carries a run's cordon: nothing to give back, and no need to watch a stale Lease for a duration.
    if (!(await cluster.nodes.list(o.signal)).some((n) => n.cordonedBy)) continue;
    const holder = await activeLeaseHolder(cluster, o.clock, o.signal);
    for (const node of await cluster.nodes.list(o.signal)) {
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
      await cluster.nodes.uncordon(node.name, runId, o.signal);
      await tellPeople(cluster, node.name, `uncordoned by daylight recover: run ${runId} is no longer active`, o.signal);
      const done: RecoveredNode = { ...entry, action: 'uncordoned' };
      await o.onRecovered?.(done);
      out.push(done);
    }
  }
  return out;
}

/** Events are for people: one that cannot be written never stops a recovery; an abort still does. */
async function tellPeople(cluster: Cluster, node: string, message: string, signal?: AbortSignal): Promise<void> {
  try {
    await cluster.events.onNode(node, { reason: 'DaylightRecovered', message }, signal);
  } catch (e: unknown) {
    if (isAbortError(e)) throw e;
  }
}

/**
 * The run that holds the cluster's lease, if its hold may still be alive. A renewTime fresh by our clock
 * is taken at its word (recover never touches a run that may be running). A stale one is believed only as
 * client-go's leader election believes it: after this process watched the Lease unchanged for a whole
 * lease duration on its own clock, since our clock may run ahead of the holder's.
 */
async function activeLeaseHolder(cluster: Cluster, clock: Clock, signal?: AbortSignal): Promise<string | undefined> {
  const lease = await cluster.leases.read(LEASE_NAME, signal);
  if (!lease?.holder) return undefined;
  const durationMs = (lease.durationSeconds ?? 0) * 1000;
  if ((lease.renewedAt ?? 0) + durationMs > clock.now()) return lease.holder;
  const until = clock.now() + durationMs;
  while (clock.now() < until) {
    await clock.sleep(Math.max(1, Math.min(until - clock.now(), durationMs / 5)), signal);
    const now = await cluster.leases.read(LEASE_NAME, signal);
    if (now?.holder !== lease.holder) return now?.holder;
    if (now.renewedAt !== lease.renewedAt || now.durationSeconds !== lease.durationSeconds) return now.holder;
  }
  return undefined;
}

/** A run as recovery sees it: its state from the journal, and a way to add to that journal. */
export interface RecoverableRun {
  readonly runId: string;
  readonly state: RunState;
  readonly record: (e: RunEvent) => Promise<void>;
}

export interface RecoveredRegion {
  readonly runId: string;
  readonly cluster: string;
  readonly action: string;
}

export interface TrafficRecoverOptions {
  readonly runs: readonly RecoverableRun[];
  /** The balancer of the plan; absent when the plan has none (then regions are only reported). */
  readonly traffic?: TrafficPort;
  /** Expires a silence; `findByMarker` finds silences whose id a crash kept out of the journal. */
  readonly silences?: { expire(id: string, signal?: AbortSignal): Promise<void>; findByMarker(marker: string, signal?: AbortSignal): Promise<string[]> };
  /** Also put back regions of failed runs (left out of traffic on purpose: a failed validation or analysis). */
  readonly includeFailed?: boolean;
  readonly dryRun?: boolean;
  readonly signal?: AbortSignal;
}

/**
 * Puts the balancer back as the journal saw it before an interrupted run changed it, and expires the
 * silences such runs left. A region that failed its validation or analysis stays out unless asked.
 */
export async function recoverTraffic(o: TrafficRecoverOptions): Promise<RecoveredRegion[]> {
  const out: RecoveredRegion[] = [];
  for (const run of o.runs) {
    for (const region of Object.values(run.state.regions)) {
      out.push(...(await recoverSilences(o, run, region)));
      const touched = region.stage === 'draining' || region.stage === 'drained' || region.stage === 'restoring' || region.stage === 'cut';
      if (!touched) continue;
      const entry = { runId: run.runId, cluster: region.cluster };
      const before = region.before?.[region.cluster];
      if (run.state.status === 'failed' && !o.includeFailed) {
        out.push({ ...entry, action: `left out of traffic: run failed (${run.state.reason ?? region.reason ?? 'no reason recorded'}); pass --include-failed to put it back` });
        continue;
      }
      if (!before) {
        out.push({ ...entry, action: 'left alone: the journal holds no balancer state from before the run' });
        continue;
      }
      if (!o.traffic) {
        out.push({ ...entry, action: 'left alone: give the plan (-f) so recovery knows the balancer' });
        continue;
      }
      if (o.dryRun) {
        out.push({ ...entry, action: `would put back weight ${before.weight}, state ${before.state} (dry run)` });
        continue;
      }
      await o.traffic.putBack(region.cluster, before, o.signal);
      await run.record({ type: 'traffic.put-back', cluster: region.cluster, weight: before.weight, by: 'daylight recover' });
      out.push({ ...entry, action: `put back: weight ${before.weight}, state ${before.state}` });
    }
  }
  return out;
}

async function recoverSilences(o: TrafficRecoverOptions, run: RecoverableRun, region: RegionState): Promise<RecoveredRegion[]> {
  const s = o.silences;
  if (!s) return [];
  const ids = new Set(Object.keys(region.silences));
  const requested = run.state.status !== 'succeeded' && region.stage !== 'restored';
  if (requested) for (const id of await s.findByMarker(silenceMarker(run.runId, region.cluster), o.signal)) ids.add(id);
  const out: RecoveredRegion[] = [];
  for (const id of ids) {
    if (o.dryRun) {
      out.push({ runId: run.runId, cluster: region.cluster, action: `would expire silence ${id} (dry run)` });
      continue;
    }
    await s.expire(id, o.signal);
    if (region.silences[id]) await run.record({ type: 'silence.expired', cluster: region.cluster, alertmanager: region.silences[id], id });
    out.push({ runId: run.runId, cluster: region.cluster, action: `expired silence ${id}` });
  }
  return out;
}
