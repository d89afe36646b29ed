// Honest outcomes in milliseconds, over journals and fakes: what keeps a run from `succeeded`, where a node
// that is not done was left, a give-back that retries its uncordon and names what it could not give back,
// and silences that cannot be expired reported instead of swallowed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Cluster } from '../../../src/engine/ports/cluster.ts';
import type { NodeView } from '../../../src/engine/ports/cluster-views.ts';
import type { JournalEntry, RunEvent } from '../../../src/engine/events.ts';
import { expireSilences } from '../../../src/engine/expire-silences.ts';
import { giveBackAll, uncordonWithRetry } from '../../../src/engine/give-back.ts';
import { breaches } from '../../../src/engine/node-pipeline.ts';
import { renderSummary, summariseRun } from '../../../src/engine/run-summary.ts';
import { replay } from '../../../src/engine/state.ts';
import type { RunState } from '../../../src/engine/state.ts';
import { runProblems } from '../../../src/engine/verdict.ts';
import { fakeCluster, nodeView } from '../checks/fakes.ts';
import { manualClock, NOW, regionTraffic } from './regional-fakes.ts';

const C = 'eu-central';
const RUN = 'run-1';

/** A journal of `events`, one second apart, as the engine writes it (hashes do not matter to the reducer). */
function journal(events: readonly RunEvent[]): JournalEntry[] {
  return events.map((event, i) => ({ seq: i + 1, at: NOW + i * 1000, wall: new Date(NOW + i * 1000).toISOString(), runId: RUN, event, prev: '', hash: '' }));
}

function planned(nodes: readonly string[], excluded: { node: string; reason: string; unavailable?: boolean }[] = []): RunEvent {
  return { type: 'phase.planned', cluster: C, phase: 'os-patch', budget: 2, waves: [{ index: 0, nodes }], excluded };
}

/** The events of one node maintained as planned, from cordon to done. */
function maintained(node: string): RunEvent[] {
  return [
    { type: 'node.cordon.requested', cluster: C, node },
    { type: 'node.cordoned', cluster: C, node, changed: true },
    { type: 'node.drain.started', cluster: C, node, pods: [] },
    { type: 'node.drained', cluster: C, node, ms: 10, evicted: 0 },
    { type: 'node.action.requested', cluster: C, node, id: `${RUN}/${node}/1`, operation: 'reboot', bootIdBefore: 'b1', kubeletBefore: 'v1.30.4' },
    { type: 'node.action.confirmed', cluster: C, node, bootId: 'b2', kubeletVersion: 'v1.30.4', ms: 10 },
    { type: 'node.ready', cluster: C, node, ms: 10 },
    { type: 'node.uncordon.requested', cluster: C, node },
    { type: 'node.uncordoned', cluster: C, node, changed: true },
    { type: 'node.done', cluster: C, node, outcome: 'maintained' },
  ];
}

function stateOf(events: readonly RunEvent[]): RunState {
  return replay(RUN, journal(events));
}

// --------------------------------------------------------------------------------------------- verdict

test('every node maintained and every region back at its weight: no problem, so the run may succeed', () => {
  const before = { [C]: regionTraffic(), 'eu-west': regionTraffic() };
  const s = stateOf([planned(['n1', 'n2']), ...maintained('n1'), ...maintained('n2'), { type: 'traffic.before', cluster: C, regions: before }, { type: 'traffic.restored', cluster: C, weight: 100 }]);
  assert.deepEqual(runProblems(s), []);
  assert.deepEqual(summariseRun(s).nodes, { maintained: 2 });
});

test('a skipped and a quarantined node are named with why; the counts say what they are', () => {
  const s = stateOf([
    planned(['n1', 'n2', 'n3']),
    ...maintained('n1'),
    { type: 'node.cordon.requested', cluster: C, node: 'n2' },
    { type: 'node.done', cluster: C, node: 'n2', outcome: 'skipped', message: 'drain did not finish within 2m: PDB pay/ledger needs 2 healthy, has 2' },
    { type: 'node.cordon.requested', cluster: C, node: 'n3' },
    { type: 'node.done', cluster: C, node: 'n3', outcome: 'quarantined', message: 'node n3 did not come back' },
  ]);
  assert.deepEqual(runProblems(s), [`${C}/n2: skipped (drain did not finish within 2m: PDB pay/ledger needs 2 healthy, has 2)`, `${C}/n3: quarantined (node n3 did not come back)`]);
  assert.deepEqual(summariseRun(s).nodes, { maintained: 1, skipped: 1, quarantined: 1 });
});

