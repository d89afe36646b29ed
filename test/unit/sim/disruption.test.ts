// Unit tests for the simulated disruption controller: PodDisruptionBudget status for each kind of budget,
// how it follows pods that stop being Ready, and the referee's count of budgets that fell short.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod, PodDisruptionBudget } from '../../../src/sandbox/k8s-types.ts';
import { setCondition } from '../../../src/sandbox/sim/objects.ts';
import { activePodsOf, faults, MINUTE, NS, pdb, scaleDeployment, SECOND, startFleet, untilReady, workload } from './fixtures.ts';
import type { SimFleet } from './fixtures.ts';

type Status = Pick<NonNullable<PodDisruptionBudget['status']>, 'expectedPods' | 'currentHealthy' | 'desiredHealthy' | 'disruptionsAllowed'>;

function statusOf(sim: SimFleet, name: string): Status {
  const s = pdb(sim.region, name).status;
  assert.ok(s, `budget ${name} has a status`);
  return { expectedPods: s.expectedPods, currentHealthy: s.currentHealthy, desiredHealthy: s.desiredHealthy, disruptionsAllowed: s.disruptionsAllowed };
}

/** Flips a pod's Ready condition to False, as its failing readiness probe would. */
function makeUnready(sim: SimFleet, p: Pod): void {
  const now = sim.fleet.clock.nowMs();
  let conditions = setCondition(p.status.conditions, { type: 'Ready', status: 'False', reason: 'ContainersNotReady' }, now);
  conditions = setCondition(conditions, { type: 'ContainersReady', status: 'False', reason: 'ContainersNotReady' }, now);
  sim.region.store.replace('pods', { ...p, status: { ...p.status, conditions } });
}

interface BudgetCase {
  readonly budget: Record<string, number | string>;
  readonly replicas: number;
  readonly want: Status;
}

const BUDGETS: BudgetCase[] = [
  { budget: { minAvailable: 3 }, replicas: 4, want: { expectedPods: 4, currentHealthy: 4, desiredHealthy: 3, disruptionsAllowed: 1 } },
  { budget: { minAvailable: '60%' }, replicas: 4, want: { expectedPods: 4, currentHealthy: 4, desiredHealthy: 3, disruptionsAllowed: 1 } },
  { budget: { minAvailable: '50%' }, replicas: 5, want: { expectedPods: 5, currentHealthy: 5, desiredHealthy: 3, disruptionsAllowed: 2 } },
  { budget: { maxUnavailable: 1 }, replicas: 4, want: { expectedPods: 4, currentHealthy: 4, desiredHealthy: 3, disruptionsAllowed: 1 } },
  { budget: { maxUnavailable: '30%' }, replicas: 4, want: { expectedPods: 4, currentHealthy: 4, desiredHealthy: 2, disruptionsAllowed: 2 } },
  { budget: { maxUnavailable: '50%' }, replicas: 5, want: { expectedPods: 5, currentHealthy: 5, desiredHealthy: 2, disruptionsAllowed: 3 } },
];

for (const c of BUDGETS) {
  test(`disruption budget ${JSON.stringify(c.budget)} over ${c.replicas} Ready replicas: ${JSON.stringify(c.want)}`, () => {
    // Given a Deployment with this budget
    const sim = startFleet({ workloads: [workload({ name: 'web', replicas: c.replicas, pdb: c.budget })] });

    // When all its pods are Ready
    untilReady(sim, 'web', c.replicas);

    // Then the budget's status is as a real disruption controller computes it (percentages of minAvailable and maxUnavailable round up)
    assert.deepEqual(statusOf(sim, 'web'), c.want);
    const allowed = pdb(sim.region, 'web').status?.conditions?.find((x) => x.type === 'DisruptionAllowed');
    assert.equal(allowed?.status, 'True');
    assert.equal(pdb(sim.region, 'web').status?.observedGeneration, 1);
  });
}

test('disruption budget allows nothing while the pods are still starting', () => {
  // Given a budget over pods that were just created
  const sim = startFleet({ workloads: [workload({ name: 'web', replicas: 4, pdb: { minAvailable: 3 } })] });

  // Then none is healthy and no disruption is allowed
  assert.deepEqual(statusOf(sim, 'web'), { expectedPods: 4, currentHealthy: 0, desiredHealthy: 3, disruptionsAllowed: 0 });
  assert.equal(pdb(sim.region, 'web').status?.conditions?.find((x) => x.type === 'DisruptionAllowed')?.reason, 'InsufficientPods');
});

