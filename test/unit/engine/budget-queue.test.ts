// The queue evictions wait in at their budget: through when the budget has room beyond the evictions in
// flight, woken in order and only as many as the budget frees, never longer than the wait they are given.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BudgetQueue } from '../../../src/engine/budget-queue.ts';
import type { BudgetFeed, PdbView, PodView } from '../../../src/kube/types.ts';
import { abortError, systemClock } from '../../../src/lib/clock.ts';
import type { Clock } from '../../../src/lib/clock.ts';

function budget(allowed: number): PdbView {
  return { namespace: 'shop', name: 'web', selector: { matchLabels: { app: 'web' } }, currentHealthy: 10, desiredHealthy: 10 - allowed, disruptionsAllowed: allowed, expectedPods: 10 };
}

/** A feed whose budget the test sets; every set tells the subscribers. */
function feed(allowed: number): BudgetFeed & { set(allowed: number): void } {
  let b = budget(allowed);
  const subs = new Set<() => void>();
  return {
    all: () => [b],
    subscribe: (fn) => {
      subs.add(fn);
      return () => subs.delete(fn);
    },
    set(n) {
      b = budget(n);
      for (const fn of subs) fn();
    },
  };
}

function pod(name: string, app = 'web'): PodView {
  return { namespace: 'shop', name, uid: name, labels: { app } } as unknown as PodView;
}

/** Sleeps never end on their own: only an abort ends them (the queue's own timer is cancelled when woken). */
const never: Clock = { now: () => 0, speed: 1, sleep: (_ms, signal) => new Promise((_r, reject) => signal?.addEventListener('abort', () => reject(abortError()), { once: true })) };

const settled = () => new Promise((r) => setImmediate(r));

test('given a budget with room for one, when two evictions ask, then the second waits until the first has its answer and the budget still has room', async () => {
  const f = feed(1);
  const q = new BudgetQueue(f);
  const first = await q.turn(pod('a'), { clock: never, maxMs: 60_000 });
  let second = false;
  const waiting = q.turn(pod('b'), { clock: never, maxMs: 60_000 }).then((release) => {
    second = true;
    return release;
  });
  await settled();
  assert.equal(second, false, 'one eviction in flight fills a budget that allows one');
  first();
  await settled();
  assert.equal(second, true, 'its answer frees the turn');
  (await waiting)();
  q.close();
});

test('given three waiting at a budget with no room, when it frees two, then the first two in line go and the third waits', async () => {
  const f = feed(0);
  const q = new BudgetQueue(f);
  const woke: string[] = [];
  const turns = ['a', 'b', 'c'].map((n) => q.turn(pod(n), { clock: never, maxMs: 60_000 }).then((release) => {
    woke.push(n);
    return release;
  }));
  await settled();
  assert.deepEqual(woke, []);
  f.set(2);
  await settled();
  assert.deepEqual(woke, ['a', 'b']);
  q.close();
  await settled();
  assert.deepEqual(woke, ['a', 'b', 'c'], 'closing lets the rest go to the API server');
  for (const t of turns) (await t)();
});

test('a pod no budget guards, or guarded by a budget the feed lost, goes at once', async () => {
  const q = new BudgetQueue(feed(0));
  const release = await q.turn(pod('x', 'other'), { clock: never, maxMs: 60_000 });
  release();
  q.close();
});

test('a wait longer than its maximum ends anyway: the API server decides', async () => {
  const q = new BudgetQueue(feed(0));
  const started = performance.now();
  const release = await q.turn(pod('a'), { clock: systemClock, maxMs: 50 });
  assert.ok(performance.now() - started >= 45);
  release();
  q.close();
});

test('an abort while waiting rejects with an AbortError and leaves the line', async () => {
  const f = feed(0);
  const q = new BudgetQueue(f);
  const abort = new AbortController();
  const waiting = q.turn(pod('a'), { clock: never, maxMs: 60_000, signal: abort.signal });
  abort.abort();
  await assert.rejects(waiting, { name: 'AbortError' });
  let next = false;
  const other = q.turn(pod('b'), { clock: never, maxMs: 60_000 }).then((r) => {
    next = true;
    return r;
  });
  f.set(1);
  await settled();
  assert.equal(next, true, 'the aborted waiter took no turn');
  (await other)();
  q.close();
});
