// The gateway-api traffic adapter over an injected call to a Kubernetes API holding one HTTPRoute: weights of
// the rule's backendRefs written with the resourceVersion read (conflicts retried), the weights from before
// kept in an annotation, and a change applied only once the Gateway has accepted the route's new generation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GatewayApiTraffic, INITIAL_WEIGHTS_ANNOTATION } from '../../../src/traffic/gateway-api.ts';
import type { GatewayApiTrafficOptions, KubeCall } from '../../../src/traffic/gateway-api.ts';
import { TrafficError } from '../../../src/traffic/types.ts';

const PATH = '/apis/gateway.networking.k8s.io/v1/namespaces/shop/httproutes/global';

interface Route {
  metadata: { name: string; namespace: string; resourceVersion: string; generation: number; annotations?: Record<string, string> };
  spec: { parentRefs: { name: string }[]; rules: { matches?: unknown[]; backendRefs: { name: string; port: number; weight?: number }[] }[] };
  status: { parents: { parentRef: { name: string }; controllerName: string; conditions: { type: string; status: string; observedGeneration: number; reason: string }[] }[] };
}

function route(weights: Record<string, number | undefined> = { 'web-central': 50, 'web-west': 50 }): Route {
  return {
    metadata: { name: 'global', namespace: 'shop', resourceVersion: '100', generation: 1 },
    spec: {
      parentRefs: [{ name: 'gw-eu' }],
      rules: [{ matches: [{ path: { type: 'PathPrefix', value: '/' } }], backendRefs: Object.entries(weights).map(([name, weight]) => ({ name, port: 8080, ...(weight === undefined ? {} : { weight }) })) }],
    },
    status: { parents: [{ parentRef: { name: 'gw-eu' }, controllerName: 'example.net/gateway', conditions: [{ type: 'Accepted', status: 'True', observedGeneration: 1, reason: 'Accepted' }] }] },
  };
}

interface ApiOptions {
  /** PUTs answered 409 because another writer changed the route just before (it adds a label each time). */
  readonly conflicts?: number;
  /** Reads after a write before the Gateway controller accepts the new generation; `never` keeps the old one. */
  readonly acceptAfterReads?: number | 'never';
  readonly parents?: boolean;
}

/** A Kubernetes API server for one HTTPRoute, with a Gateway controller that reports on it. */
function fakeApi(initial: Route, o: ApiOptions = {}) {
  let stored = structuredClone(initial);
  if (o.parents === false) stored.status.parents = [];
  let conflictsLeft = o.conflicts ?? 0;
  let readsSinceWrite = 0;
  const puts: Route[] = [];
  const controller = () => {
    if (o.acceptAfterReads === 'never' || ++readsSinceWrite <= (o.acceptAfterReads ?? 0)) return;
    for (const p of stored.status.parents) for (const c of p.conditions) c.observedGeneration = stored.metadata.generation;
  };
  const call: KubeCall = (method, path, body) => {
    if (path !== PATH) return Promise.resolve({ status: 404, body: JSON.stringify({ kind: 'Status', reason: 'NotFound' }) });
    if (method === 'GET') {
      controller();
      return Promise.resolve({ status: 200, body: JSON.stringify(stored) });
    }
    const sent = structuredClone(body) as Route;
    puts.push(sent);
    if (conflictsLeft > 0) {
      conflictsLeft--;
      stored.metadata.annotations = { ...stored.metadata.annotations, 'other-writer': String(conflictsLeft) };
      stored.metadata.resourceVersion = String(Number(stored.metadata.resourceVersion) + 1);
    }
    if (sent.metadata.resourceVersion !== stored.metadata.resourceVersion) {
      return Promise.resolve({ status: 409, body: JSON.stringify({ kind: 'Status', reason: 'Conflict', message: 'the object has been modified; please apply your changes to the latest version and try again' }) });
    }
    const specChanged = JSON.stringify(sent.spec) !== JSON.stringify(stored.spec);
    stored = { ...sent, status: stored.status, metadata: { ...sent.metadata, resourceVersion: String(Number(stored.metadata.resourceVersion) + 1), generation: stored.metadata.generation + (specChanged ? 1 : 0) } };
    readsSinceWrite = 0;
    return Promise.resolve({ status: 200, body: JSON.stringify(stored) });
  };
  return {
    call,
    puts,
    route: () => stored,
    weights: () => Object.fromEntries(stored.spec.rules[0]?.backendRefs.map((b) => [b.name, b.weight]) ?? []),
    accepted: () => stored.status.parents[0]?.conditions[0]?.observedGeneration,
  };
}

function adapter(call: KubeCall, o: Partial<GatewayApiTrafficOptions> = {}): GatewayApiTraffic {
  return new GatewayApiTraffic({ namespace: 'shop', route: 'global', rule: 0, servers: { 'eu-central': 'web-central', 'eu-west': 'web-west' }, call, pollMs: 1, verifyTimeoutMs: 2000, ...o });
}

function trafficError(pattern: RegExp): (e: unknown) => boolean {
  return (e: unknown) => {
    assert.ok(e instanceof TrafficError, `expected a TrafficError, got ${String(e)}`);
    assert.match(e.message, pattern);
    return true;
  };
}

