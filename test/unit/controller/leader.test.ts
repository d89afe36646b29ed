// Leader election on a virtual clock over an in-memory Lease with the API server's rules (a write guarded
// by what the writer read) and client-go's (expiry judged by when each candidate last saw the Lease
// change): one leader at a time, a standby leads within the lease duration plus one retry period after
// the leader stops renewing, a leader that cannot renew steps down by its renew deadline (before anyone
// else can lead), a Lease taken by another deposes at once, and a stopping leader hands over at once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CLIENT_GO_TIMING, runLeaderElection } from '../../../src/controller/leader.ts';
import type { LeasePort } from '../../../src/engine/ports/cluster.ts';
import { VirtualClock } from '../engine/runner-fakes.ts';

interface Record {
  holder: string | undefined;
  durationSeconds: number;
  version: number;
}

/** One Lease in the API server, and each candidate's view of it. */
class LeaseServer {
  record: Record = { holder: undefined, durationSeconds: 0, version: 0 };
  /** Candidates whose calls fail (as a partitioned or frozen process's would). */
  readonly cut = new Set<string>();
  private readonly clock: VirtualClock;
  constructor(clock: VirtualClock) {
    this.clock = clock;
  }

  port(identity: string): LeasePort {
    let seen = { version: -1, at: 0 };
    const observe = () => {
      if (seen.version !== this.record.version) seen = { version: this.record.version, at: this.clock.now() };
      return seen.at;
    };
    const check = () => {
      if (this.cut.has(identity)) throw new Error(`${identity} cannot reach the API server`);
    };
    return {
      acquire: async (_name, holder, durationSeconds) => {
        check();
        const observedAt = observe();
        const r = this.record;
        if (r.holder && r.holder !== holder && observedAt + r.durationSeconds * 1000 > this.clock.now()) return { acquired: false, heldBy: { holder: r.holder } };
        this.record = { holder, durationSeconds, version: r.version + 1 };
        observe();
        return { acquired: true };
      },
      renew: async (_name, holder) => {
        check();
        if (this.record.holder !== holder) return false;
        this.record = { ...this.record, version: this.record.version + 1 };
        observe();
        return true;
      },
      release: async (_name, holder) => {
        check();
        if (this.record.holder === holder) this.record = { holder: undefined, durationSeconds: 1, version: this.record.version + 1 };
      },
      read: async () => (this.record.holder ? { holder: this.record.holder } : undefined),
    };
  }
}

interface Candidate {
  readonly identity: string;
  readonly stop: AbortController;
  readonly done: Promise<void>;
  /** [leading, at] transitions. */
  readonly transitions: [boolean, number][];
}

function candidate(server: LeaseServer, clock: VirtualClock, identity: string, leading: (at: number, who: string) => void): Candidate {
  const stop = new AbortController();
  const transitions: [boolean, number][] = [];
  const done = runLeaderElection(
    { leases: server.port(identity), name: 'daylight-controller', identity, clock, onTransition: (l, at) => transitions.push([l, at]) },
    async (signal) => {
      leading(clock.now(), identity);
      // The leader's work: runs until it is told to stop
      await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
    },
    stop.signal,
  );
  return { identity, stop, done, transitions };
}

/** Intervals each candidate led, from its transitions; an open one ends at `end`. */
function intervals(c: Candidate, end: number): [number, number][] {
  const out: [number, number][] = [];
  let from: number | undefined;
  for (const [l, at] of c.transitions) {
    if (l) from = at;
    else if (from !== undefined) {
      out.push([from, at]);
      from = undefined;
    }
  }
  if (from !== undefined) out.push([from, end]);
  return out;
}

