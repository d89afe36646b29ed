// Nothing waits forever (invariant 6): a budget that allows nothing, a node that never comes back and a pod
// that never gets Ready each end within their timeout under every policy, with the blocker named in the
// journal, and the nodes a policy holds out still count against maxUnavailable (invariant 2).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { NodeOutcome } from '../../../src/engine/events.ts';
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
/** Cluster seconds a wait may last past its timeout: its last API calls (0.2 s real at SPEED). */
const SLACK_S = 30;
/** Cluster seconds a node may take past its timeout in all: the wait, the diagnosis, the events, the give-back. */
const NODE_SLACK_S = 60;
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

/** Then the run is degraded, not succeeded: its summary names each of `nodes` with why. */
function assertDegraded(r: Roll, nodes: Readonly<Record<string, RegExp>>): RunSummary {
  assert.equal(r.status, 'degraded', reasonOf(r));
  const summary = summaryOf(r);
  assert.equal(summary.status, 'degraded');
  for (const [node, why] of Object.entries(nodes)) {
    const line = summary.problems.find((p) => p.startsWith(`eu-central/${node}: `));
    assert.ok(line, `the summary names ${node}: ${JSON.stringify(summary.problems)}`);
    assert.match(line, why);
  }
  assert.equal(summary.problems.length, Object.keys(nodes).length, JSON.stringify(summary.problems));
  assert.ok(!Object.keys(summary.nodes).some((k) => /in progress/.test(k)), 'no node is said to be in progress');
  return summary;
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

  test('skip: both ledger nodes are skipped and uncordoned, the run maintains the others and ends degraded naming them', TEST, async () => {
    await withFleet(fleet(), async (ts) => {
      await givenLedger(ts);
      // When the plan runs with drain.onTimeout skip
      const r = await roll(ts, plan('skip'), { skipPreflight: true });
      // Then it is degraded, not succeeded: the ledger nodes are named as skipped with the budget that held them
      assertDegraded(r, Object.fromEntries(HELD.map((n) => [n, /^eu-central\/\S+: skipped \(drain did not finish within 2m: .*PDB pay\/ledger needs 2 healthy, has 2/])));
      assertDrainTimedOut(r, 'skip');
      const done = outcomes(r);
      const others = (await workers(ts)).filter((n) => !HELD.includes(n));
      assert.deepEqual(done, Object.fromEntries([...HELD.map((n) => [n, 'skipped']), ...others.map((n) => [n, 'maintained'])]));
      for (const d of eventsOf(r, 'node.done').filter((e) => e.event.outcome === 'skipped')) assert.match(d.event.message ?? '', BLOCKER);
      assertWithin(secondsBetween(r, 'eu-central-a-r1-n1', 'node.cordoned', 'node.done'), 120, 'the skipped node', NODE_SLACK_S);
      assert.ok(r.realMs < REAL_MS);
      // And nothing is left cordoned, only the others were rebooted, and every budget held
      assert.deepEqual(await cordonedNodes(ts), []);
      const ref = await referee(ts);
      assert.deepEqual(rebooted(ref), others);
      assert.equal(ref.podsKilledWithoutEviction, 0);
      assert.equal(ref.pdbBreaches, 0);
      assert.ok((ref.maxConcurrentUnavailableNodes['eu-central'] ?? 0) <= 3);
    });
  });

  test('quarantine: the ledger nodes stay cordoned and count against maxUnavailable; the run goes on with what is left and ends degraded', TEST, async () => {
    await withFleet(fleet(), async (ts) => {
      await givenLedger(ts);
      // When the plan runs with drain.onTimeout quarantine and maxUnavailable 3
      const r = await roll(ts, plan('quarantine', 3), { skipPreflight: true });
      // Then it is degraded: the ledger nodes are named as quarantined with the diagnostic, the others maintained
      assertDegraded(r, Object.fromEntries(HELD.map((n) => [n, /: quarantined \(drain did not finish within 2m: .*PDB pay\/ledger needs 2 healthy/])));
      assertDrainTimedOut(r, 'quarantine');
      const others = (await workers(ts)).filter((n) => !HELD.includes(n));
      assert.deepEqual(outcomes(r), Object.fromEntries([...HELD.map((n) => [n, 'quarantined']), ...others.map((n) => [n, 'maintained'])]));
      assertWithin(secondsBetween(r, 'eu-central-a-r1-n1', 'node.cordoned', 'node.done'), 120, 'the quarantined node', NODE_SLACK_S);
      // And the ledger nodes are still cordoned for a person to look at, while the referee never saw more than 3 out
      assert.deepEqual(await cordonedNodes(ts), HELD);
      const ref = await referee(ts);
      assert.deepEqual(rebooted(ref), others);
      assert.equal(ref.podsKilledWithoutEviction, 0);
      assert.equal(ref.pdbBreaches, 0);
      const max = ref.maxConcurrentUnavailableNodes['eu-central'] ?? 0;
      assert.ok(max <= 3, `at most 3 nodes unavailable at once, quarantined ones included; the referee saw ${max}`);
    });
  });

  test('quarantine with maxUnavailable 1: the quarantined node fills the budget, so the run stops instead of taking a second node', TEST, async () => {
    await withFleet(fleet(), async (ts) => {
      await givenLedger(ts);
      // When the plan runs with drain.onTimeout quarantine and maxUnavailable 1
      const r = await roll(ts, plan('quarantine', 1), { skipPreflight: true });
      // Then the first ledger node is quarantined, and the run fails before the next wave, naming it
      assert.equal(r.status, 'failed');
      assert.deepEqual(outcomes(r), { 'eu-central-a-r1-n1': 'quarantined' });
      assert.match(reasonOf(r), /maxUnavailable 1 .*leaves no room for wave 1 on eu-central: eu-central-a-r1-n1 \(cordoned\) unavailable/);
      // And no second node was ever taken out
      assert.deepEqual(await cordonedNodes(ts), ['eu-central-a-r1-n1']);
      assert.equal((await referee(ts)).maxConcurrentUnavailableNodes['eu-central'], 1);
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

describe('force against a budget of maxUnavailable 0: Deployment pay/vault, 3 replicas on zone a', () => {
  const VAULT = '{name: vault, namespace: pay, kind: Deployment, replicas: 3, cpu: 250m, memory: 256Mi, startupSeconds: 5, readinessSeconds: 5, pdb: {maxUnavailable: 0}, nodeSelector: {topology.kubernetes.io/zone: eu-central-a}}';

  test('the run exits as degraded, not succeeded, naming every deleted pod and the budget, as the referee counts them', TEST, async () => {
    await withFleet(stuckFleet({ workloads: [VAULT] }), async (ts) => {
      // Given the vault's pods on zone a under a budget that allows no disruption
      const on = await nodesOfWorkload(ts, 'pay', 'vault');
      assert.ok(on.length > 0 && on.every((n) => n.startsWith('eu-central-a-')), on.join());
      // When the plan runs with drain.onTimeout force
      const r = await roll(ts, rollPlan(stuckPlan({ maxUnavailable: 3, drain: '{timeout: 2m, onTimeout: force}' })), { skipPreflight: true });
      // Then the run is degraded: every node maintained, the deletions and the budget named in its summary
      assert.equal(r.status, 'degraded', reasonOf(r));
      const deleted = eventsOf(r, 'node.pods.deleted').flatMap((d) => d.event.pods);
      const ref = await referee(ts);
      assert.equal(ref.podsKilledWithoutEviction, deleted.length, 'the journal names as many deleted pods as the referee counts');
      assert.ok(ref.pdbBreaches > 0, 'the referee counts the breach');
      const problems = summaryOf(r).problems.join('\n');
      for (const pod of deleted) assert.ok(problems.includes(pod), `${pod} is named`);
      assert.match(problems, /PDB pay\/vault went below its minimum \(needs 3 healthy, had 3, \d deleted\)/);
      assert.deepEqual(await cordonedNodes(ts), []);
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

  /** Every worker but the dead one maintained, with `dead` as the dead one's outcome. */
  async function assertOthersMaintained(ts: TestSandbox, r: Roll, dead: NodeOutcome): Promise<void> {
    const others = (await workers(ts)).filter((n) => n !== DEAD);
    assert.deepEqual(outcomes(r), Object.fromEntries([[DEAD, dead], ...others.map((n) => [n, 'maintained'])]));
    const ref = await referee(ts);
    assert.ok(Object.values(ref.reboots).every((n) => n === 1));
    assert.equal(ref.podsKilledWithoutEviction, 0);
    assert.equal(ref.pdbBreaches, 0);
    const max = ref.maxConcurrentUnavailableNodes['eu-central'] ?? 0;
    assert.ok(max <= 2, `at most 2 nodes unavailable at once, the dead one included; the referee saw ${max}`);
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

  test('skip: the node is uncordoned and left NotReady, the run goes on within the budget and ends degraded naming it', TEST, async () => {
    await withFleet(fleet(), async (ts) => {
      // When the plan runs with ready.onTimeout skip
      const r = await roll(ts, plan('skip'), { skipPreflight: true });
      // Then it is degraded; the dead node is named as skipped with the diagnostic, every other worker maintained
      assertDegraded(r, { [DEAD]: /: skipped \(node \S+ did not come back with a new boot within 180s/ });
      assertReadyTimedOut(r, 'skip');
      assert.match(eventsOf(r, 'node.done').find((d) => d.event.node === DEAD)?.event.message ?? '', NOT_BACK);
      await assertOthersMaintained(ts, r, 'skipped');
      assert.ok(r.realMs < REAL_MS);
      // And the dead node is uncordoned but still NotReady
      assert.deepEqual(await cordonedNodes(ts), []);
      assert.deepEqual(await notReadyNodes(ts), [DEAD]);
    });
  });

  test('quarantine: the node stays cordoned and counts against the budget, the run goes on and ends degraded naming it', TEST, async () => {
    await withFleet(fleet(), async (ts) => {
      // When the plan runs with ready.onTimeout quarantine
      const r = await roll(ts, plan('quarantine'), { skipPreflight: true });
      // Then it is degraded; the dead node is named as quarantined, every other worker maintained
      assertDegraded(r, { [DEAD]: /: quarantined \(node \S+ did not come back/ });
      assertReadyTimedOut(r, 'quarantine');
      await assertOthersMaintained(ts, r, 'quarantined');
      assert.ok(r.realMs < REAL_MS);
      // And it is still cordoned and NotReady
      assert.deepEqual(await cordonedNodes(ts), [DEAD]);
      assert.deepEqual(await notReadyNodes(ts), [DEAD]);
    });
  });
});

describe('a pod that never gets Ready, without a budget: the wait until its Deployment is whole again times out', () => {
  // Both first pods of jobs/cache never get Ready; their replacements do. Draining one node replaces one of
  // them, and the Deployment stays at 1/2 available because of the other.
  const CACHE = '{name: cache, namespace: jobs, kind: Deployment, replicas: 2, cpu: 250m, memory: 256Mi, startupSeconds: 5, readinessSeconds: 5, spread: zone}';
  const fleet = () => stuckFleet({ workloads: [CACHE], faults: '{pods: [{namespace: jobs, workload: cache, neverReady: true, count: 2}]}' });
  const unready = { namespace: 'jobs', workload: 'cache', count: 2 };
  const plan = (onTimeout: string) => rollPlan(stuckPlan({ ready: `{timeout: 3m, onTimeout: ${onTimeout}}` }));
  const NOT_WHOLE = /^not whole again within 180s: Deployment jobs\/cache has 1\/2 available$/;

  /** Given the cache's pods on two nodes; the run reaches the first by name first. */
  async function givenCache(ts: TestSandbox): Promise<{ stuck: string; other: string }> {
    const on = await nodesOfWorkload(ts, 'jobs', 'cache');
    assert.equal(on.length, 2, `the cache's pods sit on two nodes: ${on.join(', ')}`);
    return { stuck: on[0] as string, other: on[1] as string };
  }

  function assertWaitTimedOut(r: Roll, node: string, policy: string): void {
    assertWithin(secondsBetween(r, node, 'node.action.confirmed', 'node.ready.timeout'), 180, `the wait for the workloads of ${node}`);
    const timeout = eventsOf(r, 'node.ready.timeout').find((e) => e.event.node === node)?.event;
    assert.equal(timeout?.policy, policy);
    assert.match(timeout?.message ?? '', NOT_WHOLE);
  }

  test('fail: the run fails naming the Deployment and its numbers, and the node is given back', TEST, async () => {
    await withFleet(fleet(), async (ts) => {
      const { stuck } = await givenCache(ts);
      // When the plan runs with ready.onTimeout fail
      const r = await roll(ts, plan('fail'), { skipPreflight: true });
      // Then the run failed within the ready timeout, naming jobs/cache at 1/2
      assert.equal(r.status, 'failed');
      assert.match(reasonOf(r), NOT_WHOLE);
      assertWaitTimedOut(r, stuck, 'fail');
      assert.ok(r.realMs < REAL_MS);
      // And the node (Ready again) is given back
      assert.equal(outcomes(r)[stuck], 'failed');
      assert.deepEqual(await cordonedNodes(ts), []);
      const ref = await referee(ts);
      assert.equal(ref.podsKilledWithoutEviction, 0);
      assert.equal(ref.pdbBreaches, 0);
    }, unready);
  });

  for (const policy of ['skip', 'quarantine'] as const) {
    test(`${policy}: the node is ${policy === 'skip' ? 'uncordoned' : 'kept cordoned'}, the run goes on and maintains the rest`, TEST, async () => {
      await withFleet(fleet(), async (ts) => {
        const { stuck, other } = await givenCache(ts);
        // When the plan runs with ready.onTimeout ${policy}
        const r = await roll(ts, plan(policy), { skipPreflight: true });
        // Then it is degraded; the first cache node ends ${policy === 'skip' ? 'skipped' : 'quarantined'} with the diagnostic, every other worker maintained
        assertDegraded(r, { [stuck]: new RegExp(`: ${policy === 'skip' ? 'skipped' : 'quarantined'} \\(not whole again within 180s: Deployment jobs/cache has 1/2 available`) });
        assertWaitTimedOut(r, stuck, policy);
        const all = await workers(ts);
        const outcome = policy === 'skip' ? 'skipped' : 'quarantined';
        assert.deepEqual(outcomes(r), Object.fromEntries(all.map((n) => [n, n === stuck ? outcome : 'maintained'])));
        assert.equal(outcomes(r)[other], 'maintained', 'draining the other node replaces the last never-Ready pod');
        assert.ok(r.realMs < REAL_MS);
        // And only a quarantined node is left cordoned; the budgets held
        assert.deepEqual(await cordonedNodes(ts), policy === 'skip' ? [] : [stuck]);
        const ref = await referee(ts);
        assert.equal(ref.podsKilledWithoutEviction, 0);
        assert.equal(ref.pdbBreaches, 0);
        assert.ok((ref.maxConcurrentUnavailableNodes['eu-central'] ?? 0) <= 2);
      }, unready);
    });
  }
});

describe('a pod that never gets Ready, under a budget: PDB jobs/queue minAvailable 1 never has room', () => {
  // Every pod of jobs/queue stays unready, so its budget is unhealthy and refuses every eviction.
  const QUEUE = '{name: queue, namespace: jobs, kind: Deployment, replicas: 2, cpu: 250m, memory: 256Mi, startupSeconds: 5, readinessSeconds: 5, pdb: {minAvailable: 1}, spread: zone}';
  const fleet = () => stuckFleet({ workloads: [QUEUE], faults: '{pods: [{namespace: jobs, workload: queue, neverReady: true, count: 10}]}' });
  const unready = { namespace: 'jobs', workload: 'queue', count: 2 };
  const plan = (onTimeout: string) => rollPlan(stuckPlan({ drain: `{timeout: 2m, onTimeout: ${onTimeout}}` }));
  const BLOCKER = /jobs\/queue-[a-z0-9-]+: PDB jobs\/queue needs 1 healthy, has 0 \(allows 0 disruptions\)/;

  test('fail: the drain ends at its timeout and the run fails naming the budget', TEST, async () => {
    await withFleet(fleet(), async (ts) => {
      const [stuck] = await nodesOfWorkload(ts, 'jobs', 'queue');
      assert.ok(stuck);
      // When the plan runs with drain.onTimeout fail
      const r = await roll(ts, plan('fail'), { skipPreflight: true });
      // Then the run failed within the drain timeout of the first queue node, naming the unhealthy budget
      assert.equal(r.status, 'failed');
      assert.match(reasonOf(r), BLOCKER);
      assertWithin(secondsBetween(r, stuck, 'node.cordoned', 'node.drain.timeout'), 120, `the drain of ${stuck}`);
      assert.ok(r.realMs < REAL_MS);
      assert.equal(outcomes(r)[stuck], 'failed');
      assert.deepEqual(await cordonedNodes(ts), []);
      assert.equal((await referee(ts)).podsKilledWithoutEviction, 0);
    }, unready);
  });

  test('skip: both queue nodes are skipped within the drain timeout, the others maintained', TEST, async () => {
    await withFleet(fleet(), async (ts) => {
      const held = await nodesOfWorkload(ts, 'jobs', 'queue');
      assert.equal(held.length, 2);
      // When the plan runs with drain.onTimeout skip
      const r = await roll(ts, plan('skip'), { skipPreflight: true });
      // Then it is degraded; each queue node is skipped at its drain timeout with the budget named
      assertDegraded(r, Object.fromEntries(held.map((n) => [n, /: skipped \(drain did not finish within 2m: .*PDB jobs\/queue needs 1 healthy, has 0/])));
      const all = await workers(ts);
      assert.deepEqual(outcomes(r), Object.fromEntries(all.map((n) => [n, held.includes(n) ? 'skipped' : 'maintained'])));
      for (const node of held) {
        assertWithin(secondsBetween(r, node, 'node.cordoned', 'node.drain.timeout'), 120, `the drain of ${node}`);
        assert.match(eventsOf(r, 'node.done').find((d) => d.event.node === node)?.event.message ?? '', BLOCKER);
      }
      assert.ok(r.realMs < REAL_MS);
      assert.deepEqual(await cordonedNodes(ts), []);
      const ref = await referee(ts);
      assert.deepEqual(rebooted(ref), all.filter((n) => !held.includes(n)));
      assert.equal(ref.podsKilledWithoutEviction, 0);
    }, unready);
  });
});
