// Unit tests for the Eviction API's decision as the sandbox makes it: budgets hold, unhealthy pods follow
// unhealthyPodEvictionPolicy, Pending pods and pods without a budget go, two budgets are a
// misconfiguration, dry runs change nothing, and the referee counts what was accepted and refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from '../../../src/sandbox/k8s-types.ts';
import { BLOCKED_MESSAGE, evict } from '../../../src/sandbox/sim/eviction.ts';
import type { EvictionOutcome, EvictionRequest } from '../../../src/sandbox/sim/eviction.ts';
import { createObject, isPodReady } from '../../../src/sandbox/sim/objects.ts';
import { activePodsOf, faults, MINUTE, NS, pdb, pod, podsOf, readyPodsOf, REGION, startFleet, untilReady, workload, WORKLOAD_LABEL } from './fixtures.ts';
import type { SimFleet } from './fixtures.ts';

function evictPod(sim: SimFleet, req: EvictionRequest): EvictionOutcome {
  return evict(sim.region.ctx, sim.region.disruption, req);
}

function first<T>(items: readonly T[]): T {
  assert.ok(items.length > 0, 'at least one item');
  return items[0] as T;
}

/** Four Ready replicas of web under minAvailable 3: one disruption allowed. */
function webUnderBudget(extra: Record<string, unknown> = {}): SimFleet {
  const sim = startFleet({ workloads: [workload({ name: 'web', replicas: 4, pdb: { minAvailable: 3 }, ...extra })] });
  untilReady(sim, 'web', 4);
  return sim;
}

test('eviction is allowed while the budget allows a disruption: the pod terminates and the budget drops', () => {
  // Given four Ready pods under minAvailable 3
  const sim = webUnderBudget();
  assert.equal(pdb(sim.region, 'web').status?.disruptionsAllowed, 1);
  const target = first(readyPodsOf(sim.region, 'web'));

  // When one is evicted with a 10 s grace period
  const outcome = evictPod(sim, { pod: target, gracePeriodSeconds: 10 });

  // Then it is evicted: the stored pod is terminating with that grace period
  assert.equal(outcome.kind, 'evicted');
  const stored = pod(sim.region, target.metadata.name);
  assert.ok(stored?.metadata.deletionTimestamp);
  assert.equal(stored.metadata.deletionGracePeriodSeconds, 10);
  // And the budget allows no further disruption, before and after the controllers run
  assert.equal(pdb(sim.region, 'web').status?.disruptionsAllowed, 0);
  sim.region.settle();
  assert.equal(pdb(sim.region, 'web').status?.disruptionsAllowed, 0);
  assert.equal(pdb(sim.region, 'web').status?.currentHealthy, 3);

  // And once the replacement is Ready the budget allows one again
  untilReady(sim, 'web', 4);
  assert.equal(pdb(sim.region, 'web').status?.disruptionsAllowed, 1);
});

test('eviction is blocked when the budget allows no disruption, with the API server\'s message and cause', () => {
  // Given a budget whose one allowed disruption was used
  const sim = webUnderBudget();
  const [a, b] = readyPodsOf(sim.region, 'web');
  assert.equal(evictPod(sim, { pod: a as Pod }).kind, 'evicted');
  sim.region.settle();

  // When another pod is evicted
  const outcome = evictPod(sim, { pod: b as Pod });

  // Then it is refused with the budget's numbers, and the pod keeps running
  assert.deepEqual(outcome, { kind: 'blocked', message: BLOCKED_MESSAGE, cause: 'The disruption budget web needs 3 healthy pods and has 3 currently' });
  assert.equal(BLOCKED_MESSAGE, "Cannot evict pod as it would violate the pod's disruption budget.");
  const stored = pod(sim.region, (b as Pod).metadata.name);
  assert.equal(stored?.metadata.deletionTimestamp, undefined);
  assert.ok(stored && isPodReady(stored));
});

test('eviction of a pod that no budget selects always succeeds', () => {
  // Given three Ready pods without a budget
  const sim = startFleet({ workloads: [workload({ name: 'web', replicas: 3 })] });
  untilReady(sim, 'web', 3);

  // When every one of them is evicted
  const outcomes = readyPodsOf(sim.region, 'web').map((p) => evictPod(sim, { pod: p }).kind);

  // Then all three are evicted
  assert.deepEqual(outcomes, ['evicted', 'evicted', 'evicted']);
  assert.ok(podsOf(sim.region, 'web').filter((p) => p.metadata.deletionTimestamp).length === 3);
});

