// Nothing waits forever, within a whole run: a budget that allows nothing, a node that never comes back and
// a Deployment that is not whole again each end at their timeout of cluster time under every policy, the
// run stops, goes on or ends degraded as the policy says, and the nodes a policy holds out count against
// maxUnavailable. Over the runner's in-memory fleet and virtual clock; the end-to-end cases that need the
// real adapter and the sandbox's referee stay in test/integration/roll/stuck.test.ts.
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import type { RunEvent } from '../../../src/engine/events.ts';
import { summariseRun } from '../../../src/engine/run-summary.ts';
import type { RunEnd } from '../../../src/engine/runner.ts';
import { NOW, runnerHarness } from './runner-fakes.ts';
import type { RunnerHarness, RunnerOptions } from './runner-fakes.ts';

const TEST = { timeout: 20_000 };
const ZONES = [['node-a1', 'node-a2'], ['node-b1', 'node-b2'], ['node-c1', 'node-c2']];
const ALL = ZONES.flat();
const LEDGER = ['node-a1', 'node-a2'];

async function withRun(t: TestContext, o: RunnerOptions, f: (h: RunnerHarness, end: RunEnd) => void): Promise<void> {
  const h = runnerHarness(o, t.signal);
  try {
    f(h, await h.run());
  } finally {
    h.done();
  }
}

const isNode = (type: RunEvent['type'], node: string) => (e: RunEvent) => e.type === type && 'node' in e && e.node === node;

/** Cluster ms from the node's first `from` entry to its first `to` entry. */
function between(h: RunnerHarness, node: string, from: RunEvent['type'], to: RunEvent['type']): number {
  return h.at(isNode(to, node)) - h.at(isNode(from, node));
}

function outcomes(end: RunEnd): Record<string, string | undefined> {
  return Object.fromEntries(Object.values(end.state.nodes).map((n) => [n.node, n.outcome]));
}

/** The run is degraded, and its summary names each of `nodes` (and nothing else) with why. */
function assertDegraded(end: RunEnd, nodes: Readonly<Record<string, RegExp>>): void {
  assert.equal(end.status, 'degraded', end.reason);
  const { problems } = summariseRun(end.state);
  for (const [node, why] of Object.entries(nodes)) {
    const line = problems.find((p) => p.startsWith(`eu-central/${node}: `));
    assert.ok(line, `the summary names ${node}: ${JSON.stringify(problems)}`);
    assert.match(line, why);
  }
  assert.equal(problems.length, Object.keys(nodes).length, JSON.stringify(problems));
}

const BLOCKER = /^pay\/ledger-node-a\d: PDB pay\/ledger needs 2 healthy, has 2 \(allows 0 disruptions\)$/;
const ledgerRun = (onTimeout: string, maxUnavailable: number, waves = ZONES): RunnerOptions => ({ waves, ledgerOn: LEDGER, phase: { maxUnavailable, drain: { timeout: '2m', onTimeout } } });

/** The drain of node-a1 ended at its 2 m timeout, naming the budget, under `policy`. */
function assertDrainTimedOut(h: RunnerHarness, policy: string): void {
  assert.equal(between(h, 'node-a1', 'node.cordoned', 'node.drain.timeout'), 120_000);
  const timeout = h.events('node.drain.timeout').find((e) => e.node === 'node-a1');
  assert.equal(timeout?.policy, policy);
  assert.equal(timeout?.blockers.length, 1, 'only the ledger pod blocks; the web pod was evicted');
  assert.match(timeout?.blockers[0] ?? '', BLOCKER);
}

test('a budget that allows nothing, drain onTimeout fail: the run fails at the timeout naming the budget, gives the nodes back, reboots and deletes nothing', TEST, (t) =>
  // Given pay/ledger's pods on both nodes of the first wave under a budget that allows no disruption
  withRun(t, ledgerRun('fail', 2), (h, end) => {
    // Then the run failed, its reason the drain's timeout with the budget's live numbers
    assert.equal(end.status, 'failed');
    assert.match(end.reason ?? '', /^drain did not finish within 2m: pay\/ledger-node-a\d: PDB pay\/ledger needs 2 healthy, has 2 \(allows 0 disruptions\)$/);
    assertDrainTimedOut(h, 'fail');
    // And both nodes were given back as failed, none rebooted, no pod deleted, the next wave never started
    assert.deepEqual(outcomes(end), { 'node-a1': 'failed', 'node-a2': 'failed' });
    assert.deepEqual(h.fleet.cordoned(), []);
    assert.deepEqual(h.fleet.rebooted(), []);
    assert.ok(!h.fleet.calls.some((c) => c.startsWith('delete ')));
    assert.deepEqual(h.events('wave.started').map((e) => e.wave), [0]);
    // And a person sees the blocker as an event on the node
    assert.ok(h.fleet.nodeEvents.includes('node-a1 DaylightDrainBlocked'));
  }));

