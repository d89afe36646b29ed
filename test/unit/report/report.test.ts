// The audit report of a run, built from a journal the real Journal wrote: summary, timeline, actions,
// gates and analysis, the traffic chart, integrity and compliance as data; the HTML with every section,
// no external asset, and hostile names escaped.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { buildReport, readRunFiles, renderReportHtml } from '../../../src/report/index.ts';
import type { Report } from '../../../src/report/index.ts';
import { regionalRunEvents, SHA, START, tempState, writeRun } from './fixtures.ts';
import type { RunOptions } from './fixtures.ts';
import type { RunEvent } from '../../../src/engine/events.ts';
import { testSigner } from '../../helpers/journal-key.ts';

function reportOf(o: RunOptions = {}, edit?: (text: string) => string): Report {
  const t = tempState();
  try {
    const paths = writeRun(t.dir, 'run-1', regionalRunEvents(o));
    if (edit) writeFileSync(paths.journal, edit(readFileSync(paths.journal, 'utf8')));
    return buildReport({ ...readRunFiles(paths), now: new Date('2026-09-02T00:00:00Z') });
  } finally {
    t.done();
  }
}

test('the summary names the plan and its sha256, the holder and host, start, end, duration and status', () => {
  const r = reportOf();
  const s = r.summary;
  assert.deepEqual(s.plan, { name: 'weekly-os-patch', path: 'examples/plans/demo.yaml', sha256: SHA });
  assert.deepEqual(s.holders, ['run-1']);
  assert.deepEqual(s.host, { host: 'ops-host-1', pid: 4242, since: '2026-09-01T09:00:00.000Z' });
  assert.equal(s.status, 'succeeded');
  assert.equal(s.started?.seq, 1);
  assert.equal(s.started?.cluster, new Date(START + 10_000).toISOString());
  const entries = regionalRunEvents().length;
  assert.equal(s.ended?.seq, entries);
  // The clock advances 10 s per entry: from entry 1 to the last
  assert.equal(s.durationMs, (entries - 1) * 10_000);
  assert.deepEqual(s.nodes, { maintained: 2 });
});

test('the timeline has the phase, its wave with the gate before it, each node with its steps, the region with its steps', () => {
  const r = reportOf();
  const [phase] = r.timeline.phases;
  assert.equal(phase?.phase, 'os-patch');
  assert.equal(phase?.waves[0]?.gatesPassed, true);
  assert.deepEqual(phase?.waves[0]?.nodes, ['node-a', 'node-b']);
  assert.ok(phase?.completed);
  assert.deepEqual(phase?.excluded, [{ node: 'node-cp', reason: 'control plane: not selected' }]);
  const a = r.timeline.nodes.find((n) => n.node === 'node-a');
  assert.equal(a?.wave, 0, 'as journaled: the first wave is 0');
  assert.equal(a?.outcome, 'maintained');
  assert.deepEqual(a?.steps.map((s) => [s.step, s.ok]), [['cordon', true], ['drain', true], ['action', true], ['ready', true], ['uncordon', true]]);
  assert.equal(a?.steps[1]?.durationMs, 12_000, 'the drain takes the duration the engine measured');
  assert.match(a?.steps[1]?.result ?? '', /3 pod\(s\) evicted/);
  const region = r.timeline.regions.find((g) => g.cluster === 'eu-central');
  assert.equal(region?.stage, 'restored');
  assert.deepEqual(region?.steps.map((s) => s.step), ['preconditions', 'drain', 'validate', 'restore step 1', 'restore step 2', 'restored']);
});

test('every action has an actor, a requested and confirmed time, a target and a result', () => {
  const r = reportOf();
  const kinds = new Set(r.actions.map((a) => a.action));
  for (const k of ['cordon', 'drain', 'node action', 'uncordon', 'traffic drain', 'traffic share', 'traffic restored', 'hook pre-drain', 'lease', 'run started']) assert.ok(kinds.has(k), `an action ${k}`);
  const drain = r.actions.find((a) => a.action === 'drain' && a.target === 'eu-central/node-a');
  assert.equal(drain?.actor, 'daylight (lease holder run-1)');
  assert.match(drain?.result ?? '', /3 pod\(s\) evicted in 12000 ms/);
  assert.ok(drain?.confirmed && drain.confirmed.seq > drain.requested.seq);
  assert.match(drain?.requested.wall ?? '', /^\d{4}-\d\d-\d\dT/);
  const hook = r.actions.find((a) => a.action === 'hook pre-drain');
  assert.equal(hook?.target, 'webhook https://hooks.example/notify?token=…');
  assert.match(hook?.result ?? '', /^ok: HTTP 200/);
  const out = r.actions.find((a) => a.action === 'traffic drain');
  assert.equal(out?.result, 'out of traffic: new traffic stopped in 800 ms, sessions gone in 4001 ms, 0 shut', 'measured milliseconds are rounded for people');
  const share = r.actions.filter((a) => a.action === 'traffic share').map((a) => a.result);
  assert.deepEqual(share, ['10% set on the data plane, weight 10', '100% set on the data plane, weight 100']);
  assert.ok(r.actions.every((a) => a.ok), r.actions.filter((a) => !a.ok).map((a) => `${a.action}: ${a.result}`).join('\n'));
});

