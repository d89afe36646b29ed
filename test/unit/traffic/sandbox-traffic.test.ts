// The sandbox traffic adapter over an injected call to the sandbox's balancer: weights written, each change
// confirmed by the demand the balancer sends (the data plane), the last region in service never drained.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SandboxTraffic } from '../../../src/traffic/sandbox.ts';
import type { SandboxCall } from '../../../src/traffic/sandbox.ts';
import { TrafficError } from '../../../src/traffic/types.ts';

const REGIONS = ['eu-central', 'eu-west'] as const;
const DEMAND_RPS = 500;

interface BalancerOptions {
  readonly weights?: Record<string, number>;
  readonly initialWeights?: Record<string, number>;
  /** Reads after a write before the demand follows the new weights (default 0: the next read). */
  readonly lagReads?: number;
  /** The demand never follows a write (a stuck data plane). */
  readonly stuck?: boolean;
}

/** The sandbox's global balancer: the demand splits by weight once `lagReads` reads passed after a write. */
function fakeBalancer(o: BalancerOptions = {}) {
  const weights: Record<string, number> = { 'eu-central': 100, 'eu-west': 100, ...o.weights };
  let servedBy = { ...weights };
  let readsSinceWrite = 0;
  const puts: unknown[] = [];
  const demand = (r: string) => {
    const total = Object.values(servedBy).reduce((a, b) => a + b, 0);
    return total > 0 ? (DEMAND_RPS * (servedBy[r] ?? 0)) / total : 0;
  };
  const view = () => ({
    weights: { ...weights },
    ...(o.initialWeights ? { initialWeights: o.initialWeights } : {}),
    regions: Object.fromEntries(Object.keys(weights).map((r) => [r, { served: 1200, failed: 3, demandRps: demand(r), capacityRps: r === 'eu-west' ? 0 : 800 }])),
  });
  const call: SandboxCall = (method, path, body) => {
    if (path !== '/sandbox/v1/traffic') return Promise.resolve({ status: 404, body: 'not found' });
    if (method === 'PUT') {
      puts.push(body);
      Object.assign(weights, (body as { weights: Record<string, number> }).weights);
      readsSinceWrite = 0;
      return Promise.resolve({ status: 200, body: JSON.stringify(view()) });
    }
    if (!o.stuck && ++readsSinceWrite > (o.lagReads ?? 0)) servedBy = { ...weights };
    return Promise.resolve({ status: 200, body: JSON.stringify(view()) });
  };
  return { call, puts, weights, demand };
}

function adapter(call: SandboxCall, confirmMs = 2000): SandboxTraffic {
  return new SandboxTraffic({ call, regions: REGIONS, pollMs: 1, confirmMs });
}

test('a drain writes weight 0 and returns only once the balancer sends the region no demand', async () => {
  // Given a balancer whose demand follows a new weight only after 3 reads
  const b = fakeBalancer({ lagReads: 3 });
  // When eu-central is drained
  const result = await adapter(b.call).drain('eu-central', { timeoutMs: 1000 });
  // Then the one write was weight 0 for eu-central, and by the time the drain returned no demand reached it
  assert.deepEqual(b.puts, [{ weights: { 'eu-central': 0 } }]);
  assert.equal(b.demand('eu-central'), 0);
  assert.equal(b.demand('eu-west'), DEMAND_RPS);
  assert.equal(result.sessionsShut, 0);
});

test('the last region in service is never drained, and nothing is written', async () => {
  const b = fakeBalancer({ weights: { 'eu-west': 0 } });
  await assert.rejects(adapter(b.call).drain('eu-central', { timeoutMs: 1000 }), (e: unknown) => e instanceof TrafficError && /^will not drain eu-central: it is the last region in service \(weights \{"eu-central":100,"eu-west":0\}\)$/.test(e.message));
  assert.deepEqual(b.puts, []);
});

test('a drain the balancer never confirms throws a TrafficError with what it shows', async () => {
  const b = fakeBalancer({ stuck: true });
  const started = performance.now();
  await assert.rejects(adapter(b.call, 50).drain('eu-central', { timeoutMs: 1000 }), (e: unknown) => e instanceof TrafficError && /^the sandbox's balancer did not confirm no demand sent to eu-central within 50 ms; it shows weights \{"eu-central":0,"eu-west":100\} and \{.*"demandRps":250/.test(e.message));
  assert.ok(performance.now() - started < 1000, 'gave up near confirmMs');
});

test('a share is a percentage of the initial weight, not of the weight now, and is confirmed by the demand', async () => {
  // Given eu-central drained (weight 0) with an initial weight of 80
  const b = fakeBalancer({ weights: { 'eu-central': 0 }, initialWeights: { 'eu-central': 80, 'eu-west': 100 }, lagReads: 2 });
  // When it gets 50% back
  await adapter(b.call).setShare('eu-central', 50);
  // Then its weight is 40 and the balancer already sends it demand
  assert.deepEqual(b.puts, [{ weights: { 'eu-central': 40 } }]);
  assert.ok(b.demand('eu-central') > 0);
});

test('a cut writes weight 0 and waits for the demand to stop', async () => {
  const b = fakeBalancer({ lagReads: 2 });
  await adapter(b.call).cut('eu-central');
  assert.deepEqual(b.puts, [{ weights: { 'eu-central': 0 } }]);
  assert.equal(b.demand('eu-central'), 0);
});

test('a snapshot shows weights, counters, health and load per region', async () => {
  const b = fakeBalancer({ weights: { 'eu-central': 0 }, initialWeights: { 'eu-central': 100, 'eu-west': 100 } });
  const s = await adapter(b.call).snapshot();
  assert.deepEqual(s.regions['eu-central'], { weight: 0, initialWeight: 100, state: 'drain', sessions: 0, requests: { total: 1203, errors: 3 }, health: 'UP', load: { demandRps: 0, capacityRps: 800 } });
  assert.equal(s.regions['eu-west']?.health, 'DOWN');
  assert.equal(s.regions['eu-west']?.state, 'ready');
});

test('an unknown region and an unreachable balancer are TrafficErrors that say so', async () => {
  const b = fakeBalancer();
  await assert.rejects(adapter(b.call).setShare('us-east', 10), /^TrafficError: the sandbox's balancer has no region "us-east"; it has eu-central, eu-west$/);
  const down: SandboxCall = () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:6443'));
  await assert.rejects(adapter(down).snapshot(), (e: unknown) => e instanceof TrafficError && e.message === "cannot reach the sandbox's balancer at /sandbox/v1/traffic: connect ECONNREFUSED 127.0.0.1:6443");
  assert.deepEqual(b.puts, []);
});
