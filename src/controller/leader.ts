// Leader election among `daylight controller` replicas through one coordination.k8s.io/v1 Lease, with
// client-go's semantics and defaults: a candidate tries to take the Lease every retry period (2 s) and may
// only once the holder's lease duration (15 s) has passed since it last saw the Lease change, on its own
// clock (kube/lease.ts); the leader renews every retry period, and steps down when it has not renewed
// for the renew deadline (10 s), or at once when the Lease names someone else. Stepping down aborts
// the leader's work; the journal's conditional writes (resourceVersion) refuse whatever a deposed leader
// still tries to write, so a slow step-down cannot interleave with the new leader.
import type { LeasePort } from '../engine/ports/cluster.ts';
import type { Clock } from '../lib/clock.ts';
import { errorMessage, isAbortError } from '../lib/errors.ts';

export interface ElectionTiming {
  /** How long a Lease, once last seen changing, keeps others out (client-go LeaseDuration). */
  readonly leaseDurationMs: number;
  /** How long the leader may go without a successful renewal before it steps down (RenewDeadline). */
  readonly renewDeadlineMs: number;
  /** How often a candidate tries to take the Lease and the leader renews it (RetryPeriod). */
  readonly retryPeriodMs: number;
}

/** client-go's defaults, as kube-controller-manager and kube-scheduler use them. */
export const CLIENT_GO_TIMING: ElectionTiming = { leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000 };

export interface ElectionOptions {
  readonly leases: LeasePort;
  /** The Lease's name (one per controller deployment). */
  readonly name: string;
  /** This replica: unique among the candidates (pod name and a random suffix). */
  readonly identity: string;
  readonly clock: Clock;
  readonly timing?: ElectionTiming;
  readonly log?: (line: string) => void;
  /** Told when this replica becomes leader and when it stops being one (for metrics and tests). */
  readonly onTransition?: (leading: boolean, atMs: number) => void;
}

/** Why the leader's work was aborted. */
export class LeadershipLost extends Error {
  override name = 'LeadershipLost';
}

/**
 * Campaigns until `signal` aborts; while this replica leads, runs `lead` with a signal that aborts when it
 * stops leading. After a step-down it campaigns again. On `signal`, the Lease is released if held, so a
 * standby takes over at once instead of after the lease duration.
 */
export async function runLeaderElection(o: ElectionOptions, lead: (signal: AbortSignal) => Promise<void>, signal: AbortSignal): Promise<void> {
  const t = o.timing ?? CLIENT_GO_TIMING;
  if (!(t.retryPeriodMs < t.renewDeadlineMs && t.renewDeadlineMs < t.leaseDurationMs)) {
    throw new RangeError(`leader election needs retry period < renew deadline < lease duration, got ${t.retryPeriodMs} ms, ${t.renewDeadlineMs} ms, ${t.leaseDurationMs} ms`);
  }
  const log = o.log ?? (() => {});
  const seconds = Math.ceil(t.leaseDurationMs / 1000);
  while (!signal.aborted) {
    // Campaign: try at once, then every retry period
    let acquired = false;
    while (!signal.aborted && !acquired) {
      try {
        const r = await o.leases.acquire(o.name, o.identity, seconds, signal);
        acquired = r.acquired;
      } catch (e: unknown) {
        if (isAbortError(e) || signal.aborted) break;
        log(`leader election: could not try the Lease ${o.name}: ${errorMessage(e)}`);
      }
      if (!acquired) await o.clock.sleep(t.retryPeriodMs, signal).catch(() => undefined);
    }
    if (!acquired) break;
    let lastRenewed = o.clock.now();
    log(`leader election: ${o.identity} leads (Lease ${o.name})`);
    o.onTransition?.(true, lastRenewed);
    const leading = new AbortController();
    const stop = () => leading.abort(new LeadershipLost('the controller is stopping'));
    signal.addEventListener('abort', stop, { once: true });
    const work = lead(leading.signal).catch((e: unknown) => {
      if (!leading.signal.aborted) log(`leader election: the leader's work ended: ${errorMessage(e)}; stepping down`);
    });
    let workEnded = false;
    void work.then(() => (workEnded = true));
    // Renew every retry period until the deadline passes without one, someone else holds it, or we stop
    while (!leading.signal.aborted && !workEnded) {
      await o.clock.sleep(t.retryPeriodMs, leading.signal).catch(() => undefined);
      if (leading.signal.aborted) break;
      let held: boolean | undefined;
      try {
        // A renewal may take no longer than what is left of the renew deadline (client-go bounds it so): a
        // request stuck on a dead connection must not keep a leader that cannot prove it leads
        const left = Math.max(1, t.renewDeadlineMs - (o.clock.now() - lastRenewed));
        held = await o.leases.renew(o.name, o.identity, AbortSignal.any([leading.signal, AbortSignal.timeout(left)]));
      } catch (e: unknown) {
        if (leading.signal.aborted) break;
        log(`leader election: could not renew the Lease ${o.name}: ${errorMessage(e)}`);
      }
      const now = o.clock.now();
      if (held === true) lastRenewed = now;
      else if (held === false) leading.abort(new LeadershipLost(`the Lease ${o.name} names another holder`));
      else if (now - lastRenewed >= t.renewDeadlineMs) leading.abort(new LeadershipLost(`the Lease ${o.name} was not renewed for ${Math.round((now - lastRenewed) / 1000)} s (renew deadline ${t.renewDeadlineMs / 1000} s)`));
    }
    signal.removeEventListener('abort', stop);
    const lost = leading.signal.aborted && !signal.aborted;
    const reason = leading.signal.aborted ? errorMessage(leading.signal.reason) : 'its work ended';
    leading.abort(new LeadershipLost('stepping down'));
    // Said at once: the work may take a while to end (what it still writes is refused by the resourceVersions)
    log(`leader election: ${o.identity} steps down: ${reason}; stopping its work`);
    await work;
    o.onTransition?.(false, o.clock.now());
    log(`leader election: ${o.identity} stopped leading: ${reason}`);
    // Deposed: campaign again. The work over (it found itself deposed, or failed): give the Lease up if it is
    // still ours, so a standby leads at once, and campaign again. Stopping: give it up and end.
    if (lost) continue;
    await o.leases.release(o.name, o.identity).catch((e: unknown) => log(`leader election: could not release the Lease ${o.name}: ${errorMessage(e)}`));
    if (signal.aborted) break;
    await o.clock.sleep(t.retryPeriodMs, signal).catch(() => undefined);
  }
}
