// The kubernetes engine's API fault proxy against a stand-in HTTPS API server: resource requests fail at
// the injected rate with the simulated engine's 500 or wait the injected latency; discovery passes
// untouched; a watch streams through event by event, before the server ends it.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, request } from 'node:https';
import type { Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isResourcePath, startFaultProxy } from '../../../../src/sandbox/kubernetes/fault-proxy.ts';
import { createTls } from '../../../../src/sandbox/tls.ts';
import type { SandboxTls } from '../../../../src/sandbox/tls.ts';

let dir: string;
let tls: SandboxTls;
let upstream: Server;
let upstreamUrl: string;
/** Ends the stand-in's open watch: the test's proof that an event came through before the stream ended. */
let endWatch: (() => void) | undefined;
/** Every request the stand-in received, as `METHOD path`: what reached the API server. */
const received: string[] = [];

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'daylight-fault-proxy-'));
  tls = await createTls({ ips: ['127.0.0.1'] });
  await writeFile(join(dir, 'tls.crt'), tls.certPem);
  await writeFile(join(dir, 'tls.key'), tls.keyPem);
  upstream = createServer({ cert: tls.certPem, key: tls.keyPem }, (req, res) => {
    received.push(`${req.method ?? '?'} ${req.url ?? ''}`);
    if (req.url?.includes('watch=true')) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write(`${JSON.stringify({ type: 'ADDED', object: { metadata: { name: 'a' } } })}\n`);
      endWatch = () => res.end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ path: req.url, authorization: req.headers.authorization }));
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', () => resolve()));
  upstreamUrl = `https://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
});

after(async () => {
  upstream.closeAllConnections();
  await new Promise((r) => upstream.close(r));
  await rm(dir, { recursive: true, force: true });
});

function get(url: string, onFirstChunk?: (chunk: string) => void, method = 'GET'): Promise<{ status: number; body: string; ms: number }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = request(url, { method, ca: tls.caPem, headers: { authorization: 'Bearer t0k3n' } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        if (body === '') onFirstChunk?.(c);
        body += c;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, ms: performance.now() - started }));
    });
    req.on('error', reject);
    req.end();
  });
}

const proxy = (fault: { errorRate: number; latencyMs: number }, random?: () => number) =>
  startFaultProxy({ upstream: upstreamUrl, caPem: tls.caPem, certFile: join(dir, 'tls.crt'), keyFile: join(dir, 'tls.key'), fault, random });

test('resource paths are the REST API proper; discovery, health and metrics are not', () => {
  for (const p of ['/api/v1/nodes', '/api/v1/namespaces/shop/pods/web-1/eviction', '/apis/apps/v1/deployments', '/apis/policy/v1/namespaces/shop/poddisruptionbudgets']) assert.ok(isResourcePath(p), p);
  for (const p of ['/api', '/api/v1', '/apis', '/apis/apps/v1', '/readyz', '/metrics', '/openapi/v2']) assert.ok(!isResourcePath(p), p);
});

test('with errorRate 1 a resource request gets the simulated engine\'s injected 500; discovery passes through', async () => {
  // Given a proxy that fails every resource request
  const p = await proxy({ errorRate: 1, latencyMs: 0 }, () => 0.5);
  received.length = 0;
  try {
    // Then a resource request is answered 500 naming the fault, and the stand-in never sees it
    const failed = await get(`${p.url}/api/v1/nodes`);
    assert.equal(failed.status, 500);
    assert.deepEqual(JSON.parse(failed.body), { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'injected fault: the API server failed this request (faults.api.errorRate)', reason: 'InternalError', code: 500 });
    // nor a failed eviction: the proxy fails a request before forwarding it, so the API server's audit log
    // never records an eviction the client was told failed (the roll tests compare it with the journal)
    const eviction = await get(`${p.url}/api/v1/namespaces/shop/pods/web-1/eviction`, undefined, 'POST');
    assert.equal(eviction.status, 500);
    // And discovery reaches the API server with the client's own credentials
    const discovery = await get(`${p.url}/apis/apps/v1`);
    assert.equal(discovery.status, 200);
    assert.deepEqual(JSON.parse(discovery.body), { path: '/apis/apps/v1', authorization: 'Bearer t0k3n' });
    // And only discovery reached the API server, and the proxy counts the injected failures, not discovery
    assert.deepEqual(received, ['GET /apis/apps/v1']);
    assert.deepEqual(p.counts(), { injected: 2, forwarded: 0 });
  } finally {
    await p.stop();
  }
});

test('with latency a resource request waits it, then reaches the API server; a watch streams through event by event', async () => {
  // Given a proxy that slows resource requests by 150 ms and fails none
  const p = await proxy({ errorRate: 0, latencyMs: 150 }, () => 0);
  try {
    // Then a list takes at least the latency and answers as the API server does
    const list = await get(`${p.url}/api/v1/pods?limit=1`);
    assert.equal(list.status, 200);
    assert.ok(list.ms >= 145, `took ${list.ms.toFixed(0)} ms`);
    assert.equal((JSON.parse(list.body) as { path: string }).path, '/api/v1/pods?limit=1');
    assert.deepEqual(p.counts(), { injected: 0, forwarded: 1 });
    // And a watch's first event arrives while the API server still holds the stream open
    let firstEvent = '';
    const watch = get(`${p.url}/api/v1/pods?watch=true`, (chunk) => {
      firstEvent = chunk;
      endWatch?.();
    });
    const done = await watch;
    assert.match(firstEvent, /"type":"ADDED"/);
    assert.equal(done.status, 200);
  } finally {
    await p.stop();
  }
});
