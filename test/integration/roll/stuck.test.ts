// Nothing waits forever (invariant 6), end to end: the few stuck cases whose proof needs the real adapter and
// the sandbox. A real budget refuses real evictions until the drain's deadline of cluster time and the run
// fails naming it, with a Warning event on the node and nothing killed; `force` deletes through the API and
// the referee counts exactly the pods and budgets the journal names; a node the sandbox never brings back
// is seen NotReady through the watch until the ready timeout and left cordoned. Every policy of each case
// (skip, quarantine, quarantine filling maxUnavailable, a Deployment not whole again, a NotReady node held
// against the budget) is proven over in-memory fakes in test/unit/engine/runner-stuck.test.ts and
// drain-policies.test.ts, in milliseconds.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { summariseRun } from '../../../src/engine/run-summary.ts';
import type { RunSummary } from '../../../src/engine/run-summary.ts';
import { replay } from '../../../src/engine/state.ts';
import type { SmallFleet } from '../../support/fleets.ts';
import type { TestSandbox } from '../../support/sandbox.ts';
import { cordonedNodes, eventsOf, nodesOfWorkload, notReadyNodes, outcomes, referee, roll, rollPlan, upFleet, workers } from './fixtures.ts';
import type { PlanOptions, Roll } from './fixtures.ts';

/** Slower than the full rolls: the steps after a timeout are API calls in real time, and the bounds below are tight. */
const SPEED = 150;
const TEST = { timeout: 60_000 };
/**
 * Cluster seconds a wait may last past its timeout: its last API calls (0.6 s real at SPEED, for a loaded
 * machine). The exact times, to the millisecond, are held by the unit tests on a virtual clock; here the
 * bound proves that the wait ends at its timeout, not twice as late or never.
 */
const SLACK_S = 90;
/** Cluster seconds a node may take past its timeout in all: the wait, the diagnosis, the events, the give-back. */
const NODE_SLACK_S = 120;
/** Real time one run may take: its cluster time at SPEED and then some. */
const REAL_MS = 20_000;

const WEB = '{name: web, namespace: shop, kind: Deployment, replicas: 4, cpu: 250m, memory: 256Mi, startupSeconds: 5, readinessSeconds: 5, pdb: {minAvailable: 3}, spread: zone, service: {rpsPerPod: 100}}';

/** 6 workers, 3 zones of 2, with a budgeted web Deployment and whatever the case adds. */
function stuckFleet(o: { workloads?: string[]; faults?: string } = {}): SmallFleet {
  return { zones: 3, racks: 1, nodesPerRack: 2, rebootSeconds: 60, workloads: [WEB, ...(o.workloads ?? [])], ...(o.faults ? { faults: o.faults } : {}) };
}

function stuckPlan(o: PlanOptions): PlanOptions {
  return { maxUnavailable: 2, soak: '0s', gates: ['{type: kube, check: nodes-ready}'], ...o };
}

async function withFleet(fleet: SmallFleet, f: (ts: TestSandbox) => Promise<void>, unready?: { namespace: string; workload: string; count: number }): Promise<void> {
  const ts = await upFleet(fleet, SPEED, unready ? { unready } : {});
  try {
    await f(ts);
  } finally {
    await ts.stop();
  }
}

/** Cluster seconds from the node's first `from` entry to its first `to` entry. */
function secondsBetween(r: Roll, node: string, from: string, to: string): number {
  const at = (type: string) => r.entries.find((e) => e.event.type === type && 'node' in e.event && e.event.node === node)?.at;
  const a = at(from);
  const b = at(to);
  assert.ok(a !== undefined && b !== undefined, `${node} has ${from} and ${to} in the journal`);
  return (b - a) / 1000;
}

/**
 * The step lasted its timeout, and not much more. Measured from the journal entry just before the wait's
 * clock starts (node.cordoned for a drain, node.action.requested or .confirmed for the waits after it).
 */
