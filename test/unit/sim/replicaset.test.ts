// Unit tests for the simulated ReplicaSet controller: it replaces pods that were deleted, follows
// spec.replicas up and down (least useful pods first) and reports its status.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ReplicaSet } from '../../../src/sandbox/k8s-types.ts';
import { deletePod } from '../../../src/sandbox/sim/pods.ts';
import { activePodsOf, condition, faults, NS, podsOf, readyPodsOf, scaleDeployment, SECOND, startFleet, untilReady, workload } from './fixtures.ts';
import type { SimFleet } from './fixtures.ts';

function replicaSetOf(sim: SimFleet, name: string): ReplicaSet {
  const all = (sim.region.store.list('replicasets.apps', NS) as ReplicaSet[]).filter((rs) => rs.metadata.ownerReferences?.some((r) => r.name === name));
  assert.equal(all.length, 1, `one ReplicaSet for ${name}`);
  return all[0] as ReplicaSet;
}

function names(sim: SimFleet, name: string): string[] {
  return activePodsOf(sim.region, name).map((p) => p.metadata.name).sort();
}

test('replicaset replaces a deleted pod at once and the replacement becomes Ready', () => {
  // Given four Ready replicas
  const sim = startFleet({ workloads: [workload({ name: 'web', replicas: 4, shutdownSeconds: 10 })] });
  untilReady(sim, 'web', 4);
  const before = names(sim, 'web');
  const victim = activePodsOf(sim.region, 'web')[0];
  assert.ok(victim);

  // When one is deleted
  deletePod(sim.region.ctx, victim);
  sim.region.settle();

  // Then a new pod takes its place while the old one is still terminating
  const after = names(sim, 'web');
  assert.equal(after.length, 4);
  assert.ok(!after.includes(victim.metadata.name));
  assert.equal(after.filter((n) => !before.includes(n)).length, 1);
  assert.ok(podsOf(sim.region, 'web').find((p) => p.metadata.name === victim.metadata.name)?.metadata.deletionTimestamp);

  // And once things settle there are four Ready pods and the deleted one is gone
  untilReady(sim, 'web', 4);
  assert.deepEqual(names(sim, 'web'), after);
});

test('replicaset replaces a pod that was removed from the store outright', () => {
  // Given four Ready replicas
  const sim = startFleet({ workloads: [workload({ name: 'web', replicas: 4 })] });
  untilReady(sim, 'web', 4);

  // When one is force-deleted
  const victim = activePodsOf(sim.region, 'web')[0];
  assert.ok(victim);
  sim.region.store.remove('pods', NS, victim.metadata.name);
  sim.region.settle();

  // Then there are four pods again, none of them the removed one
  assert.equal(activePodsOf(sim.region, 'web').length, 4);
  assert.ok(!names(sim, 'web').includes(victim.metadata.name));
});

test('replicaset scales up to spec.replicas', () => {
  // Given two Ready replicas
  const sim = startFleet({ workloads: [workload({ name: 'web', replicas: 2 })] });
  untilReady(sim, 'web', 2);

  // When the Deployment is scaled to five
  scaleDeployment(sim.region, 'web', 5);
  sim.region.settle();

  // Then the ReplicaSet wants five and has created five pods, which all become Ready
  assert.equal(replicaSetOf(sim, 'web').spec.replicas, 5);
  assert.equal(activePodsOf(sim.region, 'web').length, 5);
  untilReady(sim, 'web', 5);
});

test('replicaset scales down, removing a pod that is not Ready before Ready ones', () => {
  // Given five replicas of which one never becomes Ready
  const sim = startFleet({
    workloads: [workload({ name: 'web', replicas: 5 })],
    faults: faults({ pods: [{ namespace: NS, workload: 'web', count: 1, neverReady: true }] }),
  });
  sim.fleet.advance(60 * SECOND);
  const unready = activePodsOf(sim.region, 'web').filter((p) => condition(p, 'Ready')?.status !== 'True');
  assert.equal(unready.length, 1);

  // When the Deployment is scaled to three
  scaleDeployment(sim.region, 'web', 3);
  sim.region.settle();

  // Then three pods remain, the unready one is among those removed, and the rest are Ready
  const left = activePodsOf(sim.region, 'web');
  assert.equal(left.length, 3);
  assert.ok(!left.some((p) => p.metadata.name === unready[0]?.metadata.name));
  assert.equal(readyPodsOf(sim.region, 'web').length, 3);
  sim.fleet.advance(60 * SECOND);
  assert.equal(podsOf(sim.region, 'web').length, 3);
});

test('replicaset reports replicas, readyReplicas, availableReplicas and observedGeneration', () => {
  // Given three replicas just created
  const sim = startFleet({ workloads: [workload({ name: 'web', replicas: 3 })] });

  // Then the status counts them but none is ready yet
  let status = replicaSetOf(sim, 'web').status ?? {};
  assert.equal(status.replicas, 3);
  assert.equal(status.readyReplicas, 0);
  assert.equal(status.availableReplicas, 0);

  // When they become Ready
  untilReady(sim, 'web', 3);

  // Then the status says so, for the generation it has seen
  const rs = replicaSetOf(sim, 'web');
  status = rs.status ?? {};
  assert.equal(status.replicas, 3);
  assert.equal(status.fullyLabeledReplicas, 3);
  assert.equal(status.readyReplicas, 3);
  assert.equal(status.availableReplicas, 3);
  assert.equal(status.observedGeneration, rs.metadata.generation);
});
