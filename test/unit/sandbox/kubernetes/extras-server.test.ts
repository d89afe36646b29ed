// The kubernetes engine's extras server: the referee's report (with its notes) and details at the
// simulated engine's paths, a 404 that says what is served for anything else, and with the engine's data
// plane the status, ingress faults, traffic weights and /metrics as the simulated engine serves them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startExtrasServer } from '../../../../src/sandbox/kubernetes/extras-server.ts';
import type { ExtrasIngress } from '../../../../src/sandbox/kubernetes/extras-server.ts';
import { IngressFaults } from '../../../../src/sandbox/ingress-faults.ts';
import { LatencyHistogram } from '../../../../src/sandbox/metrics.ts';
import { GlobalLoadBalancer } from '../../../../src/sandbox/traffic.ts';
import type { RefereeReport } from '../../../../src/sandbox/referee.ts';

const report = (): RefereeReport => ({
  evictions: { accepted: 2, rejectedByPdb: 1 },
  podsKilledWithoutEviction: 1,
  pdbBreaches: 0,
  maxConcurrentUnavailableNodes: { 'eu-central': 1 },
  reboots: { 'eu-central/node-a1': 1 },
  traffic: { served: 0, failed: 0, byRegion: { 'eu-central': { served: 0, failed: 0 } } },
});

test('the extras server answers the referee and its details at the simulated engine\'s paths, and 404 elsewhere', async () => {
  const server = await startExtrasServer({ report: () => Promise.resolve({ report: report(), details: { kills: [{ pod: 'shop/web-1' }] } }) });
  try {
    const answer = (await (await fetch(`${server.url}/sandbox/v1/referee`)).json()) as RefereeReport & { notes: string[] };
    assert.deepEqual({ ...answer, notes: undefined }, { ...report(), notes: undefined });
    assert.match(answer.notes.join(' '), /traffic/);
    assert.deepEqual(await (await fetch(`${server.url}/sandbox/v1/referee/details`)).json(), { kills: [{ pod: 'shop/web-1' }] });
    const missing = await fetch(`${server.url}/api/v1/nodes`);
    assert.equal(missing.status, 404);
    assert.match(((await missing.json()) as { message: string }).message, /kube-apiserver/);
  } finally {
    await server.stop();
  }
});

test('a referee that cannot read its sources answers 500 with the reason', async () => {
  const server = await startExtrasServer({ report: () => Promise.reject(new Error('audit.log: EACCES')) });
  try {
    const res = await fetch(`${server.url}/sandbox/v1/referee`);
    assert.equal(res.status, 500);
    assert.match(((await res.json()) as { message: string }).message, /EACCES/);
  } finally {
    await server.stop();
  }
});

test('with the data plane, the traffic weights and faults change by PUT, wrong input is a 400 saying what to send, and the referee has no note', async () => {
  // Given an extras server over a balancer of two regions and their ingress faults
  const traffic = new GlobalLoadBalancer(
    ['eu-central', 'eu-west'].map((name) => ({ name, services: [], readyEndpoints: () => 0, histogram: new LatencyHistogram() })),
    { rps: 100, split: { 'eu-central': 50, 'eu-west': 50 }, latencyMs: 10, sink: { requests: () => undefined } },
  );
  const ingress: ExtrasIngress = { faults: new IngressFaults(['eu-central', 'eu-west']), traffic, serving: true, status: () => ({}), metricsText: () => 'daylight_sandbox_traffic_weight{region="eu-west"} 0\n' };
  const server = await startExtrasServer({ report: () => Promise.resolve({ report: report(), details: {} }), ingress, fleet: 'test' });
  const put = (path: string, body: string) => fetch(`${server.url}${path}`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body });
  try {
    // When a region's weight is set to 0
    const set = await put('/sandbox/v1/traffic', '{"weights": {"eu-west": 0}}');

    // Then the balancer sends it nothing from now on, and the answer shows the weights before and now
    assert.equal(set.status, 200);
    assert.deepEqual(((await set.json()) as { weights: unknown; initialWeights: unknown }).weights, { 'eu-central': 50, 'eu-west': 0 });
    assert.deepEqual(traffic.weightsNow(), { 'eu-central': 50, 'eu-west': 0 });

    // And wrong input changes nothing and says what to send
    const unknown = await put('/sandbox/v1/traffic', '{"weights": {"us-east": 1, "eu-central": 0}}');
    assert.equal(unknown.status, 400);
    assert.match(((await unknown.json()) as { message: string }).message, /no region "us-east"; regions are eu-central, eu-west/);
    assert.deepEqual(traffic.weightsNow(), { 'eu-central': 50, 'eu-west': 0 });
    const notJson = await put('/sandbox/v1/faults', '{errorRate');
    assert.equal(notJson.status, 400);
    assert.match(((await notJson.json()) as { message: string }).message, /not JSON/);
    const badFault = await put('/sandbox/v1/faults', '{"ingress": {"eu-west": {"errorRate": 2}}}');
    assert.equal(badFault.status, 400);
    assert.deepEqual(ingress.faults.of('eu-west'), { errorRate: 0, latencyMs: 0 });

    // And /metrics is the data plane's exposition, the status names the engine, and the referee has no note
    assert.equal(await (await fetch(`${server.url}/metrics`)).text(), 'daylight_sandbox_traffic_weight{region="eu-west"} 0\n');
    assert.deepEqual(await (await fetch(`${server.url}/sandbox/v1/status`)).json(), { fleet: 'test', engine: 'kubernetes', serving: true, ingress: {} });
    assert.deepEqual(((await (await fetch(`${server.url}/sandbox/v1/referee`)).json()) as { notes: string[] }).notes, []);
    assert.equal((await put('/sandbox/v1/referee', '{}')).status, 404);
  } finally {
    await server.stop();
  }
});
