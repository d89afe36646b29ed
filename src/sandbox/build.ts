// Turns a fleet file into the objects of each region: nodes with zone and rack labels, namespaces, and
// the workloads with their budgets and Services, as a platform team would have deployed them.
import { randomUUID } from 'node:crypto';
import { formatBytes, formatMilliCpu } from '../lib/quantity.ts';
import type { FleetSpec, RegionSpec, WorkloadSpec } from './fleet-schema.ts';
import { WORKLOAD_LABEL } from './faults.ts';
import type { Container, KObject, Node, PodSpec, PodTemplate } from './k8s-types.ts';
import type { SimContext } from './sim/context.ts';
import { NODE_TIMING } from './sim/node-actions.ts';
import { createObject, iso, SIM } from './sim/objects.ts';
import type { NewObject } from './sim/objects.ts';
import { defaultPodSpec, pendingStatus } from './sim/pods.ts';
import { ZONE_LABEL } from './sim/scheduler.ts';

export const RACK_LABEL = 'topology.daylight.dev/rack';
export const REGION_LABEL = 'topology.kubernetes.io/region';
export const CONTROL_PLANE_LABEL = 'node-role.kubernetes.io/control-plane';

const SYSTEM_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

export function buildRegion(ctx: SimContext, spec: FleetSpec, region: RegionSpec, regionIndex: number): void {
  for (const ns of regionNamespaces(spec, region.name)) createNamespace(ctx, ns);
  buildNodes(ctx, region, regionIndex);
  for (const w of workloadsOf(spec, region.name)) buildWorkload(ctx, w);
}

/** The namespaces of a region: the system ones a cluster starts with, then its workloads'. */
export function regionNamespaces(spec: FleetSpec, region: string): string[] {
  return [...new Set([...SYSTEM_NAMESPACES, ...workloadsOf(spec, region).map((w) => w.namespace)])];
}

export function workloadsOf(spec: FleetSpec, region: string): WorkloadSpec[] {
  return spec.workloads.filter((w) => !w.regions || w.regions.includes(region));
}

function createNamespace(ctx: SimContext, name: string): void {
  createObject(ctx, 'namespaces', {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name, labels: { 'kubernetes.io/metadata.name': name } },
    spec: { finalizers: ['kubernetes'] },
    status: { phase: 'Active' },
  });
}

/** Where a node sits in the fleet: its name, zone, rack and address, the same on every engine. */
export interface NodePlace {
  readonly name: string;
  readonly zone: string;
  readonly rack: string;
  readonly controlPlane: boolean;
  readonly ip: string;
}

function buildNodes(ctx: SimContext, region: RegionSpec, regionIndex: number): void {
  const now = iso(ctx.clock.nowMs());
  for (const p of nodePlaces(region, regionIndex)) createObject<Node>(ctx, 'nodes', nodeObject(region, p, now));
}

/** The region's nodes, control plane first, then zone by zone, rack by rack. */
export function nodePlaces(region: RegionSpec, regionIndex: number): NodePlace[] {
  const places: NodePlace[] = [];
  const ip = (n: number) => `10.${regionIndex + 1}.${(n >> 8) & 255}.${n & 255}`;
  for (let i = 0; i < region.controlPlane.nodes; i++) {
    const zone = region.zones[i % region.zones.length]?.name as string;
    places.push({ name: `${region.name}-cp-${i + 1}`, zone, rack: `${zone}-cp`, controlPlane: true, ip: ip(places.length + 10) });
  }
  for (const z of region.zones) {
    for (let r = 1; r <= z.racks; r++) {
      for (let n = 1; n <= z.nodesPerRack; n++) {
        places.push({ name: `${z.name}-r${r}-n${n}`, zone: z.name, rack: `${z.name}-r${r}`, controlPlane: false, ip: ip(places.length + 10) });
      }
    }
  }
  return places;
}

