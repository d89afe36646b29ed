// Unit tests for maintenance windows and the schedule: next opening, fitting, waves moved to the next
// window, excluded days, IANA time zones across DST changes, windows that run past midnight.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { MaintenanceWindow } from '../../../src/plan/schema.ts';
import { schedule } from '../../../src/planner/schedule.ts';
import { fitsInWindow, nextWindowStart, windowCalendar } from '../../../src/planner/window.ts';
import { HOUR, MINUTE, plan } from './fixtures.ts';

const WEEKDAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri'];

function windowOf(fields: Record<string, unknown>): MaintenanceWindow {
  return plan({ window: fields }).spec.window as MaintenanceWindow;
}

const at = (iso: string) => Date.parse(iso);
const officeHoursUtc = () => windowOf({ allow: [{ days: WEEKDAYS, start: '09:00', end: '16:00' }] });

test('given office hours in UTC, when asked for the next start, then inside it is now, before it the opening, after it the next working day', () => {
  const w = officeHoursUtc();
  assert.equal(nextWindowStart(w, at('2026-03-04T10:00:00Z')), at('2026-03-04T10:00:00Z'));
  assert.equal(nextWindowStart(w, at('2026-03-04T07:00:00Z')), at('2026-03-04T09:00:00Z'));
  assert.equal(nextWindowStart(w, at('2026-03-06T16:30:00Z')), at('2026-03-09T09:00:00Z'));
});

test('given office hours, when asked whether work fits, then it fits only when it ends by the close', () => {
  const w = officeHoursUtc();
  assert.equal(fitsInWindow(w, at('2026-03-04T15:00:00Z'), 59 * MINUTE), true);
  assert.equal(fitsInWindow(w, at('2026-03-04T15:00:00Z'), 60 * MINUTE), true);
  assert.equal(fitsInWindow(w, at('2026-03-04T15:00:00Z'), 61 * MINUTE), false);
  assert.equal(fitsInWindow(w, at('2026-03-07T10:00:00Z'), MINUTE), false);
});

test('given a one-hour daily window, when three 25-minute waves are scheduled, then the third does not start at 09:50 but next morning', () => {
  const w = windowOf({ allow: [{ start: '09:00', end: '10:00' }] });
  const steps = [1, 2, 3].map((i) => ({ id: `wave ${i}`, durationMs: 25 * MINUTE }));
  const s = schedule(steps, w, at('2026-03-04T09:00:00Z'));
  assert.deepEqual(s.steps.map((p) => [new Date(p.startMs).toISOString(), p.waitMs]), [
    ['2026-03-04T09:00:00.000Z', 0],
    ['2026-03-04T09:25:00.000Z', 0],
    ['2026-03-05T09:00:00.000Z', 23 * HOUR + 10 * MINUTE],
  ]);
  assert.equal(s.workMs, 75 * MINUTE);
  assert.equal(s.makespanMs, 24 * HOUR + 25 * MINUTE);
  assert.equal(s.waitMs, 23 * HOUR + 10 * MINUTE);
  assert.deepEqual(s.steps[2]?.window, { startMs: at('2026-03-05T09:00:00Z'), endMs: at('2026-03-05T10:00:00Z') });
  assert.deepEqual(s.problems, []);
});

test('given excluded days, when a wave does not fit on Monday, then it skips the excluded Tuesday and Wednesday', () => {
  const w = windowOf({ allow: [{ days: WEEKDAYS, start: '09:00', end: '10:00' }], exclude: [{ from: '2026-03-03', to: '2026-03-04', reason: 'change freeze' }] });
  const s = schedule([{ id: 'wave 1', durationMs: 25 * MINUTE }], w, at('2026-03-02T09:50:00Z'));
  assert.equal(s.steps[0]?.startMs, at('2026-03-05T09:00:00Z'));
});

test('given office hours in Europe/Berlin, when the clocks go forward, then the opening moves from 08:00 to 07:00 UTC', () => {
  const w = windowOf({ timezone: 'Europe/Berlin', allow: [{ days: WEEKDAYS, start: '09:00', end: '16:00' }] });
  assert.equal(nextWindowStart(w, at('2026-03-26T00:00:00Z')), at('2026-03-26T08:00:00Z'));
  assert.equal(nextWindowStart(w, at('2026-03-27T16:00:00Z')), at('2026-03-30T07:00:00Z'));
  assert.equal(nextWindowStart(w, at('2026-10-23T15:00:00Z')), at('2026-10-26T08:00:00Z'));
  assert.equal(fitsInWindow(w, at('2026-03-30T13:30:00Z'), 31 * MINUTE), false);
});

test('given a Saturday night window in Europe/Berlin, when the clocks go forward that night, then it lasts 7 hours and an 8-hour wave waits a week', () => {
  const w = windowOf({ timezone: 'Europe/Berlin', allow: [{ days: ['Sat'], start: '22:00', end: '06:00' }] });
  const open = windowCalendar(w).openAt(at('2026-03-28T12:00:00Z'));
  assert.deepEqual(open, { startMs: at('2026-03-28T21:00:00Z'), endMs: at('2026-03-29T04:00:00Z') });
  assert.equal(fitsInWindow(w, at('2026-03-28T21:00:00Z'), 7 * HOUR), true);
  const s = schedule([{ id: 'wave 1', durationMs: 8 * HOUR }], w, at('2026-03-28T12:00:00Z'));
  assert.equal(s.steps[0]?.startMs, at('2026-04-04T20:00:00Z'));
});

