// The manual traffic adapter: a person steers the balancer, each change asked as a question that names the
// region and applied only once the person confirms; and the control-file confirmation that answers it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { controlFileConfirm } from '../../../src/cli/regional-wiring.ts';
import { createRunDir, sendControl } from '../../../src/engine/run-dir.ts';
import { abortError } from '../../../src/lib/clock.ts';
import type { Clock } from '../../../src/lib/clock.ts';
import { ManualTraffic } from '../../../src/traffic/manual.ts';
import type { Confirm } from '../../../src/traffic/manual.ts';

/** An operator who answers when the test says so; `questions` are what they were asked. */
function operator() {
  const questions: string[] = [];
  let answer: (() => void) | undefined;
  const confirm: Confirm = (question, signal) =>
    new Promise<void>((resolve, reject) => {
      questions.push(question);
      answer = resolve;
      signal?.addEventListener('abort', () => reject(abortError()), { once: true });
    });
  return {
    confirm,
    questions,
    confirmNow: () => answer?.(),
  };
}

async function weightOf(t: ManualTraffic, region: string): Promise<number | undefined> {
  return (await t.snapshot()).regions[region]?.weight;
}

/** Lets pending promise callbacks run, so a change that does not wait for the answer would show. */
const settle = () => new Promise((r) => setImmediate(r));

/**
 * A clock that moves only when the test wakes its sleeper; `asleep()` resolves once a sleep is pending, so
 * the test knows the poller has gone round its loop (read the file) and is waiting again.
 */
function stepClock(): Clock & { asleep(): Promise<void>; wake(): void } {
  let now = 0;
  let sleeper: (() => void) | undefined;
  const watchers: (() => void)[] = [];
  return {
    speed: 1,
    now: () => now,
    sleep: (ms, signal) => new Promise<void>((resolve, reject) => {
      sleeper = () => {
        now += ms;
        resolve();
      };
      signal?.addEventListener('abort', () => reject(abortError()), { once: true });
      for (const w of watchers.splice(0)) w();
    }),
    asleep: () => new Promise<void>((resolve) => (sleeper ? resolve() : watchers.push(resolve))),
    wake() {
      const s = sleeper;
      sleeper = undefined;
      s?.();
    },
  };
}

test('a drain asks to take the region out, naming it by its server too, and applies weight 0 only after the confirmation', async () => {
  // Given both regions in service and eu-central known at the balancer as srv-fra
  const op = operator();
  const t = new ManualTraffic({ regions: ['eu-central', 'eu-west'], servers: { 'eu-central': 'srv-fra' }, confirm: op.confirm });
  // When eu-central is drained with a 2m timeout
  const drained = t.drain('eu-central', { timeoutMs: 120_000 });
  await settle();
  // Then the question says what to do, to which server, and what to look at
  assert.deepEqual(op.questions, [
    "Take eu-central (srv-fra) out of traffic at the global load balancer: stop new connections to it, let existing ones finish (shut them after 120 s). Confirm once your balancer's statistics show no new requests and no open sessions for eu-central (srv-fra) and the traffic on eu-west.",
  ]);
  // And until the operator confirms, the region is still at its full share
  assert.equal(await weightOf(t, 'eu-central'), 100);
  op.confirmNow();
  await drained;
  assert.equal(await weightOf(t, 'eu-central'), 0);
  assert.equal((await t.snapshot()).regions['eu-central']?.state, 'drain');
});

test('a share is asked in percent and applied after the confirmation', async () => {
  const op = operator();
  const t = new ManualTraffic({ regions: ['eu-central', 'eu-west'], confirm: op.confirm });
  const drained = t.drain('eu-central', { timeoutMs: 60_000 });
  await settle();
  op.confirmNow();
  await drained;
  const share = t.setShare('eu-central', 10);
  await settle();
  assert.equal(op.questions.at(-1), "Give eu-central 10% of its normal weight at the global load balancer. Confirm once the balancer's statistics show it taking new requests at that share.");
  assert.equal(await weightOf(t, 'eu-central'), 0);
  op.confirmNow();
  await share;
  assert.equal(await weightOf(t, 'eu-central'), 10);
});

test('a cut is asked as a switch-back now', async () => {
  const op = operator();
  const t = new ManualTraffic({ regions: ['eu-central', 'eu-west'], confirm: op.confirm });
  const cut = t.cut('eu-central');
  await settle();
  assert.match(op.questions[0] ?? '', /^SWITCH BACK NOW: set eu-central's weight to 0 at the global load balancer/);
  op.confirmNow();
  await cut;
  assert.equal(await weightOf(t, 'eu-central'), 0);
});

test('an abort while the question waits rejects and changes nothing', async () => {
  const op = operator();
  const t = new ManualTraffic({ regions: ['eu-central', 'eu-west'], confirm: op.confirm });
  const stop = new AbortController();
  const drained = t.drain('eu-central', { timeoutMs: 60_000, signal: stop.signal });
  await settle();
  stop.abort();
  await assert.rejects(drained, (e: unknown) => e instanceof Error && e.name === 'AbortError');
  assert.equal(await weightOf(t, 'eu-central'), 100);
});

// ------------------------------------------------------------------------------- answered by the control file

test('daylight confirm answers the question: a confirm sent before it was asked does not count', async () => {
  const stateDir = mkdtempSync(join(tmpdir(), 'daylight-confirm-'));
  try {
    // Given a run whose control file already holds a confirm from an earlier question
    const paths = createRunDir(stateDir, 'weekly-run-1');
    sendControl(paths, 'confirm');
    const asked: string[] = [];
    const clock = stepClock();
    const confirm = controlFileConfirm(paths, (q) => asked.push(q), clock);
    // When a question is asked
    let answered = false;
    const waiting = confirm('Take eu-central out of traffic.').then(() => {
      answered = true;
    });
    // Then it is shown with the command that answers it, and the old confirm does not answer it: the file
    // is read three times and each time the question goes back to waiting
    assert.deepEqual(asked, ['Take eu-central out of traffic.\n  → confirm with: daylight confirm weekly-run-1']);
    for (let read = 1; read <= 3; read++) {
      await Promise.race([clock.asleep(), waiting]);
      assert.equal(answered, false, `read ${read} of the control file took the old confirm`);
      clock.wake();
    }
    // And a confirm sent now does, at the next read
    sendControl(paths, 'confirm');
    await waiting;
    assert.equal(answered, true);
  } finally {
    rmSync(stateDir, { recursive: true, force: true });
  }
});

test('an abort while waiting for daylight confirm rejects with an AbortError', async () => {
  const stateDir = mkdtempSync(join(tmpdir(), 'daylight-confirm-'));
  try {
    const paths = createRunDir(stateDir, 'weekly-run-2');
    const stop = new AbortController();
    const waiting = controlFileConfirm(paths, () => undefined)('Give eu-central 10%.', stop.signal);
    stop.abort();
    await assert.rejects(waiting, (e: unknown) => e instanceof Error && e.name === 'AbortError');
  } finally {
    rmSync(stateDir, { recursive: true, force: true });
  }
});
