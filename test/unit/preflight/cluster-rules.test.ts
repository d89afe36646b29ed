// Unit tests for the rules over nodes and rollouts: node-not-ready, node-cordoned, spare-capacity and
// rolling-update-max-unavailable.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findings, GiB, node, only, plan, pod, snapshot, workload } from './fixtures.ts';
import { controlPlane } from './fixtures.ts';

test('node-not-ready: a selected node already NotReady is a warning that uses up the budget', () => {
  const snap = snapshot({ nodes: [controlPlane('cp-1'), node('node-a1', { ready: false, readyMessage: 'Kubelet stopped posting node status.' }), node('node-a2'), node('node-b1')] });
  const f = only(findings('node-not-ready', snap));
  assert.equal(f.severity, 'warning');
  assert.equal(f.subject, 'node-a1');
  assert.equal(f.message, 'node node-a1 is already NotReady (Kubelet stopped posting node status.): it counts against maxUnavailable 1, leaving no node for maintenance until it is back');
  assert.match(f.fix, /bring node-a1 back to Ready before the run, or leave it out of the phase selector "!node-role.kubernetes.io\/control-plane"/);
});

test('node-not-ready: with room in maxUnavailable the message says what is left', () => {
  const snap = snapshot({ nodes: [node('node-a1', { ready: false }), node('node-a2'), node('node-b1'), node('node-b2')] });
  const f = only(findings('node-not-ready', snap, plan({ phase: { maxUnavailable: 2 } })));
  assert.match(f.message, /counts against maxUnavailable 2, leaving 1 node per wave/);
});

test('node-not-ready: absent for Ready nodes and for NotReady nodes outside the selector', () => {
  const snap = snapshot({ nodes: [controlPlane('cp-1', { ready: false }), node('node-a1')] });
  assert.deepEqual(findings('node-not-ready', snap), []);
});

test('node-cordoned: cordoned by someone else is a warning naming who', () => {
  const snap = snapshot({ nodes: [node('node-a1', { unschedulable: true }), node('node-a2', { unschedulable: true, cordonedBy: 'run-old' }), node('node-b1')] });
  const [manual, other] = findings('node-cordoned', snap, plan({ phase: { maxUnavailable: 2 } }));
  assert.equal(manual?.subject, 'node-a1');
  assert.equal(manual?.severity, 'warning');
  assert.match(manual?.message ?? '', /node node-a1 is already cordoned outside Daylight: it counts against maxUnavailable 2 with 1 other node, leaving no node/);
  assert.match(manual?.fix ?? '', /kubectl uncordon node-a1/);
  assert.match(other?.message ?? '', /node node-a2 is already cordoned by run run-old/);
  assert.match(other?.fix ?? '', /daylight recover/);
});

test("node-cordoned: the run's own cordons do not count", () => {
  const snap = snapshot({ nodes: [node('node-a1', { unschedulable: true, cordonedBy: 'run-7' }), node('node-a2')] });
  assert.deepEqual(findings('node-cordoned', snap, plan(), 'run-7'), []);
  assert.equal(findings('node-cordoned', snap, plan(), 'run-8').length, 1);
});

/** Two workers of 4 cores each, each with 6 web pods of 500m: 3 cores used, 1 free. */
function tightSnapshot() {
  const small = { milliCpu: 4000, memory: 8 * GiB, pods: 110 };
  const pods = ['node-a1', 'node-a2'].flatMap((n) => [1, 2, 3, 4, 5, 6].map((i) => pod(`web-${n}-${i}`, n, { app: 'web' })));
  return snapshot({ nodes: [controlPlane('cp-1'), node('node-a1', { allocatable: small }), node('node-a2', { allocatable: small })], pods });
}

test('spare-capacity: the biggest wave must fit in what the other nodes have free', () => {
  const f = only(findings('spare-capacity', tightSnapshot()));
  assert.equal(f.severity, 'blocking');
  assert.equal(f.subject, 'node-a1');
  assert.equal(
    f.message,
    'the biggest wave (1 of 2 nodes at maxUnavailable 1: node-a1) has pods requesting 3 cores, 3.0 GiB, 6 pods that must move; ' +
      'the other nodes that accept pods have 1 core, 5.0 GiB, 104 pods free: short by 2 cores, so evicted pods would stay Pending',
  );
  assert.match(f.fix, /add capacity before the run/);
});

test('spare-capacity: a tainted control-plane node does not count as room, a third worker does', () => {
  const snap = tightSnapshot();
  assert.equal(findings('spare-capacity', snap).length, 1);
  const roomy = { ...snap, nodes: [...snap.nodes, node('node-b1')] };
  assert.deepEqual(findings('spare-capacity', roomy), []);
});

test('spare-capacity: DaemonSet pods stay and are not counted as moving', () => {
  const snap = snapshot({
    nodes: [node('node-a1', { allocatable: { milliCpu: 2000, memory: 8 * GiB, pods: 110 } }), node('node-a2', { allocatable: { milliCpu: 2000, memory: 8 * GiB, pods: 110 } })],
    pods: ['node-a1', 'node-a2'].map((n) => pod(`agent-${n}`, n, { controller: { kind: 'DaemonSet', name: 'agent', uid: 'ds' }, workload: { kind: 'DaemonSet', name: 'agent' }, requests: { milliCpu: 1500, memory: GiB } })),
  });
  assert.deepEqual(findings('spare-capacity', snap), []);
});

test('rolling-update-max-unavailable: absent unless the plan sets the requirement', () => {
  const snap = snapshot({ workloads: [workload('Deployment', 'web', 6, { strategy: { type: 'RollingUpdate' } })] });
  assert.deepEqual(findings('rolling-update-max-unavailable', snap), []);
});

test('rolling-update-max-unavailable: the default 25% of 6 is 1, above a requirement of 0', () => {
  const snap = snapshot({ workloads: [workload('Deployment', 'web', 6, { strategy: { type: 'RollingUpdate' } }), workload('Deployment', 'api', 4)] });
  const f = only(findings('rolling-update-max-unavailable', snap, plan({ requirements: { rollingUpdateMaxUnavailable: 0 } })));
  assert.equal(f.severity, 'blocking');
  assert.equal(f.subject, 'shop/web');
  assert.equal(f.message, "Deployment shop/web rolls out with maxUnavailable 25% (the default, as it is not set) = 1 of 6 pods, above the plan's requirement of 0");
  assert.equal(f.fix, 'set spec.strategy.rollingUpdate.maxUnavailable: 0 on shop/web and maxSurge to at least 1');
});

test('rolling-update-max-unavailable: explicit values, rounding down, and Recreate', () => {
  const p = plan({ requirements: { rollingUpdateMaxUnavailable: 1 } });
  const snap = snapshot({
    workloads: [
      workload('Deployment', 'half', 6, { strategy: { type: 'RollingUpdate', maxUnavailable: '50%', maxSurge: 0 } }),
      workload('Deployment', 'small', 3, { strategy: { type: 'RollingUpdate', maxUnavailable: '25%', maxSurge: '25%' } }),
      workload('Deployment', 'batch', 2, { strategy: { type: 'Recreate' } }),
      workload('StatefulSet', 'db', 3),
    ],
  });
  const list = findings('rolling-update-max-unavailable', snap, p);
  assert.deepEqual(list.map((f) => f.subject), ['shop/batch', 'shop/half']);
  assert.match(list[0]?.message ?? '', /uses strategy Recreate: a rollout takes all 2 pods down at once/);
  assert.match(list[1]?.message ?? '', /maxUnavailable 50% = 3 of 6 pods, above the plan's requirement of 1/);
});
