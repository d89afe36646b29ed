// Fixtures for preflight tests: factory functions that return fresh nodes, pods, budgets, workloads,
// snapshots and plans, so that no test can leak state into another.
import type { ClusterSnapshot, NodeView, PdbView, PodView, WorkloadView } from '../../../src/kube/types.ts';
import { PlanSchema } from '../../../src/plan/schema.ts';
import type { NodesPhase, Plan } from '../../../src/plan/schema.ts';
import { runPreflight } from '../../../src/preflight/run.ts';
import type { Finding } from '../../../src/preflight/types.ts';

export const GiB = 2 ** 30;

export function node(name: string, o: Partial<NodeView> = {}): NodeView {
  return {
    name,
    uid: `uid-${name}`,
    labels: { 'kubernetes.io/hostname': name, 'topology.kubernetes.io/zone': 'zone-a' },
    annotations: {},
    unschedulable: false,
    ready: true,
    taints: [],
    allocatable: { milliCpu: 8000, memory: 32 * GiB, pods: 110 },
    bootId: `boot-${name}`,
    kubeletVersion: 'v1.30.4',
    resourceVersion: '1',
    ...o,
  };
}

export function controlPlane(name: string, o: Partial<NodeView> = {}): NodeView {
  return node(name, {
    labels: { 'kubernetes.io/hostname': name, 'node-role.kubernetes.io/control-plane': '' },
    taints: [{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }],
    ...o,
  });
}

/** A pod of a Deployment (through a ReplicaSet) unless told otherwise. */
export function pod(name: string, nodeName: string, o: Partial<PodView> & { app?: string } = {}): PodView {
  const { app = name.replace(/-[^-]+$/, ''), ...rest } = o;
  return {
    namespace: 'shop',
    name,
    uid: `uid-${name}`,
    nodeName,
    labels: { app },
    phase: 'Running',
    ready: true,
    terminating: false,
    controller: { kind: 'ReplicaSet', name: `${app}-5d8f`, uid: `uid-rs-${app}` },
    workload: { kind: 'Deployment', name: app },
    requests: { milliCpu: 500, memory: 512 * 2 ** 20 },
    emptyDir: false,
    mirror: false,
    hasReadinessProbe: true,
    terminationGracePeriodSeconds: 30,
    ...rest,
  };
}

export function statefulPod(name: string, nodeName: string, app: string, o: Partial<PodView> = {}): PodView {
  return pod(name, nodeName, { app, controller: { kind: 'StatefulSet', name: app, uid: `uid-sts-${app}` }, workload: { kind: 'StatefulSet', name: app }, ...o });
}

export function daemonPod(name: string, nodeName: string, app: string, o: Partial<PodView> = {}): PodView {
  return pod(name, nodeName, { namespace: 'kube-system', app, controller: { kind: 'DaemonSet', name: app, uid: `uid-ds-${app}` }, workload: { kind: 'DaemonSet', name: app }, ...o });
}

export function barePod(name: string, nodeName: string, o: Partial<PodView> = {}): PodView {
  return pod(name, nodeName, { namespace: 'default', app: name, controller: undefined, workload: undefined, ...o });
}

export function pdb(name: string, app: string, o: Partial<PdbView> = {}): PdbView {
  return {
    namespace: 'shop',
    name,
    selector: { matchLabels: { app } },
    currentHealthy: 3,
    desiredHealthy: 2,
    disruptionsAllowed: 1,
    expectedPods: 3,
    ...o,
  };
}

export function workload(kind: WorkloadView['kind'], name: string, replicas: number, o: Partial<WorkloadView> = {}): WorkloadView {
  return {
    kind,
    namespace: 'shop',
    name,
    replicas,
    readyReplicas: replicas,
    availableReplicas: replicas,
    updatedReplicas: replicas,
    observedGeneration: 1,
    generation: 1,
    selector: { matchLabels: { app: name } },
    strategy: kind === 'Deployment' ? { type: 'RollingUpdate', maxSurge: 1, maxUnavailable: 0 } : undefined,
    owned: false,
    ...o,
  };
}

/** Three workers in one cluster and a control-plane node outside the default selector. */
export function snapshot(o: Partial<ClusterSnapshot> = {}): ClusterSnapshot {
  return {
    cluster: 'eu-central',
    takenAt: 1_700_000_000_000,
    version: 'v1.30.4',
    nodes: [controlPlane('cp-1'), node('node-a1'), node('node-a2'), node('node-b1')],
    pods: [],
    pdbs: [],
    workloads: [],
    ...o,
  };
}

export function plan(o: { phase?: Record<string, unknown>; requirements?: Record<string, unknown> } = {}): Plan {
  return PlanSchema.parse({
    apiVersion: 'daylight.dev/v1alpha1',
    kind: 'MaintenancePlan',
    metadata: { name: 'weekly-os-patch' },
    spec: {
      clusters: [{ name: 'eu-central' }],
      phases: [{ name: 'os-patch', type: 'nodes', ...o.phase }],
      requirements: o.requirements ?? {},
    },
  });
}

export function phaseOf(p: Plan): NodesPhase {
  const phase = p.spec.phases[0];
  if (phase?.type !== 'nodes') throw new Error('the fixture plan has no nodes phase');
  return phase;
}

/** Runs preflight and keeps one rule's findings. */
export function findings(rule: string, snap: ClusterSnapshot, p: Plan = plan(), runId?: string): Finding[] {
  return runPreflight({ snapshot: snap, plan: p, phase: phaseOf(p), runId }).filter((f) => f.rule === rule);
}

export function only(list: readonly Finding[]): Finding {
  if (list.length !== 1) throw new Error(`expected one finding, got ${list.length}: ${JSON.stringify(list, null, 2)}`);
  return list[0] as Finding;
}
