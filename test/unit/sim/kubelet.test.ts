// Unit tests for the simulated kubelet: pods start and become Ready after the delays the fleet file gives,
// terminate gracefully within their grace period, and the pod faults keep them unready or terminating.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from '../../../src/sandbox/k8s-types.ts';
import { deletePod } from '../../../src/sandbox/sim/pods.ts';
import { condition, faults, MINUTE, NS, pod, podsOf, SECOND, startFleet, untilReady, workload } from './fixtures.ts';
import type { SimFleet } from './fixtures.ts';

/** Timings well apart, so the kubelet's ±10% jitter cannot blur the checks in between. */
const SLOW = { startupSeconds: 20, readinessSeconds: 30 };

function bare(sim: SimFleet, name: string): Pod {
  const p = pod(sim.region, name);
  assert.ok(p, `pod ${name} exists`);
  return p;
}

test('kubelet runs a pod after startupSeconds and makes it Ready after readinessSeconds more', () => {
  // Given a bare pod that takes 20 s to start and 30 s more to pass its readiness probe
  const sim = startFleet({ workloads: [workload({ name: 'app', kind: 'Pod', ...SLOW })] });
  assert.ok(bare(sim, 'app').spec.nodeName, 'bound at once');

  // When 17 s have passed
  sim.fleet.advance(17 * SECOND);
  // Then it is still Pending with no running containers
  let p = bare(sim, 'app');
  assert.equal(p.status.phase, 'Pending');
  assert.equal(p.status.podIP, undefined);

  // When 23 s have passed
  sim.fleet.advance(6 * SECOND);
  // Then it runs, with an IP and a start time, but is not Ready
  p = bare(sim, 'app');
  assert.equal(p.status.phase, 'Running');
  assert.ok(p.status.podIP);
  assert.ok(p.status.startTime);
  assert.ok(p.status.containerStatuses?.every((c) => c.state.running !== undefined && !c.ready));
  assert.equal(condition(p, 'Ready')?.status, 'False');

  // When 44 s have passed (earliest readiness: 18 s + 27 s)
  sim.fleet.advance(21 * SECOND);
  // Then it is still not Ready
  assert.equal(condition(bare(sim, 'app'), 'Ready')?.status, 'False');

  // When 56 s have passed (latest readiness: 22 s + 33 s)
  sim.fleet.advance(12 * SECOND);
  // Then it is Ready and so are its containers
  p = bare(sim, 'app');
  assert.equal(condition(p, 'Ready')?.status, 'True');
  assert.equal(condition(p, 'ContainersReady')?.status, 'True');
  assert.ok(p.status.containerStatuses?.every((c) => c.ready));
});

test('kubelet makes a pod without a readiness probe Ready as soon as it runs', () => {
  // Given a bare pod with no readiness probe
  const sim = startFleet({ workloads: [workload({ name: 'app', kind: 'Pod', ...SLOW, readinessProbe: false })] });

  // When it has started
  sim.fleet.advance(23 * SECOND);

  // Then it is Running and Ready at once
  const p = bare(sim, 'app');
  assert.equal(p.status.phase, 'Running');
  assert.equal(condition(p, 'Ready')?.status, 'True');
});

test('kubelet keeps a deleted pod Terminating until its application has shut down, then removes it', () => {
  // Given a Ready pod that takes 10 s to shut down, with a 30 s grace period
  const sim = startFleet({ workloads: [workload({ name: 'app', kind: 'Pod', shutdownSeconds: 10, terminationGracePeriodSeconds: 30 })] });
  untilReady(sim, 'app', 1);
  const uid = bare(sim, 'app').metadata.uid;

  // When it is deleted
  deletePod(sim.region.ctx, bare(sim, 'app'));
  sim.region.settle();

  // Then it is Terminating, with the deadline of its grace period
  let p = bare(sim, 'app');
  assert.equal(p.metadata.uid, uid);
  assert.equal(p.metadata.deletionGracePeriodSeconds, 30);
  assert.equal(Date.parse(p.metadata.deletionTimestamp ?? ''), sim.fleet.clock.nowMs() + 30 * SECOND);

  // When 9 s have passed
  sim.fleet.advance(9 * SECOND);
  // Then it is still there, terminating
  p = bare(sim, 'app');
  assert.ok(p.metadata.deletionTimestamp);

  // When 11 s have passed
  sim.fleet.advance(2 * SECOND);
  // Then it is gone
  assert.equal(pod(sim.region, 'app'), undefined);
});

test('kubelet cuts the shutdown short at the end of a shorter grace period', () => {
  // Given a Ready pod whose application would take a minute to shut down
  const sim = startFleet({ workloads: [workload({ name: 'app', kind: 'Pod', shutdownSeconds: 60, terminationGracePeriodSeconds: 90 })] });
  untilReady(sim, 'app', 1);

  // When it is deleted with a 5 s grace period
  deletePod(sim.region.ctx, bare(sim, 'app'), 5);
  sim.fleet.advance(4 * SECOND);
  // Then it still terminates after 4 s
  assert.ok(bare(sim, 'app').metadata.deletionTimestamp);

  // And it is gone after 6 s
  sim.fleet.advance(2 * SECOND);
  assert.equal(pod(sim.region, 'app'), undefined);
});

test('kubelet never makes a pod with the neverReady fault Ready, while its siblings become Ready', () => {
  // Given two bare pods of which the first gets the neverReady fault
  const sim = startFleet({
    workloads: [workload({ name: 'app', kind: 'Pod', replicas: 2 })],
    faults: faults({ pods: [{ namespace: NS, workload: 'app', count: 1, neverReady: true }] }),
  });

  // When ten minutes pass
  sim.fleet.advance(10 * MINUTE);

  // Then the faulty pod runs but is not Ready; the other is Ready
  const faulty = bare(sim, 'app-0');
  assert.equal(faulty.status.phase, 'Running');
  assert.equal(condition(faulty, 'Ready')?.status, 'False');
  assert.equal(condition(bare(sim, 'app-1'), 'Ready')?.status, 'True');
});

test('kubelet never finishes terminating a pod with the stuckTerminating fault', () => {
  // Given two Ready bare pods of which the first gets the stuckTerminating fault
  const sim = startFleet({
    workloads: [workload({ name: 'app', kind: 'Pod', replicas: 2 })],
    faults: faults({ pods: [{ namespace: NS, workload: 'app', count: 1, stuckTerminating: true }] }),
  });
  untilReady(sim, 'app', 2);

  // When both are deleted and ten minutes pass
  for (const p of podsOf(sim.region, 'app')) deletePod(sim.region.ctx, p);
  sim.fleet.advance(10 * MINUTE);

  // Then the faulty one is still Terminating and the other is gone
  assert.ok(bare(sim, 'app-0').metadata.deletionTimestamp);
  assert.equal(pod(sim.region, 'app-1'), undefined);
  assert.equal(sim.region.counts().pods.terminating, 1);
});
