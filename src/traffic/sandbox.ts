// The `sandbox` traffic adapter: the sandbox's own global load balancer (`/sandbox/v1/traffic` on any
// region's API). Its data plane is the simulated request stream; a change is confirmed when the demand
// the balancer sends to the region follows the new weights.
import type { DrainOptions, DrainResult, RegionTraffic, TrafficPort, TrafficSnapshot } from './types.ts';
import { TrafficError } from './types.ts';

/** The one call the adapter needs: a JSON request to a sandbox region's API, authenticated. */
export type SandboxCall = (method: 'GET' | 'PUT', path: string, body?: unknown, signal?: AbortSignal) => Promise<{ status: number; body: string }>;

interface BalancerView {
  readonly weights: Record<string, number>;
  readonly initialWeights?: Record<string, number>;
  readonly regions: Record<string, { served: number; failed: number; demandRps: number; capacityRps: number }>;
}

export interface SandboxTrafficOptions {
  readonly call: SandboxCall;
  /** Regions to steer, as plan cluster names (the sandbox names regions the same way). */
  readonly regions: readonly string[];
  /** Real ms between two reads while a change is being confirmed. */
  readonly pollMs?: number;
  /** Real ms a change may take to show before it counts as not confirmed. */
  readonly confirmMs?: number;
}

const PATH = '/sandbox/v1/traffic';

export class SandboxTraffic implements TrafficPort {
  readonly provider = 'sandbox';
  readonly regions: readonly string[];
  private readonly o: SandboxTrafficOptions;

  constructor(o: SandboxTrafficOptions) {
    this.o = o;
    this.regions = o.regions;
  }

  async snapshot(signal?: AbortSignal): Promise<TrafficSnapshot> {
    const v = await this.read(signal);
    const regions: Record<string, RegionTraffic> = {};
    for (const r of this.regions) regions[r] = regionOf(v, r);
    return { at: Date.now(), regions };
  }

  async drain(region: string, o: DrainOptions): Promise<DrainResult> {
    const started = performance.now();
    const v = await this.read(o.signal);
    this.known(v, region);
    const others = this.regions.filter((r) => r !== region && (v.weights[r] ?? 0) > 0);
    if (others.length === 0) throw new TrafficError(`will not drain ${region}: it is the last region in service (weights ${JSON.stringify(v.weights)})`);
    await this.write({ [region]: 0 }, o.signal);
    await this.confirm(region, (t) => t.demandRps === 0, `no demand sent to ${region}`, o.signal);
    const ms = performance.now() - started;
    // The simulated balancer keeps no sessions: once new requests stop, nothing of the region's is open.
    return { newTrafficStoppedMs: ms, sessionsGoneMs: ms, sessionsShut: 0 };
  }

  async setShare(region: string, percent: number, signal?: AbortSignal): Promise<void> {
    const v = await this.read(signal);
    this.known(v, region);
    const initial = initialOf(v, region);
    const weight = (initial * Math.min(100, Math.max(0, percent))) / 100;
    await this.write({ [region]: weight }, signal);
    await this.confirmWeight(region, weight, signal);
  }

  async cut(region: string, signal?: AbortSignal): Promise<void> {
    await this.write({ [region]: 0 }, signal);
    await this.confirm(region, (t) => t.demandRps === 0, `no demand sent to ${region}`, signal);
  }

  async putBack(region: string, before: RegionTraffic, signal?: AbortSignal): Promise<void> {
    await this.write({ [region]: before.weight }, signal);
    await this.confirmWeight(region, before.weight, signal);
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  /** The demand the balancer sends follows the weight: none at 0, some above. */
  private confirmWeight(region: string, weight: number, signal?: AbortSignal): Promise<void> {
    return this.confirm(region, (t, v) => (v.weights[region] ?? 0) === weight && (weight > 0 ? t.demandRps > 0 : t.demandRps === 0), `weight ${weight} for ${region} with demand following it`, signal);
  }

  private async confirm(region: string, ok: (t: BalancerView['regions'][string], v: BalancerView) => boolean, what: string, signal?: AbortSignal): Promise<void> {
    const deadline = performance.now() + (this.o.confirmMs ?? 10_000);
    let last: BalancerView | undefined;
    for (;;) {
      last = await this.read(signal);
      const t = last.regions[region];
      if (t && ok(t, last)) return;
      if (performance.now() >= deadline) break;
      await new Promise((r) => setTimeout(r, this.o.pollMs ?? 25));
    }
    throw new TrafficError(`the sandbox's balancer did not confirm ${what} within ${this.o.confirmMs ?? 10_000} ms; it shows weights ${JSON.stringify(last.weights)} and ${JSON.stringify(last.regions[region])}`);
  }

  private known(v: BalancerView, region: string): void {
    if (!(region in v.weights)) throw new TrafficError(`the sandbox's balancer has no region "${region}"; it has ${Object.keys(v.weights).join(', ')}`);
  }

  private async write(weights: Record<string, number>, signal?: AbortSignal): Promise<void> {
    const res = await this.o.call('PUT', PATH, { weights }, signal);
    if (res.status !== 200) throw new TrafficError(`the sandbox's balancer refused ${JSON.stringify(weights)}: ${res.status} ${res.body.slice(0, 200)}`);
  }

  private async read(signal?: AbortSignal): Promise<BalancerView> {
    let res: { status: number; body: string };
    try {
      res = await this.o.call('GET', PATH, undefined, signal);
    } catch (e: unknown) {
      if (signal?.aborted) throw e;
      throw new TrafficError(`cannot reach the sandbox's balancer at ${PATH}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
    if (res.status !== 200) throw new TrafficError(`the sandbox's balancer answered ${res.status}: ${res.body.slice(0, 200)}`);
    return JSON.parse(res.body) as BalancerView;
  }
}

function initialOf(v: BalancerView, region: string): number {
  return v.initialWeights?.[region] ?? v.weights[region] ?? 0;
}

function regionOf(v: BalancerView, region: string): RegionTraffic {
  const weight = v.weights[region];
  const t = v.regions[region];
  if (weight === undefined || !t) throw new TrafficError(`the sandbox's balancer has no region "${region}"; it has ${Object.keys(v.weights).join(', ')}`);
  return {
    weight,
    initialWeight: initialOf(v, region),
    state: weight > 0 ? 'ready' : 'drain',
    sessions: 0,
    requests: { total: Math.round(t.served + t.failed), errors: Math.round(t.failed) },
    health: t.capacityRps > 0 ? 'UP' : 'DOWN',
    load: { demandRps: t.demandRps, capacityRps: t.capacityRps },
  };
}
