// The data plane of the kubernetes engine, as the simulated engine has it: one plain-HTTP ingress per
// region answering from the real EndpointSlices (200 from a ready endpoint, 503 without), the ingress
// faults, and the global load balancer's simulated request stream over the same ready endpoints, ticked
// each real second into the referee's traffic counts. The simulated engine's classes do the answering,
// the faults, the counters and the balancing; only where the ready endpoints come from differs.
import { workloadsOf } from '../build.ts';
import type { Fleet as FleetFile } from '../fleet-schema.ts';
import { IngressFaults } from '../ingress-faults.ts';
import type { IngressStatus } from '../ingress.ts';
import { IngressMetrics } from '../ingress-metrics.ts';
import { startIngressServer } from '../ingress-server.ts';
import type { IngressServer } from '../ingress-server.ts';
import { LatencyHistogram, mergeFamilies, renderFamilies, trafficFamilies } from '../metrics.ts';
import type { Family } from '../metrics.ts';
import type { TrafficSink } from '../traffic.ts';
import { GlobalLoadBalancer } from '../traffic.ts';
import type { ApiTarget } from './api-create.ts';
import { SliceEndpoints } from './slice-endpoints.ts';

export interface KubernetesIngressOptions {
  readonly fleet: FleetFile;
  /** Each region's API server, in the fleet's order, with an identity that may watch EndpointSlices. */
  readonly regions: readonly { readonly name: string; readonly target: ApiTarget }[];
  /** Where the simulated request stream's served and failed requests are counted: the referee. */
  readonly sink: TrafficSink;
  readonly log?: (line: string) => void;
  /** Randomness for error injection; Math.random unless a test fixes it. */
  readonly random?: () => number;
}

interface RegionIngress {
  readonly endpoints: SliceEndpoints;
  readonly metrics: IngressMetrics;
  readonly histogram: LatencyHistogram;
  /** Services taking traffic, with the replicas they have when whole. */
  readonly services: readonly { namespace: string; name: string; replicas: number; rpsPerPod: number }[];
}

const TICK_MS = 1000;

export class KubernetesIngress {
  readonly faults: IngressFaults;
  readonly traffic: GlobalLoadBalancer;
  private readonly regions = new Map<string, RegionIngress>();
  private readonly listening = new Map<string, IngressServer>();
  private readonly random: (() => number) | undefined;
  private timer: NodeJS.Timeout | undefined;
  private warm = false;

  constructor(o: KubernetesIngressOptions) {
    const spec = o.fleet.spec;
    this.random = o.random;
    this.faults = new IngressFaults(o.regions.map((r) => r.name), spec.faults.ingress);
    for (const r of o.regions) {
      const services = workloadsOf(spec, r.name)
        .filter((w) => w.service)
        .map((w) => ({ namespace: w.namespace, name: w.name, replicas: w.replicas, rpsPerPod: w.service?.rpsPerPod ?? 100 }));
      this.regions.set(r.name, {
        endpoints: new SliceEndpoints({ region: r.name, target: r.target, services, log: o.log }),
        metrics: new IngressMetrics(),
        histogram: new LatencyHistogram(),
        services,
      });
    }
    this.traffic = new GlobalLoadBalancer(
      o.regions.map(({ name }) => {
        const r = this.regions.get(name) as RegionIngress;
        return { name, services: r.services, readyEndpoints: (ns, svc) => r.endpoints.readyEndpoints(ns, svc), histogram: r.histogram };
      }),
      { rps: spec.traffic.rps, split: spec.traffic.split ?? Object.fromEntries(o.regions.map((r) => [r.name, 100 / o.regions.length])), latencyMs: spec.traffic.latencyMs, sink: o.sink },
    );
    // One fault, both data planes: the simulated request stream fails as often as the real ingress does.
    this.traffic.failWith((region) => this.faults.of(region).errorRate);
  }

  /** The listening servers by region, in the fleet's order. */
  get servers(): ReadonlyMap<string, IngressServer> {
    return this.listening;
  }

  /**
   * Whether every Service that takes traffic has all its replicas ready in every region, by the
   * EndpointSlices: the balancer sends requests from then on, as a platform that was already serving.
   */
  get serving(): boolean {
    if (!this.warm) this.warm = [...this.regions.values()].every((r) => r.services.every((s) => r.endpoints.readyEndpoints(s.namespace, s.name) >= s.replicas));
    return this.warm;
  }

  /** Resolves once every region's EndpointSlices have been listed. */
  async synced(): Promise<void> {
    await Promise.all([...this.regions.values()].map((r) => r.endpoints.whenSynced()));
  }

  /** Starts one server per region (on `firstPort`, +1, ... or free ports when 0), and the request stream. */
  async listen(firstPort = 0): Promise<void> {
    let i = 0;
    try {
      for (const [name, r] of this.regions) {
        const port = firstPort ? firstPort + i++ : 0;
        this.listening.set(name, await startIngressServer({ region: name, port, endpoints: r.endpoints, fault: () => this.faults.of(name), metrics: r.metrics, random: this.random }));
      }
    } catch (e: unknown) {
      await this.close();
      throw e;
    }
    this.timer = setInterval(() => {
      if (this.serving) this.traffic.tick(TICK_MS / 1000);
    }, TICK_MS);
    this.timer.unref();
  }

  /** Every region's ingress and traffic families, in the Prometheus text format, by `region` label. */
  metricsText(): string {
    const families: Family[] = [];
    for (const [name, r] of this.regions) {
      families.push(...r.metrics.families(name));
      families.push(...trafficFamilies(name, { ...this.traffic.totalsOf(name), weight: this.traffic.weightsNow()[name] ?? 0 }, r.histogram));
    }
    return renderFamilies(mergeFamilies(families));
  }

  status(): Record<string, IngressStatus> {
    return Object.fromEntries(
      [...this.regions].map(([name, r]) => [name, { url: this.listening.get(name)?.url, requests: r.metrics.requests(), readyEndpoints: r.endpoints.size(), faults: this.faults.of(name) }]),
    );
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    const servers = [...this.listening.values()];
    this.listening.clear();
    // One server and one watch per region: a handful.
    await Promise.all(servers.map((s) => s.close()));
    await Promise.all([...this.regions.values()].map((r) => r.endpoints.close()));
  }
}
