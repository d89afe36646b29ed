// Unit tests for the simulated scheduler: which nodes pods may land on, why a pod stays Pending, and how
// a workload spreads over zones. Driven in-process on the fleet's simulated clock.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withReadiness } from '../../../src/sandbox/sim/node-status.ts';
import type { Pod } from '../../../src/sandbox/k8s-types.ts';
import {
  activePodsOf, condition, CONTROL_PLANE_LABEL, cordon, deployment, node, perZone, podsOf, scaleDeployment, SECOND, startFleet, untilReady, updateSpec, workload, ZONE_LABEL,
} from './fixtures.ts';
import type { SimFleet } from './fixtures.ts';

const CONTROL_PLANE = 'eu-central-cp-1';

function nodeNames(pods: readonly Pod[]): string[] {
  return [...new Set(pods.map((p) => p.spec.nodeName ?? '(none)'))].sort();
}

function unscheduled(pods: readonly Pod[]): Pod[] {
  return pods.filter((p) => !p.spec.nodeName);
}

/** Marks a node NotReady as its kubelet would after it stopped. */
function makeNotReady(sim: SimFleet, name: string): void {
  sim.region.store.replace('nodes', withReadiness(node(sim.region, name), { state: 'not-ready', message: 'test: kubelet stopped' }, sim.fleet.clock.nowMs()));
}

test('scheduler places pods only on Ready, schedulable, tolerated nodes that have room', () => {
  // Given a cordoned node, a NotReady node, a node almost filled by another workload, and the control-plane node
  const sim = startFleet({
    workloads: [
      workload({ name: 'web', replicas: 0, cpu: '1', memory: '256Mi' }),
      workload({ name: 'filler', replicas: 1, cpu: '3500m', memory: '256Mi', nodeSelector: { 'kubernetes.io/hostname': 'eu-central-c-r1-n1' } }),
    ],
  });
  untilReady(sim, 'filler', 1);
  cordon(sim.region, 'eu-central-a-r1-n1');
  makeNotReady(sim, 'eu-central-b-r1-n1');
  sim.region.settle();

  // When the workload scales to what the three remaining nodes hold
  scaleDeployment(sim.region, 'web', 12);
  sim.fleet.advance(SECOND);

  // Then every pod is bound to one of those three nodes
  const pods = activePodsOf(sim.region, 'web');
  assert.equal(pods.length, 12);
  assert.deepEqual(unscheduled(pods), []);
  assert.deepEqual(nodeNames(pods), ['eu-central-a-r1-n2', 'eu-central-b-r1-n2', 'eu-central-c-r1-n2']);
});

