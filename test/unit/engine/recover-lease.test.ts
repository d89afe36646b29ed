// `daylight recover` and the Lease of the run whose nodes it would give back: a renewTime that looks stale
// by our clock is believed only after this process watched the Lease unchanged for one lease duration on
// its own clock, so a clock running ahead of the holder's never hands a live run's nodes back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { recover } from '../../../src/engine/recover.ts';
import type { Cluster } from '../../../src/engine/ports/cluster.ts';
import type { LeaseHolder } from '../../../src/engine/ports/cluster-views.ts';
import { fakeCluster, nodeView } from '../checks/fakes.ts';
import { manualClock, NOW } from './regional-fakes.ts';

/** A cluster with one node cordoned by run-a (or, with `cordonedBy: ''`, by a person), whose Lease `lease` reads on each look. */
function cluster(lease: (look: number) => LeaseHolder | undefined, cordonedBy = 'run-a'): Cluster & { uncordoned: string[] } {
  let looks = 0;
  const uncordoned: string[] = [];
  const fake = fakeCluster({
    nodes: {
      list: async () => [nodeView('n1', { unschedulable: true, ...(cordonedBy ? { cordonedBy } : {}) })],
      uncordon: async (node) => {
        uncordoned.push(node);
        return true;
      },
    },
    leases: { read: async () => lease(looks++) },
    events: { onNode: async () => undefined },
  });
  return { ...fake, uncordoned };
}

// run-a's renewTime is 5 minutes behind our clock: stale, if our clock is right.
const stale = { holder: 'run-a', renewedAt: NOW - 300_000, durationSeconds: 60 };

test('a Lease stale by our clock that its holder still renews keeps its run\'s nodes cordoned', async () => {
  // Given run-a, alive on a host whose clock is 5 minutes behind ours, renewing every 20 seconds
  const clock = manualClock();
  const c = cluster(() => ({ ...stale, renewedAt: stale.renewedAt + Math.floor((clock.now() - NOW) / 20_000) * 20_000 }));
  // When recover runs
  const out = await recover({ clusters: [c], clock, runAlive: () => false });
  // Then it sees the renewal within the lease's duration and leaves run-a's node alone
  assert.deepEqual(out.map((x) => x.action), ['left: run still active']);
  assert.deepEqual(c.uncordoned, []);
  assert.ok(clock.now() - NOW <= 60_000, `watched ${clock.now() - NOW} ms`);
});

test('a Lease stale by our clock and unchanged for a lease duration seen from here gives its run\'s nodes back', async () => {
  // Given run-a dead, its Lease unchanged
  const clock = manualClock();
  const c = cluster(() => stale);
  // When recover runs
  const out = await recover({ clusters: [c], clock, runAlive: () => false });
  // Then it gave the node back, after watching the Lease for one lease duration on its own clock
  assert.deepEqual(out.map((x) => x.action), ['uncordoned']);
  assert.deepEqual(c.uncordoned, ['n1']);
  assert.equal(clock.now() - NOW, 60_000);
});

test('a Lease of a short plan lease, stale and unchanged for its own duration, gives its run\'s nodes back after that duration', async () => {
  // Given run-a dead, its Lease of 15 seconds (its plan's spec.lease.duration) unchanged
  const clock = manualClock();
  const c = cluster(() => ({ ...stale, durationSeconds: 15 }));
  // When recover runs
  const out = await recover({ clusters: [c], clock, runAlive: () => false });
  // Then it gave the node back after watching the Lease for 15 seconds, not a minute
  assert.deepEqual(out.map((x) => x.action), ['uncordoned']);
  assert.equal(clock.now() - NOW, 15_000);
});

test('no node carries a run\'s cordon: recover answers at once, without watching a stale Lease for its duration', async () => {
  // Given run-a dead, its Lease stale, and the only cordoned node cordoned by a person
  const clock = manualClock();
  const c = cluster(() => stale, '');
  // When recover runs
  const out = await recover({ clusters: [c], clock, runAlive: () => false });
  // Then it has nothing to do, and took no time on its clock
  assert.deepEqual(out, []);
  assert.deepEqual(c.uncordoned, []);
  assert.equal(clock.now() - NOW, 0);
});