test('eviction of a pod that two budgets select is refused as misconfigured and changes nothing', () => {
  // Given a second budget over the same pods
  const sim = webUnderBudget();
  createObject(sim.region.ctx, 'poddisruptionbudgets.policy', {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: { name: 'web-too', namespace: NS, generation: 1 },
    spec: { maxUnavailable: 1, selector: { matchLabels: { [WORKLOAD_LABEL]: 'web' } } },
  });
  sim.region.settle();
  const target = first(readyPodsOf(sim.region, 'web'));

  // When a pod is evicted
  const outcome = evictPod(sim, { pod: target });

  // Then the answer is misconfigured, the pod keeps running and the referee counts neither outcome
  assert.equal(outcome.kind, 'misconfigured');
  assert.match(outcome.kind === 'misconfigured' ? outcome.message : '', /more than one PodDisruptionBudget/);
  assert.equal(pod(sim.region, target.metadata.name)?.metadata.deletionTimestamp, undefined);
  assert.deepEqual(sim.fleet.referee.report().evictions, { accepted: 0, rejectedByPdb: 0 });
});

for (const policy of [undefined, 'IfHealthyBudget'] as const) {
  test(`eviction of a not-ready pod under ${policy ?? 'the default policy (IfHealthyBudget)'} is blocked while the budget is not healthy`, () => {
    // Given four pods under minAvailable 3, two of which never become Ready: 2 healthy < 3 desired
    const sim = startFleet({
      workloads: [workload({ name: 'web', replicas: 4, pdb: { minAvailable: 3, ...(policy ? { unhealthyPodEvictionPolicy: policy } : {}) } })],
      faults: faults({ pods: [{ namespace: NS, workload: 'web', count: 2, neverReady: true }] }),
    });
    sim.fleet.advance(2 * MINUTE);
    const unready = activePodsOf(sim.region, 'web').filter((p) => !isPodReady(p));
    assert.equal(unready.length, 2);

    // When a not-ready pod is evicted
    const outcome = evictPod(sim, { pod: first(unready) });

    // Then it is refused and stays
    assert.deepEqual(outcome, { kind: 'blocked', message: BLOCKED_MESSAGE, cause: 'The disruption budget web needs 3 healthy pods and has 2 currently' });
    assert.equal(pod(sim.region, first(unready).metadata.name)?.metadata.deletionTimestamp, undefined);
  });
}

test('eviction of a not-ready pod under IfHealthyBudget is allowed while the budget is healthy, though no disruption is allowed', () => {
  // Given four pods under minAvailable 3, one never Ready: 3 healthy, 3 desired, 0 allowed
  const sim = startFleet({
    workloads: [workload({ name: 'web', replicas: 4, pdb: { minAvailable: 3, unhealthyPodEvictionPolicy: 'IfHealthyBudget' } })],
    faults: faults({ pods: [{ namespace: NS, workload: 'web', count: 1, neverReady: true }] }),
  });
  sim.fleet.advance(2 * MINUTE);
  assert.equal(pdb(sim.region, 'web').status?.disruptionsAllowed, 0);
  const unready = first(activePodsOf(sim.region, 'web').filter((p) => !isPodReady(p)));

  // When a Ready pod is evicted, then the not-ready one
  const ready = evictPod(sim, { pod: first(readyPodsOf(sim.region, 'web')) });
  const notReady = evictPod(sim, { pod: unready });

  // Then the Ready pod is refused and the not-ready one is evicted
  assert.equal(ready.kind, 'blocked');
  assert.equal(notReady.kind, 'evicted');
  assert.ok(pod(sim.region, unready.metadata.name)?.metadata.deletionTimestamp);
});

