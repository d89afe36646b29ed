// The sandbox's real HTTP ingress, one per region: the ready-endpoint lists, faults and counters the
// region API servers show, and the listening servers that HAProxy or a load generator put in front of.
import { workloadsOf } from './build.ts';
import type { SandboxFleet } from './fleet.ts';
import { ReadyEndpoints } from './ingress-endpoints.ts';
import { IngressFaults } from './ingress-faults.ts';
import type { IngressFault } from './ingress-faults.ts';
import { IngressMetrics } from './ingress-metrics.ts';
import { renderFamilies } from './metrics.ts';
import { startIngressServer } from './ingress-server.ts';
import type { IngressServer } from './ingress-server.ts';

export interface IngressStatus {
  /** Undefined until the ingress listens. */
  readonly url: string | undefined;
  readonly requests: Record<string, number>;
  readonly readyEndpoints: number;
  readonly faults: IngressFault;
}

interface RegionIngress {
  readonly endpoints: ReadyEndpoints;
  readonly metrics: IngressMetrics;
}

export interface SandboxIngressOptions {
  /** Randomness for error injection; Math.random unless a test fixes it. */
  readonly random?: () => number;
}

export class SandboxIngress {
  readonly faults: IngressFaults;
  private readonly regions = new Map<string, RegionIngress>();
  private readonly listening = new Map<string, IngressServer>();
  private readonly random: (() => number) | undefined;

  constructor(fleet: SandboxFleet, o: SandboxIngressOptions = {}) {
    const spec = fleet.file.spec;
    this.random = o.random;
    this.faults = new IngressFaults(
      fleet.regions.map((r) => r.name),
      spec.faults.ingress,
    );
    for (const region of fleet.regions) {
      const services = workloadsOf(spec, region.name)
        .filter((w) => w.service)
        .map((w) => ({ namespace: w.namespace, name: w.name }));
      this.regions.set(region.name, { endpoints: new ReadyEndpoints({ region, services }), metrics: new IngressMetrics() });
    }
  }

  /** The listening servers by region, in the fleet's order. */
  get servers(): ReadonlyMap<string, IngressServer> {
    return this.listening;
  }

  /** Starts one server per region, one region after another: on `firstPort`, +1, ... or on free ports when 0. */
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
  }

  /** The region's ingress families in the Prometheus text format. */
  metricsText(region: string): string {
    const r = this.regions.get(region);
    return r ? renderFamilies(r.metrics.families(region)) : '';
  }

  status(): Record<string, IngressStatus> {
    return Object.fromEntries(
      [...this.regions].map(([name, r]) => [name, { url: this.listening.get(name)?.url, requests: r.metrics.requests(), readyEndpoints: r.endpoints.size(), faults: this.faults.of(name) }]),
    );
  }

  /** Stops the servers and the endpoint lists' subscriptions. */
  async close(): Promise<void> {
    const servers = [...this.listening.values()];
    this.listening.clear();
    // One server per region: as many as the fleet has regions, a handful.
    await Promise.all(servers.map((s) => s.close()));
    for (const r of this.regions.values()) r.endpoints.close();
  }
}
