// Unit tests for the budget rules: pdb-no-disruption, pdb-unsatisfiable, pdb-misconfigured and
// single-replica, each given a snapshot where it holds and one where it does not.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { barePod, controlPlane, findings, node, only, pdb, plan, pod, snapshot, statefulPod, workload } from './fixtures.ts';

function dbSnapshot(o: { minAvailable?: number | string; maxUnavailable?: number | string; currentHealthy?: number; disruptionsAllowed?: number } = {}) {
  const { currentHealthy = 3, disruptionsAllowed = 0 } = o;
  return snapshot({
    pods: [statefulPod('db-0', 'node-a1', 'db'), statefulPod('db-1', 'node-a2', 'db'), statefulPod('db-2', 'node-b1', 'db')],
    pdbs: [pdb('db', 'db', { minAvailable: o.minAvailable, maxUnavailable: o.maxUnavailable, desiredHealthy: 3, currentHealthy, disruptionsAllowed, expectedPods: 3 })],
    workloads: [workload('StatefulSet', 'db', 3)],
  });
}

test('pdb-no-disruption: a budget that allows 0 disruptions now blocks, with its numbers', () => {
  const f = only(findings('pdb-no-disruption', dbSnapshot({ minAvailable: 3 })));
  assert.equal(f.severity, 'blocking');
  assert.equal(f.cluster, 'eu-central');
  assert.equal(f.subject, 'shop/db');
  assert.match(f.message, /^PDB shop\/db allows 0 disruptions \(needs 3 healthy, has 3\): a drain of a node with one of its pods would wait until the timeout/);
  assert.match(f.message, /3 pods on 3 nodes in scope \(node-a1, node-a2, node-b1\)/);
  assert.match(f.fix, /raise replicas above 3, or lower minAvailable/);
  assert.match(f.fix, /unhealthyPodEvictionPolicy: AlwaysAllow/);
});

test('pdb-no-disruption: when pods are missing, the fix asks to make them Ready first', () => {
  const f = only(findings('pdb-no-disruption', dbSnapshot({ maxUnavailable: 1, currentHealthy: 2 })));
  assert.match(f.message, /needs 3 healthy, has 2/);
  assert.match(f.fix, /make its 1 missing pod Ready first, or set unhealthyPodEvictionPolicy: AlwaysAllow/);
});

test('pdb-no-disruption: absent when the budget allows a disruption', () => {
  assert.deepEqual(findings('pdb-no-disruption', dbSnapshot({ maxUnavailable: 1, disruptionsAllowed: 1 })), []);
});

test('pdb-no-disruption: absent when none of its pods is on a node in scope', () => {
  const snap = snapshot({
    pods: [pod('etcd-backup-1', 'cp-1', { app: 'etcd-backup' })],
    pdbs: [pdb('etcd-backup', 'etcd-backup', { disruptionsAllowed: 0 })],
  });
  assert.deepEqual(findings('pdb-no-disruption', snap), []);
});

test('pdb-unsatisfiable: minAvailable equal to the replicas allows nothing even at full health', () => {
  const f = only(findings('pdb-unsatisfiable', dbSnapshot({ minAvailable: 3 })));
  assert.equal(f.severity, 'blocking');
  assert.equal(f.subject, 'shop/db');
  assert.match(f.message, /has minAvailable 3 for 3 expected pods, so it allows 0 disruptions even when every pod is healthy/);
  assert.match(f.message, /3 nodes in scope with its pods \(node-a1, node-a2, node-b1\) can never be drained/);
  assert.equal(f.fix, 'lower minAvailable to at most 2 (or use maxUnavailable: 1) on PDB shop/db, or raise replicas above 3');
});

test('pdb-unsatisfiable: percentages round up as the disruption controller does (100% of 3 = 3)', () => {
  const f = only(findings('pdb-unsatisfiable', dbSnapshot({ minAvailable: '100%' })));
  assert.match(f.message, /minAvailable 100% \(= 3\) for 3 expected pods/);
  assert.deepEqual(findings('pdb-unsatisfiable', dbSnapshot({ minAvailable: '60%', disruptionsAllowed: 1 })), [], '60% of 3 rounds up to 2: one disruption');
});

test('pdb-unsatisfiable: maxUnavailable 0 asks for at least 1', () => {
  const f = only(findings('pdb-unsatisfiable', dbSnapshot({ maxUnavailable: 0 })));
  assert.match(f.message, /maxUnavailable 0 for 3 expected pods/);
  assert.equal(f.fix, 'set maxUnavailable to at least 1 on PDB shop/db');
});

test('pdb-unsatisfiable: absent when the budget only lacks a disruption right now (a pod not Ready)', () => {
  assert.deepEqual(findings('pdb-unsatisfiable', dbSnapshot({ maxUnavailable: 1, currentHealthy: 2 })), []);
});

test('pdb-unsatisfiable: pods without a controller use the budget up for good', () => {
  const snap = snapshot({
    pods: [barePod('worker-1', 'node-a1', { labels: { app: 'worker' } }), barePod('worker-2', 'node-a2', { labels: { app: 'worker' } }), barePod('worker-3', 'node-b1', { labels: { app: 'worker' } })],
    pdbs: [pdb('worker', 'worker', { namespace: 'default', minAvailable: 2, expectedPods: 3 })],
  });
  const f = only(findings('pdb-unsatisfiable', snap));
  assert.equal(f.subject, 'default/worker');
  assert.match(f.message, /allows 1 disruption \(minAvailable 2 of 3\), but 3 pods it selects on nodes in scope have no controller/);
  assert.match(f.message, /the drain stops after 1 pod/);
});

