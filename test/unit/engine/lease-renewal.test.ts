// Renewing the run's lease as client-go's leader election does: a renewal that fails is retried until the
// renew deadline (two thirds of the lease duration since the last renewal that succeeded), so one transient
// error (a timeout, a 429) does not stop a run; renewals that keep failing stop it before another process
// may take the lease; a Lease another holder took stops it at once. Over a fake cluster and a clock whose
// sleeps pass at once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_LEASE_SECONDS, holdLease, leaseSeconds } from '../../../src/engine/lease-keeper.ts';
import type { Clock } from '../../../src/lib/clock.ts';
import { fakeCluster } from '../checks/fakes.ts';
import { manualClock, NOW } from './regional-fakes.ts';

/** A cluster whose n-th renewal (from 1) answers as `renew(n)` says; every renewal's time, and the duration acquired, is kept. */
function leases(renew: (n: number) => boolean | Error, clock: Clock & { readonly slept: number[] } = manualClock()) {
  const renewals: number[] = [];
  const acquired: number[] = [];
  const cluster = fakeCluster({
    leases: {
      acquire: async (_name, _holder, durationSeconds) => {
        acquired.push(durationSeconds);
        return { acquired: true };
      },
      release: async () => undefined,
      renew: async () => {
        // a request takes a turn of the event loop, as a real one does (the clock's sleeps pass at once)
        await new Promise((r) => setImmediate(r));
        renewals.push(clock.now() - NOW);
        const r = renew(renewals.length);
        if (r instanceof Error) throw r;
        return r;
      },
    },
  });
  return { clock, cluster, renewals, acquired };
}

/** Holds the lease (for the plan's `durationSeconds`, if given) until it is lost or `renewals` renewals were made; resolves with the reason, if lost. */
async function hold(l: ReturnType<typeof leases>, renewals: number, durationSeconds?: number): Promise<string | undefined> {
  let lost: string | undefined;
  const held = await holdLease({ cluster: l.cluster, holder: 'run-1', clock: l.clock, onLost: (why) => (lost = why), ...(durationSeconds !== undefined ? { durationSeconds } : {}) });
  while (lost === undefined && l.renewals.length < renewals) await new Promise((r) => setImmediate(r));
  await held.release();
  return lost;
}

const DURATION = leaseSeconds(manualClock()) * 1000;
const timeout = () => new Error('the request timed out');

test('one renewal that fails is retried and the lease kept: the run goes on', async () => {
  // Given a cluster whose second renewal times out and whose others succeed
  const l = leases((n) => (n === 2 ? timeout() : true));
  // When the run holds its lease for five renewals
  const lost = await hold(l, 5);
  // Then the lease was never lost, and the failed renewal was retried a fifteenth of the duration later
  assert.equal(lost, undefined);
  const third = DURATION / 3;
  assert.deepEqual(l.renewals.slice(0, 4), [third, 2 * third, 2 * third + DURATION / 15, 3 * third + DURATION / 15]);
});

test('renewals that keep failing stop the run before two thirds of the duration have passed since the last one that held', async () => {
  // Given a cluster whose renewals all fail after the first
  const l = leases((n) => (n === 1 ? true : timeout()));
  // When the run holds its lease
  const lost = await hold(l, 100);
  // Then it is lost with the error and the deadline named, and no renewal was tried past the deadline
  assert.match(lost ?? '', /^renewing the lease on cluster eu-central failed for \d+s \(the renew deadline is \d+s\): the request timed out$/);
  const lastGood = (l.renewals[0] ?? 0);
  const last = l.renewals.at(-1) ?? 0;
  assert.ok(last - lastGood < (DURATION * 2) / 3, `retried until ${last - lastGood} ms after the last renewal, past the deadline`);
  assert.ok(l.renewals.length >= 4, `only ${l.renewals.length} renewals: the failures were not retried`);
});

test('a Lease another holder took stops the run at the first renewal that finds it', async () => {
  // Given a cluster whose second renewal finds the Lease held by someone else
  const l = leases((n) => n !== 2);
  // When the run holds its lease
  const lost = await hold(l, 100);
  // Then it is lost at once, without retries
  assert.equal(lost, 'the lease on cluster eu-central was taken over');
  assert.equal(l.renewals.length, 2);
});

test('the plan\'s lease duration sets the Lease\'s duration, the renewals (every third) and the retries (every fifteenth)', async () => {
  // Given a plan whose spec.lease.duration is 15s, and a cluster whose second renewal times out
  const l = leases((n) => (n === 2 ? timeout() : true));
  // When the run holds its lease for four renewals
  const lost = await hold(l, 4, 15);
  // Then the Lease was asked for 15 seconds, renewed every 5 s, the failed renewal retried 1 s later
  assert.equal(lost, undefined);
  assert.deepEqual(l.acquired, [15]);
  assert.deepEqual(l.renewals.slice(0, 4), [5000, 10_000, 11_000, 16_000]);
  // And without a plan setting, the Lease lasts a minute, as before
  const d = leases(() => true);
  await hold(d, 1);
  assert.deepEqual(d.acquired, [DEFAULT_LEASE_SECONDS]);
  assert.equal(DEFAULT_LEASE_SECONDS, 60);
});

test('renewals that keep failing stop a run with a short lease before two thirds of it have passed', async () => {
  // Given a 15-second lease and a cluster whose renewals all fail after the first
  const l = leases((n) => (n === 1 ? true : timeout()));
  // When the run holds its lease
  const lost = await hold(l, 100, 15);
  // Then it is lost naming the 10-second deadline, with no renewal tried past it
  assert.match(lost ?? '', /^renewing the lease on cluster eu-central failed for \d+s \(the renew deadline is 10s\)/);
  const last = l.renewals.at(-1) ?? 0;
  assert.ok(last - (l.renewals[0] ?? 0) < 10_000, `retried until ${last - (l.renewals[0] ?? 0)} ms after the last renewal, past the deadline`);
});

test('on a sandbox whose clock runs fast, a short plan lease still lasts ten real seconds', async () => {
  // Given a cluster clock 30 times faster than real time and a plan asking for 15 seconds
  const fast = { ...manualClock(), speed: 30 };
  const l = leases(() => true, fast);
  // When the run holds its lease
  await hold(l, 1, 15);
  // Then the Lease lasts 300 cluster seconds (10 real seconds), so renewals keep up in real time
  assert.deepEqual(l.acquired, [300]);
  assert.equal(leaseSeconds(fast, 15), 300);
  // And at real speed the plan's value stands
  assert.equal(leaseSeconds(manualClock(), 15), 15);
});
