// Unit tests for the prometheus gate against a fake Prometheus HTTP API: thresholds, several series,
// and every way of not knowing (no data, NaN, error status, unreachable) failing the gate.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { evaluateGate } from '../../../src/checks/evaluate.ts';
import { queryUrl } from '../../../src/checks/prometheus.ts';
import { closedPort, context, gate, startServer } from './fakes.ts';
import type { TestServer } from './fakes.ts';

type Series = { metric: Record<string, string>; value: [number, string] };

function vector(...values: [Record<string, string>, string][]): unknown {
  const result: Series[] = values.map(([metric, v]) => ({ metric, value: [1700000000.123, v] }));
  return { status: 'success', data: { resultType: 'vector', result } };
}

function answering(status: number, body: unknown): (req: IncomingMessage, res: ServerResponse) => void {
  return (_req, res) => {
    res.statusCode = status;
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(body));
  };
}

async function withProm(status: number, body: unknown, run: (s: TestServer) => Promise<void>): Promise<void> {
  const s = await startServer(answering(status, body));
  try {
    await run(s);
  } finally {
    await s.close();
  }
}

const query = 'sum(rate(http_requests_total{code=~"5.."}[1m])) / sum(rate(http_requests_total[1m]))';

test('an instant query under max passes, sent to /api/v1/query with the query encoded', () =>
  withProm(200, vector([{}, '0.004']), async (s) => {
    const r = await evaluateGate(gate({ type: 'prometheus', url: s.url, query, max: 0.01 }), context());
    assert.equal(r.passed, true);
    assert.equal(r.value, 0.004);
    assert.equal(r.threshold, '<= 0.01');
    assert.equal(r.message, `${query} = 0.004, within <= 0.01`);
    assert.equal(r.gate, `prometheus ${query}`);
    assert.equal(s.requests.length, 1);
    const sent = new URL(s.requests[0] ?? '', s.url);
    assert.equal(sent.pathname, '/api/v1/query');
    assert.equal(sent.searchParams.get('query'), query);
  }));

test('a value above max fails with the value', () =>
  withProm(200, vector([{}, '0.2']), async (s) => {
    const r = await evaluateGate(gate({ type: 'prometheus', url: s.url, query, max: 0.01 }), context());
    assert.equal(r.passed, false);
    assert.equal(r.value, 0.2);
    assert.equal(r.message, `${query} = 0.2, above the maximum 0.01`);
  }));

test('with several series the highest is held against max and the lowest against min, and the message says so', () =>
  withProm(200, vector([{ instance: 'a' }, '3'], [{ instance: 'b' }, '9'], [{ instance: 'c' }, '1']), async (s) => {
    const max = await evaluateGate(gate({ type: 'prometheus', url: s.url, query: 'up_count', max: 5 }), context());
    assert.equal(max.passed, false);
    assert.equal(max.value, 9);
    assert.equal(max.message, 'up_count = 9 (the highest of 3 series, {instance="b"}), above the maximum 5');
    const min = await evaluateGate(gate({ type: 'prometheus', url: s.url, query: 'up_count', min: 2 }), context());
    assert.equal(min.passed, false);
    assert.equal(min.value, 1);
    assert.equal(min.message, 'up_count = 1 (the lowest of 3 series, {instance="c"}), below the minimum 2');
    const both = await evaluateGate(gate({ type: 'prometheus', url: s.url, query: 'up_count', min: 1, max: 10 }), context());
    assert.equal(both.passed, true);
    assert.equal(both.threshold, '>= 1 and <= 10');
    assert.equal(both.message, 'up_count = 9 (the highest of 3 series, {instance="b"}), within >= 1 and <= 10');
  }));

test('a scalar result counts as one sample', () =>
  withProm(200, { status: 'success', data: { resultType: 'scalar', result: [1700000000, '7'] } }, async (s) => {
    const r = await evaluateGate(gate({ type: 'prometheus', url: s.url, query: 'scalar(up)', min: 5 }), context());
    assert.equal(r.passed, true);
    assert.equal(r.value, 7);
  }));

