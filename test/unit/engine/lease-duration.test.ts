// The plan's spec.lease.duration reaches the run's Lease: `executeRun` asks the cluster for a Lease of that
// many seconds and renews it every third of it. A crashed run's Lease keeps others out for that long, so a
// plan may trade a longer wait after a crash for fewer renewals. Over the runner's in-memory fleet and
// virtual clock.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withRun } from './runner-fakes.ts';

/** Generous: a loaded machine; each case takes milliseconds. */
const TEST = { timeout: 20_000 };

/** Cluster ms between one renewal and the next. */
const gaps = (times: readonly number[]) => times.slice(1).map((at, i) => at - (times[i] as number));

test('a plan\'s spec.lease.duration is the Lease the run asks for, renewed every third of it', TEST, (t) =>
  withRun(t, { waves: [['node-a1']], rebootMs: 60_000, lease: { duration: '15s' } }, async (h) => {
    // Given a plan whose lease lasts 15 seconds, and a node whose reboot takes a minute
    // When the run goes
    const end = await h.run();
    // Then it succeeded, having asked for a 15-second Lease once and renewed it every 5 seconds
    assert.equal(end.status, 'succeeded', end.reason);
    assert.deepEqual(h.fleet.leaseAsked, [15]);
    assert.ok(h.fleet.leaseRenewedAt.length >= 10, `renewed ${h.fleet.leaseRenewedAt.length} times during a minute's reboot`);
    assert.deepEqual([...new Set(gaps(h.fleet.leaseRenewedAt))], [5000]);
  }));

test('a plan without spec.lease keeps the minute-long Lease, renewed every 20 seconds', TEST, (t) =>
  withRun(t, { waves: [['node-a1']], rebootMs: 60_000 }, async (h) => {
    // Given a plan that says nothing of the lease
    // When the run goes
    const end = await h.run();
    // Then the Lease lasts a minute, renewed every 20 seconds
    assert.equal(end.status, 'succeeded', end.reason);
    assert.deepEqual(h.fleet.leaseAsked, [60]);
    assert.ok(h.fleet.leaseRenewedAt.length >= 3, `renewed ${h.fleet.leaseRenewedAt.length} times during a minute's reboot`);
    assert.deepEqual([...new Set(gaps(h.fleet.leaseRenewedAt))], [20_000]);
  }));
