// The runner's waves, gates and soak (`executeRun` through `runPhase`, `runWave`, `maintainWithinBudget`)
// over an in-memory fleet and a virtual clock: waves in the planned order, at most maxUnavailable nodes
// out at once, gates before each wave retried within gateRetry, the soak and the window waited on the
// clock, and pause, resume and abort between waves. A run of hours of cluster time takes milliseconds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RunEvent } from '../../../src/engine/events.ts';
import type { WindowPort } from '../../../src/engine/ports.ts';
import { NOW, withRun } from './runner-fakes.ts';
import type { RunnerHarness } from './runner-fakes.ts';

/** Generous: a loaded machine; each case takes milliseconds. */
const TEST = { timeout: 20_000 };
const ZONES = [['node-a1', 'node-a2'], ['node-b1', 'node-b2'], ['node-c1', 'node-c2']];
const NODES_READY = { type: 'kube', check: 'nodes-ready', name: 'nodes-ready' };

/** The journal's place of the first event matching `pred`. */
function seqOf(h: RunnerHarness, pred: (e: RunEvent) => boolean): number {
  const i = h.journal.entries.findIndex((x) => pred(x.event));
  assert.ok(i >= 0, 'the journal has the event');
  return i;
}

const isNode = (type: RunEvent['type'], node: string) => (e: RunEvent) => e.type === type && 'node' in e && e.node === node;
const isWave = (type: RunEvent['type'], wave: number) => (e: RunEvent) => e.type === type && 'wave' in e && e.wave === wave;

test('waves run in the planned order, each node inside its wave, with the gates before each wave and after the phase', TEST, (t) =>
  withRun(t, { waves: ZONES, phase: { maxUnavailable: 2 }, gates: [NODES_READY] }, async (h) => {
    // Given three waves of two nodes, maxUnavailable 2 and a nodes-ready gate
    // When the run goes
    const end = await h.run();
    // Then it succeeded, every node rebooted once, wave after wave
    assert.equal(end.status, 'succeeded', end.reason);
    assert.deepEqual([...h.fleet.rebooted()].sort(), ZONES.flat());
    assert.deepEqual(h.events('wave.started').map((e) => e.nodes), ZONES);
    // And the gates came before each wave and after the phase, each wave finished before the next began
    const flow = h.journal.entries.map((x) => x.event).flatMap((e) => (e.type === 'gates.evaluated' ? [`gates ${e.when} ${e.wave ?? ''}`.trim()] : e.type.startsWith('wave.') || e.type === 'phase.completed' ? [`${e.type} ${'wave' in e ? e.wave : ''}`.trim()] : []));
    assert.deepEqual(flow, ['gates before-wave 0', 'wave.started 0', 'wave.completed 0', 'gates before-wave 1', 'wave.started 1', 'wave.completed 1', 'gates before-wave 2', 'wave.started 2', 'wave.completed 2', 'gates after-phase', 'phase.completed']);
    // And every node was cordoned after its wave started and done before its wave completed
    for (const [i, wave] of ZONES.entries()) {
      for (const node of wave) {
        assert.ok(seqOf(h, isNode('node.cordon.requested', node)) > seqOf(h, isWave('wave.started', i)), `${node} starts inside wave ${i}`);
        assert.ok(seqOf(h, isNode('node.done', node)) < seqOf(h, isWave('wave.completed', i)), `${node} is done inside wave ${i}`);
      }
    }
    assert.deepEqual(h.fleet.cordoned(), []);
  }));