test('an empty vector is no data, and no data fails the gate', () =>
  withProm(200, vector(), async (s) => {
    const r = await evaluateGate(gate({ type: 'prometheus', url: s.url, query: 'absent_metric', max: 1 }), context());
    assert.equal(r.passed, false);
    assert.equal(r.value, undefined);
    assert.match(r.message, /^absent_metric: no data/);
  }));

test('NaN fails the gate, whatever the threshold', () =>
  withProm(200, vector([{}, 'NaN']), async (s) => {
    const r = await evaluateGate(gate({ type: 'prometheus', url: s.url, query: 'ratio', max: 1 }), context());
    assert.equal(r.passed, false);
    assert.equal(r.value, 'NaN');
    assert.match(r.message, /^ratio: the value is NaN/);
  }));

test('+Inf is a number above any max', () =>
  withProm(200, vector([{}, '+Inf']), async (s) => {
    const r = await evaluateGate(gate({ type: 'prometheus', url: s.url, query: 'latency', max: 1 }), context());
    assert.equal(r.passed, false);
    assert.equal(r.value, Infinity);
  }));

test('an error status fails with Prometheus\'s own reason', () =>
  withProm(400, { status: 'error', errorType: 'bad_data', error: 'invalid parameter "query": 1:5: parse error' }, async (s) => {
    const r = await evaluateGate(gate({ type: 'prometheus', url: s.url, query: 'sum(', max: 1 }), context());
    assert.equal(r.passed, false);
    assert.equal(r.message, 'sum(: Prometheus answered 400 (bad_data: invalid parameter "query": 1:5: parse error)');
  }));

test('a 503 with a body that is not JSON fails with the status and the body', async () => {
  const s = await startServer((_req, res) => {
    res.statusCode = 503;
    res.end('Service Unavailable');
  });
  try {
    const r = await evaluateGate(gate({ type: 'prometheus', url: s.url, query: 'up', min: 1 }), context());
    assert.equal(r.passed, false);
    assert.equal(r.message, 'up: Prometheus answered 503 (Service Unavailable)');
  } finally {
    await s.close();
  }
});

test('a range vector is refused: a gate needs an instant vector', () =>
  withProm(200, { status: 'success', data: { resultType: 'matrix', result: [] } }, async (s) => {
    const r = await evaluateGate(gate({ type: 'prometheus', url: s.url, query: 'up[5m]', min: 1 }), context());
    assert.equal(r.passed, false);
    assert.match(r.message, /returned a matrix result; a gate needs an instant vector or a scalar/);
  }));

test('an unreachable Prometheus fails with the connection error', async () => {
  const port = await closedPort();
  const r = await evaluateGate(gate({ type: 'prometheus', url: `http://127.0.0.1:${port}`, query: 'up', min: 1 }), context());
  assert.equal(r.passed, false);
  assert.match(r.message, new RegExp(`^up: Prometheus at http://127.0.0.1:${port} could not be queried: fetch failed: connect ECONNREFUSED`));
});

test('a Prometheus slower than the timeout fails the gate', async () => {
  const s = await startServer((_req, res) => {
    setTimeout(() => res.end('{}'), 2000).unref();
  });
  try {
    const r = await evaluateGate(gate({ type: 'prometheus', url: s.url, query: 'up', min: 1, timeout: '150ms' }), context());
    assert.equal(r.passed, false);
    assert.match(r.message, /could not be queried: no answer within 150ms$/);
  } finally {
    await s.close();
  }
});

test('queryUrl keeps a path prefix such as /prometheus', () => {
  assert.equal(queryUrl('http://mon:9090/prometheus', 'up == 1'), 'http://mon:9090/prometheus/api/v1/query?query=up+%3D%3D+1');
  assert.equal(queryUrl('http://mon:9090/', 'up'), 'http://mon:9090/api/v1/query?query=up');
});

test('{{cluster}} in a gate\'s query is the cluster the gate judges (a stage\'s analysis on each of its clusters)', () =>
  withProm(200, vector([{}, '0.004']), async (s) => {
    const judged = context();
    await evaluateGate(gate({ type: 'prometheus', url: s.url, query: 'error_ratio{cluster="{{cluster}}"}', max: 0.01 }), judged);
    assert.equal(new URL(s.requests[0] ?? '', s.url).searchParams.get('query'), `error_ratio{cluster="${judged.cluster.name}"}`);
  }));
