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

/** A feed whose budget the test sets or drops (as a watch does when the budget is deleted); every change tells the subscribers. */
function feed(allowed: number): BudgetFeed & { set(allowed: number): void; drop(): void } {
  let b: PdbView | undefined = budget(allowed);
  const subs = new Set<() => void>();
  const tell = () => {
    for (const fn of subs) fn();
  };
  return {
    all: () => (b ? [b] : []),
    subscribe: (fn) => {
      subs.add(fn);
      return () => subs.delete(fn);
    },
    set(n) {
      b = budget(n);
      tell();
    },
    drop() {
      b = undefined;
      tell();
    },
  };
}

function pod(name: string, app = 'web'): PodView {
  return { namespace: 'shop', name, uid: name, labels: { app } } as unknown as PodView;
}

/** Sleeps never end on their own: only an abort ends them (the queue's own timer is cancelled when woken). */
const never: Clock = { now: () => 0, speed: 1, sleep: (_ms, signal) => new Promise((_r, reject) => signal?.addEventListener('abort', () => reject(abortError()), { once: true })) };

const settled = () => new Promise((r) => setImmediate(r));

/** Whether `p` has resolved once pending callbacks ran: a turn that waits stays pending under `never`, so this answers instead of hanging. */
async function resolvedNow<T>(p: Promise<T>): Promise<T | undefined> {
  const pending = Symbol('pending');
  const r = await Promise.race([p, settled().then(() => pending)]);
  return r === pending ? undefined : (r as T);
}

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

test('given a budget with no room, when a pod no budget guards asks, then it goes at once', async () => {
  // Given: the only budget selects app=web and allows nothing
  const q = new BudgetQueue(feed(0));
  // When: a pod of another app asks, with a clock that never ends a wait
  const release = await resolvedNow(q.turn(pod('x', 'other'), { clock: never, maxMs: 60_000 }));
  // Then: it has its turn without waiting
  assert.ok(release, 'a pod no budget guards does not wait');
  release();
  q.close();
});

test('given a pod waiting at a budget with no room, when the feed loses the budget, then the waiter goes and later pods go at once', async () => {
  // Given: a pod waiting at a budget that allows nothing
  const f = feed(0);
  const q = new BudgetQueue(f);
  const waiting = q.turn(pod('a'), { clock: never, maxMs: 60_000 });
  assert.equal(await resolvedNow(waiting), undefined, 'a budget with no room holds the pod');
  // When: the budget is deleted (the watch drops it from the feed)
  f.drop();
  // Then: the waiter goes to the API server, which decides on its own
  const first = await resolvedNow(waiting);
  assert.ok(first, 'a lost budget no longer holds its waiters');
  // And: a pod that asks afterwards, guarded by no budget the feed knows, goes at once
  const second = await resolvedNow(q.turn(pod('b'), { clock: never, maxMs: 60_000 }));
  assert.ok(second, 'a pod whose budget the feed lost does not wait');
  first();
  second();
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
