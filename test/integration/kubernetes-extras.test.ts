// Integration: the kubernetes engine's extras, as the simulated engine has them, on one shared sandbox of
// the upstream control plane: the region's plain-HTTP ingress answers 200 from a ready endpoint of the
// real EndpointSlices and 503 once the Service has none, its faults change through the extras server,
// /metrics counts its answers, the referee counts the traffic balancer's requests, the fleet's API faults
// reach clients through a proxy in front of the real API server, and a node fault of the fleet file is
// played by the node agent. Pod faults, which the engine cannot play, are refused before anything starts.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { backoffDelay } from '../../src/lib/backoff.ts';
import { systemClock } from '../../src/lib/clock.ts';
import type { Node } from '../../src/sandbox/k8s-types.ts';
import { apiCallOk } from '../../src/sandbox/kubernetes/api-request.ts';
import type { ApiTarget } from '../../src/sandbox/kubernetes/api-create.ts';
import { UnsupportedFleetError } from '../../src/sandbox/kubernetes/fleet-support.ts';
import { startKubernetesSandbox } from '../../src/sandbox/kubernetes/kubernetes-sandbox.ts';
import type { RunningKubernetesSandbox } from '../../src/sandbox/kubernetes/kubernetes-sandbox.ts';
import { buildUpstream } from '../../src/sandbox/kubernetes/upstream-build.ts';
import type { UpstreamBuild } from '../../src/sandbox/kubernetes/upstream-build.ts';
import { ACTION_ANNOTATION, ACTION_STATUS_ANNOTATION } from '../../src/sandbox/sim/node-status.ts';
import { httpRequest } from '../helpers/http.ts';
import { smallFleet } from '../support/fleets.ts';
import { extrasReferee } from '../support/sandbox.ts';

const REGION = 'eu-central';
/** The node whose actions fail, by the fleet file's `faults.nodes`. */
const FAILING_NODE = 'eu-central-a-r1-n2';

/** The fleet's API latency: its kubeconfig reaches the API server through the engine's fault proxy. */
const API_LATENCY_MS = 100;

/** One zone of two workers (and a control-plane node), a Deployment of 2 behind a Service, a node fault. */
const fleet = (faults = `{nodes: {${FAILING_NODE}: {failActions: true}}, api: {latencyMs: ${API_LATENCY_MS}}}`) =>
  smallFleet({
    zones: 1,
    racks: 1,
    nodesPerRack: 2,
    workloads: ['{name: web, namespace: shop, kind: Deployment, replicas: 2, cpu: 100m, memory: 64Mi, startupSeconds: 1, readinessSeconds: 1, shutdownSeconds: 1, service: {rpsPerPod: 100}}'],
    faults,
  });

let build: UpstreamBuild;
let dir: string;
let sandbox: RunningKubernetesSandbox | undefined;

before(
  async () => {
    // A fresh machine builds the binaries here (about 35 minutes on 2 cores); a cached one takes a moment.
    build = await buildUpstream({ cacheRoot: process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), log: (line) => console.log(`lab:build ${line}`) });
    dir = await mkdtemp(join(tmpdir(), 'daylight-k8s-extras-'));
    sandbox = await startKubernetesSandbox({ fleet: fleet(), binaries: build.binaries, dir: join(dir, 'run'), kubeconfigPath: join(dir, 'kubeconfig') });
  },
  { timeout: 90 * 60_000 },
);

