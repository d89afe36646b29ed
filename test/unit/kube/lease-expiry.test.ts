// Lease expiry as client-go's leader election judges it: by when this process last saw the Lease change,
// on its own (injected) clock, plus the lease's duration. The other host's renewTime, far in the past or
// the future, decides nothing. Over a fake API server that keeps one Lease, with a manual clock.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { holdLease, LEASE_NAME, LeaseBusy } from '../../../src/engine/lease-keeper.ts';
import { KubeCluster } from '../../../src/kube/adapter.ts';
import { acquireLease, LeaseObservations } from '../../../src/kube/lease.ts';
import type { LeaseContext } from '../../../src/kube/lease.ts';
import { manualClock, NOW } from '../engine/regional-fakes.ts';
import { fakeApi, json, status } from './fake-api.ts';
import type { FakeApi } from './fake-api.ts';

interface LeaseStore {
  lease: { metadata: Record<string, unknown>; spec: Record<string, unknown> } | undefined;
  rv: number;
}

const open: FakeApi[] = [];
after(async () => {
  for (const f of open) await f.close();
});

/** A fake API server keeping one Lease in kube-system: GET, create, and replace guarded by resourceVersion. */
async function leaseServer(store: LeaseStore, onGet: () => void = () => undefined, onWrite: () => void = () => undefined): Promise<FakeApi> {
  const f = await fakeApi((req, res: ServerResponse, body) => {
    if (!req.url?.startsWith('/apis/coordination.k8s.io/v1/namespaces/kube-system/leases')) return json(res, 404, status(404, 'NotFound', 'not found'));
    if (req.method === 'GET') {
      onGet();
      return store.lease ? json(res, 200, { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', ...store.lease }) : json(res, 404, status(404, 'NotFound', 'leases.coordination.k8s.io not found'));
    }
    const sent = JSON.parse(body) as { metadata: Record<string, unknown>; spec: Record<string, unknown> };
    if (req.method === 'PUT' && sent.metadata.resourceVersion !== String(store.rv)) return json(res, 409, status(409, 'Conflict', 'the object has been modified'));
    store.rv++;
    store.lease = { metadata: { ...sent.metadata, resourceVersion: String(store.rv) }, spec: sent.spec };
    onWrite();
    json(res, req.method === 'POST' ? 201 : 200, { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', ...store.lease });
  });
  open.push(f);
  return f;
}

/** Another host's Lease, with its renewTime as that host's clock wrote it. */
function heldBy(holder: string, renewTime: string, durationSeconds = 60): LeaseStore {
  return { rv: 5, lease: { metadata: { name: LEASE_NAME, namespace: 'kube-system', resourceVersion: '5' }, spec: { holderIdentity: holder, leaseDurationSeconds: durationSeconds, renewTime, acquireTime: renewTime, leaseTransitions: 0 } } };
}

test('a renewTime far in the past does not make another holder\'s Lease expired: a lease duration unchanged, seen from here, does', async () => {
  // Given a Lease held by run-a whose renewTime lies 26 years before our clock
  const store = heldBy('run-a', '2000-01-01T00:00:00.000000Z');
  const f = await leaseServer(store);
  const clock = manualClock();
  const c: LeaseContext = { api: f.api, clock, leases: new LeaseObservations() };
  // When run-b tries to take it
  const first = await acquireLease(c, { name: LEASE_NAME, holder: 'run-b', durationSeconds: 60 });
  // Then it is refused: this process has only just seen it, so it runs a lease duration from now
  assert.deepEqual(first, { acquired: false, heldBy: { holder: 'run-a', renewedAt: Date.parse('2000-01-01T00:00:00Z'), durationSeconds: 60, observedAt: NOW, expiresAt: NOW + 60_000 } });
  // And 59 seconds later, unchanged, still refused
  await clock.sleep(59_000);
  assert.equal((await acquireLease(c, { name: LEASE_NAME, holder: 'run-b', durationSeconds: 60 })).acquired, false);
  // When 61 seconds have passed on our clock without the Lease changing, then run-b takes it
  await clock.sleep(2000);
  assert.deepEqual(await acquireLease(c, { name: LEASE_NAME, holder: 'run-b', durationSeconds: 60 }), { acquired: true });
  assert.equal(store.lease?.spec.holderIdentity, 'run-b');
});

test('a renewTime far in the future does not hold a Lease whose holder stopped renewing', async () => {
  // Given a Lease held by run-a whose renewTime lies 74 years after our clock (a host with a wild clock)
  const store = heldBy('run-a', '2100-01-01T00:00:00.000000Z');
  const f = await leaseServer(store);
  const clock = manualClock();
  const c: LeaseContext = { api: f.api, clock, leases: new LeaseObservations() };
  // When run-b looks now, and again once a lease duration passed on its clock with no change
  assert.equal((await acquireLease(c, { name: LEASE_NAME, holder: 'run-b', durationSeconds: 60 })).acquired, false);
  await clock.sleep(60_001);
  // Then it takes it
  assert.deepEqual(await acquireLease(c, { name: LEASE_NAME, holder: 'run-b', durationSeconds: 60 }), { acquired: true });
});

test('a holder seen renewing keeps its Lease however old its renewTime looks; holdLease turns the run away, naming it', async () => {
  // Given a Lease held by run-a, renewed (a new resourceVersion) whenever it is looked at after the first look
  const store = heldBy('run-a', '2000-01-01T00:00:00.000000Z');
  let gets = 0;
  const f = await leaseServer(store, () => {
    if (++gets > 1 && store.lease) {
      store.rv++;
      store.lease = { ...store.lease, metadata: { ...store.lease.metadata, resourceVersion: String(store.rv) } };
    }
  });
  const clock = manualClock();
  const cluster = new KubeCluster({ name: 'eu-central', api: f.api, clock });
  // When run-b's lease keeper tries to take it
  const e = await holdLease({ cluster, holder: 'run-b', clock, onLost: () => undefined }).then(() => undefined, (err: unknown) => err);
  // Then it is turned away, naming the holder, after one look beyond the first: the renewal showed it alive
  assert.ok(e instanceof LeaseBusy, String(e));
  assert.match(e.message, /^cluster eu-central is being maintained by run run-a \(seen renewed 0s ago, lasts 60s\)/);
  assert.equal(gets, 2);
  assert.equal(store.lease?.spec.holderIdentity, 'run-a');
});

test('holdLease takes a Lease its holder left behind after one lease duration on this process\'s clock', async () => {
  // Given a Lease a crashed run-a left, its renewTime in the future by a skewed clock
  const store = heldBy('run-a', '2100-01-01T00:00:00.000000Z');
  const clock = manualClock();
  let takenAt: number | undefined;
  const f = await leaseServer(store, undefined, () => (takenAt ??= store.lease?.spec.holderIdentity === 'run-b' ? clock.now() : undefined));
  const cluster = new KubeCluster({ name: 'eu-central', api: f.api, clock });
  // When run-b's lease keeper takes it
  const held = await holdLease({ cluster, holder: 'run-b', clock, onLost: () => undefined });
  await held.release();
  const waited = (takenAt ?? 0) - NOW;
  // Then it waited exactly one lease duration, by its own clock, and took it
  assert.equal(waited, 60_000);
  assert.equal(store.lease?.spec.holderIdentity, undefined, 'released after');
  assert.ok(store.rv >= 7, 'taken, then released');
});

test('a Lease a crashed run left with a short plan lease is taken after that duration, and the new hold writes its own', async () => {
  // Given a Lease of 15 seconds that a crashed run-a left (its plan said spec.lease.duration: 15s)
  const store = heldBy('run-a', '2000-01-01T00:00:00.000000Z', 15);
  const clock = manualClock();
  let taken: { at: number; seconds: unknown } | undefined;
  const f = await leaseServer(store, undefined, () => (taken ??= store.lease?.spec.holderIdentity === 'run-b' ? { at: clock.now(), seconds: store.lease.spec.leaseDurationSeconds } : undefined));
  const cluster = new KubeCluster({ name: 'eu-central', api: f.api, clock });
  // When run-b, with the same plan, takes it
  const held = await holdLease({ cluster, holder: 'run-b', clock, durationSeconds: 15, onLost: () => undefined });
  await held.release();
  // Then it waited 15 seconds on its own clock, not a minute, and its Lease says 15 seconds
  assert.deepEqual(taken, { at: NOW + 15_000, seconds: 15 });
});

test('a run resumed under its own run id takes its Lease back at once, however fresh: a resume never waits a lease duration', async () => {
  // Given a Lease of a minute that run-a's killed process renewed a moment ago (by our clock)
  const clock = manualClock();
  const store = heldBy('run-a', new Date(NOW - 1000).toISOString().replace('Z', '000Z'));
  let taken: { at: number; seconds: unknown } | undefined;
  const f = await leaseServer(store, undefined, () => (taken ??= { at: clock.now(), seconds: store.lease?.spec.leaseDurationSeconds }));
  const cluster = new KubeCluster({ name: 'eu-central', api: f.api, clock });
  // When run-a is resumed in a new process (a new adapter: it has seen nothing of the Lease) and holds its lease
  const held = await holdLease({ cluster, holder: 'run-a', clock, durationSeconds: 15, onLost: () => undefined });
  await held.release();
  // Then it took the Lease without waiting, for the duration it asked for
  assert.deepEqual(taken, { at: NOW, seconds: 15 });
});
