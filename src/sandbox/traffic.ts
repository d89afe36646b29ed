// The global load balancer of the sandbox: request traffic split over regions by weight, served by each
// region's Services up to the capacity of their ready endpoints, failed where there is none.
import type { LatencyHistogram } from './metrics.ts';

export interface TrafficService {
  readonly namespace: string;
  readonly name: string;
  readonly rpsPerPod: number;
}

export interface RegionTraffic {
  readonly name: string;
  readonly services: readonly TrafficService[];
  /** Ready endpoints of a Service in this region now. */
  readonly readyEndpoints: (namespace: string, name: string) => number;
  readonly histogram: LatencyHistogram;
}

export interface TrafficSink {
  requests(region: string, served: number, failed: number): void;
}

export interface TrafficTotals {
  served: number;
  failed: number;
  demandRps: number;
  capacityRps: number;
}

export class GlobalLoadBalancer {
  private readonly regions: readonly RegionTraffic[];
  private readonly sink: TrafficSink;
  private readonly weights = new Map<string, number>();
  private readonly initial: Readonly<Record<string, number>>;
  private readonly totals = new Map<string, TrafficTotals>();
  private rps: number;
  private errorRate: (region: string) => number = () => 0;
  private readonly baseLatencyMs: number;

  constructor(regions: readonly RegionTraffic[], opts: { rps: number; split: Record<string, number>; latencyMs: number; sink: TrafficSink }) {
    this.regions = regions;
    this.sink = opts.sink;
    this.rps = opts.rps;
    this.baseLatencyMs = opts.latencyMs;
    this.initial = Object.fromEntries(regions.map((r) => [r.name, opts.split[r.name] ?? 0]));
    for (const r of regions) {
      this.weights.set(r.name, opts.split[r.name] ?? 0);
      this.totals.set(r.name, { served: 0, failed: 0, demandRps: 0, capacityRps: 0 });
    }
  }

  weightsNow(): Record<string, number> {
    return Object.fromEntries(this.weights);
  }

  /** The split of the fleet file: what a region's weight was before anyone changed it. */
  initialWeights(): Readonly<Record<string, number>> {
    return this.initial;
  }

  setWeight(region: string, weight: number): void {
    if (!this.weights.has(region)) throw new RangeError(`no region "${region}"; regions are ${[...this.weights.keys()].join(', ')}`);
    this.weights.set(region, Math.max(0, weight));
  }

  /** Where the share of served requests that fail anyway comes from (the ingress faults). */
  failWith(errorRate: (region: string) => number): void {
    this.errorRate = errorRate;
  }

  setRps(rps: number): void {
    this.rps = Math.max(0, rps);
  }

  totalsOf(region: string): TrafficTotals {
    return this.totals.get(region) ?? { served: 0, failed: 0, demandRps: 0, capacityRps: 0 };
  }

  /** Sends `seconds` worth of traffic. */
  tick(seconds: number): void {
    const sum = [...this.weights.values()].reduce((a, b) => a + b, 0);
    for (const region of this.regions) {
      const share = sum > 0 ? (this.weights.get(region.name) ?? 0) / sum : 1 / this.regions.length;
      const demandRps = sum > 0 ? this.rps * share : 0;
      const lost = sum > 0 ? 0 : this.rps * share * seconds;
      this.serve(region, demandRps, seconds, lost);
    }
  }

  private serve(region: RegionTraffic, demandRps: number, seconds: number, lost: number): void {
    const t = this.totals.get(region.name) as TrafficTotals;
    let served = 0;
    let failed = lost;
    let capacityRps = 0;
    const perService = region.services.length > 0 ? demandRps / region.services.length : 0;
    if (region.services.length === 0) failed += demandRps * seconds;
    for (const svc of region.services) {
      const capacity = region.readyEndpoints(svc.namespace, svc.name) * svc.rpsPerPod;
      capacityRps += capacity;
      const ok = Math.min(perService, capacity) * seconds;
      served += ok;
      failed += perService * seconds - ok;
      if (ok > 0) region.histogram.observe(this.latency(perService / capacity), ok);
    }
    const faulted = served * Math.min(1, Math.max(0, this.errorRate(region.name)));
    served -= faulted;
    failed += faulted;
    t.served += served;
    t.failed += failed;
    t.demandRps = demandRps;
    t.capacityRps = capacityRps;
    this.sink.requests(region.name, served, failed);
  }

  /** Latency grows with utilisation, as in a queue: base at idle, 20 × base at saturation. */
  private latency(utilisation: number): number {
    const u = Math.min(Math.max(utilisation, 0), 0.95);
    return (this.baseLatencyMs / (1 - u)) / 1000;
  }
}
