// Unit tests for the simulated Deployment controller: rolling updates stay within maxSurge and
// maxUnavailable at every simulated second, and the status reports what a real controller reports.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Deployment, Pod, ReplicaSet } from '../../../src/sandbox/k8s-types.ts';
import { isPodActive, isPodReady } from '../../../src/sandbox/sim/objects.ts';
import { deployment, MINUTE, NS, podsOf, readyPodsOf, scaleDeployment, SECOND, startFleet, untilReady, updateSpec, workload } from './fixtures.ts';
import type { SimFleet } from './fixtures.ts';

const V2 = 'registry.example/app:2.0.0';

function replicaSetsOf(sim: SimFleet, name: string): ReplicaSet[] {
  return (sim.region.store.list('replicasets.apps', NS) as ReplicaSet[]).filter((rs) => rs.metadata.ownerReferences?.some((r) => r.kind === 'Deployment' && r.name === name));
}

function setImage(sim: SimFleet, name: string, image: string): void {
  const d = deployment(sim.region, name);
  const containers = d.spec.template.spec.containers.map((c) => ({ ...c, image }));
  updateSpec(sim.region, 'deployments.apps', d, { ...d.spec, template: { ...d.spec.template, spec: { ...d.spec.template.spec, containers } } });
}

function imageOf(p: Pod): string | undefined {
  return p.spec.containers[0]?.image;
}

interface Condition {
  readonly type: string;
  readonly status: string;
  readonly reason?: string;
}

function deploymentCondition(d: Deployment, type: string): Condition | undefined {
  return (d.status?.conditions as Condition[] | undefined)?.find((c) => c.type === type);
}

interface RolloutCase {
  readonly replicas: number;
  readonly maxSurge: number | string;
  readonly maxUnavailable: number | string;
  /** What the strategy resolves to for `replicas`. */
  readonly surge: number;
  readonly unavailable: number;
}

const ROLLOUTS: RolloutCase[] = [
  { replicas: 4, maxSurge: '25%', maxUnavailable: '25%', surge: 1, unavailable: 1 },
  { replicas: 6, maxSurge: 2, maxUnavailable: 0, surge: 2, unavailable: 0 },
  { replicas: 6, maxSurge: 0, maxUnavailable: 1, surge: 0, unavailable: 1 },
  { replicas: 5, maxSurge: '30%', maxUnavailable: '30%', surge: 2, unavailable: 1 },
];

for (const c of ROLLOUTS) {
  test(`deployment rolls out ${c.replicas} replicas with maxSurge ${c.maxSurge}, maxUnavailable ${c.maxUnavailable} within both limits at every second`, () => {
    // Given a Deployment with all replicas Ready
    const sim = startFleet({ workloads: [workload({ name: 'web', replicas: c.replicas, cpu: '100m', shutdownSeconds: 3, strategy: { maxSurge: c.maxSurge, maxUnavailable: c.maxUnavailable } })] });
    untilReady(sim, 'web', c.replicas);

    // When its pod template changes
    setImage(sim, 'web', V2);
    sim.region.settle();

    // Then, sampled every simulated second until the rollout is done, pods and available pods stay within the limits
    const samples: { pods: number; available: number; specSum: number }[] = [];
    const sample = () => {
      const active = podsOf(sim.region, 'web').filter(isPodActive);
      const specSum = replicaSetsOf(sim, 'web').reduce((n, rs) => n + (rs.spec.replicas ?? 1), 0);
      samples.push({ pods: active.length, available: active.filter(isPodReady).length, specSum });
    };
    sample();
    const done = () => {
      const pods = podsOf(sim.region, 'web');
      return pods.length === c.replicas && pods.every((p) => isPodActive(p) && isPodReady(p) && imageOf(p) === V2);
    };
    while (!done() && samples.length < 10 * 60) {
      sim.fleet.advance(SECOND);
      sample();
    }
    assert.ok(done(), `rollout finished within ten minutes: ${JSON.stringify(samples.slice(-3))}`);
    const most = Math.max(...samples.map((s) => s.pods));
    const mostWanted = Math.max(...samples.map((s) => s.specSum));
    const fewest = Math.min(...samples.map((s) => s.available));
    assert.ok(most <= c.replicas + c.surge, `at most ${c.replicas + c.surge} pods, saw ${most}`);
    assert.ok(mostWanted <= c.replicas + c.surge, `ReplicaSets want at most ${c.replicas + c.surge} pods, saw ${mostWanted}`);
    assert.ok(fewest >= c.replicas - c.unavailable, `at least ${c.replicas - c.unavailable} available, saw ${fewest}`);
    assert.ok(samples.length > 5, 'the rollout took several seconds, so the samples mean something');

    // And the old ReplicaSet is scaled to zero while the new one has every replica
    const sets = replicaSetsOf(sim, 'web');
    assert.equal(sets.length, 2);
    const current = sets.find((rs) => rs.spec.template.spec.containers[0]?.image === V2);
    assert.equal(current?.spec.replicas, c.replicas);
    assert.deepEqual(sets.filter((rs) => rs !== current).map((rs) => rs.spec.replicas), [0]);
  });
}