function assertWithin(seconds: number, timeoutS: number, what: string, slack = SLACK_S): void {
  assert.ok(seconds >= timeoutS - 1 && seconds <= timeoutS + slack, `${what} took ${seconds}s of cluster time; its timeout is ${timeoutS}s`);
}

function reasonOf(r: Roll): string {
  return r.end.status === 'refused' ? r.output : (r.end.reason ?? '');
}

/** The run's own summary, as `daylight status` and the report show it. */
function summaryOf(r: Roll): RunSummary {
  return summariseRun(replay(r.runId, r.entries));
}

function rebooted(ref: { reboots: Record<string, number> }): string[] {
  return Object.keys(ref.reboots).map((k) => k.replace(/^eu-central\//, '')).sort();
}

describe('a budget that allows nothing: Deployment pay/ledger, 2 replicas, PDB minAvailable 2', () => {
  const LEDGER = '{name: ledger, namespace: pay, kind: Deployment, replicas: 2, cpu: 250m, memory: 256Mi, startupSeconds: 5, readinessSeconds: 5, pdb: {minAvailable: 2}, spread: zone, nodeSelector: {topology.kubernetes.io/zone: eu-central-a}}';
  const BLOCKER = /pay\/ledger-[a-z0-9-]+: PDB pay\/ledger needs 2 healthy, has 2 \(allows 0 disruptions\)/;
  const HELD = ['eu-central-a-r1-n1', 'eu-central-a-r1-n2'];
  const fleet = () => stuckFleet({ workloads: [LEDGER] });
  const plan = (onTimeout: string, maxUnavailable = 3) => rollPlan(stuckPlan({ maxUnavailable, drain: `{timeout: 2m, onTimeout: ${onTimeout}}` }));

  /** Given the ledger's pods on both workers of zone a, where the run starts. */
  async function givenLedger(ts: TestSandbox): Promise<void> {
    assert.deepEqual(await nodesOfWorkload(ts, 'pay', 'ledger'), HELD);
  }

  /** Then the first ledger node's drain ended at its timeout with the budget named, its pods evicted through the API only. */
  function assertDrainTimedOut(r: Roll, policy: string): void {
    const node = 'eu-central-a-r1-n1';
    assertWithin(secondsBetween(r, node, 'node.cordoned', 'node.drain.timeout'), 120, `the drain of ${node}`);
    const timeout = eventsOf(r, 'node.drain.timeout').find((e) => e.event.node === node)?.event;
    assert.equal(timeout?.policy, policy);
    assert.equal(timeout?.blockers.length, 1, `only the ledger pod blocks: ${JSON.stringify(timeout?.blockers)}`);
    assert.match(timeout?.blockers[0] ?? '', BLOCKER);
    const blocked = eventsOf(r, 'node.pod.blocked').find((e) => e.event.node === node)?.event;
    assert.match(blocked?.diagnostic ?? '', /eviction of pay\/ledger-[a-z0-9-]+ refused by its disruption budget: .*needs 2 healthy pods and has 2/);
  }

  test('fail: the run fails naming the budget, the node is given back, no pod is killed', TEST, async () => {
    await withFleet(fleet(), async (ts) => {
      await givenLedger(ts);
      // When the plan runs with drain.onTimeout fail
      const r = await roll(ts, plan('fail'), { skipPreflight: true });
      // Then the run failed within the drain timeout, and its reason names the budget with live numbers
      assert.equal(r.status, 'failed');
      assert.match(reasonOf(r), /^drain did not finish within 2m: /);
      assert.match(reasonOf(r), BLOCKER);
      assert.doesNotMatch(reasonOf(r), /shop\/web/, 'the web pod, evicted long before the timeout, is no blocker');
      assertDrainTimedOut(r, 'fail');
      assertWithin(secondsBetween(r, 'eu-central-a-r1-n1', 'node.cordoned', 'node.done'), 120, 'the node', NODE_SLACK_S);
      assert.ok(r.realMs < REAL_MS);
      // And the node is given back, nothing was rebooted, no budget broken, no pod killed
      assert.deepEqual(outcomes(r), { 'eu-central-a-r1-n1': 'failed' });
      assert.deepEqual(await cordonedNodes(ts), []);
      const ref = await referee(ts);
      assert.deepEqual(ref.reboots, {});
      assert.equal(ref.podsKilledWithoutEviction, 0);
      assert.equal(ref.pdbBreaches, 0);
      // And a person sees the blocker as a Warning event on the node
      const events = JSON.parse((await ts.kubectl(['get', 'events', '-n', 'default', '-o', 'json'])).stdout) as { items: { reason: string; type: string; message: string; involvedObject: { name: string } }[] };
      const warning = events.items.find((e) => e.reason === 'DaylightDrainBlocked' && e.involvedObject.name === 'eu-central-a-r1-n1');
      assert.equal(warning?.type, 'Warning');
      assert.match(warning?.message ?? '', BLOCKER);
    });
  });

  test('force: the blocking pods are deleted, the nodes maintained, and the run ends degraded naming every pod and budget the referee counts', TEST, async () => {
    await withFleet(fleet(), async (ts) => {
      await givenLedger(ts);
      // When the plan runs with drain.onTimeout force
      const r = await roll(ts, plan('force'), { skipPreflight: true });
      // Then every worker is maintained, but the run is degraded, not succeeded
      assert.equal(r.status, 'degraded', reasonOf(r));
      assertDrainTimedOut(r, 'force');
      const all = await workers(ts);
      assert.deepEqual(outcomes(r), Object.fromEntries(all.map((n) => [n, 'maintained'])));
      // And the journal names exactly the ledger pods it deleted after the drain timeout, none it had evicted
      const deleted = eventsOf(r, 'node.pods.deleted');
      assert.ok(deleted.length >= 1);
      assert.ok(deleted.every((d) => HELD.includes(d.event.node) && d.event.pods.length > 0 && d.event.pods.every((p) => p.startsWith('pay/ledger-'))), JSON.stringify(deleted.map((d) => d.event)));
      assertWithin(secondsBetween(r, 'eu-central-a-r1-n1', 'node.cordoned', 'node.pods.deleted'), 120, 'the forced drain');
      // And the referee counts those pods as killed without eviction: the documented cost of force
      const ref = await referee(ts);
      const deletedCount = deleted.reduce((n, d) => n + d.event.pods.length, 0);
      assert.equal(ref.podsKilledWithoutEviction, deletedCount);
      assert.deepEqual(rebooted(ref), all);
      assert.deepEqual(await cordonedNodes(ts), []);
      // And the summary names every pod the referee saw killed and every budget it saw breached
      const summary = summaryOf(r);
      const problems = summary.problems.join('\n');
      const details = (await ts.api('eu-central', '/sandbox/v1/referee/details')) as { kills: { pod: string }[]; breaches: string[] };
      assert.ok(ref.podsKilledWithoutEviction > 0 && ref.pdbBreaches > 0, `the referee counts the cost: ${JSON.stringify(ref)}`);
      for (const pod of deleted.flatMap((d) => d.event.pods)) assert.ok(problems.includes(pod), `${pod} is named: ${problems}`);
      for (const b of new Set(details.breaches.map((x) => x.replace(/^eu-central\//, '')))) assert.match(problems, new RegExp(`PDB ${b} went below its minimum`), `budget ${b} is named`);
      assert.match(problems, /deleted outside the Eviction API \(drain\.onTimeout: force\)/);
      assert.ok(deleted.every((d) => (d.event.budgets ?? []).some((b) => b.pdb === 'pay/ledger')), 'the journal names the budget with each deletion');
    });
  });
});

describe('a node that never comes back: eu-central-b-r1-n1 stays NotReady after its reboot', () => {
  const DEAD = 'eu-central-b-r1-n1';
  const fleet = () => stuckFleet({ faults: `{nodes: {${DEAD}: {neverReturns: true}}}` });
  // No gates: nodes-ready would (rightly) stop the run at the next wave; here the ready policy decides.
  const plan = (onTimeout: string) => rollPlan(stuckPlan({ ready: `{timeout: 3m, onTimeout: ${onTimeout}}`, gates: [] }));
  const NOT_BACK = new RegExp(`^node ${DEAD} did not come back with a new boot within 180s: it is NotReady \\(.+\\), same boot id as before, kubelet v1\\.30\\.4$`);

  function assertReadyTimedOut(r: Roll, policy: string): void {
    assertWithin(secondsBetween(r, DEAD, 'node.action.requested', 'node.ready.timeout'), 180, `the wait for ${DEAD}`);
    const timeout = eventsOf(r, 'node.ready.timeout').find((e) => e.event.node === DEAD)?.event;
    assert.equal(timeout?.policy, policy);
    assert.match(timeout?.message ?? '', NOT_BACK);
  }

  test('fail: the run fails saying the node is NotReady with the same boot id; it stays cordoned, its wave-mate is given back', TEST, async () => {
    await withFleet(fleet(), async (ts) => {
      // When the plan runs with ready.onTimeout fail
      const r = await roll(ts, plan('fail'), { skipPreflight: true });
      // Then the run failed within the ready timeout, with the node's state in the reason
      assert.equal(r.status, 'failed');
      const [why, held] = reasonOf(r).split('; left cordoned for a person or daylight recover: ');
      assert.match(why ?? '', NOT_BACK);
      // and the reason names the node left cordoned, so nobody has to dig for it
      assert.match(held ?? '', new RegExp(`^eu-central/${DEAD} \\(not back: NotReady \\(.+\\), left cordoned\\)$`));
      assertReadyTimedOut(r, 'fail');
      // And the run ends at the ready timeout: the give-back does not wait for the dead node again
      assertWithin(secondsBetween(r, DEAD, 'node.action.requested', 'node.held'), 180, `the end of ${DEAD}`);
      const ended = r.entries.at(-1);
      const timedOut = eventsOf(r, 'node.ready.timeout').find((e) => e.event.node === DEAD)?.at ?? 0;
      assert.ok(ended && (ended.at - timedOut) / 1000 <= SLACK_S, `the run ended ${ended ? (ended.at - timedOut) / 1000 : '?'}s of cluster time after the ready timeout`);
      // And the summary says where the node was left, never "in progress"
      const summary = summaryOf(r);
      assert.ok(summary.problems.some((p) => new RegExp(`^eu-central/${DEAD}: not back: NotReady`).test(p)), JSON.stringify(summary.problems));
      assert.ok(!Object.keys(summary.nodes).some((k) => /in progress/.test(k)), JSON.stringify(summary.nodes));
      assert.ok(r.realMs < REAL_MS);
      // And the dead node stays cordoned (it is NotReady), the other node of its wave finished and is given back
      const wave = eventsOf(r, 'wave.started').find((w) => w.event.nodes.includes(DEAD))?.event.nodes ?? [];
      assert.deepEqual(wave, [DEAD, 'eu-central-b-r1-n2']);
      assert.equal(outcomes(r)['eu-central-b-r1-n2'], 'maintained');
      assert.deepEqual(await cordonedNodes(ts), [DEAD]);
      assert.deepEqual(await notReadyNodes(ts), [DEAD]);
      // And the zone after it was never touched
      const ref = await referee(ts);
      assert.deepEqual(rebooted(ref), ['eu-central-a-r1-n1', 'eu-central-a-r1-n2', DEAD, 'eu-central-b-r1-n2']);
      assert.equal(ref.podsKilledWithoutEviction, 0);
    });
  });
});
