// Unit tests for the http gate against a local server: the status decides, and unreachable or slow
// endpoints fail with the reason.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluateGate } from '../../../src/checks/evaluate.ts';
import { closedPort, context, gate, startServer } from './fakes.ts';

test('passes when the status is the expected one', async () => {
  const s = await startServer((_req, res) => res.end('ok'));
  try {
    const r = await evaluateGate(gate({ type: 'http', url: `${s.url}/healthz` }), context());
    assert.equal(r.passed, true);
    assert.equal(r.value, 200);
    assert.equal(r.threshold, '= 200');
    assert.equal(r.gate, `http ${s.url}/healthz`);
    assert.equal(r.message, `GET ${s.url}/healthz answered 200`);
    assert.deepEqual(s.requests, ['/healthz']);
  } finally {
    await s.close();
  }
});

test('fails on another status and shows the start of the body', async () => {
  const s = await startServer((_req, res) => {
    res.statusCode = 503;
    res.end('upstream\n  not ready');
  });
  try {
    const r = await evaluateGate(gate({ type: 'http', url: `${s.url}/healthz` }), context());
    assert.equal(r.passed, false);
    assert.equal(r.value, 503);
    assert.equal(r.message, `GET ${s.url}/healthz answered 503, expected 200: upstream not ready`);
  } finally {
    await s.close();
  }
});

test('expectStatus may be something else than 200', async () => {
  const s = await startServer((_req, res) => {
    res.statusCode = 204;
    res.end();
  });
  try {
    const r = await evaluateGate(gate({ type: 'http', url: s.url, expectStatus: 204 }), context());
    assert.equal(r.passed, true);
    assert.equal(r.value, 204);
  } finally {
    await s.close();
  }
});

test('an unreachable port fails with the connection error', async () => {
  const port = await closedPort();
  const r = await evaluateGate(gate({ type: 'http', url: `http://127.0.0.1:${port}/healthz` }), context());
  assert.equal(r.passed, false);
  assert.equal(r.value, undefined);
  assert.match(r.message, new RegExp(`^GET http://127.0.0.1:${port}/healthz failed: fetch failed: connect ECONNREFUSED 127.0.0.1:${port}`));
});

test('a server slower than the timeout fails the gate', async () => {
  const s = await startServer((_req, res) => {
    setTimeout(() => res.end('late'), 2000).unref();
  });
  try {
    const started = Date.now();
    const r = await evaluateGate(gate({ type: 'http', url: s.url, timeout: '200ms' }), context());
    assert.equal(r.passed, false);
    assert.equal(r.message, `GET ${s.url} failed: no answer within 200ms`);
    assert.ok(Date.now() - started < 1500, 'the timeout ends the wait');
  } finally {
    await s.close();
  }
});

test("the caller's abort passes through as an AbortError instead of a failed result", async () => {
  const s = await startServer(() => undefined);
  try {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    await assert.rejects(evaluateGate(gate({ type: 'http', url: s.url }), context({ signal: controller.signal })), { name: 'AbortError' });
  } finally {
    await s.close();
  }
});

test('a matching status does not wait for a body that never ends', async () => {
  const s = await startServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write('data: hello\n\n');
  });
  try {
    const started = Date.now();
    const r = await evaluateGate(gate({ type: 'http', url: s.url, timeout: '3s' }), context());
    assert.equal(r.passed, true);
    assert.ok(Date.now() - started < 1000, `answered in ${Date.now() - started} ms`);
  } finally {
    await s.close();
  }
});
