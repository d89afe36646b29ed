// Unit tests for the node agent protocol as the simulated kubelet carries it out: reboot, patch and upgrade
// through `daylight.dev/action`, progress in `daylight.dev/action-status`, the node faults, and what the
// referee counts (reboots, pods killed without eviction, nodes unavailable at once).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from '../../../src/sandbox/k8s-types.ts';
import { evict } from '../../../src/sandbox/sim/eviction.ts';
import { isDaemonSetPod, isPodReady } from '../../../src/sandbox/sim/objects.ts';
import { ACTION_ANNOTATION } from '../../../src/sandbox/sim/node-status.ts';
import {
  actionStatus, activePodsOf, condition, cordon, faults, isNodeReady, MINUTE, node, podsOf, REGION, requestAction, SECOND, startFleet, untilReady, workload,
} from './fixtures.ts';
import type { SimFleet } from './fixtures.ts';

const NODE = 'eu-central-a-r1-n1';
const WEB = workload({ name: 'web', replicas: 6, cpu: '100m', spread: 'zone', pdb: { maxUnavailable: 2 } });
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

function rebootCount(sim: SimFleet, nodeName: string): number {
  return sim.fleet.referee.report().reboots[`${REGION}/${nodeName}`] ?? 0;
}

function maxUnavailable(sim: SimFleet): number {
  return sim.fleet.referee.report().maxConcurrentUnavailableNodes[REGION] ?? -1;
}

test('node reboot: running → NotReady and pods killed → Ready with a new boot id after rebootSeconds → done', () => {
  // Given a Ready node that runs web and agent pods
  const sim = readyFleet();
  const bootID = node(sim.region, NODE).status.nodeInfo.bootID;
  const onNode = podsOn(sim, NODE);
  assert.ok(onNode.some((p) => !isDaemonSetPod(p)) && onNode.some(isDaemonSetPod));

  // When Daylight asks its agent for a reboot
  requestAction(sim.region, NODE, { id: 'run/node/1', operation: 'reboot' });
  sim.region.settle();

  // Then the action runs, the node is NotReady (unreachable) and its pods are no longer Ready
  assert.deepEqual(actionStatus(sim.region, NODE), { id: 'run/node/1', phase: 'running', message: 'rebooting' });
  let n = node(sim.region, NODE);
  assert.equal(isNodeReady(n), false);
  assert.equal(condition(n, 'Ready')?.status, 'Unknown');
  assert.ok(n.spec.taints?.some((t) => t.key === 'node.kubernetes.io/unreachable' && t.effect === 'NoExecute'));
  assert.ok(podsOn(sim, NODE).every((p) => !isPodReady(p) && p.status.containerStatuses?.every((c) => c.state.waiting !== undefined)));
  assert.equal(rebootCount(sim, NODE), 1);

  // When 50 s have passed (rebootSeconds 60, less 10% jitter, is 54 s)
  sim.fleet.advance(50 * SECOND);
  // Then it is still down
  assert.equal(isNodeReady(node(sim.region, NODE)), false);
  assert.equal(actionStatus(sim.region, NODE)?.phase, 'running');

  // When 70 s have passed
  sim.fleet.advance(20 * SECOND);
  // Then it is Ready with a new boot id, without the outage taints, and the action is done
  n = node(sim.region, NODE);
  assert.equal(isNodeReady(n), true);
  assert.notEqual(n.status.nodeInfo.bootID, bootID);
  assert.equal(n.spec.taints, undefined);
  assert.deepEqual(actionStatus(sim.region, NODE), { id: 'run/node/1', phase: 'done', message: `rebooted, boot id ${n.status.nodeInfo.bootID}` });

  // And its pods restart there and become Ready again
  sim.fleet.advance(30 * SECOND);
  const back = podsOn(sim, NODE);
  assert.deepEqual(back.map((p) => p.metadata.uid).sort(), onNode.map((p) => p.metadata.uid).sort());
  assert.ok(back.every((p) => isPodReady(p) && p.status.containerStatuses?.every((c) => c.restartCount === 1)));
  assert.equal(rebootCount(sim, NODE), 1);
});

