// Approval gates in the runner (`awaitApproval` through `executeRun` and `runWave`) over the in-memory fleet and
// the virtual clock: the run journals the request and waits on the clock until an answer comes through its
// inbox; granted goes on, rejected ends failed with nothing cordoned, the timeout answers as onTimeout says, and
// a resumed run waits for the same request or goes on with the answer it has. Answers are judged by one function.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { answerProblem, chooseStep, phaseStep, regionStep, waveStep } from '../../../src/engine/approvals.ts';
import type { ApprovalAnswer } from '../../../src/engine/ports/approvals.ts';
import type { JournalEntry, RunEvent } from '../../../src/engine/events.ts';
import { replay } from '../../../src/engine/state.ts';
import { withRun } from './runner-fakes.ts';
import type { RunnerHarness } from './runner-fakes.ts';

const TEST = { timeout: 20_000 };
const WAVES = [['node-a1'], ['node-a2'], ['node-a3']];
const MINUTE = 60_000;

function answer(step: string, decision: ApprovalAnswer['decision'], by: string, comment?: string): ApprovalAnswer {
  return { id: `${by}-${decision}-${step}`, step, decision, by, via: 'cli', at: '2026-12-07T09:00:00.000Z', ...(comment ? { comment } : {}) };
}

/** When the run journals `type`, `then` runs after `delayMs` of cluster time (the run is waiting on the clock meanwhile). */
function after(h: RunnerHarness, type: RunEvent['type'], delayMs: number, then: () => void): void {
  let done = false;
  h.onEntry((e: JournalEntry) => {
    if (done || e.event.type !== type) return;
    done = true;
    void h.clock.sleep(delayMs).then(then);
  });
}

test('a run waits at an approval before its phase, on the clock, until someone approves it; then it goes on and succeeds', TEST, (t) =>
  withRun(t, { waves: WAVES, phase: { before: [{ type: 'approval', name: 'change board', message: 'CAB-1234 signed off?' }] } }, async (h) => {
    // Given a phase with an approval before it, and alice answering 10 minutes (cluster time) after the request
    let cordonedWhileWaiting = -1;
    h.onEntry((e, s) => {
      if (e.event.type === 'approval.requested') cordonedWhileWaiting = h.fleet.cordoned().length;
      if (e.event.type === 'approval.requested') assert.equal(s.approvals['phase/os-patch']?.status, 'waiting');
    });
    after(h, 'approval.requested', 10 * MINUTE, () => h.inbox.push(answer('phase/os-patch', 'approve', 'alice', 'CAB-1234 approved')));
    // When the run goes
    const end = await h.run();
    // Then it succeeded, and nothing was touched before the approval
    assert.equal(end.status, 'succeeded', end.reason);
    assert.equal(cordonedWhileWaiting, 0);
    const types = h.types();
    assert.ok(types.indexOf('approval.granted') < types.indexOf('node.cordon.requested'), 'no node is cordoned before the approval');
    // And it waited 10 minutes of cluster time, no more than one poll longer
    const waited = h.at((e) => e.type === 'approval.granted') - h.at((e) => e.type === 'approval.requested');
    assert.ok(waited >= 10 * MINUTE && waited <= 10 * MINUTE + 1000, `waited ${waited} ms`);
    // And the journal holds who approved, how and with what comment
    const [granted] = h.events('approval.granted');
    assert.deepEqual({ step: granted?.step, by: granted?.by, via: granted?.via, comment: granted?.comment }, { step: 'phase/os-patch', by: 'alice', via: 'cli', comment: 'CAB-1234 approved' });
    assert.deepEqual(h.events('approval.requested').map((e) => [e.step, e.name, e.message, e.onTimeout]), [['phase/os-patch', 'change board', 'CAB-1234 signed off?', 'reject']]);
  }));

