// Unit tests for the simulated DaemonSet controller: one pod on every node the DaemonSet fits (the
// control-plane node too when tolerated), a pod for a node that joins, and pods that stay through a cordon.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { DaemonSet, Node, Pod } from '../../../src/sandbox/k8s-types.ts';
import { deletePod } from '../../../src/sandbox/sim/pods.ts';
import { activePodsOf, cordon, MINUTE, node, nodes, NS, podsOf, SECOND, startFleet, untilReady, workload, ZONE_LABEL } from './fixtures.ts';
import type { SimFleet } from './fixtures.ts';

function daemonSet(sim: SimFleet, name: string): DaemonSet {
  const ds = sim.region.store.get('daemonsets.apps', NS, name) as DaemonSet | undefined;
  assert.ok(ds, `DaemonSet ${name} exists`);
  return ds;
}

function podOn(pods: readonly Pod[], nodeName: string): Pod | undefined {
  return pods.find((p) => p.spec.nodeName === nodeName);
}

/** A new worker node that looks like `template` (same shape and zone), under another name. */
function joinNode(sim: SimFleet, template: string, name: string): void {
  const t = node(sim.region, template);
  const joined: Node = {
    ...t,
    metadata: { ...t.metadata, name, uid: randomUUID(), labels: { ...t.metadata.labels, 'kubernetes.io/hostname': name }, annotations: { ...t.metadata.annotations } },
    status: { ...t.status, nodeInfo: { ...t.status.nodeInfo, bootID: randomUUID() } },
  };
  sim.region.store.create('nodes', joined);
}

test('daemonset runs one pod on every node, the control-plane node included when its template tolerates it', () => {
  // Given a DaemonSet whose template tolerates the control-plane taint
  // When the fleet starts and the pods come up
  const sim = startFleet({ workloads: [workload({ name: 'agent', kind: 'DaemonSet' })] });
  untilReady(sim, 'agent', 7);

  // Then each of the seven nodes runs exactly one of its pods
  const pods = activePodsOf(sim.region, 'agent');
  const all = nodes(sim.region).map((n) => n.metadata.name).sort();
  assert.deepEqual(pods.map((p) => p.spec.nodeName).sort(), all);
  assert.ok(all.includes('eu-central-cp-1'));

  // And its status says all seven are scheduled and ready
  const status = daemonSet(sim, 'agent').status ?? {};
  assert.equal(status.desiredNumberScheduled, 7);
  assert.equal(status.currentNumberScheduled, 7);
  assert.equal(status.numberReady, 7);
  assert.equal(status.numberMisscheduled, 0);
});

test('daemonset runs only on the nodes its nodeSelector matches', () => {
  // Given a DaemonSet that selects zone b
  // When the fleet starts
  const sim = startFleet({ workloads: [workload({ name: 'agent', kind: 'DaemonSet', nodeSelector: { [ZONE_LABEL]: 'eu-central-b' } })] });

  // Then its pods run on the nodes of zone b only
  const wanted = nodes(sim.region).filter((n) => n.metadata.labels?.[ZONE_LABEL] === 'eu-central-b').map((n) => n.metadata.name).sort();
  assert.deepEqual(wanted, ['eu-central-b-r1-n1', 'eu-central-b-r1-n2']);
  assert.deepEqual(activePodsOf(sim.region, 'agent').map((p) => p.spec.nodeName).sort(), wanted);
});

test('daemonset puts a pod on a node that joins the cluster', () => {
  // Given a DaemonSet on every node
  const sim = startFleet({ workloads: [workload({ name: 'agent', kind: 'DaemonSet' })] });
  untilReady(sim, 'agent', 7);

  // When a new worker node joins
  joinNode(sim, 'eu-central-a-r1-n1', 'eu-central-a-r1-n3');
  sim.region.settle();

  // Then a pod of the DaemonSet is bound to it and becomes Ready
  assert.ok(podOn(activePodsOf(sim.region, 'agent'), 'eu-central-a-r1-n3'));
  untilReady(sim, 'agent', 8);
  assert.equal(daemonSet(sim, 'agent').status?.desiredNumberScheduled, 8);
});

test('daemonset pods stay on a cordoned node, and one deleted there comes back', () => {
  // Given a DaemonSet on every node, all Ready
  const sim = startFleet({ workloads: [workload({ name: 'agent', kind: 'DaemonSet' })] });
  untilReady(sim, 'agent', 7);
  const target = 'eu-central-b-r1-n2';
  const before = podOn(activePodsOf(sim.region, 'agent'), target);
  assert.ok(before);

  // When the node is cordoned and time passes
  cordon(sim.region, target);
  sim.fleet.advance(10 * MINUTE);

  // Then the same pod still runs there, Ready and not terminating
  const after = podOn(podsOf(sim.region, 'agent'), target);
  assert.equal(after?.metadata.uid, before.metadata.uid);
  assert.equal(after?.metadata.deletionTimestamp, undefined);
  assert.equal(daemonSet(sim, 'agent').status?.desiredNumberScheduled, 7);
  assert.equal(daemonSet(sim, 'agent').status?.numberReady, 7);

  // When that pod is deleted while the node is still cordoned
  deletePod(sim.region.ctx, after as Pod);
  sim.fleet.advance(30 * SECOND);

  // Then a new pod of the DaemonSet runs there again
  const replacement = podOn(activePodsOf(sim.region, 'agent'), target);
  assert.ok(replacement);
  assert.notEqual(replacement.metadata.uid, before.metadata.uid);
  untilReady(sim, 'agent', 7);
});
