// Unit tests for the kube gates over a fake Cluster: nodes-ready, workloads-available and
// no-unexpected-cordons, each naming what holds it back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluateGate } from '../../../src/checks/evaluate.ts';
import { context, fakeCluster, gate, nodeView, workloadView } from './fakes.ts';

const nodesReady = gate({ type: 'kube', check: 'nodes-ready' });
const workloadsAvailable = gate({ type: 'kube', check: 'workloads-available' });
const noCordons = gate({ type: 'kube', check: 'no-unexpected-cordons' });

test('nodes-ready passes when every node is Ready', async () => {
  const cluster = fakeCluster({ nodes: { list: async () => [nodeView('node-a1'), nodeView('node-a2')] } });
  const r = await evaluateGate(nodesReady, context({ cluster }));
  assert.deepEqual(r, { gate: 'kube nodes-ready', type: 'kube', passed: true, value: 0, threshold: '0', message: 'all 2 nodes are Ready' });
});

test('nodes-ready fails and lists the NotReady nodes with their reason', async () => {
  const cluster = fakeCluster({ nodes: { list: async () => [nodeView('node-a1'), nodeView('node-a2', { ready: false, readyMessage: 'Kubelet stopped posting node status.' }), nodeView('node-b1', { ready: false })] } });
  const r = await evaluateGate(nodesReady, context({ cluster }));
  assert.equal(r.passed, false);
  assert.equal(r.value, 2);
  assert.equal(r.message, '2 of 3 nodes are NotReady: node-a2 (Kubelet stopped posting node status.), node-b1');
});

test('nodes-ready fails closed when the nodes cannot be listed', async () => {
  const cluster = fakeCluster({ nodes: { list: async () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:6443')) } });
  const r = await evaluateGate(nodesReady, context({ cluster }));
  assert.equal(r.passed, false);
  assert.equal(r.message, 'could not be evaluated, so it counts as failed: could not list the nodes of eu-central: connect ECONNREFUSED 127.0.0.1:6443');
});

test('workloads-available passes when every workload is available at its generation', async () => {
  const cluster = fakeCluster({ workloads: { list: async () => [workloadView('Deployment', 'web', 6), workloadView('StatefulSet', 'db', 3), workloadView('DaemonSet', 'agent', 4)] } });
  const r = await evaluateGate(workloadsAvailable, context({ cluster }));
  assert.equal(r.passed, true);
  assert.equal(r.message, 'all 3 workloads are available');
});

test('workloads-available fails with "shop/web 4/6 available" and generations not yet observed', async () => {
  const cluster = fakeCluster({
    workloads: { list: async () => [
      workloadView('Deployment', 'web', 6, { availableReplicas: 4 }),
      workloadView('StatefulSet', 'db', 3, { generation: 3 }),
      workloadView('ReplicaSet', 'web-5d8f', 6, { availableReplicas: 4, owned: true }),
      workloadView('DaemonSet', 'agent', 4),
    ] },
  });
  const r = await evaluateGate(workloadsAvailable, context({ cluster }));
  assert.equal(r.passed, false);
  assert.equal(r.value, 2);
  assert.equal(r.message, '2 of 3 workloads are not available: shop/web 4/6 available, shop/db 3/3 available, generation 3 not yet observed (at 2)');
});

test('no-unexpected-cordons ignores the cordons of this run and names who holds the others', async () => {
  const nodes = [nodeView('node-a1', { unschedulable: true, cordonedBy: 'run-1' }), nodeView('node-a2')];
  const ok = await evaluateGate(noCordons, context({ cluster: fakeCluster({ nodes: { list: async () => nodes } }) }));
  assert.equal(ok.passed, true);
  assert.equal(ok.message, 'no node is cordoned by anyone but this run (1 cordoned by this run)');
  const more = [...nodes, nodeView('node-b1', { unschedulable: true }), nodeView('node-b2', { unschedulable: true, cordonedBy: 'run-0' })];
  const r = await evaluateGate(noCordons, context({ cluster: fakeCluster({ nodes: { list: async () => more } }) }));
  assert.equal(r.passed, false);
  assert.equal(r.value, 2);
  assert.equal(r.message, '2 nodes are cordoned by someone else (1 cordoned by this run): node-b1 (cordoned outside Daylight), node-b2 (cordoned by run run-0)');
});

test('a gate with its own name keeps it', async () => {
  const named = gate({ type: 'kube', check: 'nodes-ready', name: 'all nodes up' });
  const r = await evaluateGate(named, context({ cluster: fakeCluster({ nodes: { list: async () => [nodeView('node-a1')] } }) }));
  assert.equal(r.gate, 'all nodes up');
});