after(async () => {
  await sandbox?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (let attempt = 0; Date.now() < deadline; attempt++) {
    if (await check().catch(() => false)) return;
    await systemClock.sleep(backoffDelay({ baseMs: 250, capMs: 1000 }, attempt));
  }
  throw new Error(`timed out after ${timeoutMs / 1000} s waiting until ${what}`);
}

function running(): RunningKubernetesSandbox {
  assert.ok(sandbox, 'the sandbox started');
  return sandbox;
}

function admin(): ApiTarget {
  const plane = running().regions.get(REGION);
  assert.ok(plane);
  return { url: plane.url, caPem: plane.credentials.caPem, token: plane.credentials.admin.token };
}

const ingressUrl = () => {
  const url = running().ingress.get(REGION)?.url;
  assert.ok(url, `an ingress for ${REGION}`);
  return url;
};

async function putFaults(body: unknown): Promise<Response> {
  return fetch(`${running().extrasUrl}/sandbox/v1/faults`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
}

/** The value of one sample line of the extras server's /metrics, or undefined without it. */
async function sample(line: string): Promise<number | undefined> {
  const text = await (await fetch(`${running().extrasUrl}/metrics`)).text();
  const found = text.split('\n').find((l) => l.startsWith(`${line} `));
  return found === undefined ? undefined : Number(found.slice(line.length + 1));
}

test('the ingress answers 200 from a ready endpoint of the real EndpointSlices, with the faults the extras server sets, counted in /metrics', { timeout: 150_000 }, async () => {
  // Given the sandbox up, with both web pods Ready in the real EndpointSlice (the endpoints controller
  // may list the second a moment after the first) and in the ingress's own view of them
  const readyEndpoints = async () => {
    const slices = JSON.parse((await apiCallOk(admin(), 'GET', '/apis/discovery.k8s.io/v1/namespaces/shop/endpointslices?labelSelector=kubernetes.io%2Fservice-name%3Dweb')).body) as {
      items: { endpoints?: { targetRef?: { name: string }; nodeName?: string; conditions?: { ready?: boolean } }[] }[];
    };
    return new Set(slices.items.flatMap((s) => (s.endpoints ?? []).filter((e) => e.conditions?.ready).map((e) => `shop/${e.targetRef?.name}`)));
  };
  await until('the EndpointSlice lists both web pods as ready', async () => (await readyEndpoints()).size === 2, 120_000);
  await until('the ingress knows both endpoints', async () => {
    const st = (await (await fetch(`${running().extrasUrl}/sandbox/v1/status`)).json()) as { ingress: Record<string, { readyEndpoints: number }> };
    return st.ingress[REGION]?.readyEndpoints === 2;
  }, 120_000);
  const readyPods = await readyEndpoints();

  // When requests reach the region's ingress
  const answers = await Promise.all([1, 2, 3, 4].map(() => httpRequest(`${ingressUrl()}/any/path`)));

  // Then each is answered 200 by a web pod of the Service, round-robin over both, naming its node
  const served = answers.map((a) => {
    assert.equal(a.status, 200, a.body);
    assert.equal(a.headers['x-daylight-region'], REGION);
    return JSON.parse(a.body) as { region: string; pod: string; node: string };
  });
  for (const s of served) {
    assert.ok(readyPods.has(s.pod), `${s.pod} is a ready endpoint of the Service`);
    assert.match(s.node, /^eu-central-a-r1-n\d$/);
  }
  assert.equal(new Set(served.map((s) => s.pod)).size, 2, 'round-robin over both endpoints');

  // When the extras server makes the region's ingress fail every request
  const before500 = (await sample(`daylight_sandbox_ingress_requests_total{region="${REGION}",code="500"}`)) ?? -1;
  const set = await putFaults({ ingress: { [REGION]: { errorRate: 1 } } });
  assert.equal(set.status, 200);
  assert.deepEqual(await set.json(), { ingress: { [REGION]: { errorRate: 1, latencyMs: 0 } } });

  // Then the next request is answered 500, naming the injected fault
  const failed = await httpRequest(`${ingressUrl()}/`);
  assert.equal(failed.status, 500);
  assert.match(failed.body, /injected fault: the ingress of eu-central failed this request/);

  // When it slows the ingress down instead
  await putFaults({ ingress: { [REGION]: { latencyMs: 300 } } });
  const slow = await httpRequest(`${ingressUrl()}/`);

  // Then the answer is a 200 that took at least the injected latency
  assert.equal(slow.status, 200);
  assert.ok(slow.ms >= 290, `took ${slow.ms.toFixed(0)} ms`);
  await putFaults({ ingress: { [REGION]: { errorRate: 0, latencyMs: 0 } } });

  // And a fault for a region the fleet does not have is refused with what to write
  const wrong = await putFaults({ ingress: { 'us-east': { errorRate: 1 } } });
  assert.equal(wrong.status, 400);
  assert.match(((await wrong.json()) as { message: string }).message, /"us-east" is not a region of this fleet; write one of eu-central/);

  // And /metrics counts the answers by code, and the status shows the ingress
  assert.ok(((await sample(`daylight_sandbox_ingress_requests_total{region="${REGION}",code="200"}`)) ?? 0) >= 5, "the four answers and the slow one counted");
  assert.equal(await sample(`daylight_sandbox_ingress_requests_total{region="${REGION}",code="500"}`), before500 + 1);
  const status = (await (await fetch(`${running().extrasUrl}/sandbox/v1/status`)).json()) as { engine: string; ingress: Record<string, { readyEndpoints: number; url: string }> };
  assert.equal(status.engine, 'kubernetes');
  assert.equal(status.ingress[REGION]?.readyEndpoints, 2);
  assert.equal(status.ingress[REGION]?.url, ingressUrl());
});

test('the referee counts the balancer\'s requests served while the Service has ready endpoints, and failed and 503 once its pods are gone', { timeout: 150_000 }, async () => {
  // Given the Service whole: the balancer sends the fleet's traffic, and the referee counts it served
  const referee = extrasReferee(running().extrasUrl);
  await until('the referee counts requests served', async () => ((await referee.report()).traffic.byRegion[REGION]?.served ?? 0) > 0, 60_000);
  const report = (await (await fetch(`${running().extrasUrl}/sandbox/v1/referee`)).json()) as { notes: string[] };
  assert.deepEqual(report.notes, [], 'no note that traffic goes uncounted');
  assert.ok(((await sample(`daylight_sandbox_requests_served_total{region="${REGION}"}`)) ?? 0) > 0);

  // When the Deployment is scaled to 0 through the API
  await apiCallOk(admin(), 'PATCH', '/apis/apps/v1/namespaces/shop/deployments/web', { contentType: 'application/merge-patch+json', json: { spec: { replicas: 0 } } });

  // Then, once the EndpointSlice lists no ready endpoint, the ingress answers 503 naming the region
  await until('the ingress answers 503', async () => (await httpRequest(`${ingressUrl()}/`)).status === 503, 60_000);
  const none = await httpRequest(`${ingressUrl()}/`);
  assert.equal(none.status, 503);
  assert.match(none.body, /no ready endpoint in eu-central/);
  assert.ok(((await sample(`daylight_sandbox_ingress_requests_total{region="${REGION}",code="503"}`)) ?? 0) >= 2);

  // And the referee counts the balancer's requests as failed from then on
  const failedBefore = (await referee.report()).traffic.byRegion[REGION]?.failed ?? 0;
  await until('the referee counts requests failed', async () => ((await referee.report()).traffic.byRegion[REGION]?.failed ?? 0) > failedBefore, 30_000);
});

test('a node the fleet file says fails its actions answers failed through the node agent', { timeout: 60_000 }, async () => {
  // When an action is asked of the node with faults.nodes.<name>.failActions
  const id = 'extras-test-1';
  await apiCallOk(admin(), 'PATCH', `/api/v1/nodes/${FAILING_NODE}`, { contentType: 'application/merge-patch+json', json: { metadata: { annotations: { [ACTION_ANNOTATION]: JSON.stringify({ id, operation: 'reboot' }) } } } });

  // Then the node agent answers failed with the simulated engine's message, and the node stays Ready
  let node: Node | undefined;
  await until('the action is answered', async () => {
    node = JSON.parse((await apiCallOk(admin(), 'GET', `/api/v1/nodes/${FAILING_NODE}`)).body) as Node;
    return node.metadata.annotations?.[ACTION_STATUS_ANNOTATION] !== undefined;
  }, 30_000);
  assert.deepEqual(JSON.parse(node?.metadata.annotations?.[ACTION_STATUS_ANNOTATION] ?? '{}'), { id, phase: 'failed', message: 'the node agent failed (simulated fault)' });
  assert.equal(node?.status.conditions?.find((c) => c.type === 'Ready')?.status, 'True');
});

test('the fleet\'s API faults reach kubeconfig clients through a proxy in front of the real API server', { timeout: 60_000 }, async () => {
  // Given the fleet's API latency: the kubeconfig's server is the proxy, not the API server itself
  const proxied = running().apiUrls.get(REGION);
  assert.ok(proxied && proxied !== admin().url, `a proxy in front of ${admin().url}`);
  assert.match(running().kubeconfig, new RegExp(`server: ${proxied.replace(/[.]/g, '\\.')}`));

  // When a client lists the nodes through it, with the kubeconfig's CA and token
  const started = performance.now();
  const answer = await apiCallOk({ ...admin(), url: proxied }, 'GET', '/api/v1/nodes');
  const ms = performance.now() - started;

  // Then the real API server answers, after the injected latency
  assert.equal((JSON.parse(answer.body) as { items: unknown[] }).items.length, 3);
  assert.ok(ms >= API_LATENCY_MS - 5, `took ${ms.toFixed(0)} ms`);
});

test('pod faults are refused before anything starts, naming the field and the reason', async () => {
  // Given a fleet asking for a never-ready pod
  const podFaults = fleet('{pods: [{namespace: shop, workload: web, neverReady: true, count: 1}]}');
  const runDir = join(dir, 'refused');

  // Then the kubernetes engine refuses it with the field, why kwok cannot play it and what to do
  await assert.rejects(startKubernetesSandbox({ fleet: podFaults, binaries: build.binaries, dir: runDir }), (e: unknown) => {
    assert.ok(e instanceof UnsupportedFleetError);
    assert.match(e.message, /faults\.pods\[0\] \(shop\/web: neverReady\): kwok plays every pod of a workload alike/);
    assert.match(e.message, /run the fleet on the simulated engine/);
    return true;
  });
  assert.equal(existsSync(runDir), false, 'nothing was started or created');
});
