// Unit tests for the simulated garbage collector: dependents go with their owner (background propagation),
// a dependent with another owner only loses the reference, and pods bound to a deleted node go at once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ReplicaSet } from '../../../src/sandbox/k8s-types.ts';
import { createObject, ownerRef } from '../../../src/sandbox/sim/objects.ts';
import { activePodsOf, deployment, MINUTE, NS, pdb, podsOf, readyPodsOf, SECOND, startFleet, untilReady, updateSpec, workload } from './fixtures.ts';
import type { SimFleet } from './fixtures.ts';

function replicaSets(sim: SimFleet): ReplicaSet[] {
  return sim.region.store.list('replicasets.apps', NS) as ReplicaSet[];
}

test('garbage collector removes the ReplicaSets and pods of a deleted Deployment', () => {
  // Given a Deployment that rolled once, so it owns two ReplicaSets, with a budget and a Service
  const sim = startFleet({ workloads: [workload({ name: 'web', replicas: 3, shutdownSeconds: 5, pdb: { minAvailable: 2 }, service: { rpsPerPod: 100 } })] });
  untilReady(sim, 'web', 3);
  const d = deployment(sim.region, 'web');
  updateSpec(sim.region, 'deployments.apps', d, { ...d.spec, template: { ...d.spec.template, metadata: { ...d.spec.template.metadata, annotations: { ...d.spec.template.metadata?.annotations, rev: '2' } } } });
  assert.ok(sim.fleet.advanceUntil(() => readyPodsOf(sim.region, 'web').filter((p) => p.metadata.annotations?.rev === '2').length === 3, 5 * MINUTE));
  untilReady(sim, 'web', 3);
  assert.equal(replicaSets(sim).length, 2);

  // When the Deployment is deleted
  sim.region.store.remove('deployments.apps', NS, 'web');
  sim.region.settle();

  // Then its ReplicaSets are gone and its pods are terminating, none replaced
  assert.deepEqual(replicaSets(sim), []);
  assert.equal(activePodsOf(sim.region, 'web').length, 0);
  assert.equal(podsOf(sim.region, 'web').length, 3);

  // And after their shutdown no pod of it is left, while the budget and Service it did not own remain
  sim.fleet.advance(10 * SECOND);
  assert.deepEqual(podsOf(sim.region, 'web'), []);
  assert.ok(pdb(sim.region, 'web'));
  assert.ok(sim.region.store.get('services', NS, 'web'));
});

test('garbage collector keeps a dependent that has another owner, dropping only the deleted owner\'s reference', () => {
  // Given a Ready pod that a ConfigMap co-owns with its ReplicaSet
  const sim = startFleet({ workloads: [workload({ name: 'web', replicas: 2 })] });
  untilReady(sim, 'web', 2);
  const keeper = createObject(sim.region.ctx, 'configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'keeper', namespace: NS }, data: {} });
  const target = activePodsOf(sim.region, 'web')[0];
  assert.ok(target);
  const extra = { ...ownerRef(keeper), controller: false };
  sim.region.store.replace('pods', { ...target, metadata: { ...target.metadata, ownerReferences: [...(target.metadata.ownerReferences ?? []), extra] } });
  sim.region.settle();

  // When the Deployment is deleted
  sim.region.store.remove('deployments.apps', NS, 'web');
  sim.fleet.advance(MINUTE);

  // Then that pod still runs, owned by the ConfigMap alone; the other pod is gone
  const left = podsOf(sim.region, 'web');
  assert.deepEqual(left.map((p) => p.metadata.name), [target.metadata.name]);
  assert.deepEqual(left[0]?.metadata.ownerReferences, [extra]);
  assert.equal(left[0]?.metadata.deletionTimestamp, undefined);
});

test('garbage collector removes the pods of a deleted DaemonSet and of a deleted StatefulSet', () => {
  // Given a DaemonSet and a StatefulSet with all pods Ready
  const sim = startFleet({ workloads: [workload({ name: 'agent', kind: 'DaemonSet' }), workload({ name: 'db', kind: 'StatefulSet', replicas: 2 })] });
  untilReady(sim, 'agent', 7);
  untilReady(sim, 'db', 2);

  // When both are deleted
  sim.region.store.remove('daemonsets.apps', NS, 'agent');
  sim.region.store.remove('statefulsets.apps', NS, 'db');
  sim.fleet.advance(MINUTE);

  // Then none of their pods is left
  assert.deepEqual(podsOf(sim.region, 'agent'), []);
  assert.deepEqual(podsOf(sim.region, 'db'), []);
});

test('garbage collector removes the pods of a deleted node at once, and their owners replace them elsewhere', () => {
  // Given Ready pods of a Deployment and a DaemonSet on every worker
  const sim = startFleet({ workloads: [workload({ name: 'web', replicas: 6, spread: 'zone' }), workload({ name: 'agent', kind: 'DaemonSet' })] });
  untilReady(sim, 'web', 6);
  untilReady(sim, 'agent', 7);
  const gone = 'eu-central-b-r1-n2';
  const onNode = [...podsOf(sim.region, 'web'), ...podsOf(sim.region, 'agent')].filter((p) => p.spec.nodeName === gone);
  assert.ok(onNode.length >= 2);

  // When the node object is deleted
  sim.region.store.remove('nodes', undefined, gone);
  sim.region.settle();

  // Then its pods are removed without a grace period
  for (const p of onNode) assert.equal(sim.region.store.get('pods', NS, p.metadata.name), undefined, `${p.metadata.name} removed`);

  // And the Deployment has six pods again on the remaining nodes, the DaemonSet six
  untilReady(sim, 'web', 6);
  untilReady(sim, 'agent', 6);
  assert.ok([...podsOf(sim.region, 'web'), ...podsOf(sim.region, 'agent')].every((p) => p.spec.nodeName !== gone));
});