test('an action the journal requested but never confirmed shows as not confirmed', () => {
  // Given a run cut off right after the drain of node-a was requested
  const upTo = regionalRunEvents().findIndex((e) => e.type === 'node.drain.started') + 1;
  const r = reportOf({ upTo });
  const drain = r.actions.find((a) => a.action === 'drain');
  assert.equal(drain?.ok, false);
  assert.equal(drain?.confirmed, undefined);
  assert.match(drain?.result ?? '', /no confirmation in the journal/);
  assert.equal(r.summary.status, 'running');
  assert.equal(r.summary.ended, undefined);
});

test('gates and analysis keep their measured values and thresholds', () => {
  const r = reportOf();
  assert.deepEqual(r.gates.map((g) => g.context), ['region preconditions (before it leaves traffic)', 'before wave 1 of os-patch', 'after phase os-patch', 'region validation (before it gets traffic back)']);
  const before = r.gates[1]?.results[0];
  assert.equal(before?.value, 4);
  assert.equal(before?.threshold, '= 4');
  assert.deepEqual(r.analysis.map((a) => [a.step, a.percent, a.records[0]?.value, a.records[0]?.threshold]), [[1, 10, 0.001, '<= 0.01'], [2, 100, 0.001, '<= 0.01']]);
});

test('the traffic chart holds each region\'s weight before, drained, at each step and restored', () => {
  const r = reportOf();
  assert.deepEqual(r.traffic.regions, ['eu-central', 'eu-west']);
  assert.deepEqual(r.traffic.points.map((p) => [p.event, p.weights['eu-central'], p.weights['eu-west']]), [
    ['traffic.before', 100, 100],
    ['traffic.drained', 0, 100],
    ['traffic.step.set', 10, 100],
    ['traffic.step.set', 100, 100],
    ['traffic.restored', 100, 100],
  ]);
});

test('a failed analysis shows the switch-back in the chart, the actions and the fall-back evidence', () => {
  const r = reportOf({ fail: true });
  assert.equal(r.summary.status, 'failed');
  assert.deepEqual(r.traffic.points.at(-1)?.weights, { 'eu-central': 0, 'eu-west': 100 });
  const cut = r.actions.find((a) => a.action === 'switch-back');
  assert.equal(cut?.result, 'weight 0 in 180 ms');
  const step = r.timeline.regions[0]?.steps.find((s) => s.step === 'restore step 2');
  assert.equal(step?.ok, false);
  const fallBack = r.compliance.find((c) => c.requirement.includes('fall-back'));
  assert.match(fallBack?.evidence ?? '', /switch-back ran 1 time\(s\) \(traffic\.cut entries\)/);
  assert.equal(fallBack?.status, 'evidenced');
});

test('the integrity section verifies the chain and gives the last hash; an edited entry is named', () => {
  const ok = reportOf();
  assert.equal(ok.integrity.ok, true);
  assert.equal(ok.integrity.verified, regionalRunEvents().length);
  assert.match(ok.integrity.text, /^chain intact: \d+ entries, last hash [0-9a-f]{64}$/);
  // When the node name in line 12 is changed after the fact
  const bad = reportOf({}, (text) => text.split('\n').map((l, i) => (i === 11 ? l.replace('"node-a"', '"node-z"') : l)).join('\n'));
  assert.equal(bad.integrity.ok, false);
  assert.equal(bad.integrity.break?.kind, 'hash-mismatch');
  assert.equal(bad.integrity.break?.line, 12);
  assert.equal(bad.integrity.break?.seq, 12);
  const records = bad.compliance.find((c) => c.control === 'A.8.32' && c.requirement === 'records of changes');
  assert.match(records?.evidence ?? '', /hash chain BROKEN at line 12/);
  assert.equal(records?.status, 'partial');
});