test('a rejection before a wave ends the run failed with who and why, the earlier waves given back, nothing cordoned', TEST, (t) =>
  withRun(t, { waves: WAVES, phase: { beforeEachWave: [{ type: 'approval' }] } }, async (h) => {
    // Given an approval before each wave: the first two approved, the third rejected by bob
    h.onEntry((e) => {
      if (e.event.type !== 'approval.requested') return;
      const step = e.event.step;
      h.inbox.push(step === 'phase/os-patch/wave/3' ? answer(step, 'reject', 'bob', 'freeze starts now') : answer(step, 'approve', 'alice'));
    });
    // When the run goes
    const end = await h.run();
    // Then it failed with the rejection as its reason
    assert.equal(end.status, 'failed');
    assert.match(end.reason ?? '', /approval of phase\/os-patch\/wave\/3 rejected by bob: freeze starts now/);
    // And the steps were asked one per wave, counted as people read them
    assert.deepEqual(h.events('approval.requested').map((e) => e.step), ['phase/os-patch/wave/1', 'phase/os-patch/wave/2', 'phase/os-patch/wave/3']);
    // And the first two waves were maintained, the third never started, nothing is left cordoned
    assert.deepEqual(h.fleet.rebooted(), ['node-a1', 'node-a2']);
    assert.equal(h.events('wave.started').length, 2);
    assert.deepEqual(h.fleet.cordoned(), []);
    assert.equal(h.events('approval.rejected')[0]?.by, 'bob');
  }));

test('without an answer the timeout answers: onTimeout reject ends the run failed, at the deadline of the cluster clock', TEST, (t) =>
  withRun(t, { waves: WAVES, phase: { before: [{ type: 'approval', timeout: '30m' }] } }, async (h) => {
    // Given an approval with a 30-minute timeout (default onTimeout: reject) and nobody answering
    // When the run goes
    const end = await h.run();
    // Then it failed at the deadline, rejected by the timeout, and no node was touched
    assert.equal(end.status, 'failed');
    assert.match(end.reason ?? '', /rejected by daylight \(timeout\): no answer within 1800 s; onTimeout: reject/);
    assert.equal(h.at((e) => e.type === 'approval.rejected') - h.at((e) => e.type === 'approval.requested'), 30 * MINUTE);
    assert.equal(h.events('approval.rejected')[0]?.via, 'timeout');
    assert.deepEqual(h.fleet.rebooted(), []);
  }));

test('onTimeout approve goes on at the deadline, recorded as approved by the timeout', TEST, (t) =>
  withRun(t, { waves: WAVES, phase: { before: [{ type: 'approval', timeout: '30m', onTimeout: 'approve' }] } }, async (h) => {
    // Given an approval with a 30-minute timeout that approves, and nobody answering
    // When the run goes
    const end = await h.run();
    // Then it succeeded, the approval granted by the timeout 30 minutes after the request
    assert.equal(end.status, 'succeeded', end.reason);
    const [granted] = h.events('approval.granted');
    assert.deepEqual([granted?.by, granted?.via], ['daylight (timeout)', 'timeout']);
    assert.equal(h.at((e) => e.type === 'approval.granted') - h.at((e) => e.type === 'approval.requested'), 30 * MINUTE);
    assert.deepEqual(h.fleet.rebooted(), ['node-a1', 'node-a2', 'node-a3']);
  }));

test('a run stopped while it waits waits again when resumed, for the same request and deadline; one stopped after the answer goes on', TEST, (t) =>
  withRun(t, { waves: WAVES, phase: { before: [{ type: 'approval', timeout: '2h' }], beforeEachWave: [{ type: 'approval' }] } }, async (h) => {
    // Given a run interrupted (Ctrl-C, a crash) 5 minutes into its wait for the phase's approval
    const first = new AbortController();
    after(h, 'approval.requested', 5 * MINUTE, () => first.abort());
    const stopped = await h.run(first.signal);
    assert.equal(stopped.status, 'paused');
    assert.equal(replay('run-9', h.journal.entries).approvals['phase/os-patch']?.status, 'waiting');
    // When it resumes, and the phase is approved 5 minutes later; the first wave's approval comes, then the run is stopped again
    after(h, 'run.resumed', 5 * MINUTE, () => h.inbox.push(answer('phase/os-patch', 'approve', 'alice')));
    const second = new AbortController();
    h.onEntry((e) => {
      if (e.event.type === 'approval.granted' && e.event.step === 'phase/os-patch/wave/1') second.abort();
      if (e.event.type === 'approval.requested' && e.event.step.includes('/wave/')) h.inbox.push(answer(e.event.step, 'approve', 'carol'));
    });
    const again = await h.run(second.signal);
    assert.equal(again.status, 'paused');
    // Then the phase was asked once: the resumed run waited for the same request (one approval.requested, one deadline)
    const asked = h.events('approval.requested').filter((e) => e.step === 'phase/os-patch');
    assert.equal(asked.length, 1);
    // When the run resumes once more after the first wave's approval was granted
    const end = await h.run();
    // Then it goes on without asking for that wave again, and succeeds
    assert.equal(end.status, 'succeeded', end.reason);
    assert.equal(h.events('approval.requested').filter((e) => e.step === 'phase/os-patch/wave/1').length, 1);
    assert.deepEqual(h.events('approval.granted').map((e) => e.step), ['phase/os-patch', 'phase/os-patch/wave/1', 'phase/os-patch/wave/2', 'phase/os-patch/wave/3']);
    assert.deepEqual(h.fleet.rebooted(), ['node-a1', 'node-a2', 'node-a3']);
  }));

