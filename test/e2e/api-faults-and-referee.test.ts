// Faults of the API from the fleet file as clients meet them, and the referee's report in exactly the
// shape DESIGN.md section 7 fixes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { smallFleet } from '../support/fleets.ts';
import { startTestSandbox } from '../support/sandbox.ts';
import { rawRequest } from './helpers.ts';

test('an API error rate of 1 fails every resource request with a 500 Status, while discovery still answers', { timeout: 30_000 }, async () => {
  // Given a fleet whose API fails every request
  const s = await startTestSandbox(smallFleet({ faults: '{api: {errorRate: 1.0}}' }));
  try {
    // When a client lists pods
    const list = await rawRequest(s, 'eu-central', { path: '/api/v1/pods' });
    // Then it gets Kubernetes' InternalError Status, and kubectl reports it
    assert.equal(list.status, 500);
    assert.deepEqual({ kind: (list.body as { kind: string }).kind, reason: (list.body as { reason: string }).reason }, { kind: 'Status', reason: 'InternalError' });
    assert.match((list.body as { message: string }).message, /injected fault/);
    const discovery = await rawRequest(s, 'eu-central', { path: '/api/v1' });
    assert.equal(discovery.status, 200);
    const kubectl = await s.kubectl(['get', 'pods', '-A']);
    assert.notEqual(kubectl.code, 0);
    assert.match(kubectl.stderr, /Internal error occurred: injected fault/);
  } finally {
    await s.stop();
  }
});

test('an API error rate of 0.5 fails about half of the requests', { timeout: 30_000 }, async () => {
  const s = await startTestSandbox(smallFleet({ faults: '{api: {errorRate: 0.5}}' }));
  try {
    const codes: number[] = [];
    for (let i = 0; i < 200; i++) codes.push((await rawRequest(s, 'eu-central', { path: '/api/v1/nodes' })).status);
    const failed = codes.filter((c) => c === 500).length;
    assert.ok(failed > 60 && failed < 140, `${failed} of 200 failed`);
    assert.equal(codes.filter((c) => c !== 500 && c !== 200).length, 0);
  } finally {
    await s.stop();
  }
});

test('API latency from the fleet file delays every resource request by at least that much', { timeout: 30_000 }, async () => {
  const s = await startTestSandbox(smallFleet({ faults: '{api: {latencyMs: 150}}' }));
  try {
    const t0 = performance.now();
    for (let i = 0; i < 5; i++) assert.equal((await rawRequest(s, 'eu-central', { path: '/api/v1/nodes' })).status, 200);
    const each = (performance.now() - t0) / 5;
    assert.ok(each >= 150, `a request took ${each.toFixed(0)} ms`);
  } finally {
    await s.stop();
  }
});

test('the referee answers on every region with the fields of DESIGN.md section 7 and nothing else', { timeout: 30_000 }, async () => {
  // Given a fleet of two regions that serves traffic
  const s = await startTestSandbox(smallFleet({ regions: 2 }));
  try {
    await s.until('traffic flows', () => s.sandbox.fleet.serving && s.sandbox.fleet.referee.report().traffic.served > 0);
    // When an outside observer asks either region
    const a = (await rawRequest(s, 'eu-central', { path: '/sandbox/v1/referee' })).body as Record<string, unknown>;
    const b = (await rawRequest(s, 'region-2', { path: '/sandbox/v1/referee' })).body as Record<string, unknown>;
    // Then both answer for the whole fleet in the contract's shape
    assert.deepEqual(Object.keys(a).sort(), ['evictions', 'maxConcurrentUnavailableNodes', 'pdbBreaches', 'podsKilledWithoutEviction', 'reboots', 'traffic']);
    assert.deepEqual(Object.keys(a.evictions as object).sort(), ['accepted', 'rejectedByPdb']);
    assert.deepEqual(Object.keys(a.maxConcurrentUnavailableNodes as object).sort(), ['eu-central', 'region-2']);
    const traffic = a.traffic as { served: number; failed: number; byRegion: Record<string, { served: number; failed: number }> };
    assert.deepEqual(Object.keys(traffic).sort(), ['byRegion', 'failed', 'served']);
    assert.deepEqual(Object.keys(traffic.byRegion).sort(), ['eu-central', 'region-2']);
    assert.equal(traffic.served, traffic.byRegion['eu-central']!.served + traffic.byRegion['region-2']!.served);
    assert.deepEqual(Object.keys(b).sort(), Object.keys(a).sort());
    assert.equal(typeof a.podsKilledWithoutEviction, 'number');
    assert.equal(typeof a.pdbBreaches, 'number');
  } finally {
    await s.stop();
  }
});
