// `daylight calendar --eta` against a running sandbox of two regions: given a plan with office hours, when
// the calendar is made with the planner's ETA, then each region gets its own stretch inside the opening,
// the second after the first, and the events carry the notices.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join, dirname } from 'node:path';
import ICAL from 'ical.js';
import { main } from '../../src/cli/main.ts';
import type { CalendarJson } from '../../src/notify/calendar.ts';
import { parseFleet } from '../../src/sandbox/fleet-load.ts';
import { smallFleetYaml } from '../support/fleets.ts';
import { startTestSandbox } from '../support/sandbox.ts';

async function daylight(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(args, { out: (t) => (out += `${t}\n`), err: (t) => (err += `${t}\n`), isTty: false });
  return { code, out, err };
}

test('calendar --eta places each region by the planner inside the window opening, one after the other', async () => {
  const ts = await startTestSandbox(parseFleet('fleet.yaml', smallFleetYaml({ regions: 2 })));
  try {
    const dir = dirname(ts.kubeconfigPath);
    const plan = join(dir, 'plan.yaml');
    await writeFile(plan, [
      'apiVersion: daylight.dev/v1alpha1',
      'kind: MaintenancePlan',
      'metadata: {name: weekly-os-patch}',
      'spec:',
      '  clusters: [{name: eu-central, context: eu-central}, {name: region-2, context: region-2}]',
      '  window: {timezone: UTC, allow: [{days: [Mon, Tue, Wed, Thu, Fri], start: "09:00", end: "16:00"}]}',
      '  phases: [{name: os-patch, type: nodes, maxUnavailable: 1}]',
      '',
    ].join('\n'));
    const args = ['calendar', '-f', plan, '--eta', '--kubeconfig', ts.kubeconfigPath, '--from', '2026-09-07', '--days', '1'];
    const json = await daylight([...args, '-o', 'json']);
    assert.equal(json.code, 0, json.err);
    const cal = JSON.parse(json.out) as CalendarJson;
    assert.deepEqual(cal.events.map((e) => e.cluster), ['eu-central', 'region-2']);
    const [a, b] = cal.events;
    assert.equal(a?.start, '2026-09-07T09:00:00.000Z');
    assert.ok(a && b && a.end > a.start && b.start >= a.end && b.end > b.start && b.end <= '2026-09-07T16:00:00.000Z', JSON.stringify(cal.events.map((e) => [e.start, e.end])));
    assert.match(a?.description ?? '', /Estimated by the planner from the clusters' state/);
    const ics = await daylight(args);
    assert.equal(ics.code, 0, ics.err);
    const events = new ICAL.Component(ICAL.parse(ics.out)).getAllSubcomponents('vevent').map((v) => new ICAL.Event(v));
    assert.deepEqual(events.map((e) => [e.uid, e.startDate.toJSDate().toISOString(), e.endDate.toJSDate().toISOString()]), cal.events.map((e) => [e.uid, e.start, e.end]));
  } finally {
    await ts.stop();
  }
});
