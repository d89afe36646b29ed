// Unit tests for the sandbox's traffic model and how the referee counts it: requests start once the
// fleet is serving, are served up to the capacity of a region's ready endpoints, and fail where none is.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { TrafficCount } from '../../../src/sandbox/referee.ts';
import {
  actionStatus, MINUTE, REGION, readyPodsOf, requestAction, scaleDeployment, SECOND, startFleet, untilReady, workerNodes, workload,
} from './fixtures.ts';
import type { SimFleet } from './fixtures.ts';

/** rps 100 (smallFleet), four pods of 100 rps each behind the Service. */
const WEB = workload({ name: 'web', replicas: 4, spread: 'zone', service: { rpsPerPod: 100 } });
const OTHER = 'region-2';

function traffic(sim: SimFleet, region?: string): TrafficCount {
  const t = sim.fleet.referee.report().traffic;
  if (!region) return { served: t.served, failed: t.failed };
  return t.byRegion[region] ?? { served: -1, failed: -1 };
}

/** What the referee counted during `ms` of simulated time. */
function during(sim: SimFleet, ms: number, region?: string): TrafficCount {
  const before = traffic(sim, region);
  sim.fleet.advance(ms);
  const after = traffic(sim, region);
  return { served: after.served - before.served, failed: after.failed - before.failed };
}

function servingFleet(o: { regions?: number; workloads?: string[] } = {}): SimFleet {
  const sim = startFleet({ workloads: o.workloads ?? [WEB], regions: o.regions, rebootSeconds: 60 });
  for (const region of sim.fleet.regions) untilReady({ fleet: sim.fleet, region }, 'web', 4);
  assert.ok(sim.fleet.serving);
  return sim;
}

test('traffic only starts once every Service in every region has all its replicas ready', () => {
  // Given a fleet whose pods take 20 s to start and 20 s more to be Ready
  const sim = startFleet({ workloads: [workload({ name: 'web', replicas: 4, startupSeconds: 20, readinessSeconds: 20, service: { rpsPerPod: 100 } })] });

  // When 30 s pass
  sim.fleet.advance(30 * SECOND);

  // Then the fleet is not serving and no request was sent, served or failed
  assert.equal(sim.fleet.serving, false);
  assert.deepEqual(traffic(sim), { served: 0, failed: 0 });

  // When every pod is Ready
  untilReady(sim, 'web', 4);

  // Then the fleet is serving and every request of the next ten seconds is served
  assert.equal(sim.fleet.serving, true);
  assert.deepEqual(during(sim, 10 * SECOND), { served: 1000, failed: 0 });
});

test('traffic fails while the Service has no ready endpoint and is served again once it has', () => {
  // Given a serving fleet
  const sim = servingFleet();

  // When web is scaled to zero
  scaleDeployment(sim.region, 'web', 0);
  sim.region.settle();

  // Then every request fails
  assert.deepEqual(during(sim, 10 * SECOND), { served: 0, failed: 1000 });
  assert.equal(sim.fleet.traffic.totalsOf(REGION).capacityRps, 0);

  // When web is scaled back and its pods are Ready
  scaleDeployment(sim.region, 'web', 4);
  untilReady(sim, 'web', 4);

  // Then every request is served again
  assert.deepEqual(during(sim, 10 * SECOND), { served: 1000, failed: 0 });
  assert.equal(sim.fleet.traffic.totalsOf(REGION).capacityRps, 400);
});

test('traffic fails while every node of the region reboots', () => {
  // Given a serving fleet
  const sim = servingFleet();

  // When every worker reboots at once
  const workers = workerNodes(sim.region).map((n) => n.metadata.name);
  workers.forEach((name, i) => requestAction(sim.region, name, { id: `run/${name}/${i}`, operation: 'reboot' }));
  sim.region.settle();

  // Then requests fail and none is served
  assert.deepEqual(during(sim, 10 * SECOND), { served: 0, failed: 1000 });
  assert.ok(sim.fleet.referee.report().podsKilledWithoutEviction >= 4);

  // When the nodes are back and the pods Ready
  assert.ok(sim.fleet.advanceUntil(() => workers.every((n) => actionStatus(sim.region, n)?.phase === 'done') && readyPodsOf(sim.region, 'web').length === 4, 5 * MINUTE));

  // Then requests are served again
  assert.deepEqual(during(sim, 10 * SECOND), { served: 1000, failed: 0 });
});

test('traffic beyond the capacity of the ready endpoints fails, the rest is served', () => {
  // Given four pods of 30 rps each (120 rps for 100 rps of demand)
  const sim = servingFleet({ workloads: [workload({ name: 'web', replicas: 4, service: { rpsPerPod: 30 } })] });
  assert.deepEqual(during(sim, 10 * SECOND), { served: 1000, failed: 0 });

  // When only two remain
  scaleDeployment(sim.region, 'web', 2);
  sim.region.settle();

  // Then 60 rps are served and 40 fail
  assert.deepEqual(during(sim, 10 * SECOND), { served: 600, failed: 400 });
});

test('traffic of two regions: a region without endpoints fails its share only, until its weight is moved away', () => {
  // Given two serving regions with an equal split
  const sim = servingFleet({ regions: 2 });
  const other = sim.fleet.region(OTHER);
  assert.ok(other);

  // When web in the second region is scaled to zero
  scaleDeployment(other, 'web', 0);
  other.settle();

  // Then that region fails its half and the first region serves its half
  assert.deepEqual(during(sim, 10 * SECOND, OTHER), { served: 0, failed: 500 });
  assert.deepEqual(during(sim, 10 * SECOND, REGION), { served: 500, failed: 0 });

  // When the load balancer gives the second region no weight
  sim.fleet.traffic.setWeight(OTHER, 0);

  // Then everything goes to the first region and is served
  assert.deepEqual(during(sim, 10 * SECOND), { served: 1000, failed: 0 });
  assert.deepEqual(during(sim, 10 * SECOND, OTHER), { served: 0, failed: 0 });
  assert.deepEqual(sim.fleet.traffic.weightsNow(), { [REGION]: 50, [OTHER]: 0 });
});
