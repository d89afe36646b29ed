// Tests for the server-side Table conversion: the columns and cells kubectl will print must match what a
// real v1.30 apiserver sends for the same objects.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KObject } from '../k8s-types.ts';
import { toTable } from './table.ts';
import type { Table } from './table.ts';
import { humanDuration } from './table-format.ts';

const NOW = Date.parse('2024-06-01T12:00:00Z');
const SEC = 1000;
const MIN = 60 * SEC;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

function ago(ms: number): string {
  return new Date(NOW - ms).toISOString();
}

function meta(name: string, extra: Record<string, unknown> = {}): KObject['metadata'] {
  return { name, uid: `uid-${name}`, resourceVersion: '7', creationTimestamp: ago(3 * DAY), ...extra };
}

function node(name: string, opts: { ready?: 'True' | 'False' | 'Unknown'; unschedulable?: boolean; labels?: Record<string, string> } = {}): KObject {
  const conditions = opts.ready === undefined ? [] : [{ type: 'MemoryPressure', status: 'False' }, { type: 'Ready', status: opts.ready }];
  return {
    apiVersion: 'v1', kind: 'Node', metadata: meta(name, { labels: opts.labels ?? {} }),
    spec: { unschedulable: opts.unschedulable },
    status: {
      conditions,
      addresses: [{ type: 'Hostname', address: name }, { type: 'InternalIP', address: '10.0.0.5' }],
      nodeInfo: { kubeletVersion: 'v1.30.2', osImage: 'Ubuntu 22.04.4 LTS', kernelVersion: '5.15.0-105-generic', containerRuntimeVersion: 'containerd://1.7.13' },
    },
  };
}

function containerStatus(name: string, state: Record<string, Record<string, unknown>>, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { name, ready: 'running' in state, restartCount: 0, image: 'nginx:1.27', imageID: '', state, ...extra };
}

function pod(name: string, status: Record<string, unknown>, opts: { containers?: number; metadata?: Record<string, unknown>; spec?: Record<string, unknown> } = {}): KObject {
  const containers = Array.from({ length: opts.containers ?? 1 }, (_, i) => ({ name: `c${i}`, image: 'nginx:1.27' }));
  return {
    apiVersion: 'v1', kind: 'Pod', metadata: meta(name, opts.metadata),
    spec: { nodeName: 'worker-1', containers, ...opts.spec },
    status,
  };
}

function runningPod(name = 'web-0'): KObject {
  return pod(name, {
    phase: 'Running', podIP: '10.244.1.7', podIPs: [{ ip: '10.244.1.7' }],
    conditions: [{ type: 'Ready', status: 'True' }],
    containerStatuses: [containerStatus('c0', { running: { startedAt: ago(DAY) } })],
  });
}

function podRow(p: KObject): unknown[] {
  return firstRow(toTable('pods', [p], NOW, 'None'));
}

function firstRow(table: Table): unknown[] {
  const row = table.rows[0];
  assert.ok(row, 'table has a row');
  return row.cells;
}

function columns(table: Table): [string, string, number][] {
  return table.columnDefinitions.map((c) => [c.name, c.type, c.priority]);
}

test('nodes: columns match the apiserver, wide ones at priority 1', () => {
  assert.deepEqual(columns(toTable('nodes', [], NOW, 'None')), [
    ['Name', 'string', 0], ['Status', 'string', 0], ['Roles', 'string', 0], ['Age', 'string', 0], ['Version', 'string', 0],
    ['Internal-IP', 'string', 1], ['External-IP', 'string', 1], ['OS-Image', 'string', 1], ['Kernel-Version', 'string', 1], ['Container-Runtime', 'string', 1],
  ]);
});