test('a wave larger than maxUnavailable goes through a pool: never more than maxUnavailable nodes out, and the next starts as soon as one is back', TEST, (t) =>
  // Given one wave of five nodes, maxUnavailable 2, and node-a1 rebooting in 30 s, node-a2 in 3 minutes, the others in 1 minute
  withRun(t, { waves: [['node-a1', 'node-a2', 'node-a3', 'node-a4', 'node-a5']], phase: { maxUnavailable: 2 }, rebootMs: (n) => (n === 'node-a1' ? 30_000 : n === 'node-a2' ? 180_000 : 60_000) }, async (h) => {
    // When the run goes
    const end = await h.run();
    // Then every node is maintained, and the fleet never had more than two nodes out at once, but had two
    assert.equal(end.status, 'succeeded', end.reason);
    assert.deepEqual(h.fleet.rebooted(), ['node-a1', 'node-a2', 'node-a3', 'node-a4', 'node-a5']);
    assert.equal(h.fleet.maxUnavailable, 2);
    // And node-a3 went out the moment node-a1 was back, without waiting for the slow node-a2
    const { outAt, backAt } = h.fleet;
    assert.equal(outAt['node-a3'], backAt['node-a1']);
    assert.ok((outAt['node-a3'] ?? Infinity) < (backAt['node-a2'] ?? 0), 'node-a3 started while node-a2 was still out');
    assert.equal(outAt['node-a4'], backAt['node-a3']);
  }));

test('a gate that fails before a wave is evaluated again every 10 s within gateRetry, and the wave starts once it passes', TEST, (t) =>
  // Given a gate that passes before wave 0, then fails three times before wave 1, then passes; gateRetry 2m
  withRun(t, { waves: [['node-a1'], ['node-b1']], gates: [NODES_READY], gateRetry: '2m', gatesPass: (i) => i === 0 || i >= 4 }, async (h) => {
    // When the run goes
    const end = await h.run();
    // Then it succeeded: wave 1 waited for the gate, evaluated every 10 s of cluster time
    assert.equal(end.status, 'succeeded', end.reason);
    const [, first, ...retries] = h.gateEvaluations;
    assert.deepEqual(retries.slice(0, 3).map((t) => t - (first ?? 0)), [10_000, 20_000, 30_000]);
    // And the journal has the first failure and the pass, and wave 1 started only after the pass
    const before1 = h.events('gates.evaluated').filter((e) => e.when === 'before-wave' && e.wave === 1);
    assert.deepEqual(before1.map((e) => e.passed), [false, true]);
    assert.ok(h.at(isWave('wave.started', 1)) >= (first ?? 0) + 30_000);
    assert.ok(seqOf(h, isNode('node.cordon.requested', 'node-b1')) > seqOf(h, (e) => e.type === 'gates.evaluated' && e.wave === 1 && e.passed));
  }));

test('a gate that keeps failing stops the run at the end of gateRetry, naming the gate, before the wave touches a node', TEST, (t) =>
  // Given a gate that passes before wave 0 and never again; gateRetry 1m
  withRun(t, { waves: [['node-a1'], ['node-b1']], gates: [NODES_READY], gateRetry: '1m', gatesPass: (i) => i === 0 }, async (h) => {
    // When the run goes
    const end = await h.run();
    // Then it failed naming the gate and its message, after a minute of cluster time of retries
    assert.equal(end.status, 'failed');
    assert.equal(end.reason, 'gates failed before wave 1 on eu-central: nodes-ready: node-b1 is NotReady');
    const tries = h.gateEvaluations.slice(1);
    assert.equal(tries.length, 7);
    assert.equal((tries.at(-1) ?? 0) - (tries[0] ?? 0), 60_000);
    // And wave 1 never started: node-b1 was never cordoned
    assert.deepEqual(h.fleet.touched('cordon'), ['node-a1']);
    assert.ok(!h.events('wave.started').some((e) => e.wave === 1));
  }));