test('a budget that allows nothing, drain onTimeout skip: both nodes skipped and uncordoned, the others maintained, the run degraded naming them', TEST, (t) =>
  withRun(t, ledgerRun('skip', 2), (h, end) => {
    assertDegraded(end, { 'node-a1': /: skipped \(drain did not finish within 2m: pay\/ledger-node-a1: PDB pay\/ledger/, 'node-a2': /: skipped \(drain did not finish within 2m: pay\/ledger-node-a2: PDB pay\/ledger/ });
    assertDrainTimedOut(h, 'skip');
    assert.deepEqual(outcomes(end), Object.fromEntries(ALL.map((n) => [n, LEDGER.includes(n) ? 'skipped' : 'maintained'])));
    assert.deepEqual(h.fleet.cordoned(), []);
    assert.deepEqual([...h.fleet.rebooted()].sort(), ALL.filter((n) => !LEDGER.includes(n)));
    assert.ok(!h.fleet.calls.some((c) => c.startsWith('delete ')));
  }));

test('a budget that allows nothing, drain onTimeout quarantine: the nodes stay cordoned and count against maxUnavailable 3; the run goes on one node at a time', TEST, (t) =>
  withRun(t, ledgerRun('quarantine', 3), (h, end) => {
    assertDegraded(end, { 'node-a1': /: quarantined \(drain did not finish within 2m: .*PDB pay\/ledger needs 2 healthy/, 'node-a2': /: quarantined \(drain did not finish/ });
    assertDrainTimedOut(h, 'quarantine');
    assert.deepEqual(outcomes(end), Object.fromEntries(ALL.map((n) => [n, LEDGER.includes(n) ? 'quarantined' : 'maintained'])));
    assert.deepEqual(h.fleet.cordoned(), LEDGER);
    // Never more than 3 out, the quarantined ones included: the later nodes went one at a time
    assert.equal(h.fleet.maxUnavailable, 3);
    assert.ok((h.fleet.outAt['node-b2'] ?? 0) >= (h.fleet.backAt['node-b1'] ?? Infinity), 'node-b2 waited for node-b1');
  }));

test('a budget that allows nothing, drain onTimeout quarantine with maxUnavailable 1: the quarantined node fills the budget, so the run stops before the next wave', TEST, (t) =>
  withRun(t, ledgerRun('quarantine', 1, ALL.map((n) => [n])), (h, end) => {
    assert.equal(end.status, 'failed');
    assert.equal(end.reason, 'maxUnavailable 1 of 6 nodes (1) leaves no room for wave 1 on eu-central: node-a1 (cordoned) unavailable; repair or uncordon them, or raise maxUnavailable');
    assert.deepEqual(outcomes(end), { 'node-a1': 'quarantined' });
    assert.deepEqual(h.fleet.cordoned(), ['node-a1']);
    assert.equal(h.fleet.maxUnavailable, 1);
  }));

test('a budget that allows nothing, drain onTimeout force: the blocking pods are deleted, every node maintained, the run degraded naming each pod and the budget', TEST, (t) =>
  withRun(t, ledgerRun('force', 2), (h, end) => {
    assert.equal(end.status, 'degraded', end.reason);
    assertDrainTimedOut(h, 'force');
    assert.deepEqual(outcomes(end), Object.fromEntries(ALL.map((n) => [n, 'maintained'])));
    assert.deepEqual(h.fleet.calls.filter((c) => c.startsWith('delete ')).sort(), ['delete pay/ledger-node-a1 grace 0', 'delete pay/ledger-node-a2 grace 0']);
    assert.deepEqual(h.events('node.pods.deleted').flatMap((e) => e.pods).sort(), ['pay/ledger-node-a1', 'pay/ledger-node-a2']);
    const problems = summariseRun(end.state).problems.join('\n');
    for (const p of ['pay/ledger-node-a1', 'pay/ledger-node-a2']) assert.ok(problems.includes(p), `${p} is named: ${problems}`);
    assert.match(problems, /PDB pay\/ledger went below its minimum/);
    assert.match(problems, /deleted outside the Eviction API \(drain\.onTimeout: force\)/);
    assert.deepEqual(h.fleet.cordoned(), []);
  }));

const DEAD = 'node-b1';
const NOT_BACK = `node ${DEAD} did not come back with a new boot within 180s: it is NotReady (kubelet stopped posting node status), same boot id as before, kubelet v1.30.4`;
const deadRun = (onTimeout: string): RunnerOptions => ({ waves: ZONES, neverBack: [DEAD], phase: { maxUnavailable: 2, ready: { timeout: '3m', onTimeout } } });

function assertReadyTimedOut(h: RunnerHarness, policy: string): void {
  assert.equal(between(h, DEAD, 'node.action.requested', 'node.ready.timeout'), 180_000);
  const timeout = h.events('node.ready.timeout').find((e) => e.node === DEAD);
  assert.deepEqual(timeout && [timeout.policy, timeout.message], [policy, NOT_BACK]);
}

test('a node that never comes back, ready onTimeout fail: the run fails at the ready timeout naming where the node is; it stays cordoned, its wave-mate is given back', TEST, (t) =>
  withRun(t, deadRun('fail'), (h, end) => {
    assert.equal(end.status, 'failed');
    assert.equal(end.reason, `${NOT_BACK}; left cordoned for a person or daylight recover: eu-central/${DEAD} (not back: NotReady (kubelet stopped posting node status), left cordoned)`);
    assertReadyTimedOut(h, 'fail');
    // And the run ended at the ready timeout: the give-back did not wait for the dead node again
    assert.equal(h.journal.entries.at(-1)?.at, h.at(isNode('node.ready.timeout', DEAD)));
    assert.equal(outcomes(end)['node-b2'], 'maintained');
    assert.deepEqual(h.fleet.cordoned(), [DEAD]);
    assert.deepEqual(h.fleet.rebooted(), ['node-a1', 'node-a2', 'node-b1', 'node-b2']);
  }));

test('a node that never comes back, ready onTimeout skip: it is uncordoned and left NotReady, counted against the budget, and the run ends degraded naming it', TEST, (t) =>
  withRun(t, deadRun('skip'), (h, end) => {
    assertDegraded(end, { [DEAD]: /: skipped \(node node-b1 did not come back with a new boot within 180s/ });
    assertReadyTimedOut(h, 'skip');
    assert.deepEqual(outcomes(end), Object.fromEntries(ALL.map((n) => [n, n === DEAD ? 'skipped' : 'maintained'])));
    assert.deepEqual(h.fleet.cordoned(), []);
    assert.equal(h.fleet.node(DEAD).ready, false);
    // The NotReady node takes one place of maxUnavailable 2: zone c went one node at a time
    assert.equal(h.fleet.maxUnavailable, 2);
    assert.ok((h.fleet.outAt['node-c2'] ?? 0) >= (h.fleet.backAt['node-c1'] ?? Infinity), 'node-c2 waited for node-c1');
  }));

test('a node that never comes back, ready onTimeout quarantine: it stays cordoned, the run goes on within the budget and ends degraded naming it', TEST, (t) =>
  withRun(t, deadRun('quarantine'), (h, end) => {
    assertDegraded(end, { [DEAD]: /: quarantined \(node node-b1 did not come back/ });
    assertReadyTimedOut(h, 'quarantine');
    assert.deepEqual(outcomes(end), Object.fromEntries(ALL.map((n) => [n, n === DEAD ? 'quarantined' : 'maintained'])));
    assert.deepEqual(h.fleet.cordoned(), [DEAD]);
    assert.equal(h.fleet.maxUnavailable, 2);
  }));

const NOT_WHOLE = 'not whole again within 180s: Deployment shop/web has 5/6 available';
/** shop/web lacks a pod until after node-a1's wait for it timed out (4 minutes in: reboot 1, wait 3). */
const unwholeRun = (onTimeout: string): RunnerOptions => ({ waves: ALL.map((n) => [n]), webShortUntil: NOW + 250_000, phase: { maxUnavailable: 2, ready: { timeout: '3m', onTimeout } } });

for (const policy of ['fail', 'skip', 'quarantine'] as const) {
  test(`a Deployment not whole again after the node, ready onTimeout ${policy}: the wait ends at its timeout naming it and its numbers, and the run ${policy === 'fail' ? 'fails' : 'goes on'}`, TEST, (t) =>
    withRun(t, unwholeRun(policy), (h, end) => {
      assert.equal(between(h, 'node-a1', 'node.action.confirmed', 'node.ready.timeout'), 180_000);
      assert.deepEqual(h.events('node.ready.timeout').map((e) => [e.node, e.policy, e.message]), [['node-a1', policy, NOT_WHOLE]]);
      if (policy === 'fail') {
        assert.equal(end.status, 'failed');
        assert.equal(end.reason, NOT_WHOLE);
        assert.deepEqual(outcomes(end), { 'node-a1': 'failed' });
        assert.deepEqual(h.fleet.cordoned(), [], 'the node, Ready again, is given back');
        return;
      }
      assertDegraded(end, { 'node-a1': new RegExp(`: ${policy === 'skip' ? 'skipped' : 'quarantined'} \\(not whole again within 180s: Deployment shop/web has 5/6 available`) });
      assert.deepEqual(outcomes(end), Object.fromEntries(ALL.map((n) => [n, n === 'node-a1' ? (policy === 'skip' ? 'skipped' : 'quarantined') : 'maintained'])));
      assert.deepEqual(h.fleet.cordoned(), policy === 'skip' ? [] : ['node-a1']);
    }));
}
