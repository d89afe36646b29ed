// The iCalendar export of planned runs: read back by a standard parser (ical.js) with the same events
// (count, start and end, summary, UID), folded at 75 octets with CRLF, TEXT escaped, notices 4 weeks,
// 1 week and 24 hours before as VALARMs and as dates in JSON, clusters placed by the planner's ETA.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import ICAL from 'ical.js';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../../src/cli/main.ts';
import { calendarJson, renderCalendar } from '../../../src/notify/calendar.ts';
import { escapeText, foldLine } from '../../../src/notify/ical-text.ts';
import { clusterSlots, plannedRuns } from '../../../src/notify/planned-runs.ts';
import type { Plan } from '../../../src/plan/schema.ts';
import { planRun } from '../../../src/planner/index.ts';
import { nodes, plan as planOf, snapshot } from '../planner/fixtures.ts';

const NOW = Date.parse('2026-08-01T12:00:00Z');
const MONDAY = Date.parse('2026-09-06T22:00:00Z'); // Mon 2026-09-07 00:00 in Europe/Berlin (CEST)
const DAY = 86_400_000;

function officeHoursPlan(): Plan {
  return planOf({
    clusters: [{ name: 'eu-central' }, { name: 'eu-west' }],
    window: {
      timezone: 'Europe/Berlin',
      allow: [{ days: ['Mon', 'Tue', 'Wed', 'Thu', 'Fri'], start: '09:00', end: '16:00' }],
      exclude: [{ from: '2026-09-10', to: '2026-09-11', reason: 'release freeze; shop, checkout \\ payments' }],
    },
  });
}

function calendarOf(p: Plan, days = 7): { text: string; json: ReturnType<typeof calendarJson> } {
  const schedule = plannedRuns({ plan: p, fromMs: MONDAY, toMs: MONDAY + days * DAY, nowMs: NOW });
  return { text: renderCalendar({ plan: p, schedule, nowMs: NOW }), json: calendarJson({ plan: p, schedule, nowMs: NOW }) };
}

function parsedEvents(text: string): ICAL.Event[] {
  const cal = new ICAL.Component(ICAL.parse(text));
  return cal.getAllSubcomponents('vevent').map((v) => new ICAL.Event(v));
}

test('a standard parser reads back the same events: one per cluster per window opening, and the change freeze', () => {
  // Given office hours in Berlin and a freeze on Thursday and Friday, over one week
  const { text, json } = calendarOf(officeHoursPlan());
  const cal = new ICAL.Component(ICAL.parse(text));
  assert.equal(cal.getFirstPropertyValue('version'), '2.0');
  assert.match(String(cal.getFirstPropertyValue('prodid')), /Daylight/);
  const events = parsedEvents(text);
  // Then Mon, Tue, Wed × two clusters, and the freeze
  assert.equal(json.events.length, 6);
  assert.equal(events.length, 7);
  const ours = events.filter((e) => !e.summary.startsWith('Change freeze'));
  assert.deepEqual(ours.map((e) => [e.uid, e.summary, e.startDate.toJSDate().toISOString(), e.endDate.toJSDate().toISOString()]), json.events.map((e) => [e.uid, e.summary, e.start, e.end]));
  assert.deepEqual(ours.map((e) => e.startDate.toJSDate().toISOString()).filter((_, i) => i % 2 === 0), ['2026-09-07T07:00:00.000Z', '2026-09-08T07:00:00.000Z', '2026-09-09T07:00:00.000Z']);
  assert.equal(ours[0]?.endDate.toJSDate().toISOString(), '2026-09-07T14:00:00.000Z');
  assert.equal(ours[0]?.uid, 'weekly-os-patch.eu-central.20260907T070000Z@daylight.dev');
  assert.equal(ours[1]?.summary, 'Maintenance eu-west: weekly-os-patch');
  const freeze = events.find((e) => e.summary.startsWith('Change freeze'));
  assert.equal(freeze?.startDate.toString(), '2026-09-10');
  assert.equal(freeze?.endDate.toString(), '2026-09-12', 'DTEND of an all-day event is the day after');
  assert.equal(freeze?.summary, 'Change freeze: no maintenance by weekly-os-patch (release freeze; shop, checkout \\ payments)');
});

