// The faults a fleet file asks for, per region: which new pods never get Ready or never finish
// terminating, which nodes never come back, and the API's error rate and latency.
import type { FleetSpec } from './fleet-schema.ts';
import type { NodeFault, PodFault, RegionFaults } from './sim/context.ts';

export const WORKLOAD_LABEL = 'app.kubernetes.io/name';

interface PodFaultBudget {
  readonly namespace: string;
  readonly workload: string;
  readonly fault: PodFault;
  left: number;
}

export class FleetFaults implements RegionFaults {
  private readonly pods: PodFaultBudget[];
  private readonly nodes: FleetSpec['faults']['nodes'];

  constructor(spec: FleetSpec, region: string) {
    this.nodes = spec.faults.nodes;
    this.pods = spec.faults.pods
      .filter((f) => !f.region || f.region === region)
      .flatMap((f) => {
        const out: PodFaultBudget[] = [];
        if (f.neverReady) out.push({ namespace: f.namespace, workload: f.workload, fault: 'never-ready', left: f.count });
        if (f.stuckTerminating) out.push({ namespace: f.namespace, workload: f.workload, fault: 'stuck-terminating', left: f.count });
        return out;
      });
  }

  podFault(namespace: string, labels: Readonly<Record<string, string>> | undefined): PodFault | undefined {
    const workload = labels?.[WORKLOAD_LABEL];
    const f = this.pods.find((p) => p.left > 0 && p.namespace === namespace && p.workload === workload);
    if (!f) return undefined;
    f.left--;
    return f.fault;
  }

  node(name: string): NodeFault | undefined {
    return this.nodes[name];
  }
}

export interface ApiFault {
  readonly errorRate: number;
  readonly latencyMs: number;
}

export function apiFaultFor(spec: FleetSpec, region: string): ApiFault {
  const api = spec.faults.api;
  if (api.regions && !api.regions.includes(region)) return { errorRate: 0, latencyMs: 0 };
  return { errorRate: api.errorRate, latencyMs: api.latencyMs };
}