test('nodes: STATUS covers Ready, NotReady, cordoned and missing Ready condition', () => {
  const status = (n: KObject) => firstRow(toTable('nodes', [n], NOW, 'None'))[1];
  assert.equal(status(node('a', { ready: 'True' })), 'Ready');
  assert.equal(status(node('b', { ready: 'False' })), 'NotReady');
  assert.equal(status(node('c', { ready: 'Unknown' })), 'NotReady');
  assert.equal(status(node('d', { ready: 'True', unschedulable: true })), 'Ready,SchedulingDisabled');
  assert.equal(status(node('e', { ready: 'False', unschedulable: true })), 'NotReady,SchedulingDisabled');
  assert.equal(status(node('f')), 'Unknown');
});

test('nodes: ROLES come from node-role labels, sorted, else <none>', () => {
  const roles = (labels: Record<string, string>) => firstRow(toTable('nodes', [node('n', { ready: 'True', labels })], NOW, 'None'))[2];
  assert.equal(roles({ 'node-role.kubernetes.io/worker': '', 'node-role.kubernetes.io/control-plane': '' }), 'control-plane,worker');
  assert.equal(roles({ 'kubernetes.io/role': 'infra' }), 'infra');
  assert.equal(roles({ 'node-role.kubernetes.io/': '', 'kubernetes.io/hostname': 'n' }), '<none>');
});

test('nodes: full row, with <none> and <unknown> for what the node does not report', () => {
  assert.deepEqual(firstRow(toTable('nodes', [node('worker-1', { ready: 'True' })], NOW, 'None')), [
    'worker-1', 'Ready', '<none>', '3d', 'v1.30.2', '10.0.0.5', '<none>', 'Ubuntu 22.04.4 LTS', '5.15.0-105-generic', 'containerd://1.7.13',
  ]);
  const bare: KObject = { apiVersion: 'v1', kind: 'Node', metadata: meta('bare'), spec: {}, status: {} };
  assert.deepEqual(firstRow(toTable('nodes', [bare], NOW, 'None')).slice(4), ['', '<none>', '<none>', '<unknown>', '<unknown>', '<unknown>']);
});

test('pods: columns, with IP, NODE, NOMINATED NODE and READINESS GATES only in -o wide', () => {
  assert.deepEqual(columns(toTable('pods', [], NOW, 'None')), [
    ['Name', 'string', 0], ['Ready', 'string', 0], ['Status', 'string', 0], ['Restarts', 'string', 0], ['Age', 'string', 0],
    ['IP', 'string', 1], ['Node', 'string', 1], ['Nominated Node', 'string', 1], ['Readiness Gates', 'string', 1],
  ]);
});

test('pods: a running pod prints 1/1 Running 0 with its IP and node', () => {
  assert.deepEqual(podRow(runningPod()), ['web-0', '1/1', 'Running', '0', '3d', '10.244.1.7', 'worker-1', '<none>', '<none>']);
});

test('pods: Pending before scheduling, ContainerCreating while pulling', () => {
  const pending = pod('p', { phase: 'Pending' }, { spec: { nodeName: undefined } });
  assert.deepEqual(podRow(pending), ['p', '0/1', 'Pending', '0', '3d', '<none>', '<none>', '<none>', '<none>']);
  const creating = pod('c', { phase: 'Pending', containerStatuses: [containerStatus('c0', { waiting: { reason: 'ContainerCreating' } })] });
  assert.deepEqual(podRow(creating).slice(1, 3), ['0/1', 'ContainerCreating']);
});

test('pods: deletionTimestamp shows Terminating unless the pod already finished', () => {
  const deleting = runningPod();
  deleting.metadata.deletionTimestamp = ago(10 * SEC);
  assert.equal(podRow(deleting)[2], 'Terminating');
  const finished = pod('done', { phase: 'Succeeded', containerStatuses: [containerStatus('c0', { terminated: { reason: 'Completed', exitCode: 0 } })] });
  finished.metadata.deletionTimestamp = ago(SEC);
  assert.equal(podRow(finished)[2], 'Completed');
  const lost = runningPod();
  lost.metadata.deletionTimestamp = ago(SEC);
  (lost.status as Record<string, unknown>).reason = 'NodeLost';
  assert.equal(podRow(lost)[2], 'Unknown');
});

