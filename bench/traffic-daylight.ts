// Daylight's side of the traffic benchmark, through the HAProxy adapter as a regional phase drives it: one drain
// measured on the data plane and by the client, one switch-back from a failed proxy analysis, and one region's
// whole maintenance (drain, down, validated, restored in analysed steps).
import { setTimeout as sleep } from 'node:timers/promises';
import { measureAnalysis, type AnalysisRecord } from '../src/checks/analysis.ts';
import type { Analysis } from '../src/plan/schema.ts';
import type { HaproxyTraffic } from '../src/traffic/haproxy.ts';
import type { RegionTraffic } from '../src/traffic/types.ts';
import { setFault, waitEven, waitHealthy, type Lab } from './traffic-lab.ts';
import { failed, lastAnsweredByMs, startedBetween, type Load } from './traffic-load.ts';
import { lastPickMs, type StatSample } from './traffic-probe.ts';

/** The analysis a plan would give the restore: HAProxy's own 5xx share of the region's new responses. */
export const PROXY_ANALYSIS: Analysis = { type: 'proxy', metric: 'error-rate', max: 0.01, minRequests: 20 };
/** How long the probe keeps watching after a change before "the last pick" counts as final. */
const SETTLE_MS = 300;
const clock = { now: () => Date.now() };

export interface DrainMeasure {
  /** Command → the drained server's last pick, from HAProxy's counters (upper bound, probe resolution). */
  readonly dataPlaneMs: number;
  /** Command → start of the last request the drained region answered, from the client's answers. */
  readonly clientMs: number;
  /** What the adapter's own verification reported, and how long drain() took. */
  readonly adapterMs: number;
  readonly callMs: number;
}

/** Drains the region, watches where new requests go, then puts it back and waits until traffic is even. */
export async function drainCycle(lab: Lab, traffic: HaproxyTraffic, load: Load, region: string): Promise<DrainMeasure> {
  const before = await regionNow(traffic, region);
  const t0 = performance.now();
  const result = await traffic.drain(region, { timeoutMs: 3_000 });
  const returned = performance.now();
  await sleep(SETTLE_MS);
  const until = performance.now();
  const dataPlaneMs = lastPickMs(lab.sampler.samples, region, t0, until);
  if (dataPlaneMs === undefined) throw new Error(`no HAProxy statistics sample after draining ${region}`);
  const clientMs = lastAnsweredByMs(load.answers, region, t0, until);
  await traffic.putBack(region, before);
  await waitEven(lab);
  lab.sampler.trim(performance.now() - 1_000);
  return { dataPlaneMs, clientMs, adapterMs: result.newTrafficStoppedMs, callMs: returned - t0 };
}

export interface SwitchBackMeasure {
  /** Fault on → the proxy analysis failed. */
  readonly detectMs: number;
  /** Failed analysis → cut() returned and a sample showed weight 0 with no new pick. */
  readonly actuateMs: number;
  /** Fault on → the region's last new request, from HAProxy's counters and from the client. */
  readonly totalMs: number;
  readonly totalClientMs: number;
  /** Requests that failed for users in the cycle (the region's 500s until the cut). */
  readonly failedRequests: number;
  /** Measurements before the fault: they must all be successes. */
  readonly healthyMeasurements: number;
  readonly failure: AnalysisRecord;
}

/**
 * Measures the proxy analysis every `everyMs` as the restore step does (counter deltas since the last sample),
 * turns the region's ingress into 500s at a random phase of that rhythm, cuts the region when the analysis
 * fails, then clears the fault and puts the region back.
 */
