// Unit tests for simulated time: timer order, cancellation, when advanceTo settles, and the real-time
// driver keeping simulated time at speed × real time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { RealTimeDriver, SimClock } from '../../../src/sandbox/clock.ts';

const START = Date.parse('2024-06-01T00:00:00Z');

test('nowMs starts at the given instant and advanceTo moves it', () => {
  const c = new SimClock(START);
  assert.equal(c.nowMs(), START);
  c.advanceTo(START + 5000);
  assert.equal(c.nowMs(), START + 5000);
  c.advanceTo(START + 1000);
  assert.equal(c.nowMs(), START + 5000, 'time never goes back');
});

test('timers fire in time order, ties in the order they were set', () => {
  const c = new SimClock(0);
  const fired: string[] = [];
  c.after(30, () => fired.push('c@30'));
  c.after(10, () => fired.push('a@10'));
  c.at(20, () => fired.push('b1@20'));
  c.after(20, () => fired.push('b2@20'));
  c.at(20, () => fired.push('b3@20'));
  for (let i = 0; i < 20; i++) c.at(15, () => fired.push(`t${i}@15`));
  c.advanceTo(100);
  assert.deepEqual(fired, ['a@10', ...Array.from({ length: 20 }, (_, i) => `t${i}@15`), 'b1@20', 'b2@20', 'b3@20', 'c@30']);
});

test('a timer sees the clock at its own instant', () => {
  const c = new SimClock(1000);
  const seen: number[] = [];
  c.after(250, () => seen.push(c.nowMs()));
  c.after(500, () => seen.push(c.nowMs()));
  c.advanceTo(2000);
  assert.deepEqual(seen, [1250, 1500]);
});

test('only timers due by the target fire', () => {
  const c = new SimClock(0);
  const fired: number[] = [];
  for (const t of [10, 20, 30]) c.at(t, () => fired.push(t));
  c.advanceTo(20);
  assert.deepEqual(fired, [10, 20]);
  assert.equal(c.pending, 1);
  assert.equal(c.next(), 30);
});

test('timers set in the past or with a negative delay fire at the current instant', () => {
  const c = new SimClock(100);
  const seen: number[] = [];
  c.at(50, () => seen.push(c.nowMs()));
  c.after(-10, () => seen.push(c.nowMs()));
  assert.equal(c.next(), 100);
  c.advanceTo(100);
  assert.deepEqual(seen, [100, 100]);
});

test('a timer set by a timer fires in the same advance when it is due', () => {
  const c = new SimClock(0);
  const fired: string[] = [];
  c.at(10, () => {
    fired.push('first');
    c.after(0, () => fired.push('same instant'));
    c.after(5, () => fired.push(`later@${c.nowMs()}`));
    c.after(500, () => fired.push('too late'));
  });
  c.advanceTo(100);
  assert.deepEqual(fired, ['first', 'same instant', 'later@15']);
});

test('a cancelled timer does not fire and no longer counts as next', () => {
  const c = new SimClock(0);
  const fired: string[] = [];
  const a = c.at(10, () => fired.push('a'));
  c.at(20, () => fired.push('b'));
  a.cancel();
  assert.equal(c.next(), 20);
  c.advanceTo(100);
  assert.deepEqual(fired, ['b']);
  assert.equal(c.next(), undefined);
});

test('a timer can cancel another one due at the same instant', () => {
  const c = new SimClock(0);
  const fired: string[] = [];
  c.at(10, () => {
    fired.push('a');
    b.cancel();
  });
  const b = c.at(10, () => fired.push('b'));
  c.advanceTo(10);
  assert.deepEqual(fired, ['a']);
});

test('with settleEveryMs 0, settle runs after each timer instant and at the end', () => {
  const c = new SimClock(0);
  const log: string[] = [];
  c.at(10, () => log.push('a'));
  c.at(10, () => log.push('b'));
  c.at(20, () => log.push('c'));
  c.advanceTo(30, () => log.push(`settle@${c.nowMs()}`));
  assert.deepEqual(log, ['a', 'b', 'settle@10', 'c', 'settle@20', 'settle@30']);
});

test('settle runs once at the end when no timer is due', () => {
  const c = new SimClock(0);
  let settles = 0;
  c.advanceTo(1000, () => settles++);
  assert.equal(settles, 1);
});

test('with settleEveryMs, settle runs once that much simulated time has passed, and at the end', () => {
  const c = new SimClock(0);
  const settles: number[] = [];
  for (let t = 100; t <= 3000; t += 100) c.at(t, () => undefined);
  c.advanceTo(3500, () => settles.push(c.nowMs()), 1000);
  assert.deepEqual(settles, [1000, 2000, 3000, 3500]);
});

test('timers set by settle are fired in the same advance', () => {
  const c = new SimClock(0);
  const fired: number[] = [];
  let scheduled = false;
  c.at(10, () => fired.push(c.nowMs()));
  c.advanceTo(100, () => {
    if (!scheduled) {
      scheduled = true;
      c.after(5, () => fired.push(c.nowMs()));
    }
  });
  assert.deepEqual(fired, [10, 15]);
});

test('RealTimeDriver keeps simulated time at about speed × real time', async () => {
  const speed = 100;
  const c = new SimClock(START);
  // With no timers, settle runs once at the end of each tick: sample real and simulated time there.
  const samples: { real: number; sim: number }[] = [];
  let realStart = 0;
  const driver = new RealTimeDriver(c, () => samples.push({ real: performance.now() - realStart, sim: c.nowMs() - START }), { speed, tickMs: 5 });
  realStart = performance.now();
  driver.start();
  await sleep(250);
  driver.stop();
  const realElapsed = performance.now() - realStart;
  assert.ok(samples.length >= 1, `${samples.length} ticks in ${realElapsed} ms`);
  for (const { real, sim } of samples) {
    assert.ok(sim <= speed * real + 1, `simulated ${sim} ms after ${real} real ms: ahead of real time`);
    assert.ok(sim >= speed * (real - 25), `simulated ${sim} ms after ${real} real ms: behind real time`);
  }
  assert.ok(c.nowMs() - START <= speed * realElapsed + 1);
  assert.ok(driver.maxLag >= 0 && driver.maxLag < 250, `maxLag ${driver.maxLag}`);
});

test('RealTimeDriver fires a timer once its simulated delay has passed in scaled real time', async () => {
  const speed = 100;
  const c = new SimClock(START);
  const driver = new RealTimeDriver(c, () => undefined, { speed, tickMs: 5 });
  const realStart = performance.now();
  const fired = new Promise<number>((resolve) => c.after(5_000, () => resolve(performance.now() - realStart)));
  driver.start();
  try {
    const after = await fired;
    assert.ok(after >= 5_000 / speed - 1, `fired after ${after} real ms, before ${5_000 / speed}`);
  } finally {
    driver.stop();
  }
});

test('RealTimeDriver stops advancing time once stopped', async () => {
  const c = new SimClock(START);
  const driver = new RealTimeDriver(c, () => undefined, { speed: 100, tickMs: 5 });
  driver.start();
  await sleep(30);
  driver.stop();
  const stoppedAt = c.nowMs();
  await sleep(30);
  assert.equal(c.nowMs(), stoppedAt);
});