test('a signed run: the report carries the final head as signed (seq, hash, key, signature), without judging the signature', () => {
  const t = tempState();
  try {
    const signer = testSigner();
    const paths = writeRun(t.dir, 'run-1', regionalRunEvents(), { signer });
    const last = JSON.parse(readFileSync(paths.journal, 'utf8').trim().split('\n').at(-1) as string) as { seq: number; hash: string; sig: string };
    const r = buildReport({ ...readRunFiles(paths), now: new Date('2026-09-02T00:00:00Z') });
    assert.deepEqual([r.integrity.keyId, r.integrity.head, r.integrity.signatures], [signer.key.id, { seq: last.seq, hash: last.hash, sig: last.sig }, 'not-checked']);
    assert.match(r.integrity.text, new RegExp(`head seq ${last.seq} signed by key ${signer.key.id} \\(check the signatures and the anchor with daylight audit verify\\)`));
    const page = renderReportHtml(r);
    assert.ok(page.includes(`<dd data-head-seq="${last.seq}">seq ${last.seq}, hash <code>${last.hash}</code>, signed by key <code>${signer.key.id}</code>: <code>${last.sig}</code></dd>`));
  } finally {
    t.done();
  }
});

test('the compliance table links ISO 27001 A.8.8 and A.8.32, NIS2 §6.4 and §6.6, and BSI OPS.1.1.3 to this run\'s evidence', () => {
  const r = reportOf();
  const controls = new Set(r.compliance.map((c) => c.control));
  for (const c of ['A.8.8', 'A.8.32', '§6.4.1–6.4.2', '§6.4.3', '§6.4.4', '§6.6.1', '§6.6.2', 'OPS.1.1.3']) assert.ok(controls.has(c), `a row for ${c}`);
  const entries = regionalRunEvents().length;
  const log = r.compliance.find((c) => c.control === 'A.8.8' && c.requirement.includes('audit log'));
  assert.match(log?.evidence ?? '', new RegExp(`^${entries} journal entries with actor, wall-clock and cluster time; hash chain verified`));
  assert.equal(log?.status, 'evidenced');
  const tested = r.compliance.find((c) => c.control === '§6.6.1' && c.requirement === 'test before production');
  assert.match(tested?.evidence ?? '', /gates passed before 1 of 1 gate evaluation\(s\) ahead of waves \(1 wave\(s\) started\); first wave \(canary\) of 2 node\(s\); region validation passed 1 of 1; 2 canary analysis measurement\(s\)/);
  const deferral = r.compliance.find((c) => c.control === '§6.6.2');
  assert.match(deferral?.evidence ?? '', /node-cp excluded: control plane: not selected/);
  const authorisation = r.compliance.find((c) => c.requirement === 'authorisation');
  assert.equal(authorisation?.status, 'not-recorded');
  assert.ok(r.compliance.every((c) => /reference §12/.test(c.source)), 'every row cites the reference');
  assert.match(r.compliance.find((c) => c.control === 'OPS.1.1.3')?.source ?? '', /unverified/);
});

test('a journal without a preflight result says so, and findings attached from a file are shown', () => {
  const r = reportOf();
  assert.equal(r.preflight.source, 'none');
  assert.match(r.preflight.note, /holds no preflight result/);
  const t = tempState();
  try {
    const paths = writeRun(t.dir, 'run-1', regionalRunEvents());
    const finding = { rule: 'single-replica', severity: 'warning' as const, cluster: 'eu-central', subject: 'shop/cart', message: 'one replica', fix: 'run two' };
    const withFile = buildReport({ ...readRunFiles(paths), preflight: { findings: [finding], from: 'preflight.json' } });
    assert.equal(withFile.preflight.source, 'file');
    assert.deepEqual(withFile.preflight.findings, [finding]);
    assert.match(renderReportHtml(withFile), /single-replica/);
  } finally {
    t.done();
  }
});

