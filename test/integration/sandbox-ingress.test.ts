// The sandbox's real HTTP ingress per region, as a load balancer or a person with curl meets it: answers
// from Ready pods of the region, 503 once the region has none, faults changed at run time, and the
// counters a Prometheus would scrape.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Agent } from 'node:http';
import { fileURLToPath } from 'node:url';
import { ok, rawRequest } from '../e2e/helpers.ts';
import { httpRequest, jsonOf } from '../helpers/http.ts';
import type { HttpAnswer } from '../helpers/http.ts';
import { loadFleetFile } from '../../src/sandbox/fleet-load.ts';
import { smallFleet } from '../support/fleets.ts';
import type { Pod } from '../../src/sandbox/k8s-types.ts';
import { allPodsReady, startTestSandbox } from '../support/sandbox.ts';
import type { TestSandbox } from '../support/sandbox.ts';

const DEMO = fileURLToPath(new URL('../../examples/fleets/demo.yaml', import.meta.url));
const REGIONS = ['eu-central', 'eu-west'];

let ts: TestSandbox;
// Keep-alive, as HAProxy and autocannon use the ingress; destroyed after the tests so no socket outlives them.
const agent = new Agent({ keepAlive: true, maxSockets: 1 });

function ingressUrl(region: string): string {
  const url = ts.sandbox.ingress.get(region)?.url;
  assert.ok(url, `the sandbox exposes an ingress URL for ${region}`);
  return url;
}

function get(region: string, path = '/'): Promise<HttpAnswer> {
  return httpRequest(`${ingressUrl(region)}${path}`, { agent });
}

/** `daylight_sandbox_ingress_requests_total` of a region by code, read from the region's /metrics. */
async function requestsByCode(region: string): Promise<Record<string, number>> {
  const text = String(await ts.api(region, '/metrics'));
  const out: Record<string, number> = {};
  for (const m of text.matchAll(/^daylight_sandbox_ingress_requests_total\{region="([^"]+)",code="(\d+)"\} (\d+)$/gm)) {
    assert.equal(m[1], region, 'a region exposes its own ingress only');
    out[m[2] as string] = Number(m[3]);
  }
  return out;
}