test('deployment status reports replicas, updated, ready and available pods, observedGeneration and Available', () => {
  // Given a Deployment of four replicas just created
  const sim = startFleet({ workloads: [workload({ name: 'web', replicas: 4 })] });

  // Then it is not yet Available
  let d = deployment(sim.region, 'web');
  assert.equal(d.status?.replicas, 4);
  assert.equal(d.status?.availableReplicas, 0);
  assert.equal(d.status?.unavailableReplicas, 4);
  assert.equal(deploymentCondition(d, 'Available')?.status, 'False');
  assert.equal(deploymentCondition(d, 'Available')?.reason, 'MinimumReplicasUnavailable');

  // When every pod is Ready
  untilReady(sim, 'web', 4);

  // Then every count is four and the Deployment is Available and done progressing
  d = deployment(sim.region, 'web');
  assert.equal(d.status?.observedGeneration, 1);
  assert.equal(d.status?.replicas, 4);
  assert.equal(d.status?.updatedReplicas, 4);
  assert.equal(d.status?.readyReplicas, 4);
  assert.equal(d.status?.availableReplicas, 4);
  assert.equal(d.status?.unavailableReplicas, undefined);
  assert.equal(deploymentCondition(d, 'Available')?.status, 'True');
  assert.equal(deploymentCondition(d, 'Available')?.reason, 'MinimumReplicasAvailable');
  assert.equal(deploymentCondition(d, 'Progressing')?.reason, 'NewReplicaSetAvailable');
  assert.equal(d.metadata.annotations?.['deployment.kubernetes.io/revision'], '1');
});

test('deployment status follows a scale and a template change to the new generation', () => {
  // Given a Ready Deployment of four replicas
  const sim = startFleet({ workloads: [workload({ name: 'web', replicas: 4 })] });
  untilReady(sim, 'web', 4);

  // When it is scaled to six
  scaleDeployment(sim.region, 'web', 6);
  untilReady(sim, 'web', 6);

  // Then the status has seen generation 2 and counts six
  let d = deployment(sim.region, 'web');
  assert.equal(d.metadata.generation, 2);
  assert.equal(d.status?.observedGeneration, 2);
  assert.equal(d.status?.availableReplicas, 6);

  // When its template changes
  setImage(sim, 'web', V2);
  sim.region.settle();

  // Then the rollout is under way: revision 2, fewer updated than wanted, still Available
  d = deployment(sim.region, 'web');
  assert.equal(d.status?.observedGeneration, 3);
  assert.equal(d.metadata.annotations?.['deployment.kubernetes.io/revision'], '2');
  assert.ok((d.status?.updatedReplicas as number) < 6);
  assert.equal(deploymentCondition(d, 'Progressing')?.reason, 'ReplicaSetUpdated');
  assert.equal(deploymentCondition(d, 'Available')?.status, 'True');

  // And when it is done, every replica is updated and ready
  assert.ok(sim.fleet.advanceUntil(() => deploymentCondition(deployment(sim.region, 'web'), 'Progressing')?.reason === 'NewReplicaSetAvailable', 10 * MINUTE));
  d = deployment(sim.region, 'web');
  assert.equal(d.status?.updatedReplicas, 6);
  assert.equal(d.status?.readyReplicas, 6);
  assert.equal(d.status?.replicas, 6);
  assert.ok(readyPodsOf(sim.region, 'web').every((p) => imageOf(p) === V2));
});

test('deployment leaves a paused rollout alone', () => {
  // Given a paused, Ready Deployment
  const sim = startFleet({ workloads: [workload({ name: 'web', replicas: 3 })] });
  untilReady(sim, 'web', 3);
  const d = deployment(sim.region, 'web');
  updateSpec(sim.region, 'deployments.apps', d, { ...d.spec, paused: true });

  // When its template changes and time passes
  setImage(sim, 'web', V2);
  sim.fleet.advance(2 * MINUTE);

  // Then the old pods keep running and none runs the new image
  assert.equal(readyPodsOf(sim.region, 'web').length, 3);
  assert.ok(podsOf(sim.region, 'web').every((p) => imageOf(p) !== V2));
});

test('Recreate: no pod of the new template starts while an old pod still exists, terminating ones included', () => {
  // Given a Deployment with the Recreate strategy whose pods take 20 s to shut down
  const sim = startFleet({ workloads: [workload({ name: 'web', replicas: 3, shutdownSeconds: 20, terminationGracePeriodSeconds: 30 })] });
  untilReady(sim, 'web', 3);
  const d = deployment(sim.region, 'web');
  updateSpec(sim.region, 'deployments.apps', d, { ...d.spec, strategy: { type: 'Recreate' } });
  // When its template changes
  setImage(sim, 'web', V2);
  // Then, second by second, old and new pods never exist at the same time
  let sawTerminating = false;
  for (let t = 0; t < 2 * MINUTE; t += SECOND) {
    const pods = podsOf(sim.region, 'web');
    const oldPods = pods.filter((p) => imageOf(p) !== V2);
    const newPods = pods.filter((p) => imageOf(p) === V2);
    if (oldPods.some((p) => p.metadata.deletionTimestamp)) sawTerminating = true;
    assert.ok(oldPods.length === 0 || newPods.length === 0, `at ${t / SECOND}s: ${oldPods.length} old and ${newPods.length} new pods`);
    sim.fleet.advance(SECOND);
  }
  assert.ok(sawTerminating, 'the old pods took time to terminate');
  assert.equal(readyPodsOf(sim.region, 'web').filter((p) => imageOf(p) === V2).length, 3);
});
