// Unit tests for the pod paths every controller shares: the defaults a new pod gets, and deletion, which is
// graceful for a pod on a node and immediate for one that never got a node or has no grace period.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from '../../../src/sandbox/k8s-types.ts';
import { deletePod } from '../../../src/sandbox/sim/pods.ts';
import { pod, podsOf, SECOND, startFleet, untilReady, workload } from './fixtures.ts';
import type { SimFleet } from './fixtures.ts';

function bare(sim: SimFleet, name: string): Pod {
  const p = pod(sim.region, name);
  assert.ok(p, `pod ${name} exists`);
  return p;
}

test('a new pod gets the API server defaults, including 300 s tolerations of not-ready and unreachable nodes', () => {
  // Given a workload with a 45 s grace period
  // When its pod is created
  const sim = startFleet({ workloads: [workload({ name: 'app', kind: 'Pod', terminationGracePeriodSeconds: 45 })] });

  // Then it has the defaults and keeps its own grace period
  const p = bare(sim, 'app');
  assert.equal(p.spec.restartPolicy, 'Always');
  assert.equal(p.spec.schedulerName, 'default-scheduler');
  assert.equal(p.spec.terminationGracePeriodSeconds, 45);
  assert.deepEqual(
    p.spec.tolerations?.map((t) => `${t.key}:${t.effect}:${t.tolerationSeconds}`),
    ['node.kubernetes.io/not-ready:NoExecute:300', 'node.kubernetes.io/unreachable:NoExecute:300'],
  );
});

test('deleting a pod with grace period 0 removes it at once', () => {
  // Given a Ready pod
  const sim = startFleet({ workloads: [workload({ name: 'app', kind: 'Pod' })] });
  untilReady(sim, 'app', 1);

  // When it is deleted with grace period 0
  deletePod(sim.region.ctx, bare(sim, 'app'), 0);

  // Then it is gone without terminating
  assert.equal(pod(sim.region, 'app'), undefined);
});

test('deleting a pod that never got a node removes it at once', () => {
  // Given a pod that fits no node
  const sim = startFleet({ workloads: [workload({ name: 'app', kind: 'Pod', cpu: '8' })] });
  assert.equal(bare(sim, 'app').spec.nodeName, undefined);

  // When it is deleted
  deletePod(sim.region.ctx, bare(sim, 'app'));

  // Then it is gone
  assert.equal(pod(sim.region, 'app'), undefined);
});

test('deleting a terminating pod again can shorten its grace period but never lengthen it', () => {
  // Given a pod that takes a minute to shut down, deleted with a 50 s grace period
  const sim = startFleet({ workloads: [workload({ name: 'app', kind: 'Pod', replicas: 1, shutdownSeconds: 60, terminationGracePeriodSeconds: 90 })] });
  untilReady(sim, 'app', 1);
  deletePod(sim.region.ctx, bare(sim, 'app'), 50);
  const first = bare(sim, 'app').metadata.deletionTimestamp;

  // When it is deleted again with 80 s
  deletePod(sim.region.ctx, bare(sim, 'app'), 80);
  // Then the deadline stays
  assert.equal(bare(sim, 'app').metadata.deletionTimestamp, first);
  assert.equal(bare(sim, 'app').metadata.deletionGracePeriodSeconds, 50);

  // When it is deleted again with 5 s
  deletePod(sim.region.ctx, bare(sim, 'app'), 5);
  sim.region.settle();
  // Then it is gone after 5 s, not 50
  assert.equal(bare(sim, 'app').metadata.deletionGracePeriodSeconds, 5);
  sim.fleet.advance(6 * SECOND);
  assert.deepEqual(podsOf(sim.region, 'app'), []);
});
