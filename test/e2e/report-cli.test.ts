// `daylight report` and `daylight audit verify` as a person runs them, in a child process, on a run the
// real Journal wrote: JSON on standard output, an HTML file with --out, exit 1 and the reason for a
// tampered journal, exit 2 for a run that does not exist.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Report } from '../../src/report/index.ts';
import { regionalRunEvents, tempState, writeRun } from '../unit/report/fixtures.ts';
import { tempConfigHome } from '../helpers/journal-key.ts';

// The CLIs this file starts make their journal key in a temporary config directory, not in the home.
tempConfigHome();

const ENTRY = fileURLToPath(new URL('../../src/cli/entry.ts', import.meta.url));

function daylight(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [ENTRY, ...args], { encoding: 'utf8', timeout: 30_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('report RUN --format json prints the report as data; --format html --out writes one self-contained file', () => {
  const t = tempState();
  try {
    writeRun(t.dir, 'weekly-os-patch-20260901-090000-ab12', regionalRunEvents());
    const json = daylight(['report', 'weekly-os-patch-20260901-090000-ab12', '--format', 'json', '--state-dir', t.dir]);
    assert.equal(json.code, 0, json.stderr);
    const report = JSON.parse(json.stdout) as Report;
    assert.equal(report.runId, 'weekly-os-patch-20260901-090000-ab12');
    assert.equal(report.summary.status, 'succeeded');
    assert.equal(report.integrity.ok, true);
    assert.deepEqual(report.traffic.regions, ['eu-central', 'eu-west']);
    assert.ok(report.compliance.length >= 10);
    const out = join(t.dir, 'report.html');
    const html = daylight(['report', 'weekly-os-patch-20260901-090000-ab12', '--format', 'html', '--out', out, '--state-dir', t.dir]);
    assert.equal(html.code, 0, html.stderr);
    assert.match(html.stdout, /report of weekly-os-patch-20260901-090000-ab12 written to .*report\.html \(html\); chain intact: \d+ entries/);
    const page = readFileSync(out, 'utf8');
    assert.match(page, /^<!DOCTYPE html>/);
    for (const id of ['summary', 'timeline', 'actions', 'gates', 'traffic', 'preflight', 'integrity', 'compliance']) assert.match(page, new RegExp(`<section id="${id}">`));
  } finally {
    t.done();
  }
});

test('a tampered journal: the report is still written, says the chain is broken, and exits 1; audit verify names the entry', () => {
  const t = tempState();
  try {
    const paths = writeRun(t.dir, 'run-1', regionalRunEvents());
    const lines = readFileSync(paths.journal, 'utf8').split('\n');
    lines[11] = (lines[11] as string).replace('"node-a"', '"node-x"');
    writeFileSync(paths.journal, lines.join('\n'));
    const r = daylight(['report', 'run-1', '-o', 'json', '--state-dir', t.dir]);
    assert.equal(r.code, 1);
    assert.equal((JSON.parse(r.stdout) as Report).integrity.break?.line, 12);
    assert.match(r.stderr, /chain broken at line 12 \(entry seq 12\): hash-mismatch/);
    const verify = daylight(['audit', 'verify', 'run-1', '--state-dir', t.dir]);
    assert.equal(verify.code, 1);
    assert.match(verify.stderr, /line 12 \(entry seq 12\)/);
  } finally {
    t.done();
  }
});

test('bad input exits 2 with what to do and no stack trace', () => {
  const t = tempState();
  try {
    writeRun(t.dir, 'run-1', regionalRunEvents({ upTo: 4 }));
    const missing = daylight(['report', 'run-x', '--state-dir', t.dir]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /no run "run-x" in .*; runs there: run-1/);
    const format = daylight(['report', 'run-1', '--format', 'pdf', '--state-dir', t.dir]);
    assert.equal(format.code, 2);
    assert.match(format.stderr, /--format pdf: expected "html" or "json"/);
    const preflight = daylight(['report', 'run-1', '--preflight', join(t.dir, 'nope.json'), '--state-dir', t.dir]);
    assert.equal(preflight.code, 2);
    assert.match(preflight.stderr, /--preflight .*nope\.json: cannot read it \(ENOENT\); pass the output of daylight preflight -f plan\.yaml -o json/);
    assert.doesNotMatch(missing.stderr + format.stderr + preflight.stderr, /\n\s+at /);
  } finally {
    t.done();
  }
});