test('pdb-unsatisfiable: all replicas on the one node and nowhere else to start them', () => {
  const snap = snapshot({
    nodes: [controlPlane('cp-1'), node('node-a1')],
    pods: [pod('web-1', 'node-a1', { app: 'web' }), pod('web-2', 'node-a1', { app: 'web' }), pod('web-3', 'node-a1', { app: 'web' })],
    pdbs: [pdb('web', 'web', { maxUnavailable: 1, expectedPods: 3 })],
    workloads: [workload('Deployment', 'web', 3)],
  });
  const f = only(findings('pdb-unsatisfiable', snap));
  assert.match(f.message, /allows 1 disruption \(maxUnavailable 1 of 3\) but node-a1 holds 3 of its pods, and no other node accepts pods/);
  assert.match(f.fix, /add a schedulable node before the run/);
});

test('pdb-unsatisfiable: all replicas on one node are fine when another node can take their replacements', () => {
  const snap = snapshot({
    pods: [pod('web-1', 'node-a1', { app: 'web' }), pod('web-2', 'node-a1', { app: 'web' }), pod('web-3', 'node-a1', { app: 'web' })],
    pdbs: [pdb('web', 'web', { maxUnavailable: 1, expectedPods: 3 })],
  });
  assert.deepEqual(findings('pdb-unsatisfiable', snap), []);
});

test('pdb-unsatisfiable: the wave size counts: a wave of every worker leaves nowhere to go', () => {
  const snap = snapshot({
    nodes: [controlPlane('cp-1'), node('node-a1'), node('node-a2')],
    pods: [pod('web-1', 'node-a1', { app: 'web' }), pod('web-2', 'node-a2', { app: 'web' })],
    pdbs: [pdb('web', 'web', { maxUnavailable: 1, expectedPods: 2, currentHealthy: 2, desiredHealthy: 1 })],
  });
  assert.deepEqual(findings('pdb-unsatisfiable', snap), [], 'one node at a time: the other takes the replacement');
  const f = only(findings('pdb-unsatisfiable', snap, plan({ phase: { maxUnavailable: '100%' } })));
  assert.match(f.message, /the wave node-a1, node-a2 holds 2 of its pods/);
});

test('pdb-misconfigured: a pod under two budgets blocks, naming both', () => {
  const snap = snapshot({
    pods: [pod('web-1', 'node-a1', { app: 'web' }), pod('web-2', 'node-a2', { app: 'web' })],
    pdbs: [pdb('web', 'web'), pdb('all-shop', 'web', { selector: {} })],
  });
  const f = only(findings('pdb-misconfigured', snap));
  assert.equal(f.severity, 'blocking');
  assert.equal(f.subject, 'shop/web');
  assert.match(f.message, /^2 pods of Deployment shop\/web on nodes in scope are selected by 2 PDBs \(shop\/all-shop, shop\/web\): the Eviction API answers 500/);
  assert.match(f.fix, /each pod of shop\/web is selected by exactly one PDB/);
});

test('pdb-misconfigured: budgets in another namespace do not count', () => {
  const snap = snapshot({
    pods: [pod('web-1', 'node-a1', { app: 'web' })],
    pdbs: [pdb('web', 'web'), pdb('web', 'web', { namespace: 'other' })],
  });
  assert.deepEqual(findings('pdb-misconfigured', snap), []);
});

test('single-replica: one replica on a node in scope is a warning', () => {
  const snap = snapshot({ pods: [pod('cache-1', 'node-b1', { app: 'cache' })], workloads: [workload('Deployment', 'cache', 1)] });
  const f = only(findings('single-replica', snap));
  assert.equal(f.severity, 'warning');
  assert.equal(f.subject, 'shop/cache');
  assert.equal(f.message, 'Deployment shop/cache has 1 replica (cache-1 on node-b1): it is down from its eviction until its replacement is Ready');
  assert.match(f.fix, /run at least 2 replicas of shop\/cache/);
});

test('single-replica: blocking when a budget also allows 0 disruptions', () => {
  const snap = snapshot({
    pods: [statefulPod('queue-0', 'node-a1', 'queue')],
    pdbs: [pdb('queue', 'queue', { minAvailable: 1, currentHealthy: 1, desiredHealthy: 1, disruptionsAllowed: 0, expectedPods: 1 })],
    workloads: [workload('StatefulSet', 'queue', 1)],
  });
  const f = only(findings('single-replica', snap));
  assert.equal(f.severity, 'blocking');
  assert.match(f.message, /StatefulSet shop\/queue has 1 replica \(queue-0 on node-a1\) and PDB shop\/queue allows 0 disruptions: the drain of node-a1 would wait until the timeout/);
});

test('single-replica: absent with 2 replicas, or when the one pod is outside the scope', () => {
  const two = snapshot({ pods: [pod('cache-1', 'node-a1', { app: 'cache' }), pod('cache-2', 'node-b1', { app: 'cache' })], workloads: [workload('Deployment', 'cache', 2)] });
  assert.deepEqual(findings('single-replica', two), []);
  const outside = snapshot({ pods: [pod('cache-1', 'cp-1', { app: 'cache' })], workloads: [workload('Deployment', 'cache', 1)] });
  assert.deepEqual(findings('single-replica', outside), []);
});
