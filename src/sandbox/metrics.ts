// Prometheus text exposition for one region: node and pod readiness, traffic served and failed, and a
// request-latency histogram, so a real Prometheus can scrape the sandbox.

const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export class LatencyHistogram {
  private readonly counts = new Array<number>(BUCKETS.length).fill(0);
  private total = 0;
  private sum = 0;

  observe(seconds: number, count = 1): void {
    for (let i = 0; i < BUCKETS.length; i++) if (seconds <= (BUCKETS[i] as number)) this.counts[i] = (this.counts[i] as number) + count;
    this.total += count;
    this.sum += seconds * count;
  }

  lines(name: string, labels: string): string[] {
    const out = BUCKETS.map((le, i) => `${name}_bucket{${labels},le="${le}"} ${Math.round(this.counts[i] as number)}`);
    out.push(`${name}_bucket{${labels},le="+Inf"} ${Math.round(this.total)}`);
    out.push(`${name}_sum{${labels}} ${this.sum.toFixed(3)}`);
    out.push(`${name}_count{${labels}} ${Math.round(this.total)}`);
    return out;
  }
}

export interface RegionMetrics {
  readonly region: string;
  readonly nodes: { total: number; ready: number; unschedulable: number };
  readonly pods: { total: number; ready: number; pending: number; terminating: number };
  readonly traffic: { served: number; failed: number; demandRps: number; capacityRps: number; weight: number };
  readonly histogram: LatencyHistogram;
  readonly evictions: { accepted: number; rejectedByPdb: number };
}

/** One metric family in the text exposition: its HELP, TYPE and sample lines. */
export interface Family {
  readonly name: string;
  readonly help: string;
  readonly type: 'gauge' | 'counter' | 'histogram';
  readonly lines: string[];
}

export function renderMetrics(m: RegionMetrics): string {
  const l = `region="${m.region}"`;
  const gauge = (name: string, help: string, value: number): Family => ({ name, help, type: 'gauge', lines: [`${name}{${l}} ${value}`] });
  const counter = (name: string, help: string, value: number): Family => ({ name, help, type: 'counter', lines: [`${name}{${l}} ${Math.round(value)}`] });
  const families: Family[] = [
    gauge('daylight_sandbox_nodes', 'Nodes in the region.', m.nodes.total),
    gauge('daylight_sandbox_nodes_ready', 'Nodes whose Ready condition is True.', m.nodes.ready),
    gauge('daylight_sandbox_nodes_unschedulable', 'Nodes that are cordoned.', m.nodes.unschedulable),
    gauge('daylight_sandbox_pods', 'Pods in the region.', m.pods.total),
    gauge('daylight_sandbox_pods_ready', 'Pods whose Ready condition is True.', m.pods.ready),
    gauge('daylight_sandbox_pods_pending', 'Pods not yet running.', m.pods.pending),
    gauge('daylight_sandbox_pods_terminating', 'Pods being deleted.', m.pods.terminating),
    ...trafficFamilies(m.region, m.traffic, m.histogram),
    counter('daylight_sandbox_evictions_total', 'Evictions the API accepted.', m.evictions.accepted),
    counter('daylight_sandbox_evictions_rejected_total', 'Evictions refused because of a PodDisruptionBudget.', m.evictions.rejectedByPdb),
  ];
  return renderFamilies(families);
}

/**
 * The global load balancer's families for one region: requests served and failed, weight, demand,
 * capacity and the served requests' latency. Both engines expose them under these names.
 */
export function trafficFamilies(region: string, t: RegionMetrics['traffic'], histogram: LatencyHistogram): Family[] {
  const l = `region="${region}"`;
  const gauge = (name: string, help: string, value: number): Family => ({ name, help, type: 'gauge', lines: [`${name}{${l}} ${value}`] });
  const counter = (name: string, help: string, value: number): Family => ({ name, help, type: 'counter', lines: [`${name}{${l}} ${Math.round(value)}`] });
  return [
    counter('daylight_sandbox_requests_served_total', 'Requests the region answered with success.', t.served),
    counter('daylight_sandbox_requests_failed_total', 'Requests the region failed: no ready endpoint or no capacity left.', t.failed),
    gauge('daylight_sandbox_traffic_weight', 'Weight of the region at the global load balancer.', t.weight),
    gauge('daylight_sandbox_demand_rps', 'Requests per second the load balancer sends the region.', t.demandRps),
    gauge('daylight_sandbox_capacity_rps', 'Requests per second the ready endpoints of the region can serve.', t.capacityRps),
    { name: 'daylight_sandbox_request_duration_seconds', help: 'Latency of served requests.', type: 'histogram', lines: histogram.lines('daylight_sandbox_request_duration_seconds', l) },
  ];
}

/** Families of several regions as one exposition: each family once, its lines from every region. */
export function mergeFamilies(families: readonly Family[]): Family[] {
  const byName = new Map<string, Family>();
  for (const f of families) {
    const seen = byName.get(f.name);
    byName.set(f.name, seen ? { ...seen, lines: [...seen.lines, ...f.lines] } : f);
  }
  return [...byName.values()];
}

export function renderFamilies(families: readonly Family[]): string {
  return families.map((f) => [`# HELP ${f.name} ${f.help}`, `# TYPE ${f.name} ${f.type}`, ...f.lines].join('\n')).join('\n') + '\n';
}