test('a drain sets the region backendRef weight to 0 with the resourceVersion read, and keeps the weights from before', async () => {
  // Given a route splitting 50/50 between the regions' backends
  const api = fakeApi(route());
  // When eu-central is drained
  await adapter(api.call).drain('eu-central', { timeoutMs: 1000 });
  // Then one write was sent, at the resourceVersion read, with only eu-central's weight changed
  assert.equal(api.puts.length, 1);
  assert.equal(api.puts[0]?.metadata.resourceVersion, '100');
  assert.deepEqual(api.weights(), { 'web-central': 0, 'web-west': 50 });
  assert.deepEqual(api.route().spec.rules[0]?.matches, [{ path: { type: 'PathPrefix', value: '/' } }]);
  // And the weights from before are recorded on the route, by region
  assert.deepEqual(JSON.parse(api.route().metadata.annotations?.[INITIAL_WEIGHTS_ANNOTATION] ?? '{}'), { 'eu-central': 50, 'eu-west': 50 });
  // And a snapshot shows the region drained with its initial weight
  const s = await adapter(api.call).snapshot();
  assert.deepEqual(s.regions['eu-central'], { weight: 0, initialWeight: 50, state: 'drain', health: 'UP' });
});

test('shares are of the weight from before the first change, which later changes do not overwrite', async () => {
  const api = fakeApi(route({ 'web-central': 80, 'web-west': 20 }));
  const t = adapter(api.call);
  await t.drain('eu-central', { timeoutMs: 1000 });
  await t.setShare('eu-central', 10);
  assert.deepEqual(api.weights(), { 'web-central': 8, 'web-west': 20 });
  await t.setShare('eu-central', 100);
  assert.deepEqual(api.weights(), { 'web-central': 80, 'web-west': 20 });
  assert.deepEqual(JSON.parse(api.route().metadata.annotations?.[INITIAL_WEIGHTS_ANNOTATION] ?? '{}'), { 'eu-central': 80, 'eu-west': 20 });
});

test('a write that conflicts with another writer is read again and retried, keeping the other writer change', async () => {
  const api = fakeApi(route(), { conflicts: 2 });
  await adapter(api.call).drain('eu-central', { timeoutMs: 1000 });
  assert.equal(api.puts.length, 3);
  assert.deepEqual(api.weights(), { 'web-central': 0, 'web-west': 50 });
  assert.equal(api.route().metadata.annotations?.['other-writer'], '0');
});

test('conflicts that never end give up with the API answer', async () => {
  const api = fakeApi(route(), { conflicts: 100 });
  await assert.rejects(adapter(api.call).drain('eu-central', { timeoutMs: 1000 }), trafficError(/^updating HTTPRoute shop\/global rule 0 failed: 409 .*the object has been modified/));
  assert.equal(api.puts.length, 6);
});

test('the last backend with weight above 0 is never drained, and nothing is written', async () => {
  const api = fakeApi(route({ 'web-central': 50, 'web-west': 0 }));
  await assert.rejects(adapter(api.call).drain('eu-central', { timeoutMs: 1000 }), trafficError(/^will not drain eu-central: it is the last backend with weight above 0 in HTTPRoute shop\/global rule 0$/));
  assert.deepEqual(api.puts, []);
});

test('a backendRef without a weight counts as weight 1, as Gateway API defines it', async () => {
  const api = fakeApi(route({ 'web-central': 50, 'web-west': undefined }));
  await adapter(api.call).drain('eu-central', { timeoutMs: 1000 });
  assert.deepEqual(api.weights(), { 'web-central': 0, 'web-west': undefined });
  assert.deepEqual(JSON.parse(api.route().metadata.annotations?.[INITIAL_WEIGHTS_ANNOTATION] ?? '{}'), { 'eu-central': 50, 'eu-west': 1 });
});

test('a change returns only once the Gateway accepted the new generation', async () => {
  // Given a controller that reports the new generation only after 4 reads
  const api = fakeApi(route(), { acceptAfterReads: 4 });
  // When eu-central is drained
  await adapter(api.call).drain('eu-central', { timeoutMs: 1000 });
  // Then by the time the drain returned, the Gateway had accepted generation 2
  assert.equal(api.route().metadata.generation, 2);
  assert.equal(api.accepted(), 2);
});

test('a generation never accepted is a TrafficError naming what the Gateway reports', async () => {
  const api = fakeApi(route(), { acceptAfterReads: 'never' });
  await assert.rejects(adapter(api.call, { verifyTimeoutMs: 50 }).drain('eu-central', { timeoutMs: 1000 }), trafficError(/^HTTPRoute shop\/global rule 0: generation 2 was not accepted within 50 ms \(gw-eu: Accepted=True at generation 1\); check the Gateway controller$/));
});

test('a route no Gateway reports on is not proof of anything', async () => {
  const api = fakeApi(route(), { parents: false });
  await assert.rejects(adapter(api.call, { verifyTimeoutMs: 50 }).cut('eu-central'), trafficError(/\(no Gateway reports on the route \(status\.parents is empty\)\)/));
});

test('a region whose backendRef is not in the rule is named with the backendRefs there', async () => {
  const api = fakeApi(route());
  const t = adapter(api.call, { servers: { 'eu-central': 'web-fra', 'eu-west': 'web-west' } });
  await assert.rejects(t.drain('eu-central', { timeoutMs: 1000 }), trafficError(/^HTTPRoute shop\/global rule 0 has no backendRef "web-fra" for region eu-central; it has web-central, web-west$/));
  await assert.rejects(t.snapshot(), trafficError(/no backendRef "web-fra"/));
  assert.deepEqual(api.puts, []);
});

test('a route that does not exist says where to fix it', async () => {
  const api = fakeApi(route());
  await assert.rejects(adapter(api.call, { route: 'globl' }).snapshot(), trafficError(/^HTTPRoute shop\/globl rule 0 does not exist; check spec\.traffic\.gatewayApi$/));
});