async function histogram(region: string, sample: string): Promise<number> {
  const text = String(await ts.api(region, '/metrics'));
  const escaped = sample.replace(/[{}"+.]/g, '\\$&');
  const m = new RegExp(`^${escaped} (\\S+)$`, 'm').exec(text);
  assert.ok(m, `${sample} is in the /metrics of ${region}`);
  return Number(m[1]);
}

function delta(before: Record<string, number>, after: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const code of new Set([...Object.keys(before), ...Object.keys(after)])) {
    const d = (after[code] ?? 0) - (before[code] ?? 0);
    if (d !== 0) out[code] = d;
  }
  return out;
}

async function setFaults(body: unknown): Promise<{ status: number; body: unknown }> {
  return rawRequest(ts, 'eu-central', { method: 'PUT', path: '/sandbox/v1/faults', body });
}

async function times(n: number, region: string): Promise<HttpAnswer[]> {
  const out: HttpAnswer[] = [];
  for (let i = 0; i < n; i++) out.push(await get(region));
  return out;
}

describe('the HTTP ingress of each sandbox region', () => {
  before(async () => {
    // Given the demo fleet, two regions with six Ready web pods behind a Service each
    ts = await startTestSandbox(await loadFleetFile(DEMO), { speed: 600 });
    await ts.until('every pod is Ready', () => allPodsReady(ts.sandbox), 30_000);
  });

  after(async () => {
    agent.destroy();
    await ts?.stop();
  });

  test('answers 200 with the region header from a Ready pod of that region, round-robin over a kept-alive connection', async () => {
    for (const region of REGIONS) {
      // When twelve requests reach the region's ingress, on any path
      const answers = [await get(region, '/healthz'), ...(await times(11, region))];
      // Then each is 200 from the region, by a pod that is Ready there and runs on the node it names
      const pods = new Set<string>();
      for (const a of answers) {
        assert.equal(a.status, 200, a.body);
        assert.equal(a.headers['x-daylight-region'], region);
        const body = jsonOf(a) as { region: string; pod: string; node: string };
        assert.equal(body.region, region);
        const [namespace, name] = body.pod.split('/');
        const pod = (await ts.api(region, `/api/v1/namespaces/${namespace}/pods/${name}`)) as Pod;
        assert.equal(pod.metadata?.name, name, `${body.pod} exists in ${region}`);
        assert.equal(pod.spec.nodeName, body.node);
        assert.ok(!pod.metadata.deletionTimestamp, `${body.pod} is not terminating`);
        assert.equal(pod.status?.conditions?.find((c) => c.type === 'Ready')?.status, 'True', `${body.pod} is Ready`);
        pods.add(body.pod);
      }
      assert.equal(pods.size, 6, `requests went round the six web pods of ${region}: ${[...pods].join(', ')}`);
      assert.ok(answers.slice(1).every((a) => a.reusedSocket), 'every request after the first reused the kept-alive connection');
    }
  });

  test('counts its answers by code in the region\'s /metrics and in the sandbox status', async () => {
    const before = await requestsByCode('eu-west');
    const countBefore = await histogram('eu-west', 'daylight_sandbox_ingress_request_duration_seconds_count{region="eu-west"}');
    // When the eu-west ingress answers seven requests
    await times(7, 'eu-west');
    // Then its 200 counter and its latency histogram rose by seven, and eu-central's counters did not move
    assert.deepEqual(delta(before, await requestsByCode('eu-west')), { '200': 7 });
    assert.equal(await histogram('eu-west', 'daylight_sandbox_ingress_request_duration_seconds_count{region="eu-west"}'), countBefore + 7);
    const status = (await ts.api('eu-central', '/sandbox/v1/status')) as { ingress: Record<string, { url: string; requests: Record<string, number> }> };
    assert.deepEqual(Object.keys(status.ingress), REGIONS);
    assert.equal(status.ingress['eu-west']?.url, ingressUrl('eu-west'));
    assert.equal(status.ingress['eu-west']?.requests['200'], (await requestsByCode('eu-west'))['200']);
  });

  test('PUT /sandbox/v1/faults with errorRate 1 makes a region answer 500, and errorRate 0 restores it', async () => {
    const before = await requestsByCode('eu-west');
    // When eu-west's ingress is set to fail every request
    const put = await setFaults({ ingress: { 'eu-west': { errorRate: 1, latencyMs: 0 } } });
    assert.equal(put.status, 200, JSON.stringify(put.body));
    assert.deepEqual((put.body as { ingress: unknown }).ingress, { 'eu-central': { errorRate: 0, latencyMs: 0 }, 'eu-west': { errorRate: 1, latencyMs: 0 } });
    // Then every request to eu-west is a 500 that still names the region, and eu-central keeps serving
    const failed = await times(5, 'eu-west');
    assert.deepEqual(failed.map((a) => a.status), [500, 500, 500, 500, 500]);
    assert.equal(failed[0]?.headers['x-daylight-region'], 'eu-west');
    assert.match(failed[0]?.body ?? '', /injected fault/);
    assert.equal((await get('eu-central')).status, 200);
    assert.deepEqual(await rawRequest(ts, 'eu-west', { path: '/sandbox/v1/faults' }).then((r) => (r.body as { ingress: unknown }).ingress), {
      'eu-central': { errorRate: 0, latencyMs: 0 },
      'eu-west': { errorRate: 1, latencyMs: 0 },
    });
    // When the fault is taken back
    assert.equal((await setFaults({ ingress: { 'eu-west': { errorRate: 0 } } })).status, 200);
    // Then eu-west answers 200 again, and the counters saw five 500s and one 200
    assert.equal((await get('eu-west')).status, 200);
    assert.deepEqual(delta(before, await requestsByCode('eu-west')), { '200': 1, '500': 5 });
  });

  test('an error rate of one half fails about half of the requests', async () => {
    await setFaults({ ingress: { 'eu-central': { errorRate: 0.5 } } });
    try {
      const codes = (await times(200, 'eu-central')).map((a) => a.status);
      const failed = codes.filter((c) => c === 500).length;
      assert.equal(failed + codes.filter((c) => c === 200).length, 200, 'only 200 and 500');
      assert.ok(failed > 60 && failed < 140, `${failed} of 200 failed`);
    } finally {
      await setFaults({ ingress: { 'eu-central': {} } });
    }
  });

  test('latencyMs delays every answer by real milliseconds, seen in the latency histogram', async () => {
    const le = (b: string) => histogram('eu-central', `daylight_sandbox_ingress_request_duration_seconds_bucket{region="eu-central",le="${b}"}`);
    const slowBefore = (await le('+Inf')) - (await le('0.1'));
    // When eu-central's ingress gets 200 ms of latency
    await setFaults({ ingress: { 'eu-central': { latencyMs: 200 } } });
    try {
      // Then a request takes at least 200 ms, and still succeeds
      const slow = await get('eu-central');
      assert.equal(slow.status, 200);
      assert.ok(slow.ms >= 200, `took ${slow.ms.toFixed(1)} ms`);
      assert.equal((await le('+Inf')) - (await le('0.1')), slowBefore + 1, 'the histogram counted one answer slower than 100 ms');
    } finally {
      await setFaults({ ingress: { 'eu-central': { latencyMs: 0 } } });
    }
    // And without the fault it is fast again
    const fast = await get('eu-central');
    assert.ok(fast.ms < 150, `took ${fast.ms.toFixed(1)} ms`);
  });

  test('a bad faults body is refused with 400 and a message that says what is wrong, and changes nothing', async () => {
    const cases: [unknown, RegExp][] = [
      [{ ingress: { 'us-east': { errorRate: 1 } } }, /ingress\.us-east: "us-east" is not a region of this fleet; write one of eu-central, eu-west/],
      [{ ingress: { 'eu-west': { errorRate: 2 } } }, /ingress\.eu-west\.errorRate: write a fraction from 0 \(no errors\) to 1/],
      [{ ingress: { 'eu-west': { errorrate: 1 } } }, /ingress\.eu-west: unknown field "errorrate"; the fields here are errorRate, latencyMs/],
      [{ ingres: {} }, /unknown field "ingres"; the fields here are ingress; send \{"ingress": \{"<region>": \{"errorRate": 0.2, "latencyMs": 50\}\}\}/],
      [[1, 2], /expected a JSON object; send \{"ingress"/],
    ];
    for (const [body, message] of cases) {
      const r = await setFaults(body);
      assert.equal(r.status, 400, JSON.stringify(body));
      assert.match((r.body as { message: string }).message, message);
    }
    const r = await rawRequest(ts, 'eu-central', { path: '/sandbox/v1/faults' });
    assert.deepEqual((r.body as { ingress: unknown }).ingress, { 'eu-central': { errorRate: 0, latencyMs: 0 }, 'eu-west': { errorRate: 0, latencyMs: 0 } });
  });

  test('answers 503 once the region has no ready endpoint, while the other region keeps serving', async () => {
    const before = await requestsByCode('eu-west');
    // When the only Deployment with a Service in eu-west is scaled to zero
    ok(await ts.kubectl(['--context', 'eu-west', '-n', 'shop', 'scale', 'deployment/web', '--replicas=0']), 'scale web to 0');
    // Then eu-west's ingress answers 503 and says why, and eu-central still answers 200
    await ts.until('eu-west answers 503', async () => (await get('eu-west')).status === 503, 10_000);
    const a = await get('eu-west');
    assert.equal(a.status, 503);
    assert.equal(a.headers['x-daylight-region'], 'eu-west');
    assert.match(a.body, /no ready endpoint in eu-west/);
    assert.equal((await get('eu-central')).status, 200);
    assert.ok(((await requestsByCode('eu-west'))['503'] ?? 0) - (before['503'] ?? 0) >= 2, 'the 503s are counted');
  });
});

test('ingress faults from the fleet file apply from the start, and stopping the sandbox closes every ingress', async () => {
  // Given a fleet file whose region-2 ingress fails every request
  const s = await startTestSandbox(smallFleet({ regions: 2, faults: '{ingress: {region-2: {errorRate: 1}}}' }), { speed: 600 });
  const urls = [...s.sandbox.ingress.values()].map((i) => i.url);
  try {
    await s.until('every pod is Ready', () => allPodsReady(s.sandbox), 30_000);
    // Then region-2 answers 500 and eu-central 200
    assert.equal((await httpRequest(`${s.sandbox.ingress.get('region-2')?.url}/`)).status, 500);
    assert.equal((await httpRequest(`${s.sandbox.ingress.get('eu-central')?.url}/`)).status, 200);
    assert.deepEqual(s.sandbox.ingressFaults.all(), { 'eu-central': { errorRate: 0, latencyMs: 0 }, 'region-2': { errorRate: 1, latencyMs: 0 } });
  } finally {
    await s.stop();
  }
  // When the sandbox has stopped, nothing listens on the ingress ports
  assert.equal(urls.length, 2);
  for (const url of urls) await assert.rejects(httpRequest(`${url}/`), /ECONNREFUSED/, `${url} is closed`);
});