test('the description says what will be done, and survives escaping: commas, semicolons, backslashes, newlines', () => {
  const { text, json } = calendarOf(officeHoursPlan(), 1);
  const [event] = parsedEvents(text);
  assert.equal(event?.description, json.events[0]?.description);
  assert.match(event?.description ?? '', /^Daylight plan weekly-os-patch maintains cluster eu-central \(1 of 2\)\.\n- os-patch: reboot of the nodes matching "!node-role\.kubernetes\.io\/control-plane", at most 1 at a time, a canary of 1 first\nWithin the maintenance window Mon 2026-09-07 09:00 to Mon 2026-09-07 16:00 Europe\/Berlin/);
  const vevent = new ICAL.Component(ICAL.parse(text)).getFirstSubcomponent('vevent');
  assert.deepEqual(vevent?.getFirstProperty('categories')?.getValues(), ['Maintenance', 'Daylight', 'os-patch']);
  assert.equal(escapeText('a,b;c\\d\ne\r\nf'), 'a\\,b\\;c\\\\d\\ne\\nf');
});

test('every line ends in CRLF and is folded at 75 octets without splitting a UTF-8 character', () => {
  const long = `Wartung für „${'ü'.repeat(60)}“, danach ${'x'.repeat(80)}`;
  const folded = foldLine(`DESCRIPTION:${long}`);
  const physical = folded.split('\r\n');
  assert.ok(physical.length > 2);
  for (const line of physical) assert.ok(Buffer.byteLength(line, 'utf8') <= 75, `${Buffer.byteLength(line)} octets: ${line}`);
  assert.ok(physical.slice(1).every((l) => l.startsWith(' ')));
  assert.equal(physical.map((l, i) => (i === 0 ? l : l.slice(1))).join(''), `DESCRIPTION:${long}`, 'unfolding gives the line back');
  assert.equal(foldLine('SHORT:x'), 'SHORT:x');
  const { text } = calendarOf(officeHoursPlan());
  assert.ok(text.endsWith('END:VCALENDAR\r\n'));
  assert.doesNotMatch(text.replace(/\r\n/g, ''), /[\r\n]/, 'no bare CR or LF');
  for (const line of text.split('\r\n')) assert.ok(Buffer.byteLength(line, 'utf8') <= 75, line);
});

test('notices 4 weeks, 1 week and 24 hours before: VALARMs the parser reads as such, and dates in JSON', () => {
  const { text, json } = calendarOf(officeHoursPlan(), 1);
  const vevent = new ICAL.Component(ICAL.parse(text)).getFirstSubcomponent('vevent');
  const triggers = vevent?.getAllSubcomponents('valarm').map((a) => (a.getFirstPropertyValue('trigger') as ICAL.Duration).toSeconds());
  assert.deepEqual(triggers, [-28 * 86_400, -7 * 86_400, -86_400]);
  assert.deepEqual(vevent?.getAllSubcomponents('valarm').map((a) => a.getFirstPropertyValue('action')), ['DISPLAY', 'DISPLAY', 'DISPLAY']);
  // The run starts Mon 2026-09-07 07:00Z; the export is made 2026-08-01, so the 4-week notice is due already
  assert.deepEqual(json.events[0]?.notices, [
    { before: '4 weeks', at: '2026-08-10T07:00:00.000Z', trigger: '-P4W', due: false },
    { before: '1 week', at: '2026-08-31T07:00:00.000Z', trigger: '-P1W', due: false },
    { before: '24 hours', at: '2026-09-06T07:00:00.000Z', trigger: '-PT24H', due: false },
  ]);
  const late = plannedRuns({ plan: officeHoursPlan(), fromMs: MONDAY, toMs: MONDAY + DAY, nowMs: Date.parse('2026-09-01T00:00:00Z') });
  assert.deepEqual(late.runs[0]?.notices.map((n) => n.due), [true, true, false]);
});

