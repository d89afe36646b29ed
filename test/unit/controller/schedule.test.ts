// A plan's recurrence read in its time zone: the next start strictly after a time, the same local hour
// across a daylight-saving change, several days, every day.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nextRecurrence } from '../../../src/controller/schedule.ts';

const at = (iso: string) => Date.parse(iso);
const iso = (ms: number) => new Date(ms).toISOString();

test('every Tuesday 09:00 Europe/Berlin: the next Tuesday at 09:00 Berlin time, summer or winter', () => {
  // Saturday 2026-12-05: the next Tuesday is 2026-12-08, 09:00 CET = 08:00 UTC
  assert.equal(iso(nextRecurrence('every Tuesday 09:00 Europe/Berlin', at('2026-12-05T12:00:00Z'))), '2026-12-08T08:00:00.000Z');
  // In summer (CEST, UTC+2) the same local hour is 07:00 UTC
  assert.equal(iso(nextRecurrence('every Tuesday 09:00 Europe/Berlin', at('2026-07-01T00:00:00Z'))), '2026-07-07T07:00:00.000Z');
  // Strictly after: at the start itself, the next is a week later
  assert.equal(iso(nextRecurrence('every Tuesday 09:00 Europe/Berlin', at('2026-12-08T08:00:00Z'))), '2026-12-15T08:00:00.000Z');
});

test('several days and every day', () => {
  assert.equal(iso(nextRecurrence('every Monday, Thursday 22:30 UTC', at('2026-12-08T00:00:00Z'))), '2026-12-10T22:30:00.000Z');
  assert.equal(iso(nextRecurrence('every day 03:00 Asia/Tokyo', at('2026-12-05T19:00:00Z'))), '2026-12-06T18:00:00.000Z');
  assert.throws(() => nextRecurrence('weekly', 0), /is not a recurrence/);
});