test('given an overnight window, when asked at 03:00 the next morning, then it is open and closes at 06:00', () => {
  const w = windowOf({ allow: [{ days: ['Fri'], start: '22:00', end: '06:00' }] });
  assert.equal(nextWindowStart(w, at('2026-03-07T03:00:00Z')), at('2026-03-07T03:00:00Z'));
  assert.deepEqual(windowCalendar(w).openAt(at('2026-03-07T03:00:00Z')), { startMs: at('2026-03-06T22:00:00Z'), endMs: at('2026-03-07T06:00:00Z') });
  assert.equal(fitsInWindow(w, at('2026-03-07T03:00:00Z'), 3 * HOUR), true);
  assert.equal(fitsInWindow(w, at('2026-03-07T03:00:00Z'), 3 * HOUR + 1), false);
});

test('given an overnight window and the next day excluded, when asked, then it closes at midnight', () => {
  const w = windowOf({ allow: [{ days: ['Fri'], start: '22:00', end: '06:00' }], exclude: [{ from: '2026-03-07', to: '2026-03-07' }] });
  assert.deepEqual(windowCalendar(w).openAt(at('2026-03-06T12:00:00Z')), { startMs: at('2026-03-06T22:00:00Z'), endMs: at('2026-03-07T00:00:00Z') });
});

test('given a Friday night and a Saturday early window that touch, when asked, then they are one stretch', () => {
  const w = windowOf({ allow: [{ days: ['Fri'], start: '22:00', end: '02:00' }, { days: ['Sat'], start: '01:00', end: '04:00' }] });
  assert.deepEqual(windowCalendar(w).openAt(at('2026-03-06T12:00:00Z')), { startMs: at('2026-03-06T22:00:00Z'), endMs: at('2026-03-07T04:00:00Z') });
});

test('given a window that opens at 02:30 on the night the clocks skip that hour, when asked, then it opens at 03:30 local time', () => {
  const w = windowOf({ timezone: 'Europe/Berlin', allow: [{ days: ['Sun'], start: '02:30', end: '04:00' }] });
  assert.deepEqual(windowCalendar(w).openAt(at('2026-03-28T12:00:00Z')), { startMs: at('2026-03-29T01:30:00Z'), endMs: at('2026-03-29T02:00:00Z') });
});

test('given a window that opens at 02:30 on the night the clocks repeat that hour, when asked, then it opens at the first 02:30', () => {
  const w = windowOf({ timezone: 'Europe/Berlin', allow: [{ days: ['Sun'], start: '02:30', end: '03:30' }] });
  assert.deepEqual(windowCalendar(w).openAt(at('2026-10-24T12:00:00Z')), { startMs: at('2026-10-25T00:30:00Z'), endMs: at('2026-10-25T02:30:00Z') });
});

test('given a wave longer than any stretch of the window, when scheduled, then it is marked as not fitting with a sentence that says how to fix it', () => {
  const w = windowOf({ allow: [{ start: '09:00', end: '10:00' }] });
  const s = schedule([{ id: 'wave 1', durationMs: 2 * HOUR }, { id: 'wave 2', durationMs: 3 * HOUR }], w, at('2026-03-04T08:00:00Z'));
  assert.deepEqual(s.steps.map((p) => p.fits), [false, false]);
  assert.equal(s.steps[0]?.startMs, at('2026-03-04T09:00:00Z'));
  assert.equal(s.problems[0], 'wave 1 needs 2h, longer than any stretch of the window in the next 731 days; lengthen spec.window.allow so one stretch holds it, or shorten the phase\'s soak');
  assert.equal(s.problems.length, 2);
});

test('given every day excluded for years, when scheduled, then the step says the window does not open', () => {
  const w = windowOf({ allow: [{ start: '09:00', end: '10:00' }], exclude: [{ from: '2026-01-01', to: '2029-12-31' }] });
  assert.equal(nextWindowStart(w, at('2026-03-04T08:00:00Z')), undefined);
  const s = schedule([{ id: 'wave 1', durationMs: MINUTE }], w, at('2026-03-04T08:00:00Z'));
  assert.match(s.problems[0] ?? '', /^wave 1: the window does not open within 731 days/);
});

test('given no window, when scheduled, then steps run back to back from the start', () => {
  const s = schedule([{ id: 'wave 1', durationMs: 5 * MINUTE }, { id: 'wave 2', durationMs: 7 * MINUTE }], undefined, at('2026-03-04T23:58:00Z'));
  assert.deepEqual(s.steps.map((p) => [p.startMs, p.endMs]), [
    [at('2026-03-04T23:58:00Z'), at('2026-03-05T00:03:00Z')],
    [at('2026-03-05T00:03:00Z'), at('2026-03-05T00:10:00Z')],
  ]);
  assert.equal(s.makespanMs, 12 * MINUTE);
});

test('given a 24-hour rule every day, when asked, then the window is open for weeks on end', () => {
  const w = windowOf({ allow: [{ start: '00:00', end: '00:00' }] });
  const open = windowCalendar(w).openAt(at('2026-03-04T08:00:00Z'));
  assert.ok(open && open.startMs <= at('2026-03-04T08:00:00Z') && open.endMs - at('2026-03-04T08:00:00Z') > 60 * 24 * HOUR);
});
