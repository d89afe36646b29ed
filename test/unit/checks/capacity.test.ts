// The capacity precondition of a regional drain: can the regions left in service carry the whole load?
// From the sandbox balancer's load figures or a Prometheus query; a source that cannot answer fails it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkCapacity } from '../../../src/checks/capacity.ts';
import { regionChecks } from '../../../src/checks/region-checks.ts';
import { Duration } from '../../../src/lib/duration.ts';
import type { Capacity } from '../../../src/plan/schema.ts';
import type { RegionTraffic, TrafficSnapshot } from '../../../src/engine/ports/traffic.ts';
import { fakePrometheus, refused, vector } from './fake-prometheus.ts';

const REGION = 'eu-central';

function loaded(demandRps: number, capacityRps: number, o: Partial<RegionTraffic> = {}): RegionTraffic {
  return { weight: 100, initialWeight: 100, state: 'ready', load: { demandRps, capacityRps }, ...o };
}

function snapshot(regions: Record<string, RegionTraffic>): TrafficSnapshot {
  return { at: 1_700_000_000_000, regions };
}

function fromBalancer(headroom = 1): Capacity {
  return { type: 'sandbox', headroom };
}

function fromPrometheus(): Capacity {
  return { type: 'prometheus', url: 'http://prometheus.test:9090', query: 'capacity_ratio{without="{{region}}"}', min: 1, timeout: Duration.parse('5s') };
}

// ------------------------------------------------------------------------------------------------ balancer

test('the others can serve the whole demand: passed, with both numbers', async () => {
  // Given eu-central sent 300 rps and eu-west 200 rps, eu-west able to serve 700 rps
  const s = snapshot({ [REGION]: loaded(300, 600), 'eu-west': loaded(200, 700) });
  // When eu-central is to leave
  const r = await checkCapacity(fromBalancer(), REGION, s, {});
  // Then eu-west alone serves 1.4× the whole demand of 500 rps
  assert.deepEqual(r, { gate: 'capacity without eu-central', type: 'capacity', passed: true, value: 1.4, threshold: '>= 1× the demand', message: 'eu-west can serve 700 rps; the whole demand is 500 rps (1.4×)' });
});

test('the others cannot serve the whole demand: failed, with the numbers and the fix', async () => {
  const s = snapshot({ [REGION]: loaded(300, 600), 'eu-west': loaded(200, 400) });
  const r = await checkCapacity(fromBalancer(), REGION, s, {});
  assert.equal(r.passed, false);
  assert.equal(r.value, 0.8);
  assert.equal(r.message, 'eu-west can serve 400 rps; the whole demand is 500 rps: only 0.8× of it without eu-central; add replicas in the other regions first');
});

test('the headroom raises the bar: 1.4× passes at headroom 1 and fails at 1.5', async () => {
  const s = snapshot({ [REGION]: loaded(300, 600), 'eu-west': loaded(200, 700) });
  assert.equal((await checkCapacity(fromBalancer(1), REGION, s, {})).passed, true);
  const strict = await checkCapacity(fromBalancer(1.5), REGION, s, {});
  assert.equal(strict.passed, false);
  assert.equal(strict.threshold, '>= 1.5× the demand');
});

test('a region already out of traffic does not count towards the capacity left', async () => {
  // Given us-east drained (weight 0) though its pods could serve plenty
  const s = snapshot({ [REGION]: loaded(300, 600), 'eu-west': loaded(200, 400), 'us-east': loaded(0, 5000, { weight: 0, state: 'drain' }) });
  const r = await checkCapacity(fromBalancer(), REGION, s, {});
  assert.equal(r.passed, false);
  assert.equal(r.value, 0.8);
});

test('a balancer that reports no load for a region fails the check and says what to use instead', async () => {
  const s = snapshot({ [REGION]: loaded(300, 600), 'eu-west': { weight: 100, initialWeight: 100, state: 'ready' } });
  const r = await checkCapacity(fromBalancer(), REGION, s, {});
  assert.equal(r.passed, false);
  assert.equal(r.message, 'the balancer reports no load for eu-west; use traffic.capacity of type prometheus');
});

// ---------------------------------------------------------------------------------------------- prometheus

test('prometheus: a ratio at or above min passes, with the leaving region in the query', async () => {
  const prom = fakePrometheus(vector('1.3'));
  const r = await checkCapacity(fromPrometheus(), REGION, snapshot({}), { fetch: prom.fetch });
  assert.deepEqual(prom.queries, ['capacity_ratio{without="eu-central"}']);
  assert.deepEqual({ passed: r.passed, value: r.value, threshold: r.threshold, gate: r.gate }, { passed: true, value: 1.3, threshold: '>= 1', gate: 'capacity without eu-central' });
});

test('prometheus: a ratio below min fails with the value', async () => {
  const r = await checkCapacity(fromPrometheus(), REGION, snapshot({}), { fetch: fakePrometheus(vector('0.7')).fetch });
  assert.equal(r.passed, false);
  assert.equal(r.value, 0.7);
  assert.equal(r.message, 'capacity_ratio{without="eu-central"} = 0.7, below the minimum 1');
});

test('prometheus: no answer fails closed', async () => {
  for (const answer of [refused(9090), vector()]) {
    const r = await checkCapacity(fromPrometheus(), REGION, snapshot({}), { fetch: fakePrometheus(answer).fetch });
    assert.equal(r.passed, false);
  }
});

// ---------------------------------------------------------------------------------------- the gates port

test('as the gates port: a plan without traffic.capacity is judged on the balancer readings, with no headroom', async () => {
  // Given the checks wired for a plan with no traffic.capacity
  const checks = regionChecks({ capacity: undefined, clock: { now: () => 1_700_000_000_000 } });
  // When eu-central is to leave and eu-west can serve exactly the whole demand, then a little less
  const exact = await checks.capacity(REGION, snapshot({ [REGION]: loaded(300, 600), 'eu-west': loaded(200, 500) }), new AbortController().signal);
  const short = await checks.capacity(REGION, snapshot({ [REGION]: loaded(300, 600), 'eu-west': loaded(200, 400) }), new AbortController().signal);
  // Then 1× the demand passes and less fails, both held against 1×
  assert.deepEqual([exact.passed, exact.threshold], [true, '>= 1× the demand']);
  assert.deepEqual([short.passed, short.value, short.threshold], [false, 0.8, '>= 1× the demand']);
});
