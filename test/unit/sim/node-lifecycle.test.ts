// Unit tests for the simulated node lifecycle controller: the unschedulable taint follows a cordon, and
// pods leave a node whose NoExecute taints they do not tolerate (at once, or after tolerationSeconds).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod, Taint } from '../../../src/sandbox/k8s-types.ts';
import { isDaemonSetPod } from '../../../src/sandbox/sim/objects.ts';
import { activePodsOf, cordon, faults, MINUTE, node, podsOf, requestAction, SECOND, startFleet, untilReady, workload } from './fixtures.ts';
import type { SimFleet } from './fixtures.ts';

const NODE = 'eu-central-a-r1-n1';
const WEB = workload({ name: 'web', replicas: 6, cpu: '100m', spread: 'zone', shutdownSeconds: 5 });
const AGENT = workload({ name: 'agent', kind: 'DaemonSet', cpu: '50m' });

function readyFleet(o: { faults?: string } = {}): SimFleet {
  const sim = startFleet({ workloads: [WEB, AGENT], rebootSeconds: 60, ...o });
  untilReady(sim, 'web', 6);
  untilReady(sim, 'agent', 7);
  return sim;
}

function podsOn(sim: SimFleet, nodeName: string): Pod[] {
  return [...podsOf(sim.region, 'web'), ...podsOf(sim.region, 'agent')].filter((p) => p.spec.nodeName === nodeName);
}

function setTaints(sim: SimFleet, name: string, taints: Taint[] | undefined): void {
  const n = node(sim.region, name);
  sim.region.store.replace('nodes', { ...n, spec: { ...n.spec, taints } });
}

test('node lifecycle adds the unschedulable taint on cordon and removes it on uncordon', () => {
  // Given a Ready node without taints
  const sim = readyFleet();
  assert.equal(node(sim.region, NODE).spec.taints, undefined);

  // When it is cordoned
  cordon(sim.region, NODE);
  sim.region.settle();

  // Then it carries node.kubernetes.io/unschedulable:NoSchedule, stamped with the time
  const taints = node(sim.region, NODE).spec.taints ?? [];
  assert.deepEqual(taints.map((t) => `${t.key}:${t.effect}`), ['node.kubernetes.io/unschedulable:NoSchedule']);
  assert.equal(Date.parse(taints[0]?.timeAdded ?? ''), sim.fleet.clock.nowMs());

  // When it is uncordoned
  cordon(sim.region, NODE, false);
  sim.region.settle();

  // Then the taint is gone
  assert.equal(node(sim.region, NODE).spec.taints, undefined);
});

test('node lifecycle leaves pods on a cordoned node running', () => {
  // Given a node running web and agent pods
  const sim = readyFleet();
  const before = podsOn(sim, NODE).map((p) => p.metadata.uid).sort();

  // When it is cordoned and ten minutes pass
  cordon(sim.region, NODE);
  sim.fleet.advance(10 * MINUTE);

  // Then the same pods still run there
  assert.deepEqual(podsOn(sim, NODE).filter((p) => !p.metadata.deletionTimestamp).map((p) => p.metadata.uid).sort(), before);
});

test('node lifecycle evicts pods from an unreachable node once their 300 s toleration runs out; DaemonSet pods stay', () => {
  // Given a node that will not come back from its reboot
  const sim = readyFleet({ faults: faults({ nodes: { [NODE]: { neverReturns: true } } }) });
  const web = podsOn(sim, NODE).filter((p) => !isDaemonSetPod(p));
  assert.ok(web.length > 0);

  // When it goes down and 290 s pass
  requestAction(sim.region, NODE, { id: 'run/node/1', operation: 'reboot' });
  sim.fleet.advance(290 * SECOND);
  // Then its pods are still bound there and not being deleted
  assert.ok(podsOn(sim, NODE).every((p) => !p.metadata.deletionTimestamp));

  // When 310 s have passed
  sim.fleet.advance(20 * SECOND);

  // Then its web pods are being deleted (they stay Terminating: the kubelet is gone) and the agent pod is not
  const now = podsOn(sim, NODE);
  assert.ok(now.filter((p) => !isDaemonSetPod(p)).every((p) => p.metadata.deletionTimestamp));
  assert.ok(now.filter(isDaemonSetPod).every((p) => !p.metadata.deletionTimestamp));
  // And web has six active pods again, on other nodes, that become Ready
  assert.ok(sim.fleet.advanceUntil(() => activePodsOf(sim.region, 'web').filter((p) => p.spec.nodeName !== NODE && p.status.phase === 'Running').length === 6, 2 * MINUTE));
});

test('node lifecycle drives every pod off a node with a NoExecute taint none of them tolerates', () => {
  // Given a node running web and agent pods
  const sim = readyFleet();
  assert.ok(podsOn(sim, NODE).length >= 2);

  // When it gets a NoExecute taint
  setTaints(sim, NODE, [{ key: 'example.com/maintenance', value: 'now', effect: 'NoExecute' }]);
  sim.region.settle();

  // Then all its pods are being deleted at once
  assert.ok(podsOn(sim, NODE).every((p) => p.metadata.deletionTimestamp));

  // And after their shutdown the node is empty, and stays so: not even the DaemonSet puts a pod back
  sim.fleet.advance(MINUTE);
  assert.deepEqual(podsOn(sim, NODE), []);
  untilReady(sim, 'web', 6);

  // When the taint is removed
  setTaints(sim, NODE, undefined);
  sim.fleet.advance(MINUTE);

  // Then the DaemonSet runs its pod there again
  assert.equal(podsOn(sim, NODE).filter(isDaemonSetPod).length, 1);
  untilReady(sim, 'agent', 7);
});