test('scheduler explains every node it ruled out when a pod fits nowhere', () => {
  // Given the same cluster: one node cordoned, one NotReady, one almost full, the control-plane node tainted
  const sim = startFleet({
    workloads: [
      workload({ name: 'web', replicas: 0, cpu: '1', memory: '256Mi' }),
      workload({ name: 'filler', replicas: 1, cpu: '3500m', memory: '256Mi', nodeSelector: { 'kubernetes.io/hostname': 'eu-central-c-r1-n1' } }),
    ],
  });
  untilReady(sim, 'filler', 1);
  cordon(sim.region, 'eu-central-a-r1-n1');
  makeNotReady(sim, 'eu-central-b-r1-n1');
  sim.region.settle();

  // When one replica more than the three usable nodes hold is asked for
  scaleDeployment(sim.region, 'web', 13);
  sim.fleet.advance(SECOND);

  // Then that one stays Pending, and the condition names each reason with its node count
  const pending = unscheduled(activePodsOf(sim.region, 'web'));
  assert.equal(pending.length, 1);
  assert.equal(activePodsOf(sim.region, 'web').length, 13);
  const scheduled = condition(pending[0] as Pod, 'PodScheduled');
  assert.equal(scheduled?.status, 'False');
  assert.equal(scheduled?.reason, 'Unschedulable');
  const message = scheduled?.message ?? '';
  assert.match(message, /^0\/7 nodes are available: /);
  assert.match(message, /\b1 node\(s\) were unschedulable\b/);
  assert.match(message, /\b1 node\(s\) weren't ready\b/);
  assert.match(message, /\b1 node\(s\) had untolerated taint \{node-role\.kubernetes\.io\/control-plane: \}/);
  assert.match(message, /\b4 Insufficient cpu\b/);
});

test('scheduler gives a cordoned node no new pods and uses it again once uncordoned', () => {
  // Given every worker but one cordoned
  const sim = startFleet({ workloads: [workload({ name: 'web', replicas: 0, cpu: '1', memory: '256Mi' })] });
  for (const n of ['eu-central-a-r1-n1', 'eu-central-a-r1-n2', 'eu-central-b-r1-n1', 'eu-central-b-r1-n2', 'eu-central-c-r1-n1']) cordon(sim.region, n);
  sim.region.settle();

  // When six pods of 1 CPU are wanted on 4-CPU nodes
  scaleDeployment(sim.region, 'web', 6);
  sim.fleet.advance(SECOND);

  // Then four fit on the one schedulable node and two wait
  let pods = activePodsOf(sim.region, 'web');
  assert.deepEqual(nodeNames(pods.filter((p) => p.spec.nodeName)), ['eu-central-c-r1-n2']);
  assert.equal(unscheduled(pods).length, 2);
  assert.ok(unscheduled(pods).every((p) => /5 node\(s\) were unschedulable/.test(condition(p, 'PodScheduled')?.message ?? '')));

  // When a node is uncordoned
  cordon(sim.region, 'eu-central-b-r1-n1', false);
  sim.fleet.advance(SECOND);

  // Then the waiting pods go there
  pods = activePodsOf(sim.region, 'web');
  assert.deepEqual(unscheduled(pods), []);
  assert.deepEqual(nodeNames(pods), ['eu-central-b-r1-n1', 'eu-central-c-r1-n2']);
  assert.equal(pods.filter((p) => p.spec.nodeName === 'eu-central-b-r1-n1').length, 2);
});

test('scheduler never places an ordinary workload on the control-plane node', () => {
  // Given a workload with more replicas than workers
  // When it is scheduled
  const sim = startFleet({ workloads: [workload({ name: 'web', replicas: 18, cpu: '100m', memory: '64Mi' })] });

  // Then none of its pods is on the tainted control-plane node
  const pods = activePodsOf(sim.region, 'web');
  assert.equal(pods.length, 18);
  assert.deepEqual(unscheduled(pods), []);
  assert.ok(!nodeNames(pods).includes(CONTROL_PLANE));
  assert.equal(nodeNames(pods).length, 6);
});

test('scheduler places a pod that tolerates the control-plane taint on the control-plane node it selects', () => {
  // Given a workload that selects the control-plane node but does not tolerate its taint
  const sim = startFleet({ workloads: [workload({ name: 'agent', replicas: 1, cpu: '100m', nodeSelector: { [CONTROL_PLANE_LABEL]: '' } })] });
  const pending = activePodsOf(sim.region, 'agent');
  assert.deepEqual(nodeNames(pending), ['(none)']);
  const message = condition(pending[0] as Pod, 'PodScheduled')?.message ?? '';
  assert.match(message, /^0\/7 nodes are available: /);
  assert.match(message, /\b1 node\(s\) had untolerated taint \{node-role\.kubernetes\.io\/control-plane: \}/);
  assert.match(message, /\b6 node\(s\) didn't match Pod's node affinity\/selector\b/);

  // When its template gains the toleration
  const d = deployment(sim.region, 'agent');
  const template = { ...d.spec.template, spec: { ...d.spec.template.spec, tolerations: [{ key: CONTROL_PLANE_LABEL, operator: 'Exists' as const, effect: 'NoSchedule' }] } };
  updateSpec(sim.region, 'deployments.apps', d, { ...d.spec, template });
  untilReady(sim, 'agent', 1);

  // Then its pod runs on the control-plane node
  assert.deepEqual(nodeNames(activePodsOf(sim.region, 'agent')), [CONTROL_PLANE]);
});

test('scheduler honours a nodeSelector', () => {
  // Given a workload that selects zone b
  // When its pods are scheduled
  const sim = startFleet({ workloads: [workload({ name: 'web', replicas: 5, cpu: '100m', nodeSelector: { [ZONE_LABEL]: 'eu-central-b' } })] });

  // Then they all run on the two nodes of zone b
  const pods = activePodsOf(sim.region, 'web');
  assert.equal(pods.length, 5);
  assert.deepEqual(nodeNames(pods), ['eu-central-b-r1-n1', 'eu-central-b-r1-n2']);
});

test('scheduler leaves a pod that fits no node Pending with PodScheduled=False, reason Unschedulable', () => {
  // Given a pod asking for more CPU than any node has
  // When the scheduler has had its chance
  const sim = startFleet({ workloads: [workload({ name: 'huge', replicas: 1, cpu: '8' })] });
  sim.fleet.advance(30 * SECOND);

  // Then it is still Pending, unbound, with the reasons in the condition
  const [p] = podsOf(sim.region, 'huge');
  assert.ok(p);
  assert.equal(p.status.phase, 'Pending');
  assert.equal(p.spec.nodeName, undefined);
  const scheduled = condition(p, 'PodScheduled');
  assert.equal(scheduled?.status, 'False');
  assert.equal(scheduled?.reason, 'Unschedulable');
  assert.match(scheduled?.message ?? '', /^0\/7 nodes are available: .*\b6 Insufficient cpu\b/);
  assert.match(scheduled?.message ?? '', /1 node\(s\) had untolerated taint \{node-role\.kubernetes\.io\/control-plane: \}/);
});

test('scheduler spreads six replicas with spread: zone two per zone', () => {
  // Given a workload of six replicas spread over three zones
  // When it is scheduled
  const sim = startFleet({ workloads: [workload({ name: 'web', replicas: 6, cpu: '100m', spread: 'zone' })] });

  // Then each zone has two of them
  assert.deepEqual(perZone(sim.region, activePodsOf(sim.region, 'web')), { 'eu-central-a': 2, 'eu-central-b': 2, 'eu-central-c': 2 });
});

test('scheduler sends replacements to the zone that lost pods', () => {
  // Given six spread replicas, all Ready
  const sim = startFleet({ workloads: [workload({ name: 'web', replicas: 6, cpu: '100m', spread: 'zone' })] });
  untilReady(sim, 'web', 6);

  // When both pods of zone a are removed at once
  for (const p of activePodsOf(sim.region, 'web')) {
    if (node(sim.region, p.spec.nodeName as string).metadata.labels?.[ZONE_LABEL] === 'eu-central-a') sim.region.store.remove('pods', p.metadata.namespace, p.metadata.name);
  }
  sim.fleet.advance(SECOND);

  // Then their replacements land in zone a again
  assert.deepEqual(perZone(sim.region, activePodsOf(sim.region, 'web')), { 'eu-central-a': 2, 'eu-central-b': 2, 'eu-central-c': 2 });
});