test('a node maintained with pods force-deleted names every pod and the budget it took below its minimum', () => {
  const s = stateOf([
    planned(['n1']),
    ...maintained('n1').slice(0, 3),
    { type: 'node.drain.timeout', cluster: C, node: 'n1', policy: 'force', blockers: ['pay/ledger-a: PDB pay/ledger needs 2 healthy, has 2'] },
    { type: 'node.pods.deleted', cluster: C, node: 'n1', pods: ['pay/ledger-a', 'pay/ledger-b'], budgets: [{ pdb: 'pay/ledger', desiredHealthy: 2, healthyBefore: 2, deleted: 2 }] },
    ...maintained('n1').slice(4),
  ]);
  assert.deepEqual(runProblems(s), [`${C}/n1: maintained; 2 pod(s) deleted outside the Eviction API (drain.onTimeout: force): pay/ledger-a, pay/ledger-b; PDB pay/ledger went below its minimum (needs 2 healthy, had 2, 2 deleted)`]);
  assert.deepEqual(summariseRun(s).nodes, { 'maintained with pods force-deleted': 1 });
});

test('a node left anywhere is named by where it was left, never "in progress"', () => {
  const acting = maintained('n1').slice(0, 5);
  const s = stateOf([planned(['n1', 'n2', 'n3']), ...acting, { type: 'node.cordon.requested', cluster: C, node: 'n2' }, { type: 'node.cordoned', cluster: C, node: 'n2', changed: true }, { type: 'node.held', cluster: C, node: 'n2', reason: 'not back: NotReady (kubelet stopped posting), left cordoned' }]);
  const summary = summariseRun(s);
  assert.deepEqual(summary.problems, [`${C}/n1: left cordoned: reboot requested, not confirmed`, `${C}/n2: not back: NotReady (kubelet stopped posting), left cordoned`, `${C}: 1 node(s) of phase os-patch not started: n3`]);
  assert.ok(!Object.keys(summary.nodes).some((k) => k.includes('in progress')), JSON.stringify(summary.nodes));
  assert.doesNotMatch(renderSummary(summary), /in progress/);
});

test('nodes a phase left alone because they were unavailable are not maintained; nodes already at the target are', () => {
  const s = stateOf([planned(['n1'], [{ node: 'n2', reason: 'cordoned by someone else', unavailable: true }, { node: 'n3', reason: 'already runs kubelet v1.31.2' }]), ...maintained('n1')]);
  assert.deepEqual(runProblems(s), [`${C}/n2: not maintained: left alone by phase os-patch (cordoned by someone else)`]);
});

test('a region switched back, or given back below its weight, is a problem', () => {
  const before = { [C]: regionTraffic({ weight: 100 }) };
  const cut = stateOf([{ type: 'traffic.before', cluster: C, regions: before }, { type: 'traffic.cut', cluster: C, reason: 'analysis failed', ms: 12, weight: 0 }]);
  assert.deepEqual(runProblems(cut), [`${C}: not back to its weight: switched back out of traffic (analysis failed)`]);
  const low = stateOf([{ type: 'traffic.before', cluster: C, regions: before }, { type: 'traffic.restored', cluster: C, weight: 50 }]);
  assert.deepEqual(runProblems(low), [`${C}: back at weight 50, not its weight 100 from before the run`]);
});

test('a node recover gave back before its action starts over on resume; after its action it keeps its place', () => {
  const early = stateOf([planned(['n1']), ...maintained('n1').slice(0, 4), { type: 'node.recovered', cluster: C, node: 'n1', by: 'daylight recover' }]);
  assert.equal(early.nodes[`${C}/n1`]?.step, 'pending');
  assert.deepEqual(runProblems(early), [`${C}/n1: not maintained: given back by daylight recover before its action`]);
  const late = stateOf([planned(['n1']), ...maintained('n1').slice(0, 6), { type: 'node.recovered', cluster: C, node: 'n1', by: 'daylight recover' }]);
  assert.equal(late.nodes[`${C}/n1`]?.step, 'back');
});