test('with the planner\'s ETA each cluster gets its own stretch, one after the other, and the UID stays the same', () => {
  const p = officeHoursPlan();
  const snapshots = ['eu-central', 'eu-west'].map((cluster) => snapshot({ cluster, nodes: nodes({ zones: 1, racks: 1, nodesPerRack: 2 }) }));
  const eta = (startMs: number) => clusterSlots(planRun({ snapshots, plan: p, now: startMs }));
  const schedule = plannedRuns({ plan: p, fromMs: MONDAY, toMs: MONDAY + DAY, nowMs: NOW, eta });
  const [run] = schedule.runs;
  const [a, b] = run?.clusters ?? [];
  assert.ok(a && b);
  assert.equal(run?.estimated, true);
  assert.equal(a.startMs, Date.parse('2026-09-07T07:00:00Z'));
  assert.ok(a.endMs > a.startMs && b.startMs >= a.endMs && b.endMs > b.startMs, 'eu-west after eu-central');
  assert.equal(a.uid, 'weekly-os-patch.eu-central.20260907T070000Z@daylight.dev');
  const json = calendarJson({ plan: p, schedule, nowMs: NOW });
  assert.match(json.events[1]?.description ?? '', /Estimated by the planner from the clusters' state: Mon 2026-09-07 \d\d:\d\d to/);
  const again = plannedRuns({ plan: p, fromMs: MONDAY, toMs: MONDAY + DAY, nowMs: NOW + DAY, eta });
  assert.deepEqual(again.runs[0]?.clusters.map((c) => c.uid), run?.clusters.map((c) => c.uid));
});

async function daylight(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(args, { out: (t) => (out += `${t}\n`), err: (t) => (err += `${t}\n`), isTty: false });
  return { code, out, err };
}

const PLAN_YAML = `apiVersion: daylight.dev/v1alpha1
kind: MaintenancePlan
metadata: {name: weekly-os-patch}
spec:
  clusters: [{name: eu-central}, {name: eu-west}]
  window:
    timezone: Europe/Berlin
    allow: [{days: [Tue], start: "10:00", end: "12:00"}]
  phases: [{name: os-patch, type: nodes}]
`;

test('daylight calendar writes an .ics file or prints JSON with notices; bad input exits 2 with the fix', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'daylight-calendar-'));
  try {
    const file = join(dir, 'plan.yaml');
    writeFileSync(file, PLAN_YAML);
    const out = join(dir, 'plan.ics');
    const written = await daylight(['calendar', '-f', file, '--from', '2026-09-07', '--days', '14', '--out', out]);
    assert.equal(written.code, 0, written.err);
    assert.equal(written.out, `2 planned run(s), 0 change freeze(s) written to ${out}\n`);
    const events = parsedEvents(readFileSync(out, 'utf8'));
    assert.deepEqual(events.map((e) => e.startDate.toJSDate().toISOString()), ['2026-09-08T08:00:00.000Z', '2026-09-08T08:00:00.000Z', '2026-09-15T08:00:00.000Z', '2026-09-15T08:00:00.000Z']);
    const json = await daylight(['calendar', '-f', file, '--from', '2026-09-07', '--days', '7', '-o', 'json']);
    assert.equal(json.code, 0, json.err);
    const data = JSON.parse(json.out) as { events: { notices: { before: string; at: string }[] }[] };
    assert.deepEqual(data.events[0]?.notices.map((n) => [n.before, n.at]), [['4 weeks', '2026-08-11T08:00:00.000Z'], ['1 week', '2026-09-01T08:00:00.000Z'], ['24 hours', '2026-09-07T08:00:00.000Z']]);
    const bad = await daylight(['calendar', '-f', file, '--from', 'next tuesday']);
    assert.equal(bad.code, 2);
    assert.match(bad.err, /--from next tuesday: expected a date as YYYY-MM-DD or an ISO time/);
    writeFileSync(file, PLAN_YAML.replace(/ {2}window:\n.*\n.*\n/, ''));
    const noWindow = await daylight(['calendar', '-f', file]);
    assert.equal(noWindow.code, 2);
    assert.match(noWindow.err, /has no spec\.window .*add spec\.window, or pass --eta/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('an export made while a window is open keeps that opening with its own start, so its UIDs do not change', () => {
  const p = officeHoursPlan();
  const atMidnight = plannedRuns({ plan: p, fromMs: MONDAY, toMs: MONDAY + 2 * DAY, nowMs: NOW });
  const midMorning = plannedRuns({ plan: p, fromMs: Date.parse('2026-09-07T08:30:00Z'), toMs: MONDAY + 2 * DAY, nowMs: NOW });
  assert.deepEqual(midMorning.runs.map((r) => r.clusters.map((c) => c.uid)), atMidnight.runs.map((r) => r.clusters.map((c) => c.uid)));
  assert.equal(midMorning.runs[0]?.startMs, Date.parse('2026-09-07T07:00:00Z'));
});

test('a window open around the clock gives one opening a day, not one that never ends', () => {
  const p = planOf({ window: { allow: [{ start: '00:00', end: '00:00' }] } });
  const s = plannedRuns({ plan: p, fromMs: Date.parse('2026-09-07T00:00:00Z'), toMs: Date.parse('2026-09-10T00:00:00Z'), nowMs: NOW });
  assert.deepEqual(s.runs.map((r) => [new Date(r.startMs).toISOString(), r.endMs - r.startMs]), [
    ['2026-09-07T00:00:00.000Z', DAY], ['2026-09-08T00:00:00.000Z', DAY], ['2026-09-09T00:00:00.000Z', DAY],
  ]);
});