/** A node as a kubelet registers it: labels, capacity, conditions and nodeInfo from the fleet file; `now` stamps it. */
export function nodeObject(region: RegionSpec, p: NodePlace, now: string): Omit<Node, 'metadata'> & { metadata: Node['metadata'] } {
  const cpu = formatMilliCpu(region.node.cpu.milli);
  const memory = formatBytes(region.node.memory.value);
  const labels: Record<string, string> = {
    'kubernetes.io/hostname': p.name,
    'kubernetes.io/os': 'linux',
    'kubernetes.io/arch': 'amd64',
    [REGION_LABEL]: region.name,
    [ZONE_LABEL]: p.zone,
    [RACK_LABEL]: p.rack,
  };
  if (p.controlPlane) labels[CONTROL_PLANE_LABEL] = '';
  const capacity = { cpu, memory, pods: String(region.node.pods), 'ephemeral-storage': '100Gi' };
  const pressure = (type: string, reason: string) => ({ type, status: 'False' as const, reason, message: `kubelet has no ${type.replace('Pressure', '').toLowerCase()} pressure`, lastHeartbeatTime: now, lastTransitionTime: now });
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: p.name,
      uid: randomUUID(),
      resourceVersion: '',
      creationTimestamp: now,
      labels,
      annotations: {
        [NODE_TIMING.rebootSeconds]: String(region.node.rebootSeconds),
        [NODE_TIMING.upgradeSeconds]: String(region.node.upgradeSeconds),
        'node.alpha.kubernetes.io/ttl': '0',
      },
    },
    spec: {
      providerID: `sandbox://${region.name}/${p.name}`,
      ...(p.controlPlane ? { taints: [{ key: CONTROL_PLANE_LABEL, effect: 'NoSchedule' as const }] } : {}),
    },
    status: {
      capacity,
      allocatable: capacity,
      conditions: [
        pressure('MemoryPressure', 'KubeletHasSufficientMemory'),
        pressure('DiskPressure', 'KubeletHasNoDiskPressure'),
        pressure('PIDPressure', 'KubeletHasSufficientPID'),
        { type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status', lastHeartbeatTime: now, lastTransitionTime: now },
      ],
      addresses: [
        { type: 'InternalIP', address: p.ip },
        { type: 'Hostname', address: p.name },
      ],
      nodeInfo: {
        bootID: randomUUID(),
        machineID: randomUUID().replace(/-/g, ''),
        systemUUID: randomUUID(),
        kubeletVersion: region.kubernetesVersion,
        kubeProxyVersion: region.kubernetesVersion,
        osImage: region.node.osImage,
        kernelVersion: region.node.kernelVersion,
        containerRuntimeVersion: 'containerd://1.7.24',
        operatingSystem: 'linux',
        architecture: 'amd64',
      },
    },
  };
}

/** The pod template of a workload: what its controller (or the bare pods) run. */
export function template(w: WorkloadSpec): PodTemplate {
  const labels = { [WORKLOAD_LABEL]: w.name };
  const container: Container = {
    name: w.name,
    image: w.image,
    resources: { requests: { cpu: w.cpu.text, memory: w.memory.text } },
    ports: [{ containerPort: 8080, name: 'http', protocol: 'TCP' }],
  };
  if (w.readinessProbe) container.readinessProbe = { httpGet: { path: '/healthz', port: 8080 }, initialDelaySeconds: w.readinessSeconds, periodSeconds: 5 };
  if (w.emptyDir) container.volumeMounts = [{ name: 'scratch', mountPath: '/var/lib/scratch' }];
  const spec: PodSpec = { containers: [container], terminationGracePeriodSeconds: w.terminationGracePeriodSeconds };
  if (w.emptyDir) spec.volumes = [{ name: 'scratch', emptyDir: {} }];
  if (w.nodeSelector) spec.nodeSelector = w.nodeSelector;
  if (w.spread === 'zone') {
    spec.topologySpreadConstraints = [{ maxSkew: 1, topologyKey: ZONE_LABEL, whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: labels } }];
  }
  if (w.kind === 'DaemonSet') spec.tolerations = [{ key: CONTROL_PLANE_LABEL, operator: 'Exists', effect: 'NoSchedule' }];
  const annotations = {
    [SIM.startupSeconds]: String(w.startupSeconds),
    [SIM.readinessSeconds]: String(w.readinessSeconds),
    [SIM.shutdownSeconds]: String(Math.min(w.shutdownSeconds, w.terminationGracePeriodSeconds)),
  };
  return { metadata: { labels, annotations }, spec };
}

/** An object to create, with the resource it belongs to (`deployments.apps`, `services`, ...). */
export interface FleetObject {
  readonly resource: string;
  readonly object: NewObject<KObject>;
}

function buildWorkload(ctx: SimContext, w: WorkloadSpec): void {
  if (w.kind === 'Pod') buildBarePods(ctx, w, template(w));
  for (const { resource, object } of workloadObjects(w)) createObject(ctx, resource, resource === 'services' ? withClusterIp(ctx, object) : object);
}

