// Unit tests for the simulated StatefulSet controller: pods -0, -1, -2 come up in order, each only after
// the one before is Ready, and a deleted pod comes back under its own name once the old one is gone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { StatefulSet } from '../../../src/sandbox/k8s-types.ts';
import { isPodReady } from '../../../src/sandbox/sim/objects.ts';
import { deletePod } from '../../../src/sandbox/sim/pods.ts';
import { faults, MINUTE, NS, pod, podsOf, SECOND, startFleet, untilReady, workload } from './fixtures.ts';
import type { SimFleet } from './fixtures.ts';

function statefulSet(sim: SimFleet, name: string): StatefulSet {
  const sts = sim.region.store.get('statefulsets.apps', NS, name) as StatefulSet | undefined;
  assert.ok(sts, `StatefulSet ${name} exists`);
  return sts;
}

test('statefulset creates db-0, db-1, db-2 in order, each only once the one before is Ready', () => {
  // Given a StatefulSet of three just created
  const sim = startFleet({ workloads: [workload({ name: 'db', kind: 'StatefulSet', replicas: 3, startupSeconds: 5, readinessSeconds: 5 })] });

  // Then only db-0 exists
  assert.deepEqual(podsOf(sim.region, 'db').map((p) => p.metadata.name), ['db-0']);

  // When time passes, second by second, until all three are Ready
  const created = new Map<string, number>();
  const ready = new Map<string, number>();
  const observe = () => {
    const t = sim.fleet.clock.nowMs();
    for (const p of podsOf(sim.region, 'db')) {
      if (!created.has(p.metadata.name)) created.set(p.metadata.name, t);
      if (isPodReady(p) && !ready.has(p.metadata.name)) ready.set(p.metadata.name, t);
    }
  };
  observe();
  assert.ok(sim.fleet.advanceUntil(() => {
    observe();
    return ready.size === 3;
  }, 5 * MINUTE));

  // Then each pod appeared no earlier than its predecessor became Ready, and later than its predecessor appeared
  assert.deepEqual([...created.keys()], ['db-0', 'db-1', 'db-2']);
  for (const [prev, next] of [['db-0', 'db-1'], ['db-1', 'db-2']] as const) {
    assert.ok((created.get(next) as number) >= (ready.get(prev) as number), `${next} created after ${prev} was Ready`);
    assert.ok((created.get(next) as number) > (created.get(prev) as number), `${next} created after ${prev}`);
  }

  // And the pods carry their stable identity
  const db1 = pod(sim.region, 'db-1');
  assert.equal(db1?.spec.hostname, 'db-1');
  assert.equal(db1?.spec.subdomain, 'db');
  assert.equal(db1?.metadata.labels?.['statefulset.kubernetes.io/pod-name'], 'db-1');
  assert.equal(statefulSet(sim, 'db').status?.readyReplicas, 3);
});

test('statefulset waits while db-0 is not Ready: db-1 is never created', () => {
  // Given a StatefulSet whose first pod never becomes Ready
  const sim = startFleet({
    workloads: [workload({ name: 'db', kind: 'StatefulSet', replicas: 3 })],
    faults: faults({ pods: [{ namespace: NS, workload: 'db', count: 1, neverReady: true }] }),
  });

  // When ten minutes pass
  sim.fleet.advance(10 * MINUTE);

  // Then db-0 runs unready and no other pod exists
  assert.deepEqual(podsOf(sim.region, 'db').map((p) => p.metadata.name), ['db-0']);
  assert.equal(pod(sim.region, 'db-0')?.status.phase, 'Running');
});

test('statefulset recreates a deleted db-1 under the same name only after the old pod is gone', () => {
  // Given three Ready pods whose application takes 10 s to shut down
  const sim = startFleet({ workloads: [workload({ name: 'db', kind: 'StatefulSet', replicas: 3, shutdownSeconds: 10 })] });
  untilReady(sim, 'db', 3);
  const old = pod(sim.region, 'db-1');
  assert.ok(old);

  // When db-1 is deleted
  deletePod(sim.region.ctx, old);
  sim.fleet.advance(5 * SECOND);

  // Then while it terminates, db-1 is still the old pod
  let current = pod(sim.region, 'db-1');
  assert.equal(current?.metadata.uid, old.metadata.uid);
  assert.ok(current?.metadata.deletionTimestamp);

  // When the old pod has finished terminating
  sim.fleet.advance(6 * SECOND);

  // Then a new db-1 exists, a different pod, and it becomes Ready
  current = pod(sim.region, 'db-1');
  assert.ok(current);
  assert.notEqual(current.metadata.uid, old.metadata.uid);
  assert.equal(current.metadata.deletionTimestamp, undefined);
  untilReady(sim, 'db', 3);
  assert.deepEqual(podsOf(sim.region, 'db').map((p) => p.metadata.name), ['db-0', 'db-1', 'db-2']);
});

test('statefulset scales down from the highest ordinal, starting the next only once the previous is gone', () => {
  // Given three Ready pods whose application takes 10 s to shut down
  const sim = startFleet({ workloads: [workload({ name: 'db', kind: 'StatefulSet', replicas: 3, shutdownSeconds: 10 })] });
  untilReady(sim, 'db', 3);

  // When the StatefulSet is scaled to one
  const sts = statefulSet(sim, 'db');
  sim.region.store.replace('statefulsets.apps', { ...sts, metadata: { ...sts.metadata, generation: (sts.metadata.generation ?? 1) + 1 }, spec: { ...sts.spec, replicas: 1 } });
  sim.region.settle();

  // Then only db-2 terminates at first
  const terminating = () => podsOf(sim.region, 'db').filter((p) => p.metadata.deletionTimestamp).map((p) => p.metadata.name);
  assert.deepEqual(terminating(), ['db-2']);
  sim.fleet.advance(5 * SECOND);
  assert.deepEqual(terminating(), ['db-2']);

  // When db-2 is gone
  sim.fleet.advance(6 * SECOND);

  // Then db-1 terminates, and after it only db-0 is left
  assert.deepEqual(podsOf(sim.region, 'db').map((p) => p.metadata.name), ['db-0', 'db-1']);
  assert.deepEqual(terminating(), ['db-1']);
  sim.fleet.advance(11 * SECOND);
  assert.deepEqual(podsOf(sim.region, 'db').map((p) => p.metadata.name), ['db-0']);
  assert.equal(statefulSet(sim, 'db').status?.replicas, 1);
});