test('the HTML has every section by id, the chain result, the compliance rows and the chart, and loads nothing from outside', () => {
  const page = renderReportHtml(reportOf());
  for (const id of ['summary', 'timeline', 'actions', 'gates', 'traffic', 'preflight', 'integrity', 'compliance']) assert.match(page, new RegExp(`<section id="${id}">`), `section ${id}`);
  assert.match(page, /data-chain="intact">chain intact: \d+ entries, last hash [0-9a-f]{64}</);
  for (const control of ['A.8.8', 'A.8.32', '§6.4.3', '§6.6.1', '§6.6.2', 'OPS.1.1.3']) assert.ok(page.includes(`data-control="${control}"`), control);
  assert.match(page, /<tr><td>1<\/td><td>node-a, node-b<br><span class="muted">eu-central-1a<\/span><\/td><td><span class="ok">passed<\/span>/, 'the first wave is wave 1 to people, with its gate');
  assert.match(page, /<svg [^>]*role="img"/);
  assert.match(page, /<path d="M[^"]+" [^>]*data-region="eu-central"/);
  assert.doesNotMatch(page, /<script|<link|<img|<iframe|\ssrc=|href="(?!#)|url\(/, 'no script, no external asset');
  assert.match(page, /Content-Security-Policy" content="default-src 'none'/);
  assert.match(page, /font:14px\/1.45 system-ui,-apple-system,"Segoe UI"/, 'the style sheet is not escaped');
});

test('a hostile pod or node name is escaped everywhere it appears and cannot inject markup', () => {
  const hostile = '<script>alert(1)</script>"onmouseover="x';
  const r = reportOf({ node: hostile });
  assert.ok(r.timeline.nodes.some((n) => n.node === hostile), 'the JSON keeps the name as it is');
  const page = renderReportHtml(r);
  assert.doesNotMatch(page, /<script/i);
  assert.doesNotMatch(page, /"onmouseover="/);
  assert.match(page, /&lt;script&gt;alert\(1\)&lt;\/script&gt;&quot;onmouseover=&quot;x/);
  assert.match(page, /shop\/web-&lt;script&gt;/, 'the pod name is escaped too');
});

test('preflight findings journaled at the start of the run are in the report, covered by the hash chain', () => {
  const t = tempState();
  try {
    const finding = { rule: 'single-replica', severity: 'warning' as const, cluster: 'eu-central', subject: 'shop/cart', message: 'one replica', fix: 'run two' };
    const events = regionalRunEvents();
    const paths = writeRun(t.dir, 'run-1', [events[0] as RunEvent, { type: 'preflight.evaluated', findings: [finding], skipped: false }, ...events.slice(1)]);
    const r = buildReport(readRunFiles(paths));
    assert.equal(r.preflight.source, 'journal');
    assert.deepEqual(r.preflight.findings, [finding]);
    assert.match(r.preflight.note, /covered by its hash chain/);
    assert.match(renderReportHtml(r), /single-replica/);
  } finally {
    t.done();
  }
});

test('approval gates fill the authorisation rows: who approved what, when, how and with what comment; a timeout answer is partial evidence', () => {
  // Given the regional run with an approval before its phase, approved by alice with a comment, and one before its region answered by the timeout
  const events = regionalRunEvents();
  const at = events.findIndex((e) => e.type === 'lease.acquired') + 1;
  const approvals: RunEvent[] = [
    { type: 'approval.requested', step: 'phase/os-patch', phase: 'os-patch', name: 'change board', message: 'CAB-1234 signed off?', onTimeout: 'reject' },
    { type: 'approval.granted', step: 'phase/os-patch', by: 'alice', via: 'cli', answeredAt: '2026-09-01T09:05:00.000Z', comment: 'CAB-1234 approved', answer: 'a1' },
  ];
  const timedOut: RunEvent[] = [
    { type: 'approval.requested', step: 'phase/os-patch/region/eu-central', phase: 'os-patch', cluster: 'eu-central', deadline: START + 600_000, onTimeout: 'approve' },
    { type: 'approval.granted', step: 'phase/os-patch/region/eu-central', by: 'daylight (timeout)', via: 'timeout', answeredAt: '2026-09-01T09:15:00.000Z', comment: 'no answer within 600 s; onTimeout: approve' },
  ];
  const t = tempState();
  try {
    const report = (list: RunEvent[]) => buildReport({ ...readRunFiles(writeRun(t.dir, `run-${list.length}`, [...events.slice(0, at), ...list, ...events.slice(at)])), now: new Date('2026-09-02T00:00:00Z') });
    const r = report(approvals);
    // Then the report lists the approval with its answer
    assert.deepEqual(r.approvals.map((a) => [a.step, a.status, a.by, a.via, a.answeredAt, a.comment, a.name]), [['phase/os-patch', 'approved', 'alice', 'cli', '2026-09-01T09:05:00.000Z', 'CAB-1234 approved', 'change board']]);
    // And the authorisation row says who approved what, when and why, evidenced by the verified journal
    const row = r.compliance.find((c) => c.requirement === 'authorisation');
    assert.equal(row?.evidence, '1 approval gate(s) in the journal: phase/os-patch approved by alice (cli) at 2026-09-01T09:05:00.000Z: CAB-1234 approved');
    assert.equal(row?.status, 'evidenced');
    // And the actions name alice as the actor of the approval
    const granted = r.actions.find((a) => a.action === 'approval granted');
    assert.deepEqual([granted?.actor, granted?.target, granted?.result], ['alice (cli)', 'phase/os-patch', 'approved at 2026-09-01T09:05:00.000Z: CAB-1234 approved']);
    // And the HTML shows the approvals table
    const page = renderReportHtml(r);
    assert.match(page, /<section id="approvals"><h2>Approvals<\/h2><table>/);
    assert.match(page, /CAB-1234 approved/);
    // When a timeout answered one of them, the row is partial evidence
    const partial = report([...approvals, ...timedOut]).compliance.find((c) => c.requirement === 'authorisation');
    assert.equal(partial?.status, 'partial');
    assert.match(partial?.evidence ?? '', /phase\/os-patch\/region\/eu-central approved by daylight \(timeout\) \(timeout\)/);
  } finally {
    t.done();
  }
});