test('disruption budget status drops when a pod stops being Ready and recovers when it is Ready again', () => {
  // Given four Ready pods under minAvailable 3
  const sim = startFleet({ workloads: [workload({ name: 'web', replicas: 4, pdb: { minAvailable: 3 }, readinessSeconds: 5 })] });
  untilReady(sim, 'web', 4);

  // When one pod's readiness probe fails
  makeUnready(sim, activePodsOf(sim.region, 'web')[0] as Pod);
  sim.region.settle();

  // Then the budget counts three healthy and allows no disruption
  assert.deepEqual(statusOf(sim, 'web'), { expectedPods: 4, currentHealthy: 3, desiredHealthy: 3, disruptionsAllowed: 0 });

  // When the probe passes again
  sim.fleet.advance(10 * SECOND);

  // Then the budget is back to one allowed disruption
  assert.deepEqual(statusOf(sim, 'web'), { expectedPods: 4, currentHealthy: 4, desiredHealthy: 3, disruptionsAllowed: 1 });
});

test('disruption budget never counts a neverReady pod as healthy', () => {
  // Given four replicas under minAvailable 3, one of which never becomes Ready
  const sim = startFleet({
    workloads: [workload({ name: 'web', replicas: 4, pdb: { minAvailable: 3 } })],
    faults: faults({ pods: [{ namespace: NS, workload: 'web', count: 1, neverReady: true }] }),
  });

  // When ten minutes pass
  sim.fleet.advance(10 * MINUTE);

  // Then the budget has exactly what it needs and allows nothing
  assert.deepEqual(statusOf(sim, 'web'), { expectedPods: 4, currentHealthy: 3, desiredHealthy: 3, disruptionsAllowed: 0 });
});

test('disruption budget with a percentage follows the scale of the Deployment', () => {
  // Given four Ready replicas under maxUnavailable 25%
  const sim = startFleet({ workloads: [workload({ name: 'web', replicas: 4, pdb: { maxUnavailable: '25%' } })] });
  untilReady(sim, 'web', 4);
  assert.deepEqual(statusOf(sim, 'web'), { expectedPods: 4, currentHealthy: 4, desiredHealthy: 3, disruptionsAllowed: 1 });

  // When the Deployment is scaled to eight
  scaleDeployment(sim.region, 'web', 8);
  sim.region.settle();

  // Then eight are expected at once, before the new pods are Ready
  assert.deepEqual(statusOf(sim, 'web'), { expectedPods: 8, currentHealthy: 4, desiredHealthy: 6, disruptionsAllowed: 0 });

  // And once they are Ready two disruptions are allowed
  untilReady(sim, 'web', 8);
  assert.deepEqual(statusOf(sim, 'web'), { expectedPods: 8, currentHealthy: 8, desiredHealthy: 6, disruptionsAllowed: 2 });
});

test('disruption budget over a StatefulSet expects its replicas', () => {
  // Given a StatefulSet of three under minAvailable 67%
  const sim = startFleet({ workloads: [workload({ name: 'db', kind: 'StatefulSet', replicas: 3, pdb: { minAvailable: '67%' } })] });

  // When only db-0 exists (the others wait for it)
  // Then three pods are expected all the same
  assert.equal(statusOf(sim, 'db').expectedPods, 3);
  assert.equal(statusOf(sim, 'db').desiredHealthy, 3);

  // And once all are Ready, none may be disrupted
  untilReady(sim, 'db', 3);
  assert.deepEqual(statusOf(sim, 'db'), { expectedPods: 3, currentHealthy: 3, desiredHealthy: 3, disruptionsAllowed: 0 });
});

test('disruption controller reports a breach to the referee when a budget falls below desiredHealthy', () => {
  // Given four Ready pods under minAvailable 3
  const sim = startFleet({ workloads: [workload({ name: 'web', replicas: 4, pdb: { minAvailable: 3 } })] });
  untilReady(sim, 'web', 4);

  // When one pod stops being Ready
  const [a, b] = activePodsOf(sim.region, 'web');
  makeUnready(sim, a as Pod);
  sim.region.settle();
  // Then the budget is exactly met: no breach
  assert.equal(sim.fleet.referee.report().pdbBreaches, 0);

  // When a second one does too
  makeUnready(sim, b as Pod);
  sim.region.settle();

  // Then the referee counts one breach of shop/web
  assert.equal(sim.fleet.referee.report().pdbBreaches, 1);
  assert.deepEqual(sim.fleet.referee.details().breaches, ['eu-central/shop/web']);
  assert.equal(statusOf(sim, 'web').currentHealthy, 2);
});