test('pods: READY counts ready running containers against all of them', () => {
  const half = pod('two', {
    phase: 'Running',
    containerStatuses: [containerStatus('c0', { running: {} }), containerStatus('c1', { running: {} }, { ready: false })],
  }, { containers: 2 });
  assert.deepEqual(podRow(half).slice(1, 3), ['1/2', 'Running']);
});

test('pods: a succeeded pod prints Completed and carries the Completed row condition', () => {
  const done = pod('job-x', { phase: 'Succeeded', containerStatuses: [containerStatus('c0', { terminated: { reason: 'Completed', exitCode: 0 } })] });
  const table = toTable('pods', [done], NOW, 'None');
  assert.deepEqual(firstRow(table).slice(1, 3), ['0/1', 'Completed']);
  assert.deepEqual(table.rows[0]?.conditions, [{ type: 'Completed', status: 'True', reason: 'Succeeded', message: 'The pod has completed successfully.' }]);
});

test('pods: status.reason and container reasons override the phase', () => {
  assert.equal(podRow(pod('ev', { phase: 'Failed', reason: 'Evicted' }))[2], 'Evicted');
  const oom = pod('oom', { phase: 'Running', containerStatuses: [containerStatus('c0', { terminated: { reason: 'OOMKilled', exitCode: 137 } })] });
  assert.equal(podRow(oom)[2], 'OOMKilled');
  const killed = pod('sig', { phase: 'Running', containerStatuses: [containerStatus('c0', { terminated: { exitCode: 143, signal: 15 } })] });
  assert.equal(podRow(killed)[2], 'Signal:15');
});

test('pods: RESTARTS carries "(… ago)" from the last termination', () => {
  const crashing = pod('crash', {
    phase: 'Running',
    containerStatuses: [containerStatus('c0', { waiting: { reason: 'CrashLoopBackOff' } }, {
      restartCount: 5, lastState: { terminated: { exitCode: 1, finishedAt: ago(5 * MIN + 30 * SEC) } },
    })],
  });
  assert.deepEqual(podRow(crashing).slice(1, 4), ['0/1', 'CrashLoopBackOff', '5 (5m30s ago)']);
  const noDate = pod('r', { phase: 'Running', containerStatuses: [containerStatus('c0', { running: {} }, { restartCount: 2 })] });
  assert.equal(podRow(noDate)[3], '2');
});

test('pods: init containers show Init:N/M; a started sidecar counts toward READY', () => {
  const initSpec = { initContainers: [{ name: 'migrate', image: 'm' }] };
  const initializing = pod('i', {
    phase: 'Pending',
    initContainerStatuses: [containerStatus('migrate', { running: {} }, { ready: false })],
    containerStatuses: [containerStatus('c0', { waiting: { reason: 'PodInitializing' } })],
  }, { spec: initSpec });
  assert.deepEqual(podRow(initializing).slice(1, 3), ['0/1', 'Init:0/1']);

  const sidecarSpec = { initContainers: [{ name: 'proxy', image: 'envoy', restartPolicy: 'Always' }] };
  const withSidecar = pod('s', {
    phase: 'Running', conditions: [{ type: 'Initialized', status: 'True' }, { type: 'Ready', status: 'True' }],
    initContainerStatuses: [containerStatus('proxy', { running: {} }, { started: true })],
    containerStatuses: [containerStatus('c0', { running: {} })],
  }, { spec: sidecarSpec });
  assert.deepEqual(podRow(withSidecar).slice(1, 3), ['2/2', 'Running']);
});

test('pods: READINESS GATES counts gates whose condition is True', () => {
  const gated = runningPod();
  (gated.spec as Record<string, unknown>).readinessGates = [{ conditionType: 'lb/ready' }, { conditionType: 'mesh/ready' }];
  (gated.status as Record<string, unknown>).conditions = [{ type: 'lb/ready', status: 'True' }, { type: 'mesh/ready', status: 'False' }];
  assert.equal(podRow(gated)[8], '1/2');
});

