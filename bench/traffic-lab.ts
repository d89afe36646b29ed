// What the traffic benchmark's scenarios share: a real HAProxy in front of the sandbox's region ingresses with
// its statistics probe, the sandbox's ingress faults switched on and off, and waits for health and even traffic.
import { setTimeout as sleep } from 'node:timers/promises';
import { request } from 'undici';
import { startHaproxy, type RunningHaproxy } from '../test/helpers/haproxy.ts';
import { call, type SandboxChild } from './sandbox-child.ts';
import { startStatSampler, type StatSample, type StatSampler } from './traffic-probe.ts';

/** One HAProxy with the regions as servers (server name = region name) and its probe. */
export interface Lab {
  readonly sandbox: SandboxChild;
  readonly haproxy: RunningHaproxy;
  readonly sampler: StatSampler;
  readonly regions: readonly string[];
}

export interface LabOptions {
  readonly sandbox: SandboxChild;
  readonly dir: string;
  /** HAProxy's health checks: the defaults are inter 2s, fall 3, rise 2. */
  readonly inter: string;
  readonly fall: number;
  readonly rise: number;
  /** Probe interval. */
  readonly sampleMs: number;
}

/** Server weight: canary shares are percentages of it, so it needs room for 10%. */
const WEIGHT = 100;

export async function startLab(o: LabOptions): Promise<Lab> {
  const haproxy = await startHaproxy({ servers: o.sandbox.ingress, dir: o.dir, checkInterval: o.inter, fall: o.fall, rise: o.rise, weight: WEIGHT });
  try {
    await haproxy.waitFor('UP', undefined, 20_000);
    const sampler = startStatSampler(haproxy.command, haproxy.backend, o.sampleMs);
    return { sandbox: o.sandbox, haproxy, sampler, regions: o.sandbox.regions };
  } catch (e: unknown) {
    await haproxy.stop();
    throw e;
  }
}

export async function stopLab(lab: Lab | undefined): Promise<void> {
  if (!lab) return;
  await lab.sampler.stop();
  await lab.haproxy.stop();
}

/** Makes the region's real ingress answer every request (health checks included) with 500, or stops it. */
export async function setFault(sandbox: SandboxChild, region: string, errorRate: 0 | 1): Promise<void> {
  const reply = (await call(sandbox, 'PUT', '/sandbox/v1/faults', { ingress: { [region]: { errorRate, latencyMs: 0 } } })) as { ingress?: Record<string, { errorRate: number }> };
  if (reply?.ingress?.[region]?.errorRate !== errorRate) throw new Error(`the sandbox did not set ingress errorRate ${errorRate} on ${region}: ${JSON.stringify(reply)}`);
}

/** Waits until every region gets between 35% and 65% of new requests over a window of `windowMs` (bounded). */
export async function waitEven(lab: Lab, windowMs = 300, timeoutMs = 10_000): Promise<void> {
  const end = performance.now() + timeoutMs;
  for (;;) {
    const from = lab.sampler.samples.at(-1);
    await sleep(windowMs);
    const to = lab.sampler.samples.at(-1);
    const shares = from && to ? sharesBetween(from, to, lab.regions) : [];
    if (shares.length > 0 && shares.every((s) => s >= 0.35 && s <= 0.65)) return;
    if (performance.now() > end) throw new Error(`traffic did not become even again within ${timeoutMs} ms: shares ${shares.map((s) => s.toFixed(2)).join(' / ')}; last ${JSON.stringify(to?.servers)}`);
  }
}

function sharesBetween(a: StatSample, b: StatSample, regions: readonly string[]): number[] {
  const picks = regions.map((r) => (b.servers[r]?.lbtot ?? 0) - (a.servers[r]?.lbtot ?? 0));
  const total = picks.reduce((x, y) => x + y, 0);
  return total > 0 ? picks.map((p) => p / total) : [];
}

/**
 * The region's validation after its maintenance, as a gate and HAProxy would see it: its ingress answers
 * `/healthz` with 200 and HAProxy's health checks have it up again (status UP or DRAIN, not DOWN).
 */
export async function waitHealthy(lab: Lab, region: string, timeoutMs = 20_000): Promise<void> {
  const end = performance.now() + timeoutMs;
  for (let delay = 50; ; delay = Math.min(delay * 2, 250)) {
    const res = await request(`${lab.sandbox.ingress[region]}/healthz`).catch(() => undefined);
    await res?.body.dump();
    const status = lab.sampler.samples.at(-1)?.servers[region]?.status ?? '';
    if (res?.statusCode === 200 && /^(UP|DRAIN)$/.test(status)) return;
    if (performance.now() > end) throw new Error(`${region} was not healthy again within ${timeoutMs} ms: ingress ${res?.statusCode ?? 'no answer'}, HAProxy status ${status}`);
    await sleep(delay);
  }
}