test('a degraded run ends with its problems journaled: status degraded, and the summary shows the journaled list', () => {
  const s = stateOf([planned(['n1']), ...maintained('n1'), { type: 'warning', cluster: C, message: 'silence s-1 could not be expired' }, { type: 'run.degraded', reason: 'the run finished, but 1 thing was not done as planned', problems: ['eu-central/n9: skipped'] }]);
  const summary = summariseRun(s);
  assert.equal(summary.status, 'degraded');
  assert.deepEqual(summary.problems, ['eu-central/n9: skipped']);
  assert.deepEqual(summary.warnings, [`${C}: silence s-1 could not be expired`]);
  assert.match(renderSummary(summary), /^Run run-1 degraded.*\nReason: .*\nProblems:\n {2}eu-central\/n9: skipped\nWarnings:\n/);
});

// ------------------------------------------------------------------------------------------- force

test('the budgets a forced deletion breaks: healthy pods deleted that take it below desiredHealthy, and no others', () => {
  const pod = (name: string, o: { ready?: boolean; app?: string } = {}) => ({ namespace: 'pay', name, uid: name, labels: { app: o.app ?? 'ledger' }, phase: 'Running', ready: o.ready ?? true, terminating: false, requests: { milliCpu: 0, memory: 0 }, emptyDir: false, mirror: false, hasReadinessProbe: true, terminationGracePeriodSeconds: 30 });
  const pdb = (name: string, app: string, healthy: number, desired: number) => ({ namespace: 'pay', name, selector: { matchLabels: { app } }, currentHealthy: healthy, desiredHealthy: desired, disruptionsAllowed: Math.max(0, healthy - desired), expectedPods: healthy });
  const victims = [pod('ledger-a'), pod('ledger-b', { ready: false }), pod('cache-a', { app: 'cache' })];
  assert.deepEqual(breaches(victims, [pdb('ledger', 'ledger', 2, 2), pdb('cache', 'cache', 3, 1), pdb('other', 'other', 1, 1)]), [{ pdb: 'pay/ledger', desiredHealthy: 2, healthyBefore: 2, deleted: 1 }]);
});

// --------------------------------------------------------------------------------------------- give-back

function failingUncordon(failures: number): { cluster: Cluster; calls: () => number } {
  let calls = 0;
  const cluster = fakeCluster({
    nodes: {
      uncordon: () => {
        calls++;
        return calls <= failures ? Promise.reject(new Error('etcdserver: request timed out')) : Promise.resolve(true);
      },
    },
  });
  return { cluster, calls: () => calls };
}

test('an uncordon that fails is retried with backoff until it goes through', async () => {
  const clock = manualClock();
  const f = failingUncordon(2);
  const r = await uncordonWithRetry({ cluster: f.cluster, node: 'n1', runId: RUN, clock });
  assert.deepEqual(r, { kind: 'uncordoned', changed: true });
  assert.equal(f.calls(), 3);
  assert.equal(clock.slept.length, 2);
  assert.ok(clock.slept.every((ms) => ms > 0 && ms <= 8000), JSON.stringify(clock.slept));
});

test('an uncordon that keeps failing is given up after its attempts with the last error, never swallowed', async () => {
  const f = failingUncordon(99);
  const r = await uncordonWithRetry({ cluster: f.cluster, node: 'n1', runId: RUN, clock: manualClock() });
  assert.deepEqual(r, { kind: 'failed', message: 'uncordon failed 5 times, last: etcdserver: request timed out' });
  assert.equal(f.calls(), 5);
});

test('an abort during the uncordon passes through', async () => {
  const ac = new AbortController();
  ac.abort();
  const cluster = fakeCluster({ nodes: { uncordon: () => Promise.reject(Object.assign(new Error('aborted'), { name: 'AbortError' })) } });
  await assert.rejects(uncordonWithRetry({ cluster, node: 'n1', runId: RUN, clock: manualClock(), signal: ac.signal }), { name: 'AbortError' });
});

interface GiveBackWorld {
  readonly recorded: RunEvent[];
  readonly waits: number[];
  readonly cluster: Cluster;
}

function giveBackWorld(nodes: Record<string, Partial<NodeView>>, o: { uncordonFails?: boolean } = {}): GiveBackWorld {
  const recorded: RunEvent[] = [];
  const waits: number[] = [];
  const view = (name: string) => nodeView(name, { cordonedBy: RUN, unschedulable: true, ...nodes[name] });
  const cluster = fakeCluster({
    nodes: {
      get: (name) => Promise.resolve(view(name)),
      waitFor: (name, done, timeoutMs) => {
        waits.push(timeoutMs);
        const v = view(name);
        return Promise.resolve(done(v) ? v : undefined);
      },
      uncordon: () => (o.uncordonFails ? Promise.reject(new Error('forbidden: nodes "n1" is forbidden')) : Promise.resolve(true)),
    },
  });
  return { recorded, waits, cluster };
}