test('AGE follows HumanDuration precision rules', () => {
  const cases: [number, string][] = [
    [45 * SEC, '45s'], [119 * SEC, '119s'], [5 * MIN, '5m'], [5 * MIN + 30 * SEC, '5m30s'], [15 * MIN + 20 * SEC, '15m'],
    [170 * MIN, '170m'], [3 * HOUR, '3h'], [3 * HOUR + 25 * MIN, '3h25m'], [10 * HOUR + 5 * MIN, '10h'], [47 * HOUR, '47h'],
    [2 * DAY + 5 * HOUR, '2d5h'], [3 * DAY, '3d'], [10 * DAY + 7 * HOUR, '10d'], [400 * DAY, '400d'], [800 * DAY, '2y70d'],
    [3000 * DAY, '8y'], [-1 * SEC, '0s'], [-5 * SEC, '<invalid>'],
  ];
  for (const [ms, want] of cases) assert.equal(humanDuration(ms), want, `${ms}ms`);
});

test('AGE cell uses the simulated clock, <unknown> without a creationTimestamp', () => {
  const ns = (created: string): KObject => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { ...meta('team-a'), creationTimestamp: created }, status: { phase: 'Active' } });
  assert.deepEqual(firstRow(toTable('namespaces', [ns(ago(2 * DAY + 5 * HOUR))], NOW, 'None')), ['team-a', 'Active', '2d5h']);
  assert.deepEqual(firstRow(toTable('namespaces', [ns('')], NOW, 'None')), ['team-a', 'Active', '<unknown>']);
});

test('includeObject: Metadata wraps PartialObjectMetadata, Object embeds the object, None sends null', () => {
  const p = runningPod();
  const asMeta = toTable('pods', [p], NOW, 'Metadata').rows[0]?.object;
  assert.deepEqual(asMeta, { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: p.metadata });
  assert.equal(toTable('pods', [p], NOW, 'Object').rows[0]?.object, p);
  assert.equal(toTable('pods', [p], NOW, 'None').rows[0]?.object, null);
});

test('the Table envelope is meta.k8s.io/v1 and its columns are fresh copies', () => {
  const first = toTable('configmaps', [], NOW, 'None');
  assert.equal(first.kind, 'Table');
  assert.equal(first.apiVersion, 'meta.k8s.io/v1');
  assert.deepEqual(first.rows, []);
  const name = first.columnDefinitions[0];
  assert.ok(name);
  name.name = 'Mutated';
  assert.equal(toTable('configmaps', [], NOW, 'None').columnDefinitions[0]?.name, 'Name');
});

test('unknown custom resources fall back to NAME and a date-typed AGE', () => {
  const widget: KObject = { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { ...meta('w1'), creationTimestamp: ago(90 * SEC) } };
  const table = toTable('widgets.example.com', [widget], NOW, 'Metadata');
  assert.deepEqual(table.columnDefinitions.map((c) => [c.name, c.type, c.format, c.priority]), [['Name', 'string', 'name', 0], ['Age', 'date', '', 0]]);
  assert.deepEqual(firstRow(table), ['w1', '90s']);
});

test('CRDs print NAME and CREATED AT in RFC 3339, like the generic apiserver convertor', () => {
  const crd: KObject = { apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { ...meta('widgets.example.com'), creationTimestamp: '2024-05-01T08:30:00Z' } };
  const table = toTable('customresourcedefinitions.apiextensions.k8s.io', [crd], NOW, 'None');
  assert.deepEqual(columns(table), [['Name', 'string', 0], ['Created At', 'date', 0]]);
  assert.deepEqual(firstRow(table), ['widgets.example.com', '2024-05-01T08:30:00Z']);
});

