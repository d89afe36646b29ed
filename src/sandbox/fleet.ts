// A whole simulated fleet: the regions, one simulated clock, the referee and the global load balancer.
// Tests step it with advance(); `sandbox up` runs it at `speed` times real time.
import { RealTimeDriver, SimClock } from './clock.ts';
import type { Fleet as FleetFile } from './fleet-schema.ts';
import { buildRegion, workloadsOf } from './build.ts';
import { FleetFaults } from './faults.ts';
import { LatencyHistogram, renderMetrics } from './metrics.ts';
import { Referee } from './referee.ts';
import { Region } from './region.ts';
import { seededRng } from './sim/random.ts';
import { GlobalLoadBalancer } from './traffic.ts';
import type { Timer } from './clock.ts';

export interface FleetOptions {
  /** Simulated epoch at start; defaults to the real time now. */
  readonly startMs?: number;
}

export class SandboxFleet {
  readonly file: FleetFile;
  readonly clock: SimClock;
  readonly regions: readonly Region[];
  readonly referee: Referee;
  readonly traffic: GlobalLoadBalancer;
  private readonly histograms = new Map<string, LatencyHistogram>();
  private driver: RealTimeDriver | undefined;
  private trafficTimer: Timer | undefined;
  private warm = false;
  private driverSpeed = 0;

  constructor(file: FleetFile, options: FleetOptions = {}) {
    this.file = file;
    const spec = file.spec;
    this.clock = new SimClock(options.startMs ?? Date.now());
    this.referee = new Referee(spec.regions.map((r) => r.name));
    this.regions = spec.regions.map((r, i) => {
      const region = new Region({
        name: r.name,
        clock: this.clock,
        rng: seededRng(spec.seed * 1000 + i),
        referee: this.referee,
        faults: new FleetFaults(spec, r.name),
        kubernetesVersion: r.kubernetesVersion,
      });
      buildRegion(region.ctx, spec, r, i);
      this.histograms.set(r.name, new LatencyHistogram());
      return region;
    });
    this.traffic = new GlobalLoadBalancer(
      this.regions.map((region) => ({
        name: region.name,
        services: workloadsOf(spec, region.name)
          .filter((w) => w.service)
          .map((w) => ({ namespace: w.namespace, name: w.name, rpsPerPod: w.service?.rpsPerPod ?? 100 })),
        readyEndpoints: (ns, name) => region.endpoints.readyEndpoints(ns, name),
        histogram: this.histograms.get(region.name) as LatencyHistogram,
      })),
      { rps: spec.traffic.rps, split: spec.traffic.split ?? equalSplit(spec.regions.map((r) => r.name)), latencyMs: spec.traffic.latencyMs, sink: this.referee },
    );
    this.settle();
    this.scheduleTraffic();
  }

  region(name: string): Region | undefined {
    return this.regions.find((r) => r.name === name);
  }

  settle(): void {
    for (const r of this.regions) r.settle();
  }


  /**
   * Moves simulated time forward by `ms`. Controllers settle after every instant at which something
   * happened, or at most every `settleEveryMs` of simulated time when that is set (large fleets).
   */
  advance(ms: number, settleEveryMs = 0): void {
    this.clock.advanceTo(this.clock.nowMs() + ms, () => this.settle(), settleEveryMs);
  }

  /** Advances in steps until `done` holds or `limitMs` of simulated time pass; returns whether it held. */
  advanceUntil(done: () => boolean, limitMs: number, step: { stepMs?: number; settleEveryMs?: number } = {}): boolean {
    const end = this.clock.nowMs() + limitMs;
    while (!done()) {
      if (this.clock.nowMs() >= end) return false;
      this.advance(Math.min(step.stepMs ?? 1000, end - this.clock.nowMs()), step.settleEveryMs ?? 0);
    }
    return true;
  }

  /** Runs the clock at `speed` simulated seconds per real second from now on (changing speed while running). */
  start(speed: number): void {
    this.driver?.stop();
    this.driverSpeed = speed;
    this.driver = new RealTimeDriver(this.clock, () => this.regions.forEach((r) => r.settleSafely()), { speed, tickMs: 10, settleEveryMs: Math.max(100, speed * 10) });
    this.driver.start();
  }

  stop(): void {
    this.driverSpeed = 0;
    this.driver?.stop();
    this.driver = undefined;
    this.trafficTimer?.cancel();
  }

  /** Simulated seconds per real second while running; 0 when the clock is stepped by hand. */
  get speed(): number {
    return this.driverSpeed;
  }

  get maxLagMs(): number {
    return this.driver?.maxLag ?? 0;
  }

  metrics(region: Region): string {
    const t = this.traffic.totalsOf(region.name);
    return renderMetrics({
      region: region.name,
      ...region.counts(),
      traffic: { ...t, weight: this.traffic.weightsNow()[region.name] ?? 0 },
      histogram: this.histograms.get(region.name) as LatencyHistogram,
      evictions: this.referee.evictionsIn(region.name),
    });
  }

  /**
   * Whether every Service that takes traffic has all its replicas ready in every region. The load
   * balancer starts sending requests from then on, as a platform that was already serving would.
   */
  get serving(): boolean {
    if (!this.warm) this.warm = this.regions.every((r) => workloadsOf(this.file.spec, r.name).every((w) => !w.service || r.endpoints.readyEndpoints(w.namespace, w.name) >= w.replicas));
    return this.warm;
  }

  /** Every pod of every region Ready: the fleet has come up. */
  allPodsReady(): boolean {
    return this.regions.every((r) => {
      const c = r.counts();
      return c.pods.total > 0 && c.pods.ready === c.pods.total;
    });
  }

  private scheduleTraffic(): void {
    this.trafficTimer = this.clock.after(1000, () => {
      if (this.serving) this.traffic.tick(1);
      this.scheduleTraffic();
    });
  }
}

function equalSplit(regions: string[]): Record<string, number> {
  return Object.fromEntries(regions.map((r) => [r, 100 / regions.length]));
}
