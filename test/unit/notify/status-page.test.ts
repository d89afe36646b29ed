// The status page from a state directory with a run in progress (its region out of traffic), a finished
// run and a failed one: the headline, in-progress details, recent runs newest first, planned runs from a
// plan, the HTML self-contained and escaped, and JSON with the same content.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { main } from '../../../src/cli/main.ts';
import { replay } from '../../../src/engine/state.ts';
import type { JournalEntry } from '../../../src/engine/events.ts';
import { buildStatusPage } from '../../../src/notify/status-page.ts';
import type { StatusPage } from '../../../src/notify/status-page.ts';
import { renderStatusPageHtml } from '../../../src/notify/status-page-html.ts';
import { regionalRunEvents, tempState, writeRun } from '../report/fixtures.ts';

async function daylight(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(args, { out: (t) => (out += `${t}\n`), err: (t) => (err += `${t}\n`), isTty: false });
  return { code, out, err };
}

/** A state dir with run-a finished, run-b failed, run-c in progress with eu-central drained and its wave under way. */
function fleetState(dir: string): void {
  writeRun(dir, 'run-a', regionalRunEvents());
  writeRun(dir, 'run-b', regionalRunEvents({ fail: true }));
  const upTo = regionalRunEvents().findIndex((e) => e.type === 'node.drained') + 1;
  writeRun(dir, 'run-c', regionalRunEvents({ upTo }));
}

test('a running and a finished run: maintenance in progress with the region out of traffic, and recent runs', async () => {
  const t = tempState();
  try {
    fleetState(t.dir);
    const r = await daylight(['status-page', '--state-dir', t.dir, '-o', 'json']);
    assert.equal(r.code, 0, r.err);
    const page = JSON.parse(r.out) as StatusPage;
    assert.equal(page.state, 'maintenance');
    assert.equal(page.headline, 'Maintenance in progress on eu-central, eu-west; out of traffic: eu-central (the other regions serve all requests).');
    assert.equal(page.inProgress.length, 1);
    const running = page.inProgress[0];
    assert.equal(running?.runId, 'run-c');
    assert.equal(running?.status, 'running');
    assert.deepEqual(running?.outOfTraffic, [{ region: 'eu-central', stage: 'drained', restoreStepsDone: 0 }]);
    assert.deepEqual(running?.phases, [{ cluster: 'eu-central', phase: 'os-patch', wavesDone: 0, waves: 1, completed: false }]);
    assert.deepEqual(running?.nodes, { done: 0, total: 2 });
    assert.equal(running?.live, undefined, 'owner.json names another host: liveness cannot be told');
    // Newest first: run-a ended one entry (10 s of cluster time) later than run-b
    assert.deepEqual(page.recent.map((x) => [x.runId, x.status]), [['run-a', 'succeeded'], ['run-b', 'failed']]);
    assert.match(page.recent.find((x) => x.runId === 'run-b')?.reason ?? '', /switched back/);
    assert.equal(page.planned.length, 0);
    assert.equal(page.plannedFor, undefined);
  } finally {
    t.done();
  }
});

test('the HTML page shows the headline, the run in progress and the recent runs, escaped and self-contained', async () => {
  const t = tempState();
  try {
    fleetState(t.dir);
    writeRun(t.dir, 'run-d', regionalRunEvents({ upTo: 3 }).map((e) => (e.type === 'run.started' ? { ...e, plan: { ...e.plan, name: '<img src=x onerror=alert(1)>' } } : e)));
    const out = join(t.dir, 'status.html');
    const r = await daylight(['status-page', '--state-dir', t.dir, '--out', out, '--title', 'Shop platform']);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /status page written to .*status\.html: Maintenance in progress on eu-central, eu-west/);
    const html = readFileSync(out, 'utf8');
    assert.match(html, /<title>Shop platform<\/title>/);
    assert.match(html, /id="headline" data-state="maintenance">Maintenance in progress/);
    for (const id of ['in-progress', 'planned', 'recent']) assert.match(html, new RegExp(`<section id="${id}">`));
    assert.match(html, /<strong class="out-of-traffic">eu-central<\/strong> \(drained\)/);
    assert.match(html, /<tr data-run="run-b">.*<td class="failed">failed: /);
    assert.doesNotMatch(html, /<img|<script|<[^>]*\ssrc=/);
    assert.match(html, /&lt;img src=x onerror=alert\(1\)&gt;/);
  } finally {
    t.done();
  }
});

test('with a plan, the next planned runs are listed; with no run and no plan, no maintenance is said', async () => {
  const t = tempState();
  try {
    const plan = join(t.dir, 'plan.yaml');
    writeFileSync(plan, 'apiVersion: daylight.dev/v1alpha1\nkind: MaintenancePlan\nmetadata: {name: nightly}\nspec:\n  clusters: [{name: eu-west}]\n  window: {allow: [{start: "02:00", end: "04:00"}]}\n  phases: [{name: os-patch, type: nodes}]\n');
    const r = await daylight(['status-page', '--state-dir', t.dir, '-f', plan, '--days', '3', '-o', 'json']);
    assert.equal(r.code, 0, r.err);
    const page = JSON.parse(r.out) as StatusPage;
    assert.equal(page.state, 'no-maintenance');
    assert.equal(page.headline, 'No maintenance in progress.');
    assert.equal(page.plannedFor, 'nightly');
    // One opening a day at 02:00-04:00 UTC over three days, and today's if it has not closed yet
    assert.ok(page.planned.length === 3 || page.planned.length === 4, `${page.planned.length} planned`);
    assert.ok(page.planned.every((p) => p.cluster === 'eu-west' && /T02:00:00/.test(p.start) && /T04:00:00/.test(p.end)), JSON.stringify(page.planned));
    const bad = await daylight(['status-page', '--state-dir', t.dir, '--format', 'xml']);
    assert.equal(bad.code, 2);
    assert.match(bad.err, /--format xml: expected "html" or "json"/);
  } finally {
    t.done();
  }
});

test('a run whose process is gone is shown in progress, flagged; a run with a broken chain is flagged', () => {
  const entries: JournalEntry[] = regionalRunEvents({ upTo: 7 }).map((event, i) => ({ seq: i + 1, at: Date.parse('2026-09-01T09:00:00Z') + i * 1000, wall: '', runId: 'r', event, prev: '', hash: '' }));
  const page = buildStatusPage({ runs: [{ runId: 'r', state: replay('r', entries), live: false, intact: false }], nowMs: Date.parse('2026-09-01T10:00:00Z') });
  assert.equal(page.inProgress[0]?.live, false);
  const html = renderStatusPageHtml(page);
  assert.match(html, /No process runs it now<\/strong>: it was interrupted; resume it or run daylight recover/);
  assert.match(html, /Its journal's hash chain is broken/);
});
