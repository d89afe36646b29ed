// Fixtures for the planner tests: cluster snapshots built directly (zones × racks × nodes, workloads spread
// over them, their budgets) and plans parsed through the real schema so defaults are the real ones.
import type { ClusterSnapshot, NodeView, PdbView, PodView } from '../../../src/kube/types.ts';
import type { NodesPhase, Plan } from '../../../src/plan/schema.ts';
import { PlanSchema } from '../../../src/plan/schema.ts';

export const ZONE = 'topology.kubernetes.io/zone';
export const RACK = 'topology.daylight.dev/rack';
export const SECOND = 1000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;

export interface Shape {
  readonly zones?: number;
  readonly racks?: number;
  readonly nodesPerRack?: number;
}

/** Zone names eu-1a, eu-1b, …; racks r1, r2, … in each; nodes w-1a-r1-1, … */
export function nodes(shape: Shape = {}): NodeView[] {
  const { zones = 3, racks = 2, nodesPerRack = 2 } = shape;
  const out: NodeView[] = [];
  for (let z = 0; z < zones; z++) {
    const zone = `eu-1${String.fromCharCode(97 + z)}`;
    for (let r = 1; r <= racks; r++) {
      for (let k = 1; k <= nodesPerRack; k++) out.push(node(`w-${zone.slice(3)}-r${r}-${k}`, { [ZONE]: zone, [RACK]: `r${r}` }));
    }
  }
  return out;
}

export function node(name: string, labels: Record<string, string> = {}, over: Partial<NodeView> = {}): NodeView {
  return {
    name, uid: `uid-${name}`, labels, annotations: {}, unschedulable: false, ready: true, taints: [],
    allocatable: { milliCpu: 8000, memory: 32 * 2 ** 30, pods: 110 }, bootId: `boot-${name}`, kubeletVersion: 'v1.30.4', resourceVersion: '1',
    ...over,
  };
}

export interface WorkloadSpec {
  readonly name: string;
  readonly namespace?: string;
  /** Node names the pods go to, one pod each (repeat a name for two pods on it). */
  readonly on: readonly string[];
  readonly kind?: 'Deployment' | 'StatefulSet' | 'DaemonSet';
  readonly graceSeconds?: number;
}

export function pods(w: WorkloadSpec): PodView[] {
  const namespace = w.namespace ?? 'shop';
  const kind = w.kind ?? 'Deployment';
  return w.on.map((nodeName, i) => ({
    namespace, name: `${w.name}-${i}`, uid: `uid-${w.name}-${i}`, nodeName, labels: { app: w.name }, phase: 'Running', ready: true, terminating: false,
    controller: { kind: kind === 'Deployment' ? 'ReplicaSet' : kind, name: w.name, uid: `uid-${w.name}` }, workload: { kind, name: w.name },
    requests: { milliCpu: 100, memory: 2 ** 27 }, emptyDir: false, mirror: false, hasReadinessProbe: true, terminationGracePeriodSeconds: w.graceSeconds ?? 30,
  }));
}

/** A budget on `app: name` that allows `allowed` disruptions now. */
export function pdb(name: string, allowed: number, over: Partial<PdbView> = {}): PdbView {
  return {
    namespace: 'shop', name, selector: { matchLabels: { app: name } }, maxUnavailable: allowed,
    currentHealthy: 10, desiredHealthy: 10 - allowed, disruptionsAllowed: allowed, expectedPods: 10, ...over,
  };
}

export function snapshot(parts: { nodes: NodeView[]; pods?: PodView[]; pdbs?: PdbView[]; cluster?: string }): ClusterSnapshot {
  return { cluster: parts.cluster ?? 'eu-central', takenAt: 0, version: 'v1.30.4', nodes: parts.nodes, pods: parts.pods ?? [], pdbs: parts.pdbs ?? [], workloads: [] };
}

/** A plan through the real schema; `spec` fields replace the defaults below. */
export function plan(spec: Record<string, unknown> = {}, phase: Record<string, unknown> = {}): Plan {
  return PlanSchema.parse({
    apiVersion: 'daylight.dev/v1alpha1',
    kind: 'MaintenancePlan',
    metadata: { name: 'weekly-os-patch' },
    spec: { clusters: [{ name: 'eu-central' }], phases: [{ name: 'os-patch', type: 'nodes', ...phase }], ...spec },
  });
}

export function phase(fields: Record<string, unknown> = {}): NodesPhase {
  return plan({}, fields).spec.phases[0] as NodesPhase;
}

/** Node names round robin: every `step`-th name from `offset`, `count` of them. */
export function every(names: readonly string[], count: number, step = 1, offset = 0): string[] {
  return Array.from({ length: count }, (_, i) => names[(offset + i * step) % names.length] as string);
}