test('node patch reboots the node as well', () => {
  // Given a Ready node
  const sim = readyFleet();
  const bootID = node(sim.region, NODE).status.nodeInfo.bootID;

  // When a patch is asked for
  requestAction(sim.region, NODE, { id: 'run/node/2', operation: 'patch' });
  sim.region.settle();
  // Then it installs patches and goes down
  assert.deepEqual(actionStatus(sim.region, NODE), { id: 'run/node/2', phase: 'running', message: 'installing patches, then rebooting' });
  assert.equal(isNodeReady(node(sim.region, NODE)), false);

  // And comes back with a new boot id, counted as a reboot
  assert.ok(sim.fleet.advanceUntil(() => actionStatus(sim.region, NODE)?.phase === 'done', 2 * MINUTE));
  assert.notEqual(node(sim.region, NODE).status.nodeInfo.bootID, bootID);
  assert.equal(rebootCount(sim, NODE), 1);
});

test('node reboot with Running non-DaemonSet pods still on it counts them as killed without eviction', () => {
  // Given a node that still runs web pods (and an agent pod)
  const sim = readyFleet();
  const victims = podsOn(sim, NODE).filter((p) => !isDaemonSetPod(p) && p.status.phase === 'Running');
  assert.ok(victims.length > 0);

  // When it is rebooted
  requestAction(sim.region, NODE, { id: 'run/node/1', operation: 'reboot' });
  sim.region.settle();

  // Then every such pod counts as killed without eviction, and the DaemonSet pod does not
  const report = sim.fleet.referee.report();
  assert.equal(report.podsKilledWithoutEviction, victims.length);
  assert.deepEqual(
    sim.fleet.referee.details().kills.map((k) => k.pod).sort(),
    victims.map((p) => `${p.metadata.namespace}/${p.metadata.name}`).sort(),
  );
  assert.ok(sim.fleet.referee.details().kills.every((k) => k.region === REGION && k.how === `node ${NODE} went down`));
});

test('node reboot after its pods were evicted kills nothing', () => {
  // Given a node that was cordoned and drained through the Eviction API (DaemonSet pods stay)
  const sim = readyFleet();
  cordon(sim.region, NODE);
  sim.region.settle();
  for (const p of podsOn(sim, NODE).filter((x) => !isDaemonSetPod(x))) {
    assert.equal(evict(sim.region.ctx, sim.region.disruption, { pod: p }).kind, 'evicted');
  }
  assert.ok(sim.fleet.advanceUntil(() => podsOn(sim, NODE).every(isDaemonSetPod), MINUTE), 'the evicted pods are gone');
  assert.equal(podsOn(sim, NODE).length, 1);

  // When it is rebooted and comes back
  requestAction(sim.region, NODE, { id: 'run/node/1', operation: 'reboot' });
  assert.ok(sim.fleet.advanceUntil(() => actionStatus(sim.region, NODE)?.phase === 'done', 2 * MINUTE));

  // Then the referee counts the reboot and the evictions, but no pod killed without eviction
  const report = sim.fleet.referee.report();
  assert.equal(report.podsKilledWithoutEviction, 0);
  assert.equal(report.reboots[`${REGION}/${NODE}`], 1);
  assert.ok(report.evictions.accepted >= 1);
  assert.equal(report.pdbBreaches, 0);
  // And the evicted pods were replaced on other nodes
  untilReady(sim, 'web', 6);
  assert.ok(activePodsOf(sim.region, 'web').every((p) => p.spec.nodeName !== NODE));
});