export async function switchBackCycle(lab: Lab, traffic: HaproxyTraffic, load: Load, o: { region: string; everyMs: number }): Promise<SwitchBackMeasure> {
  const { region } = o;
  const before = await regionNow(traffic, region);
  const fault = { onAt: undefined as number | undefined };
  // two healthy measurements first, then the fault at a random instant of the sampling rhythm
  const injected = sleep(2 * o.everyMs + Math.random() * o.everyMs).then(async () => {
    fault.onAt = performance.now();
    await setFault(lab.sandbox, region, 1);
  });
  // awaited below; this only keeps a failure from going unhandled while the loop throws first
  injected.catch(() => undefined);
  let since: RegionTraffic | undefined = before;
  let healthy = 0;
  let failure: AnalysisRecord | undefined;
  const deadline = performance.now() + 10_000;
  while (!failure) {
    await sleep(o.everyMs);
    const now = await regionNow(traffic, region);
    const record = await measureAnalysis(PROXY_ANALYSIS, { region, since, now, clock });
    since = now;
    if (record.verdict === 'failure') failure = record;
    else if (fault.onAt === undefined && record.verdict === 'success') healthy++;
    if (performance.now() > deadline) throw new Error(`the proxy analysis did not fail within 10 s of the fault on ${region}: ${record.message}`);
  }
  const detectedAt = performance.now();
  await injected;
  const onAt = fault.onAt;
  if (onAt === undefined || onAt > detectedAt) throw new Error(`the proxy analysis failed before the fault on ${region}: ${failure.message}`);
  await traffic.cut(region);
  const cutReturned = performance.now();
  const confirmed = await lab.sampler.waitFor(`${region} at weight 0 with no new pick`, cutOnDataPlane(region), { from: detectedAt, timeoutMs: 5_000 });
  const actuatedAt = Math.max(cutReturned, confirmed.at);
  await sleep(SETTLE_MS);
  const until = performance.now();
  const totalMs = lastPickMs(lab.sampler.samples, region, onAt, until) ?? NaN;
  const totalClientMs = lastAnsweredByMs(load.answers, region, onAt, until);
  const failedRequests = startedBetween(load.answers, onAt, until).filter(failed).length;
  await setFault(lab.sandbox, region, 0);
  await traffic.putBack(region, before);
  await waitEven(lab);
  lab.sampler.trim(performance.now() - 1_000);
  return { detectMs: detectedAt - onAt, actuateMs: actuatedAt - detectedAt, totalMs, totalClientMs, failedRequests, healthyMeasurements: healthy, failure };
}

/** Two samples in a row with the region at weight 0 and the same pick count. */
function cutOnDataPlane(region: string): (s: StatSample) => boolean {
  let previous: number | undefined;
  return (s) => {
    const c = s.servers[region];
    const ok = c !== undefined && c.weight === 0 && previous === c.lbtot;
    previous = c?.weight === 0 ? c.lbtot : undefined;
    return ok;
  };
}

export interface MaintenanceOptions {
  readonly region: string;
  /** How long the region is down (its ingress answers 500) while maintained. */
  readonly downMs: number;
  readonly steps: readonly number[];
  readonly stepMs: number;
}

export interface RegionMaintenance {
  readonly region: string;
  readonly drainMs: number;
  /** Drain command → the region's ingress fails (the maintenance starts once drain() returned). */
  readonly downAfterMs: number;
  readonly validateMs: number;
  readonly analyses: readonly AnalysisRecord[];
}

/**
 * One region's maintenance as a regional phase runs it: drain, the region down for `downMs`, validation
 * (ingress 200 and HAProxy's checks UP), then the restore steps, each judged by the proxy analysis over
 * the whole step; a failed analysis cuts the region and ends the maintenance with an error.
 */
export async function maintainRegion(lab: Lab, traffic: HaproxyTraffic, o: MaintenanceOptions): Promise<RegionMaintenance> {
  const t0 = performance.now();
  const drained = await traffic.drain(o.region, { timeoutMs: 5_000 });
  const downAt = performance.now();
  await setFault(lab.sandbox, o.region, 1);
  await sleep(o.downMs);
  await setFault(lab.sandbox, o.region, 0);
  const upAt = performance.now();
  await waitHealthy(lab, o.region);
  const validateMs = performance.now() - upAt;
  const analyses: AnalysisRecord[] = [];
  for (const percent of o.steps) {
    await traffic.setShare(o.region, percent);
    const since = await regionNow(traffic, o.region);
    await sleep(o.stepMs);
    const record = await measureAnalysis(PROXY_ANALYSIS, { region: o.region, since, now: await regionNow(traffic, o.region), clock });
    analyses.push(record);
    if (record.verdict !== 'success') {
      await traffic.cut(o.region);
      throw new Error(`the restore of ${o.region} at ${percent}% did not pass its analysis and was cut: ${record.message}`);
    }
  }
  lab.sampler.trim(performance.now() - 1_000);
  return { region: o.region, drainMs: drained.newTrafficStoppedMs, downAfterMs: downAt - t0, validateMs, analyses };
}

async function regionNow(traffic: HaproxyTraffic, region: string): Promise<RegionTraffic> {
  const r = (await traffic.snapshot()).regions[region];
  if (!r) throw new Error(`HAProxy has no server for ${region}`);
  return r;
}
