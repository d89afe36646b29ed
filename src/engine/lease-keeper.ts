// One run per cluster at a time: a Kubernetes Lease held by the run, renewed in the background, whose
// loss stops every mutation at once.
import type { Cluster } from './ports/cluster.ts';
import type { LeaseHolder } from './ports/cluster-views.ts';
import type { Clock } from '../lib/clock.ts';
import { errorMessage } from '../lib/errors.ts';

export const LEASE_NAME = 'daylight-maintenance';

/** The plan's lease when it says none (`spec.lease.duration`). */
export const DEFAULT_LEASE_SECONDS = 60;

/**
 * Cluster seconds a lease lasts: the plan's duration (a minute unless it says otherwise), but never less
 * than ten real seconds, so renewals keep up on a sandbox whose clock runs fast.
 */
export function leaseSeconds(clock: Clock, planSeconds: number = DEFAULT_LEASE_SECONDS): number {
  return Math.max(planSeconds, Math.ceil(10 * clock.speed));
}

export class LeaseBusy extends Error {
  readonly heldBy: LeaseHolder;

  constructor(cluster: string, heldBy: LeaseHolder, now: number) {
    // Ages by this process's clock only: the holder's renewTime is another host's clock.
    const age = heldBy.observedAt !== undefined ? ` (seen renewed ${Math.max(0, Math.round((now - heldBy.observedAt) / 1000))}s ago, lasts ${heldBy.durationSeconds ?? '?'}s)` : '';
    super(`cluster ${cluster} is being maintained by run ${heldBy.holder}${age}; wait for it, or stop it with daylight abort ${heldBy.holder}`);
    this.name = 'LeaseBusy';
    this.heldBy = heldBy;
  }
}

export interface HeldLease {
  /** Stops renewing and releases; returns why it could not be released (it then expires on its own). */
  release(): Promise<string | undefined>;
  /** Stops renewing and leaves the lease as it is: for the next process of the same run, or to expire. */
  stop(): Promise<void>;
}

/**
 * Takes the lease as client-go's leader election does. A Lease held by another run is watched: seen
 * renewed, its holder is alive and this run is turned away; not seen changing for a whole lease duration
 * on this process's clock, its holder is gone and the lease is taken. A crashed run's lease thus costs
 * one lease duration of waiting, whatever the clocks of the two hosts say.
 */
async function acquire(o: { cluster: Cluster; holder: string; clock: Clock; signal?: AbortSignal | undefined }, seconds: number): Promise<void> {
  let firstSeen: number | undefined;
  for (;;) {
    const r = await o.cluster.leases.acquire(LEASE_NAME, o.holder, seconds, o.signal);
    if (r.acquired) return;
    const { observedAt, expiresAt } = r.heldBy;
    firstSeen ??= observedAt;
    if (observedAt === undefined || expiresAt === undefined || observedAt !== firstSeen) throw new LeaseBusy(o.cluster.name, r.heldBy, o.clock.now());
    // Look again at least as often as a live holder renews (a third of the duration), and once it ran out.
    await o.clock.sleep(Math.max(1, Math.min(expiresAt - o.clock.now(), (seconds * 1000) / 3)), o.signal);
  }
}

/**
 * Acquires the lease and renews it until released; `onLost` runs once when another holder took it, or when
 * renewals kept failing until the renew deadline. As client-go's leader election (lease 15 s, renew
 * deadline 10 s, retry 2 s), a renewal that fails (a timeout, a 429, a 500) is retried every fifteenth of
 * the duration until two thirds of it have passed since the last renewal that succeeded: one transient
 * error does not stop a run, and the run stops well before another process may take the lease.
 */
export async function holdLease(o: { cluster: Cluster; holder: string; clock: Clock; onLost: (reason: string) => void; signal?: AbortSignal; durationSeconds?: number }): Promise<HeldLease> {
  const seconds = leaseSeconds(o.clock, o.durationSeconds);
  await acquire(o, seconds);
  const stop = new AbortController();
  const period = (seconds * 1000) / 3;
  const retry = (seconds * 1000) / 15;
  const deadline = (seconds * 1000 * 2) / 3;
  const renewing = (async () => {
    let renewedAt = o.clock.now();
    let wait = period;
    while (!stop.signal.aborted) {
      try {
        await o.clock.sleep(wait, stop.signal);
        if (!(await o.cluster.leases.renew(LEASE_NAME, o.holder, stop.signal))) {
          o.onLost(`the lease on cluster ${o.cluster.name} was taken over`);
          return;
        }
        renewedAt = o.clock.now();
        wait = period;
      } catch (e: unknown) {
        if (e instanceof Error && e.name === 'AbortError') return;
        if (o.clock.now() - renewedAt + retry >= deadline) {
          const since = Math.round((o.clock.now() - renewedAt) / 1000);
          o.onLost(`renewing the lease on cluster ${o.cluster.name} failed for ${since}s (the renew deadline is ${Math.round(deadline / 1000)}s): ${e instanceof Error ? e.message : String(e)}`);
          return;
        }
        wait = retry;
      }
    }
  })();
  return {
    stop: async () => {
      stop.abort();
      await renewing;
    },
    release: async () => {
      stop.abort();
      await renewing;
      try {
        await o.cluster.leases.release(LEASE_NAME, o.holder);
        return undefined;
      } catch (e: unknown) {
        return `the lease on cluster ${o.cluster.name} could not be released (${errorMessage(e)}); it expires ${seconds}s after its last renewal`;
      }
    },
  };
}