test('the soak after each wave is waited on the clock: the next wave and its gates come a whole soak after the wave completed', TEST, (t) =>
  // Given two waves and a soak of 10 minutes
  withRun(t, { waves: [['node-a1'], ['node-b1']], phase: { soak: '10m' }, gates: [NODES_READY] }, async (h) => {
    // When the run goes
    const started = performance.now();
    const end = await h.run();
    // Then each wave soaked 10 minutes of cluster time, and wave 1's gates and start came after wave 0's soak
    assert.equal(end.status, 'succeeded', end.reason);
    assert.deepEqual(h.events('wave.soaked').map((e) => [e.wave, e.ms]), [[0, 600_000], [1, 600_000]]);
    const completed = h.at(isWave('wave.completed', 0));
    assert.equal(h.at(isWave('wave.soaked', 0)), completed + 600_000);
    assert.ok(h.gateEvaluations[1] !== undefined && h.gateEvaluations[1] >= completed + 600_000, 'the gates of wave 1 are evaluated after the soak');
    assert.ok(h.at(isWave('wave.started', 1)) >= completed + 600_000);
    // And none of it was waited on the wall clock
    assert.ok(performance.now() - started < 10_000, 'twenty minutes of soak took no real time');
  }));

test('a window that closes defers the next wave until it opens again; the gates are evaluated then, not before', TEST, async (t) => {
  // Given a window whose current opening ends 5 minutes from now and opens again two hours later, and waves estimated at 4.5 minutes
  const closes = NOW + 5 * 60_000;
  const opens = NOW + 2 * 3_600_000;
  const asked: number[] = [];
  const windows: WindowPort = {
    nextStart: (_w, from, duration) => {
      asked.push(duration);
      return from + duration <= closes ? from : Math.max(from, opens);
    },
  };
  await withRun(t, { waves: [['node-a1'], ['node-b1']], estimateMs: 270_000, window: { allow: [{ start: '09:00', end: '16:00' }] }, windows, gates: [NODES_READY] }, async (h) => {
    // When the run goes
    const end = await h.run();
    // Then wave 0 started at once, and wave 1 waited for the window, journaled with when it opens
    assert.equal(end.status, 'succeeded', end.reason);
    assert.deepEqual(asked, [270_000, 270_000]);
    assert.equal(h.at(isWave('wave.started', 0)), NOW);
    assert.deepEqual(h.events('window.waiting').map((e) => [e.wave, e.until]), [[1, opens]]);
    assert.ok(h.at(isWave('wave.completed', 0)) + 270_000 > closes, 'wave 1 would not have fitted in what was left of the window');
    // And its gates and its start came once the window opened
    assert.ok((h.gateEvaluations[1] ?? 0) >= opens, 'the gates of wave 1 are evaluated when the window opens');
    assert.ok(h.at(isWave('wave.started', 1)) >= opens);
  });
});

/** Leaves `command` for the run when wave 0 completes, with the clock held until the run has read it (it reads every 250 ms). */
function commandAfterWave0(h: RunnerHarness, command: 'pause' | 'abort'): void {
  h.onEntry((e) => {
    if (e.event.type === 'wave.completed' && e.event.wave === 0) {
      h.clock.hold();
      h.control.push(command);
    }
    if (e.event.type === 'control.received') h.clock.release();
  });
}

test('pause between waves stops the run in its soak; resume goes on with the next wave after the rest of the soak', TEST, (t) =>
  withRun(t, { waves: [['node-a1'], ['node-b1']], phase: { soak: '5m' } }, async (h) => {
    // Given `daylight pause` while the run soaks after wave 0, and `daylight resume` once it has paused
    commandAfterWave0(h, 'pause');
    h.onEntry((e) => {
      if (e.event.type === 'run.paused') h.control.push('resume');
    });
    // When the run goes
    const end = await h.run();
    // Then it paused after wave 0, touched no node while paused, and resumed
    assert.equal(end.status, 'succeeded', end.reason);
    const paused = seqOf(h, (e) => e.type === 'run.paused');
    const resumed = seqOf(h, (e) => e.type === 'run.resumed');
    assert.equal(h.events('run.paused')[0]?.reason, 'paused by daylight pause; waiting for daylight resume or abort');
    assert.ok(paused > seqOf(h, isWave('wave.completed', 0)) && resumed > paused);
    assert.ok(!h.journal.entries.slice(paused, resumed).some((x) => 'node' in x.event), 'nothing happens to a node while paused');
    assert.ok(seqOf(h, isNode('node.cordon.requested', 'node-b1')) > resumed);
    // And wave 1 began only a whole soak after wave 0 completed
    assert.ok(h.at(isWave('wave.started', 1)) >= h.at(isWave('wave.completed', 0)) + 300_000, 'the pause did not cut the soak short');
    assert.deepEqual(h.fleet.rebooted(), ['node-a1', 'node-b1']);
  }));