/**
 * What a platform team would have applied for a workload: its controller (none for bare pods, which
 * each engine creates itself), its budget and its Service (without a cluster IP: the engine assigns one).
 */
export function workloadObjects(w: WorkloadSpec): FleetObject[] {
  const t = template(w);
  const labels = { [WORKLOAD_LABEL]: w.name };
  const metadata = { name: w.name, namespace: w.namespace, labels, generation: 1 };
  const selector = { matchLabels: labels };
  const objects: FleetObject[] = [];
  if (w.kind === 'Deployment') {
    const rollingUpdate = { maxSurge: w.strategy?.maxSurge ?? '25%', maxUnavailable: w.strategy?.maxUnavailable ?? '25%' };
    objects.push({ resource: 'deployments.apps', object: { apiVersion: 'apps/v1', kind: 'Deployment', metadata, spec: { replicas: w.replicas, selector, template: t, strategy: { type: 'RollingUpdate', rollingUpdate }, revisionHistoryLimit: 10, progressDeadlineSeconds: 600 } } });
  } else if (w.kind === 'StatefulSet') {
    objects.push({ resource: 'statefulsets.apps', object: { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata, spec: { replicas: w.replicas, selector, template: t, serviceName: w.name, podManagementPolicy: 'OrderedReady', updateStrategy: { type: 'RollingUpdate' } } } });
  } else if (w.kind === 'DaemonSet') {
    objects.push({ resource: 'daemonsets.apps', object: { apiVersion: 'apps/v1', kind: 'DaemonSet', metadata, spec: { selector, template: t, updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1 } } } } });
  }
  if (w.pdb) objects.push({ resource: 'poddisruptionbudgets.policy', object: pdbObject(w) });
  if (w.service) objects.push({ resource: 'services', object: serviceObject(w) });
  return objects;
}

/** The names of a workload's bare pods (`kind: Pod`): the name itself for one, `name-i` for several. */
export function barePodNames(w: WorkloadSpec): string[] {
  return Array.from({ length: w.replicas }, (_, i) => (w.replicas === 1 ? w.name : `${w.name}-${i}`));
}

function buildBarePods(ctx: SimContext, w: WorkloadSpec, t: PodTemplate): void {
  for (const name of barePodNames(w)) {
    const labels = { ...t.metadata?.labels };
    const annotations: Record<string, string> = { ...t.metadata?.annotations };
    const fault = ctx.faults.podFault(w.namespace, labels);
    if (fault) annotations[SIM.fault] = fault;
    createObject(ctx, 'pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: w.namespace, labels, annotations }, spec: defaultPodSpec(t.spec), status: pendingStatus() });
  }
}

function pdbObject(w: WorkloadSpec): NewObject<KObject> {
  const pdb = w.pdb as NonNullable<WorkloadSpec['pdb']>;
  const spec: Record<string, unknown> = { selector: { matchLabels: { [WORKLOAD_LABEL]: w.name } } };
  if (pdb.minAvailable !== undefined) spec.minAvailable = pdb.minAvailable;
  if (pdb.maxUnavailable !== undefined) spec.maxUnavailable = pdb.maxUnavailable;
  if (pdb.unhealthyPodEvictionPolicy) spec.unhealthyPodEvictionPolicy = pdb.unhealthyPodEvictionPolicy;
  return { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: w.name, namespace: w.namespace, generation: 1 }, spec };
}

function serviceObject(w: WorkloadSpec): NewObject<KObject> {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: w.name, namespace: w.namespace, labels: { [WORKLOAD_LABEL]: w.name } },
    spec: {
      selector: { [WORKLOAD_LABEL]: w.name },
      ports: [{ name: 'http', port: w.service?.port ?? 80, targetPort: 8080, protocol: 'TCP' }],
      type: 'ClusterIP',
    },
    status: { loadBalancer: {} },
  };
}

/** The simulated engine has no IP allocator: it draws the Service's address from the region's seeded random source. */
function withClusterIp(ctx: SimContext, service: NewObject<KObject>): NewObject<KObject> {
  const clusterIP = `10.96.${Math.floor(ctx.rng.next() * 255)}.${1 + Math.floor(ctx.rng.next() * 253)}`;
  const spec = service.spec as Record<string, unknown>;
  return { ...service, spec: { ...spec, type: 'ClusterIP', clusterIP, clusterIPs: [clusterIP] } };
}