test('one leader at a time; when it stops renewing it steps down by its renew deadline, and a standby leads within the lease duration plus one retry period', async () => {
  const clock = new VirtualClock();
  const t0 = clock.now();
  const server = new LeaseServer(clock);
  const starts: string[] = [];
  // Given three replicas, a started first
  const a = candidate(server, clock, 'a', (_at, who) => starts.push(who));
  await clock.sleep(100);
  const b = candidate(server, clock, 'b', (_at, who) => starts.push(who));
  const c = candidate(server, clock, 'c', (_at, who) => starts.push(who));
  // When a leads for a minute, renewing, and then cannot reach the API server any more
  await clock.sleep(60_000);
  assert.deepEqual(starts, ['a']);
  const cutAt = clock.now();
  server.cut.add('a');
  await clock.sleep(40_000);
  // Then a stepped down by its renew deadline after its last renewal, and one standby took over
  const aLed = intervals(a, clock.now());
  assert.equal(aLed.length, 1);
  const stepDown = aLed[0]?.[1] ?? 0;
  assert.ok(stepDown - cutAt <= CLIENT_GO_TIMING.renewDeadlineMs + CLIENT_GO_TIMING.retryPeriodMs, `a stepped down ${stepDown - cutAt} ms after it was cut off`);
  assert.equal(starts.length, 2, starts.join(','));
  const next = starts[1] === 'b' ? b : c;
  const takeover = intervals(next, clock.now())[0]?.[0] ?? 0;
  // The gap: from a's last renewal (at most one retry period before the cut) to the takeover
  const gap = takeover - cutAt;
  console.log(`a cut off at ${(cutAt - t0) / 1000} s, stepped down ${(stepDown - cutAt) / 1000} s later, ${next.identity} led ${gap / 1000} s after the cut`);
  assert.ok(gap <= CLIENT_GO_TIMING.leaseDurationMs + CLIENT_GO_TIMING.retryPeriodMs, `the standby led ${gap} ms after the cut`);
  // And never two at once: a had stepped down before the standby led
  assert.ok(stepDown <= takeover, `a led until ${stepDown}, ${next.identity} from ${takeover}`);
  for (const x of [a, b, c]) x.stop.abort();
  server.cut.clear();
  await Promise.all([a.done, b.done, c.done]);
});

test('a leader whose Lease names another holder steps down at once and campaigns again', async () => {
  const clock = new VirtualClock();
  const server = new LeaseServer(clock);
  const a = candidate(server, clock, 'a', () => {});
  await clock.sleep(10_000);
  // When someone else writes the Lease (a person, or a replica with a wrong clock)
  server.record = { holder: 'intruder', durationSeconds: 15, version: server.record.version + 1 };
  const wrote = clock.now();
  await clock.sleep(5_000);
  // Then a stopped leading at its next renewal, not at its renew deadline
  const led = intervals(a, clock.now());
  assert.ok(led.length === 1 && (led[0]?.[1] ?? 0) - wrote <= CLIENT_GO_TIMING.retryPeriodMs, JSON.stringify(led));
  // And it leads again once the intruder's lease, as a saw it, has expired
  await clock.sleep(20_000);
  assert.equal(intervals(a, clock.now()).length, 2);
  a.stop.abort();
  await a.done;
});

test('a leader that stops releases the Lease, and a standby leads at its next retry instead of after the lease duration', async () => {
  const clock = new VirtualClock();
  const server = new LeaseServer(clock);
  const a = candidate(server, clock, 'a', () => {});
  await clock.sleep(100);
  const b = candidate(server, clock, 'b', () => {});
  await clock.sleep(30_000);
  const stopAt = clock.now();
  a.stop.abort();
  await a.done;
  await clock.sleep(5_000);
  const bLed = intervals(b, clock.now());
  assert.equal(bLed.length, 1);
  assert.ok((bLed[0]?.[0] ?? 0) - stopAt <= CLIENT_GO_TIMING.retryPeriodMs, `b led ${(bLed[0]?.[0] ?? 0) - stopAt} ms after a stopped`);
  b.stop.abort();
  await b.done;
});

test('timings that would let two lead at once are refused', async () => {
  const clock = new VirtualClock();
  const server = new LeaseServer(clock);
  await assert.rejects(
    runLeaderElection({ leases: server.port('a'), name: 'x', identity: 'a', clock, timing: { leaseDurationMs: 10_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000 } }, async () => {}, new AbortController().signal),
    /retry period < renew deadline < lease duration/,
  );
});

test('a leader whose work ends on its own (it found itself deposed by a refused write) steps down, gives the Lease up, and campaigns again', async () => {
  const clock = new VirtualClock();
  const server = new LeaseServer(clock);
  const stop = new AbortController();
  const transitions: [boolean, number][] = [];
  let lives = 0;
  const done = runLeaderElection(
    { leases: server.port('a'), name: 'daylight-controller', identity: 'a', clock, onTransition: (l, at) => transitions.push([l, at]) },
    async () => {
      lives++;
      await clock.sleep(5_000);
      if (lives === 1) throw new Error('the journal was written by someone else since this writer read it');
      await clock.sleep(60_000);
    },
    stop.signal,
  );
  await clock.sleep(20_000);
  // Then it stepped down 5 s in, released the Lease, and led again one retry period later
  assert.deepEqual(transitions.map(([l]) => l), [true, false, true]);
  assert.equal((transitions[2]?.[1] ?? 0) - (transitions[1]?.[1] ?? 0), CLIENT_GO_TIMING.retryPeriodMs);
  stop.abort();
  await done;
});
