// spec.versionSource's adapters and the plan's check of a minor: a file read afresh at each question, an http
// source, and what each says when it cannot answer; a kubernetes phase naming a minor needs a source.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UserError } from '../../../src/lib/errors.ts';
import { parsePlan } from '../../../src/plan/load.ts';
import { versionSource } from '../../../src/upgrade/version-source.ts';

const signal = new AbortController().signal;

test('a file source is read at each question, so a release published during the run is seen; its problems name the file', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'daylight-versions-'));
  try {
    const path = join(dir, 'versions.yaml');
    const source = versionSource({ type: 'file', path });
    await assert.rejects(source.kubernetes(signal), new RegExp(`the version source ${path} cannot be read: .*ENOENT`));
    writeFileSync(path, 'kubernetes: [v1.31.1, v1.31.2]\n');
    assert.deepEqual(await source.kubernetes(signal), ['v1.31.1', 'v1.31.2']);
    writeFileSync(path, JSON.stringify({ kubernetes: ['v1.31.1', 'v1.31.2', 'v1.31.3'] }));
    assert.deepEqual(await source.kubernetes(signal), ['v1.31.1', 'v1.31.2', 'v1.31.3']);
    writeFileSync(path, '{"releases": []}');
    await assert.rejects(source.kubernetes(signal), /has no list "kubernetes" of versions; write \{"kubernetes": \["v1\.31\.1", "v1\.31\.2"\]\}/);
    writeFileSync(path, 'kubernetes: [v1.31.1');
    await assert.rejects(source.kubernetes(signal), /is not JSON or YAML/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('an http source answers the same document; an error status is said with the URL', async () => {
  let status = 200;
  const server = createServer((_req, res) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ kubernetes: ['v1.32.0'] }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/versions`;
    const source = versionSource({ type: 'http', url });
    assert.deepEqual(await source.kubernetes(signal), ['v1.32.0']);
    status = 503;
    await assert.rejects(source.kubernetes(signal), new RegExp(`the version source ${url.replace(/[.]/g, '\\.')} cannot be read: HTTP 503`));
  } finally {
    await new Promise((r) => server.close(r));
  }
});

test('a kubernetes phase naming a minor needs spec.versionSource; a file source is taken relative to the plan file', () => {
  const text = (source: string) => ['apiVersion: daylight.dev/v1alpha1', 'kind: MaintenancePlan', 'metadata: {name: k8s}', 'spec:', '  clusters: [{name: eu, context: eu}]', '  phases: [{name: k8s-131, type: kubernetes, to: v1.31}]', source, ''].join('\n');
  assert.throws(() => parsePlan('plans/k8s.yaml', text('')), (e: unknown) => e instanceof UserError && /spec\.phases\[0\]\.to: v1\.31 names a minor: its newest patch comes from spec\.versionSource; set it .*or write the full version, such as v1\.31\.2/.test(e.message));
  const plan = parsePlan('/etc/plans/k8s.yaml', text('  versionSource: {type: file, path: versions.json}')).plan;
  assert.deepEqual(plan.spec.versionSource, { type: 'file', path: '/etc/plans/versions.json' });
  assert.throws(() => parsePlan('plans/k8s.yaml', text('').replace('to: v1.31', 'to: "1.31"')), /write the version to install: the full version like "v1\.31\.2", or a minor like "v1\.31"/);
});