test('abort between waves ends the run aborted; the next wave never starts', TEST, (t) =>
  withRun(t, { waves: [['node-a1'], ['node-b1']], phase: { soak: '5m' } }, async (h) => {
    // Given `daylight abort` while the run soaks after wave 0
    commandAfterWave0(h, 'abort');
    // When the run goes
    const end = await h.run();
    // Then it is aborted, saying so, with node-a1 maintained and node-b1 never touched
    assert.equal(end.status, 'aborted');
    assert.equal(end.reason, 'aborted by daylight abort');
    assert.deepEqual(h.fleet.calls.filter((c) => c.endsWith('node-b1')), []);
    assert.equal(end.state.nodes['eu-central/node-a1']?.outcome, 'maintained');
    assert.ok(!h.events('wave.started').some((e) => e.wave === 1));
  }));

test('abort while paused ends the run aborted without resuming it', TEST, (t) =>
  withRun(t, { waves: [['node-a1'], ['node-b1']], phase: { soak: '5m' } }, async (h) => {
    // Given `daylight pause` during the soak after wave 0, then `daylight abort` while paused
    commandAfterWave0(h, 'pause');
    h.onEntry((e) => {
      if (e.event.type === 'run.paused') h.control.push('abort');
    });
    // When the run goes, then it is aborted while paused, and wave 1 never started
    const end = await h.run();
    assert.equal(end.status, 'aborted');
    assert.equal(end.reason, 'aborted by daylight abort while paused');
    assert.ok(!h.types().includes('run.resumed'));
    assert.deepEqual(h.fleet.rebooted(), ['node-a1']);
  }));

test('a pause that cuts a request in flight (a fetch rejects with the signal\'s reason itself, not an AbortError) pauses the run, and resume finishes it', TEST, (t) =>
  withRun(t, { waves: [['node-a1'], ['node-b1']] }, async (h) => {
    // Given a cluster whose wait for a node, cut by the run's stop, rejects as fetch does: with the reason
    const nodes = h.fleet.port.nodes as { waitFor: typeof h.fleet.port.nodes.waitFor };
    const wait = nodes.waitFor.bind(nodes);
    nodes.waitFor = (n, done, timeoutMs, signal) =>
      new Promise((resolve, reject) => {
        signal?.addEventListener('abort', () => reject(signal.reason), { once: true });
        wait(n, done, timeoutMs, signal).then(resolve, () => reject(signal?.reason));
      });
    // And `daylight pause` while node-a1 reboots, `daylight resume` once paused
    // (the clock held until the run has read it: it reads every 250 ms)
    h.onEntry((e) => {
      if (e.event.type === 'node.action.requested' && e.event.node === 'node-a1') {
        h.clock.hold();
        h.control.push('pause');
      }
      if (e.event.type === 'control.received') h.clock.release();
      if (e.event.type === 'run.paused') h.control.push('resume');
    });
    // When the run goes, then it paused as asked (not "stopped by an error: pause") and finished after the resume
    const end = await h.run();
    assert.equal(end.status, 'succeeded', end.reason);
    assert.deepEqual(h.events('run.paused').map((e) => e.reason), ['paused by daylight pause; waiting for daylight resume or abort']);
    assert.deepEqual(h.fleet.rebooted(), ['node-a1', 'node-b1']);
  }));