test('an answer for a step the run does not wait at is ignored with a warning; the waiting step still needs its own', TEST, (t) =>
  withRun(t, { waves: [['node-a1']], phase: { before: [{ type: 'approval' }] } }, async (h) => {
    // Given a stray answer for another step, then the right one
    after(h, 'approval.requested', MINUTE, () => h.inbox.push(answer('phase/other', 'approve', 'mallory')));
    after(h, 'approval.requested', 2 * MINUTE, () => h.inbox.push(answer('phase/os-patch', 'approve', 'alice')));
    // When the run goes
    const end = await h.run();
    // Then the stray answer is named in a warning and did not count
    assert.equal(end.status, 'succeeded', end.reason);
    assert.match(h.events('warning')[0]?.message ?? '', /approval by mallory ignored: run run-9 does not wait for an approval of phase\/other; it waits for phase\/os-patch/);
    assert.equal(h.events('approval.granted')[0]?.by, 'alice');
  }));

test('answers are judged once for every channel: the waiting step, twice, a step not waiting, none or several waiting', () => {
  const asked = (step: string): RunEvent => ({ type: 'approval.requested', step, phase: 'os-patch', onTimeout: 'reject' });
  const state = (events: RunEvent[]) => replay('run-1', events.map((event, i) => ({ seq: i + 1, at: i, wall: '', runId: 'run-1', event, prev: '', hash: '' })));
  const one = state([asked('phase/os-patch')]);
  // The one waiting step is chosen without --step, and taken with it
  assert.deepEqual(chooseStep(one, undefined), { step: 'phase/os-patch' });
  assert.equal(answerProblem(one, 'phase/os-patch'), undefined);
  // A step not waiting is refused with the one that is
  assert.equal(answerProblem(one, 'phase/db'), 'run run-1 does not wait for an approval of phase/db; it waits for phase/os-patch');
  // Answering twice is refused with the first answer
  const answered = state([asked('phase/os-patch'), { type: 'approval.granted', step: 'phase/os-patch', by: 'alice', via: 'cli', answeredAt: '2026-12-07T09:00:00.000Z' }]);
  assert.equal(answerProblem(answered, 'phase/os-patch'), 'phase/os-patch was already approved by alice at 2026-12-07T09:00:00.000Z; an answer counts once');
  assert.deepEqual(chooseStep(answered, undefined), { problem: 'run run-1 waits for no approval now (status running)' });
  // Several waiting: --step is needed
  const two = state([asked('phase/a/region/eu-west'), asked('phase/b')]);
  assert.deepEqual(chooseStep(two, undefined), { problem: 'run run-1 waits for 2 approvals: phase/a/region/eu-west, phase/b; name one with --step' });
  // Step ids
  assert.deepEqual([phaseStep('os-patch'), regionStep('os-patch', 'eu-west'), waveStep('os-patch', 1, 'eu-west', 1), waveStep('os-patch', 1, 'eu-west', 2)], ['phase/os-patch', 'phase/os-patch/region/eu-west', 'phase/os-patch/wave/2', 'phase/os-patch/region/eu-west/wave/2']);
});
