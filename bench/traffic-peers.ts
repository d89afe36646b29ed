// The approaches Daylight's traffic steering is compared with, on the same traffic in the same run: HAProxy's own
// health-check failover (run for real: the region just fails, no drain) and DNS weights with a TTL (modelled).
import { setTimeout as sleep } from 'node:timers/promises';
import { setFault, waitEven, type Lab } from './traffic-lab.ts';
import { failed, lastAnsweredByMs, startedBetween, type Load } from './traffic-load.ts';
import { lastPickMs } from './traffic-probe.ts';

export interface FailoverMeasure {
  readonly region: string;
  /** Fault on → HAProxy's checks marked the server DOWN. */
  readonly markedDownMs: number;
  /** Fault on → the server's last new request, from HAProxy's counters (upper bound) and from the client. */
  readonly dataPlaneMs: number;
  readonly clientMs: number;
  /** Requests that failed for users while the region was down (500s until the checks took it out). */
  readonly failedRequests: number;
}

/**
 * One region's maintenance with nothing but HAProxy's health checks: the region goes down for `downMs`
 * (its ingress answers 500, `/healthz` included) with no drain before, the checks take it out, it comes back,
 * the checks put it in again (`rise` passed checks) and traffic evens out.
 */
export async function healthCheckRegion(lab: Lab, load: Load, o: { region: string; downMs: number }): Promise<FailoverMeasure> {
  const { region } = o;
  const onAt = performance.now();
  await setFault(lab.sandbox, region, 1);
  const down = await lab.sampler.waitFor(`${region} marked DOWN by its health checks`, (s) => s.servers[region]?.status === 'DOWN', { from: onAt, timeoutMs: 20_000 });
  const left = onAt + o.downMs - performance.now();
  if (left > 0) await sleep(left);
  const until = performance.now();
  const dataPlaneMs = lastPickMs(lab.sampler.samples, region, onAt, until) ?? NaN;
  const clientMs = lastAnsweredByMs(load.answers, region, onAt, until);
  const failedRequests = startedBetween(load.answers, onAt, until).filter(failed).length;
  await setFault(lab.sandbox, region, 0);
  await lab.sampler.waitFor(`${region} UP again`, (s) => s.servers[region]?.status === 'UP', { timeoutMs: 20_000 });
  await waitEven(lab);
  lab.sampler.trim(performance.now() - 1_000);
  return { region, markedDownMs: down.at - onAt, dataPlaneMs, clientMs, failedRequests };
}

/**
 * DNS weights, modelled (docs: reference/traffic-and-canary.md §1 "Timescales" and §5 "DNS layer"). At the drain
 * command the region's record goes to weight 0; after a reconcile delay `d` (external-dns `--interval`, default
 * 1 m; 0 when the tool writes the record itself) the new answer is published. Each client re-resolves when its
 * cached answer expires; cached answers were fetched at uniformly spread times, so expiries are uniform over
 * [d, d + TTL] and the share of requests still going to the region falls linearly from its share to 0:
 *
 *     stillThere(t) = share × (1 − clamp((t − d) / TTL, 0, 1))
 *
 * Requests sent to the region while it is down fail. Assumed in DNS's favour: no provider propagation delay,
 * resolvers and clients honour the TTL exactly, no connection reuse past it, requests spread evenly over clients,
 * and the switch-back counts the TTL only, not the time to detect the failure.
 */
export interface DnsModel {
  readonly ttlMs: number;
  /** The longest reconcile delay; `d` is uniform over [0, reconcileMs]. */
  readonly reconcileMs: number;
}

/** Drain command → every new request on the other regions, at the worst reconcile delay. */
export function dnsShiftMs(m: DnsModel): number {
  return m.reconcileMs + m.ttlMs;
}

/** Failure detected → no new request to the region: the TTL (plus the reconcile delay), detection not counted. */
export function dnsSwitchBackMs(m: DnsModel): number {
  return m.reconcileMs + m.ttlMs;
}

/**
 * Expected failed requests for one region's outage: `rps` × ∫ stillThere(t) dt over [downAfterMs, downAfterMs +
 * downMs], averaged over the reconcile delay. `share` is the region's share of requests before the drain.
 */
export function dnsFailedPerOutage(m: DnsModel, o: { rps: number; share: number; downAfterMs: number; downMs: number }): number {
  const stepMs = 10;
  const delays = m.reconcileMs > 0 ? Array.from({ length: 61 }, (_, i) => (i / 60) * m.reconcileMs) : [0];
  let total = 0;
  for (const d of delays) {
    let sent = 0;
    for (let t = o.downAfterMs; t < o.downAfterMs + o.downMs; t += stepMs) {
      const expired = Math.min(1, Math.max(0, (t + stepMs / 2 - d) / m.ttlMs));
      sent += o.share * (1 - expired) * o.rps * (stepMs / 1000);
    }
    total += sent;
  }
  return total / delays.length;
}
