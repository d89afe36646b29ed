// The `manual` traffic adapter: a person steers the balancer and confirms each change (`daylight confirm
// RUN`, or the API). The person's confirmation is the data-plane check, so the question says exactly
// what to do and what to look at before confirming.
import type { DrainOptions, DrainResult, RegionTraffic, TrafficPort, TrafficSnapshot } from './types.ts';

/** Asks the operator and resolves once they confirm; rejects with an AbortError on abort. */
export type Confirm = (question: string, signal?: AbortSignal) => Promise<void>;

export interface ManualTrafficOptions {
  readonly regions: readonly string[];
  readonly confirm: Confirm;
  /** The operator's names for the regions at their balancer (plan traffic.servers). */
  readonly servers?: Readonly<Record<string, string>>;
}

/** Weights in percent of each region's normal share, as the operator last confirmed them. */
export class ManualTraffic implements TrafficPort {
  readonly provider = 'manual';
  readonly regions: readonly string[];
  private readonly o: ManualTrafficOptions;
  private readonly shares = new Map<string, number>();

  constructor(o: ManualTrafficOptions) {
    this.o = o;
    this.regions = o.regions;
    for (const r of o.regions) this.shares.set(r, 100);
  }

  snapshot(): Promise<TrafficSnapshot> {
    const regions: Record<string, RegionTraffic> = {};
    for (const r of this.regions) {
      const weight = this.shares.get(r) ?? 100;
      regions[r] = { weight, initialWeight: 100, state: weight > 0 ? 'ready' : 'drain' };
    }
    return Promise.resolve({ at: Date.now(), regions });
  }

  async drain(region: string, o: DrainOptions): Promise<DrainResult> {
    const started = performance.now();
    const others = this.regions.filter((r) => r !== region && (this.shares.get(r) ?? 0) > 0);
    await this.o.confirm(
      `Take ${this.name(region)} out of traffic at the global load balancer: stop new connections to it, let existing ones finish (shut them after ${Math.round(o.timeoutMs / 1000)} s). Confirm once your balancer's statistics show no new requests and no open sessions for ${this.name(region)} and the traffic on ${others.map((r) => this.name(r)).join(', ')}.`,
      o.signal,
    );
    this.shares.set(region, 0);
    const ms = performance.now() - started;
    return { newTrafficStoppedMs: ms, sessionsGoneMs: ms, sessionsShut: 0 };
  }

  async setShare(region: string, percent: number, signal?: AbortSignal): Promise<void> {
    await this.o.confirm(`Give ${this.name(region)} ${percent}% of its normal weight at the global load balancer. Confirm once the balancer's statistics show it taking new requests at that share.`, signal);
    this.shares.set(region, percent);
  }

  async cut(region: string, signal?: AbortSignal): Promise<void> {
    await this.o.confirm(`SWITCH BACK NOW: set ${this.name(region)}'s weight to 0 at the global load balancer; its analysis failed. Confirm once no new request reaches it.`, signal);
    this.shares.set(region, 0);
  }

  async putBack(region: string, before: RegionTraffic, signal?: AbortSignal): Promise<void> {
    const percent = before.initialWeight > 0 ? Math.round((before.weight / before.initialWeight) * 100) : before.weight;
    await this.o.confirm(`Put ${this.name(region)} back as it was before maintenance: ${percent}% of its normal weight, state ${before.state}. Confirm once the balancer shows it.`, signal);
    this.shares.set(region, percent);
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  private name(region: string): string {
    const server = this.o.servers?.[region];
    return server && server !== region ? `${region} (${server})` : region;
  }
}