function template(): Record<string, unknown> {
  return { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'app', image: 'web:2' }, { name: 'proxy', image: 'envoy:1' }] } };
}

test('deployments: READY ready/desired, then UP-TO-DATE and AVAILABLE, selector in -o wide', () => {
  const d: KObject = {
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: meta('web'),
    spec: { replicas: 3, selector: { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['front', 'edge'] }] }, template: template() },
    status: { readyReplicas: 2, updatedReplicas: 3, availableReplicas: 2 },
  };
  const table = toTable('deployments.apps', [d], NOW, 'None');
  assert.deepEqual(columns(table).map((c) => c[0]), ['Name', 'Ready', 'Up-to-date', 'Available', 'Age', 'Containers', 'Images', 'Selector']);
  assert.deepEqual(firstRow(table), ['web', '2/3', 3, 2, '3d', 'app,proxy', 'web:2,envoy:1', 'app=web,tier in (edge,front)']);
});

test('replicasets, daemonsets and statefulsets print their counters', () => {
  const rs: KObject = { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: meta('web-5d9c'), spec: { selector: {}, template: template() }, status: { replicas: 1 } };
  assert.deepEqual(firstRow(toTable('replicasets.apps', [rs], NOW, 'None')), ['web-5d9c', 1, 1, 0, '3d', 'app,proxy', 'web:2,envoy:1', '<none>']);
  const ds: KObject = {
    apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: meta('node-exporter'),
    spec: { selector: { matchLabels: { app: 'ne' } }, template: { spec: { nodeSelector: { 'kubernetes.io/os': 'linux' }, containers: [{ name: 'ne', image: 'ne:1' }] } } },
    status: { desiredNumberScheduled: 3, currentNumberScheduled: 3, numberReady: 2, updatedNumberScheduled: 3, numberAvailable: 2 },
  };
  assert.deepEqual(firstRow(toTable('daemonsets.apps', [ds], NOW, 'None')), ['node-exporter', 3, 3, 2, 3, 2, 'kubernetes.io/os=linux', '3d', 'ne', 'ne:1', 'app=ne']);
  const sts: KObject = { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: meta('db'), spec: { replicas: 3, selector: {}, template: template() }, status: { readyReplicas: 3 } };
  assert.deepEqual(firstRow(toTable('statefulsets.apps', [sts], NOW, 'None')), ['db', '3/3', '3d', 'app,proxy', 'web:2,envoy:1']);
});

test('poddisruptionbudgets: N/A for the unset bound, percentages verbatim', () => {
  const pdb = (spec: Record<string, unknown>, allowed: number): KObject => ({
    apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: meta('web-pdb'), spec,
    status: { currentHealthy: 3, desiredHealthy: 2, disruptionsAllowed: allowed, expectedPods: 3 },
  });
  const table = toTable('poddisruptionbudgets.policy', [pdb({ minAvailable: 2 }, 1), pdb({ maxUnavailable: '25%' }, 0)], NOW, 'None');
  assert.deepEqual(columns(table), [['Name', 'string', 0], ['Min Available', 'string', 0], ['Max Unavailable', 'string', 0], ['Allowed Disruptions', 'integer', 0], ['Age', 'string', 0]]);
  assert.deepEqual(table.rows.map((r) => r.cells), [['web-pdb', '2', 'N/A', 1, '3d'], ['web-pdb', 'N/A', '25%', 0, '3d']]);
});