test('node reboot while evicted pods are still terminating does not count them as killed', () => {
  // Given a node whose web pods were just evicted and are still shutting down
  const sim = readyFleet();
  cordon(sim.region, NODE);
  sim.region.settle();
  const evicted = podsOn(sim, NODE).filter((p) => !isDaemonSetPod(p));
  for (const p of evicted) assert.equal(evict(sim.region.ctx, sim.region.disruption, { pod: p }).kind, 'evicted');
  assert.ok(evicted.every((p) => podsOn(sim, NODE).some((x) => x.metadata.uid === p.metadata.uid && x.metadata.deletionTimestamp)));

  // When the node reboots at once
  requestAction(sim.region, NODE, { id: 'run/node/1', operation: 'reboot' });
  sim.region.settle();

  // Then no pod counts as killed without eviction
  assert.equal(sim.fleet.referee.report().podsKilledWithoutEviction, 0);
  // And the terminating pods are gone once the node is back
  assert.ok(sim.fleet.advanceUntil(() => podsOn(sim, NODE).every(isDaemonSetPod), 3 * MINUTE));
});

test('node upgrade sets the new kubelet version after upgradeSeconds without a reboot', () => {
  // Given a Ready node on v1.30.4
  const sim = readyFleet();
  const before = node(sim.region, NODE).status.nodeInfo;
  assert.equal(before.kubeletVersion, 'v1.30.4');

  // When an upgrade to v1.31.2 is asked for
  requestAction(sim.region, NODE, { id: 'run/node/3', operation: 'upgrade', version: 'v1.31.2' });
  sim.region.settle();

  // Then the kubelet restarts: the node is NotReady with the reason, and nothing is killed
  assert.deepEqual(actionStatus(sim.region, NODE), { id: 'run/node/3', phase: 'running', message: 'upgrading the kubelet to v1.31.2' });
  const ready = condition(node(sim.region, NODE), 'Ready');
  assert.equal(ready?.status, 'False');
  assert.equal(ready?.message, 'kubelet is restarting: upgrade to v1.31.2');
  assert.equal(sim.fleet.referee.report().podsKilledWithoutEviction, 0);

  // And after upgradeSeconds (60 s) it is Ready on v1.31.2 with the same boot id
  sim.fleet.advance(70 * SECOND);
  const after = node(sim.region, NODE);
  assert.equal(isNodeReady(after), true);
  assert.equal(after.status.nodeInfo.kubeletVersion, 'v1.31.2');
  assert.equal(after.status.nodeInfo.kubeProxyVersion, 'v1.31.2');
  assert.equal(after.status.nodeInfo.bootID, before.bootID);
  assert.deepEqual(actionStatus(sim.region, NODE), { id: 'run/node/3', phase: 'done', message: 'kubelet upgraded to v1.31.2' });
  assert.equal(rebootCount(sim, NODE), 0);
});

test('node upgrade without a valid version fails and leaves the node alone', () => {
  // Given a Ready node
  const sim = readyFleet();

  // When an upgrade without a version is asked for
  requestAction(sim.region, NODE, { id: 'run/node/4', operation: 'upgrade' });
  sim.region.settle();

  // Then the action failed with the reason, and the node is Ready on its old version
  assert.deepEqual(actionStatus(sim.region, NODE), { id: 'run/node/4', phase: 'failed', message: 'upgrade needs "version" like "v1.31.2", got undefined' });
  assert.equal(isNodeReady(node(sim.region, NODE)), true);
  assert.equal(node(sim.region, NODE).status.nodeInfo.kubeletVersion, 'v1.30.4');
});

test('node action with an unknown operation fails with a message naming the known ones', () => {
  // Given a Ready node
  const sim = readyFleet();

  // When an unknown operation is asked for
  requestAction(sim.region, NODE, { id: 'run/node/5', operation: 'dance' });
  sim.region.settle();

  // Then the action failed, the node stays Ready and nothing counts as a reboot
  assert.deepEqual(actionStatus(sim.region, NODE), { id: 'run/node/5', phase: 'failed', message: 'unknown operation "dance"; use reboot, patch or upgrade' });
  assert.equal(isNodeReady(node(sim.region, NODE)), true);
  assert.equal(rebootCount(sim, NODE), 0);
});

test('node action that is not valid JSON fails with the text it got', () => {
  // Given a Ready node
  const sim = readyFleet();

  // When the annotation is not JSON
  requestAction(sim.region, NODE, 'reboot please');
  sim.region.settle();

  // Then the status says so
  assert.deepEqual(actionStatus(sim.region, NODE), { id: '', phase: 'failed', message: 'the action is not valid JSON: reboot please' });
  assert.equal(isNodeReady(node(sim.region, NODE)), true);
});

