// Canary analysis as the restore sees each measurement: success, failure or no data, with the value and
// the threshold. The balancer's own counters (proxy) and a Prometheus query (through an injected fetch);
// no data of any kind is inconclusive, never a success.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { measureAnalysis } from '../../../src/checks/analysis.ts';
import type { AnalysisContext } from '../../../src/checks/analysis.ts';
import { Duration } from '../../../src/lib/duration.ts';
import type { Analysis } from '../../../src/plan/schema.ts';
import type { RegionTraffic } from '../../../src/traffic/types.ts';
import { fakePrometheus, refused, vector } from './fake-prometheus.ts';

const NOW = 1_700_000_000_000;
const URL_ = 'http://prometheus.test:9090';

function proxyAnalysis(o: Partial<Extract<Analysis, { type: 'proxy' }>> = {}): Analysis {
  return { type: 'proxy', metric: 'error-rate', max: 0.01, minRequests: 20, ...o };
}

function prometheusAnalysis(o: Partial<Extract<Analysis, { type: 'prometheus' }>> = {}): Analysis {
  return { type: 'prometheus', url: URL_, query: 'sum(rate(http_requests_total{region="{{region}}",code=~"5.."}[1m])) / sum(rate(http_requests_total{region="{{region}}"}[1m]))', max: 0.01, timeout: Duration.parse('5s'), ...o };
}

/** The region as the balancer counted it: `total` answered, `errors` of them 5xx. */
function counted(total: number, errors: number): RegionTraffic {
  return { weight: 10, initialWeight: 100, state: 'ready', requests: { total, errors } };
}

function ctx(o: Partial<AnalysisContext> = {}): AnalysisContext {
  return { region: 'eu-central', clock: { now: () => NOW }, ...o };
}

// ------------------------------------------------------------------------------------------------- proxy

test('proxy: an error rate within max since the step began is a success, with the counts', async () => {
  // Given 500 requests answered since the step began, 1 of them with a 5xx
  const r = await measureAnalysis(proxyAnalysis({ name: 'error rate' }), ctx({ since: counted(1000, 2), now: counted(1500, 3) }));
  // Then the measurement is a success at 0.002, held against <= 0.01
  assert.deepEqual(r, { analysis: 'error rate', type: 'proxy', verdict: 'success', threshold: '<= 0.01', value: 0.002, message: 'error rate of eu-central = 0.002 (1 of 500), within <= 0.01', measuredAt: NOW });
});

test('proxy: an error rate exactly at max is still a success; above it is a failure with the numbers', async () => {
  const at = await measureAnalysis(proxyAnalysis(), ctx({ since: counted(0, 0), now: counted(100, 1) }));
  assert.equal(at.verdict, 'success');
  const above = await measureAnalysis(proxyAnalysis(), ctx({ since: counted(0, 0), now: counted(100, 5) }));
  assert.equal(above.verdict, 'failure');
  assert.equal(above.value, 0.05);
  assert.equal(above.message, 'error rate of eu-central = 0.05 (5 of 100 answered with 5xx), above the maximum 0.01');
  assert.equal(above.analysis, 'proxy error-rate');
});

test('proxy: fewer requests than minRequests is no data, even with no errors', async () => {
  const r = await measureAnalysis(proxyAnalysis({ minRequests: 20 }), ctx({ since: counted(400, 0), now: counted(419, 0) }));
  assert.equal(r.verdict, 'inconclusive');
  assert.equal(r.value, 19);
  assert.equal(r.message, 'only 19 requests answered by eu-central since the step began; at least 20 are needed to judge (no data is never a success)');
});

test('proxy: counters that went back (a restarted balancer) are no data', async () => {
  const r = await measureAnalysis(proxyAnalysis(), ctx({ since: counted(5000, 10), now: counted(120, 0) }));
  assert.equal(r.verdict, 'inconclusive');
  assert.equal(r.message, "the balancer's counters for eu-central went back (restarted?): 5000 → 120 answered");
});

test('proxy: a balancer that keeps no counters is no data, and the message says what to use instead', async () => {
  const noCounters: RegionTraffic = { weight: 10, initialWeight: 100, state: 'ready' };
  for (const c of [ctx({ since: noCounters, now: noCounters }), ctx({ now: counted(100, 0) }), ctx()]) {
    const r = await measureAnalysis(proxyAnalysis(), c);
    assert.equal(r.verdict, 'inconclusive');
    assert.equal(r.message, 'the balancer keeps no request counters for eu-central; use a prometheus analysis');
  }
});

// -------------------------------------------------------------------------------------------- prometheus

test('prometheus: the region is put into the query, and a value within max is a success', async () => {
  // Given Prometheus answering 0.004 for the region's error ratio
  const prom = fakePrometheus(vector('0.004'));
  const r = await measureAnalysis(prometheusAnalysis({ name: 'http 5xx' }), ctx({ fetch: prom.fetch }));
  // Then the query sent names eu-central, and the measurement is a success with the value
  assert.deepEqual(prom.queries, ['sum(rate(http_requests_total{region="eu-central",code=~"5.."}[1m])) / sum(rate(http_requests_total{region="eu-central"}[1m]))']);
  assert.deepEqual({ verdict: r.verdict, value: r.value, threshold: r.threshold, analysis: r.analysis, measuredAt: r.measuredAt }, { verdict: 'success', value: 0.004, threshold: '<= 0.01', analysis: 'http 5xx', measuredAt: NOW });
});

test('prometheus: a value above max is a failure with the value', async () => {
  const r = await measureAnalysis(prometheusAnalysis(), ctx({ fetch: fakePrometheus(vector('0.2')).fetch }));
  assert.equal(r.verdict, 'failure');
  assert.equal(r.value, 0.2);
  assert.match(r.message, /= 0\.2, above the maximum 0\.01$/);
});

test('prometheus: a value below min is a failure', async () => {
  const r = await measureAnalysis(prometheusAnalysis({ query: 'sum(up{region="{{region}}"})', max: undefined, min: 3 }), ctx({ fetch: fakePrometheus(vector('2')).fetch }));
  assert.equal(r.verdict, 'failure');
  assert.equal(r.message, 'sum(up{region="eu-central"}) = 2, below the minimum 3');
});

for (const [what, answer, message] of [
  ['an empty result', vector(), /no data \(the query returned no series/],
  ['NaN', vector('NaN'), /the value is NaN, which no threshold can pass$/],
  ['an error status', { status: 503, body: { status: 'error', errorType: 'unavailable', error: 'too many queries' } }, /Prometheus answered 503 \(unavailable: too many queries\)$/],
  ['an unreachable server', refused(9090), /Prometheus at http:\/\/prometheus\.test:9090 could not be queried: fetch failed: connect ECONNREFUSED 127\.0\.0\.1:9090$/],
] as const) {
  test(`prometheus: ${what} is no data, never a success`, async () => {
    const r = await measureAnalysis(prometheusAnalysis(), ctx({ fetch: fakePrometheus(answer).fetch }));
    assert.equal(r.verdict, 'inconclusive');
    assert.match(r.message, message);
  });
}

test("prometheus: the caller's abort is not a measurement: it passes through", async () => {
  const stop = new AbortController();
  stop.abort();
  const r = measureAnalysis(prometheusAnalysis(), ctx({ fetch: fakePrometheus(vector('0.004')).fetch, signal: stop.signal }));
  await assert.rejects(r, (e: unknown) => e instanceof Error && e.name === 'AbortError');
});