test('services: TYPE, CLUSTER-IP, EXTERNAL-IP and PORT(S) per service type', () => {
  const svc = (spec: Record<string, unknown>): KObject => ({ apiVersion: 'v1', kind: 'Service', metadata: meta('web'), spec });
  const cells = (s: KObject) => firstRow(toTable('services', [s], NOW, 'None'));
  assert.deepEqual(cells(svc({ type: 'ClusterIP', clusterIP: '10.96.0.10', clusterIPs: ['10.96.0.10'], ports: [{ port: 53, protocol: 'UDP' }, { port: 53, protocol: 'TCP' }], selector: { app: 'dns' } })),
    ['web', 'ClusterIP', '10.96.0.10', '<none>', '53/UDP,53/TCP', '3d', 'app=dns']);
  assert.deepEqual(cells(svc({ type: 'NodePort', clusterIPs: ['10.96.0.11'], ports: [{ port: 80, nodePort: 30080, protocol: 'TCP' }] })).slice(1, 5),
    ['NodePort', '10.96.0.11', '<none>', '80:30080/TCP']);
  assert.equal(cells(svc({ type: 'LoadBalancer', clusterIPs: ['10.96.0.12'], ports: [] }))[3], '<pending>');
  assert.deepEqual(cells(svc({ clusterIPs: ['None'] })).slice(1, 5), ['ClusterIP', 'None', '<none>', '<none>']);
});

test('endpointslices: at most three ports and endpoints, then "+ N more..."', () => {
  const slice: KObject = {
    apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: meta('web-abc12'), addressType: 'IPv4',
    ports: [{ name: 'http', port: 80, protocol: 'TCP' }],
    endpoints: ['10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.0.4', '10.0.0.5'].map((ip) => ({ addresses: [ip], conditions: { ready: true } })),
  };
  assert.deepEqual(firstRow(toTable('endpointslices.discovery.k8s.io', [slice], NOW, 'None')), ['web-abc12', 'IPv4', '80', '10.0.0.1,10.0.0.2,10.0.0.3 + 2 more...', '3d']);
  const empty: KObject = { ...slice, ports: [], endpoints: [] };
  assert.deepEqual(firstRow(toTable('endpointslices.discovery.k8s.io', [empty], NOW, 'None')).slice(2, 4), ['<unset>', '<unset>']);
});

test('events: LAST SEEN, TYPE, REASON, OBJECT, MESSAGE first; the rest only in -o wide', () => {
  const ev: KObject = {
    apiVersion: 'v1', kind: 'Event', metadata: meta('web-0.17d'), type: 'Warning', reason: 'BackOff', message: 'Back-off restarting failed container\n',
    involvedObject: { kind: 'Pod', name: 'web-0', fieldPath: 'spec.containers{app}' }, source: { component: 'kubelet', host: 'worker-1' },
    firstTimestamp: ago(HOUR), lastTimestamp: ago(30 * SEC), count: 12,
  };
  const table = toTable('events', [ev], NOW, 'None');
  assert.deepEqual(columns(table).map(([n, , p]) => `${n}:${p}`), ['Last Seen:0', 'Type:0', 'Reason:0', 'Object:0', 'Subobject:1', 'Source:1', 'Message:0', 'First Seen:1', 'Count:1', 'Name:1']);
  assert.deepEqual(firstRow(table), ['30s', 'Warning', 'BackOff', 'pod/web-0', 'spec.containers{app}', 'kubelet, worker-1', 'Back-off restarting failed container', '60m', 12, 'web-0.17d']);
});

test('leases, configmaps and namespaces print their one extra column', () => {
  const lease: KObject = { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: meta('worker-1'), spec: { holderIdentity: 'worker-1' } };
  assert.deepEqual(firstRow(toTable('leases.coordination.k8s.io', [lease], NOW, 'None')), ['worker-1', 'worker-1', '3d']);
  const cm: KObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: meta('settings'), data: { a: '1', b: '2' }, binaryData: { c: 'AA==' } };
  assert.deepEqual(firstRow(toTable('configmaps', [cm], NOW, 'None')), ['settings', 3, '3d']);
  const ns: KObject = { apiVersion: 'v1', kind: 'Namespace', metadata: meta('gone'), status: { phase: 'Terminating' } };
  assert.deepEqual(firstRow(toTable('namespaces', [ns], NOW, 'None')), ['gone', 'Terminating', '3d']);
});