test('eviction of a not-ready pod under AlwaysAllow succeeds even when the budget is not healthy', () => {
  // Given four pods under minAvailable 3 with AlwaysAllow, two of which never become Ready
  const sim = startFleet({
    workloads: [workload({ name: 'web', replicas: 4, pdb: { minAvailable: 3, unhealthyPodEvictionPolicy: 'AlwaysAllow' } })],
    faults: faults({ pods: [{ namespace: NS, workload: 'web', count: 2, neverReady: true }] }),
  });
  sim.fleet.advance(2 * MINUTE);
  const unready = first(activePodsOf(sim.region, 'web').filter((p) => !isPodReady(p)));

  // When a not-ready pod is evicted
  const outcome = evictPod(sim, { pod: unready });

  // Then it is evicted, while a Ready pod still is not
  assert.equal(outcome.kind, 'evicted');
  assert.ok(pod(sim.region, unready.metadata.name)?.metadata.deletionTimestamp);
  assert.equal(evictPod(sim, { pod: first(readyPodsOf(sim.region, 'web')) }).kind, 'blocked');
});

test('eviction of an unscheduled Pending pod skips the budget and removes it at once', () => {
  // Given a pod too big for any node, under a budget that allows nothing
  const sim = startFleet({ workloads: [workload({ name: 'huge', replicas: 1, cpu: '8', pdb: { minAvailable: 1 } })] });
  const pending = first(podsOf(sim.region, 'huge'));
  assert.equal(pending.status.phase, 'Pending');
  assert.equal(pdb(sim.region, 'huge').status?.disruptionsAllowed, 0);

  // When it is evicted
  const outcome = evictPod(sim, { pod: pending });

  // Then it is evicted and gone from the store (it never ran)
  assert.equal(outcome.kind, 'evicted');
  assert.equal(pod(sim.region, pending.metadata.name), undefined);
});

test('eviction of a bound pod that is still Pending skips the budget', () => {
  // Given pods that were just bound and have not started, under minAvailable 4
  const sim = startFleet({ workloads: [workload({ name: 'web', replicas: 4, pdb: { minAvailable: 4 } })] });
  const starting = first(podsOf(sim.region, 'web'));
  assert.equal(starting.status.phase, 'Pending');
  assert.ok(starting.spec.nodeName);

  // When one is evicted
  const outcome = evictPod(sim, { pod: starting });

  // Then it is evicted
  assert.equal(outcome.kind, 'evicted');
  assert.ok(pod(sim.region, starting.metadata.name)?.metadata.deletionTimestamp);
});

test('eviction with dryRun answers as a real one would but changes nothing', () => {
  // Given four Ready pods under minAvailable 3
  const sim = webUnderBudget();
  const target = first(readyPodsOf(sim.region, 'web'));
  const rv = sim.region.store.resourceVersion;
  const budget = pdb(sim.region, 'web');

  // When a pod is evicted with dryRun
  const outcome = evictPod(sim, { pod: target, dryRun: true });

  // Then the answer is evicted, yet no object changed and the referee counts no eviction
  assert.equal(outcome.kind, 'evicted');
  assert.equal(sim.region.store.resourceVersion, rv);
  assert.equal(pod(sim.region, target.metadata.name)?.metadata.deletionTimestamp, undefined);
  assert.deepEqual(pdb(sim.region, 'web').status, budget.status);
  assert.equal(sim.fleet.referee.report().evictions.accepted, 0);

  // And a real eviction after it is still allowed
  assert.equal(evictPod(sim, { pod: target }).kind, 'evicted');
});

test('referee counts accepted evictions and evictions refused by a budget', () => {
  // Given four Ready pods under minAvailable 3
  const sim = webUnderBudget();
  const pods = readyPodsOf(sim.region, 'web');

  // When one eviction goes through and two more are refused
  const kinds = pods.slice(0, 3).map((p) => {
    const k = evictPod(sim, { pod: p }).kind;
    sim.region.settle();
    return k;
  });

  // Then the referee has one accepted and two refused, in total and for the region
  assert.deepEqual(kinds, ['evicted', 'blocked', 'blocked']);
  assert.deepEqual(sim.fleet.referee.report().evictions, { accepted: 1, rejectedByPdb: 2 });
  assert.deepEqual(sim.fleet.referee.evictionsIn(REGION), { accepted: 1, rejectedByPdb: 2 });
  // And evictions are not kills
  assert.equal(sim.fleet.referee.report().podsKilledWithoutEviction, 0);
});