test('give-back after a failure: a NotReady node past its ready deadline is held at once and named; a Ready one is given back', async () => {
  const w = giveBackWorld({ n1: { ready: false, readyMessage: 'kubelet stopped posting node status' }, n2: { ready: true } });
  const acting = (node: string) => maintained(node).slice(0, 5);
  const s = stateOf([planned(['n1', 'n2']), ...acting('n1'), ...acting('n2')]);
  const clock = manualClock(NOW + 10 * 60_000);
  const r = await giveBackAll({ state: s, clusters: new Map([[C, w.cluster]]), runId: RUN, outcome: 'failed', why: 'n1 did not come back', record: async (e) => void w.recorded.push(e), clock, readyDeadline: () => NOW + 3 * 60_000 });
  // The deadline passed 7 minutes ago: the wait for n1 is 0, not a fixed 10 minutes
  assert.deepEqual(w.waits, [0]);
  assert.deepEqual(r.held, [`${C}/n1 (not back: NotReady (kubelet stopped posting node status), left cordoned)`]);
  assert.deepEqual(r.returned, [`${C}/n2`]);
  assert.deepEqual(w.recorded.map((e) => `${e.type} ${'node' in e ? e.node : ''}`), ['node.held n1', 'node.uncordoned n2', 'node.done n2']);
});

test('give-back waits for a node still coming back only until its ready deadline', async () => {
  const w = giveBackWorld({ n1: { ready: false } });
  const s = stateOf([planned(['n1']), ...maintained('n1').slice(0, 5)]);
  await giveBackAll({ state: s, clusters: new Map([[C, w.cluster]]), runId: RUN, outcome: 'failed', why: 'another node failed', record: async (e) => void w.recorded.push(e), clock: manualClock(NOW + 60_000), readyDeadline: () => NOW + 3 * 60_000 });
  assert.deepEqual(w.waits, [120_000]);
});

test('give-back names a node whose uncordon keeps failing as left cordoned, with the error', async () => {
  const w = giveBackWorld({ n1: { ready: true } }, { uncordonFails: true });
  const s = stateOf([planned(['n1']), ...maintained('n1').slice(0, 2)]);
  const r = await giveBackAll({ state: s, clusters: new Map([[C, w.cluster]]), runId: RUN, outcome: 'skipped', why: 'aborted', record: async (e) => void w.recorded.push(e), clock: manualClock(), readyDeadline: () => NOW });
  assert.deepEqual(r.held, [`${C}/n1 (left cordoned: uncordon failed 5 times, last: forbidden: nodes "n1" is forbidden)`]);
  assert.deepEqual(w.recorded, [{ type: 'node.held', cluster: C, node: 'n1', reason: 'left cordoned: uncordon failed 5 times, last: forbidden: nodes "n1" is forbidden' }]);
});

// ---------------------------------------------------------------------------------------------- silences

test('a silence that cannot be expired becomes a warning in the journal; the others are expired', async () => {
  const recorded: RunEvent[] = [];
  const expirer = { expire: (id: string) => (id === 's-2' ? Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:9093')) : Promise.resolve()) };
  const failed = await expireSilences({ expirer, silences: { 's-1': 'http://127.0.0.1:9093', 's-2': 'http://127.0.0.1:9093' }, cluster: C, record: async (e) => void recorded.push(e), signal: new AbortController().signal });
  assert.equal(failed, 1);
  assert.deepEqual(recorded.map((e) => e.type), ['silence.expired', 'warning']);
  assert.match((recorded[1] as { message: string }).message, /^silence s-2 at http:\/\/127\.0\.0\.1:9093 could not be expired \(connect ECONNREFUSED 127\.0\.0\.1:9093\)/);
  const s = stateOf(recorded);
  assert.equal(summariseRun(s).warnings.length, 1);
});

test('an abort while expiring a silence passes through', async () => {
  const ac = new AbortController();
  ac.abort();
  const expirer = { expire: () => Promise.reject(Object.assign(new Error('aborted'), { name: 'AbortError' })) };
  await assert.rejects(expireSilences({ expirer, silences: { 's-1': 'http://127.0.0.1:9093' }, cluster: C, record: () => Promise.resolve(), signal: ac.signal }), { name: 'AbortError' });
});
