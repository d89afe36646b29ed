// The spec of a MaintenancePlan resource: a plan file's spec, plus when its runs start and whether they may.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MaintenancePlanSpecSchema, ScheduleSchema } from '../../../src/plan/resource-schema.ts';

const spec = () => ({ clusters: [{ name: 'eu-central' }], phases: [{ name: 'os-patch', type: 'nodes' }] });

const messages = (input: unknown): string[] => {
  const r = MaintenancePlanSpecSchema.safeParse(input);
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
};

test('a plan without a schedule starts runs only when a person creates one, and is not suspended', () => {
  const parsed = MaintenancePlanSpecSchema.parse(spec());
  assert.deepEqual(parsed.schedule, { manual: true });
  assert.equal(parsed.suspend, false);
  assert.equal(parsed.phases[0]?.type, 'nodes');
});

test('a recurrence names days, a time of day and a time zone', () => {
  for (const recurrence of ['every Tuesday 09:00 Europe/Berlin', 'every Monday, Thursday 22:30 UTC', 'every day 03:00 Asia/Tokyo']) {
    assert.deepEqual(ScheduleSchema.parse({ recurrence }), { recurrence }, recurrence);
  }
  assert.deepEqual(messages({ ...spec(), schedule: { recurrence: 'tuesdays at nine' } }), ['schedule.recurrence: write "every <day>[, <day>...] HH:MM <time zone>", such as "every Tuesday 09:00 Europe/Berlin" or "every day 03:00 UTC"']);
  assert.deepEqual(messages({ ...spec(), schedule: { recurrence: 'every Tuesday 09:00 Europe/Berln' } }), ['schedule.recurrence: "Europe/Berln" is not a time zone; write an IANA name such as "Europe/Berlin" or "UTC"']);
});

test('a schedule is exactly one of windows, recurrence and manual', () => {
  assert.deepEqual(messages({ ...spec(), schedule: {} }), ['schedule: no schedule is set; set exactly one of windows: true (the plan\'s window), recurrence: "every Tuesday 09:00 Europe/Berlin", or manual: true']);
  assert.deepEqual(messages({ ...spec(), schedule: { manual: true, recurrence: 'every day 03:00 UTC' } }), ['schedule: recurrence and manual are both set; set exactly one of windows: true (the plan\'s window), recurrence: "every Tuesday 09:00 Europe/Berlin", or manual: true']);
});

test('windows: true needs the plan\'s window', () => {
  assert.deepEqual(messages({ ...spec(), schedule: { windows: true } }), ['schedule.windows: schedule windows: true starts runs when the plan\'s window opens, and this plan has none; add spec.window, or use recurrence or manual: true']);
  const withWindow = { ...spec(), window: { timezone: 'Europe/Berlin', allow: [{ days: ['Tue'], start: '09:00', end: '12:00' }] }, schedule: { windows: true } };
  assert.deepEqual(messages(withWindow), []);
});

test('the plan file\'s own checks still hold, fields a plan file refuses too', () => {
  assert.deepEqual(messages({ ...spec(), phases: [{ name: 'a', type: 'nodes' }, { name: 'a', type: 'nodes' }] }), ['phases.1.name: phase "a" appears twice; give each phase its own name']);
  assert.deepEqual(messages({ ...spec(), bogus: 1 }), [': Unrecognized key: "bogus"']);
});