test('node action is carried out once per id', () => {
  // Given a node that finished reboot run/node/1
  const sim = readyFleet();
  requestAction(sim.region, NODE, { id: 'run/node/1', operation: 'reboot' });
  assert.ok(sim.fleet.advanceUntil(() => actionStatus(sim.region, NODE)?.phase === 'done', 2 * MINUTE));

  // When the annotation is removed and written again with the same id
  const n = node(sim.region, NODE);
  const annotations = { ...n.metadata.annotations };
  delete annotations[ACTION_ANNOTATION];
  sim.region.store.replace('nodes', { ...n, metadata: { ...n.metadata, annotations } });
  sim.region.settle();
  requestAction(sim.region, NODE, { id: 'run/node/1', operation: 'reboot' });
  sim.fleet.advance(5 * SECOND);

  // Then nothing happens again
  assert.equal(isNodeReady(node(sim.region, NODE)), true);
  assert.equal(rebootCount(sim, NODE), 1);
  assert.equal(actionStatus(sim.region, NODE)?.phase, 'done');

  // When a new id is written
  requestAction(sim.region, NODE, { id: 'run/node/2', operation: 'reboot' });
  sim.region.settle();

  // Then it reboots again
  assert.equal(isNodeReady(node(sim.region, NODE)), false);
  assert.equal(rebootCount(sim, NODE), 2);
});

test('node with the neverReturns fault stays NotReady after a reboot', () => {
  // Given a node that never comes back from its next reboot
  const sim = readyFleet({ faults: faults({ nodes: { [NODE]: { neverReturns: true } } }) });

  // When it is rebooted and ten minutes pass
  requestAction(sim.region, NODE, { id: 'run/node/1', operation: 'reboot' });
  sim.fleet.advance(10 * MINUTE);

  // Then it is still NotReady and the action is still running
  assert.equal(isNodeReady(node(sim.region, NODE)), false);
  assert.equal(actionStatus(sim.region, NODE)?.phase, 'running');
});

test('node with the failActions fault fails every action and stays up', () => {
  // Given a node whose agent fails
  const sim = readyFleet({ faults: faults({ nodes: { [NODE]: { failActions: true } } }) });

  // When a reboot is asked for
  requestAction(sim.region, NODE, { id: 'run/node/1', operation: 'reboot' });
  sim.region.settle();

  // Then the action failed and the node is Ready
  assert.deepEqual(actionStatus(sim.region, NODE), { id: 'run/node/1', phase: 'failed', message: 'the node agent failed (simulated fault)' });
  assert.equal(isNodeReady(node(sim.region, NODE)), true);
  assert.equal(rebootCount(sim, NODE), 0);
});

test('referee maxConcurrentUnavailableNodes counts cordoned and NotReady nodes at the same time', () => {
  // Given a Ready fleet
  const sim = readyFleet();
  assert.equal(maxUnavailable(sim), 0);

  // When a node is cordoned and rebooted: it counts once
  cordon(sim.region, NODE);
  requestAction(sim.region, NODE, { id: 'run/node/1', operation: 'reboot' });
  sim.region.settle();
  assert.equal(maxUnavailable(sim), 1);

  // When a second node is cordoned and a third rebooted while the first is still down
  cordon(sim.region, 'eu-central-b-r1-n1');
  requestAction(sim.region, 'eu-central-c-r1-n1', { id: 'run/node/2', operation: 'reboot' });
  sim.region.settle();

  // Then three were unavailable at once
  assert.equal(maxUnavailable(sim), 3);

  // And the maximum stays when they all come back and are uncordoned
  sim.fleet.advance(2 * MINUTE);
  cordon(sim.region, NODE, false);
  cordon(sim.region, 'eu-central-b-r1-n1', false);
  sim.region.settle();
  assert.equal(sim.region.counts().nodes.ready, 7);
  assert.equal(sim.region.counts().nodes.unschedulable, 0);
  assert.equal(maxUnavailable(sim), 3);
});
