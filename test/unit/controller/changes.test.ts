// What wakes the controller's leader (controller/changes.ts), on a fake watch and the virtual clock: a new run,
// a change of spec or annotations wakes it at once; its own status writes do not; with no news it waits the
// time it asked on the clock; a watch that cannot start makes it look every 2 s, said once; a watch that ends
// wakes it and is started again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { newsFilter, watchChanges } from '../../../src/controller/changes.ts';
import type { WatchApi } from '../../../src/controller/changes.ts';
import { VirtualClock } from '../engine/runner-fakes.ts';

const run = (name: string, generation: number, annotations: Record<string, string> = {}) => ({ metadata: { name, generation, annotations } });

test('news: a new or deleted object, a spec change (generation) or an annotation change; a status write is not', () => {
  const news = newsFilter();
  assert.equal(news('ADDED', run('r-1', 1)), true);
  assert.equal(news('MODIFIED', run('r-1', 1)), false, 'the status subresource leaves the generation as it is');
  assert.equal(news('MODIFIED', run('r-1', 2)), true, 'spec.paused set');
  assert.equal(news('MODIFIED', run('r-1', 2, { 'daylight.dev/approval': 'approve' })), true, 'an answer');
  assert.equal(news('MODIFIED', run('r-1', 2, { 'daylight.dev/approval': 'approve' })), false);
  assert.equal(news('MODIFIED', run('r-2', 1)), true, 'an object first seen modified');
  assert.equal(news('DELETED', run('r-1', 2)), true);
  assert.equal(news('ADDED', run('r-1', 1)), true, 'created again under the same name');
});

interface Watch {
  readonly path: string;
  readonly onEvent: (type: string, object: unknown) => void;
  readonly onDone: (err: unknown) => void;
  readonly ctl: AbortController;
}

function fakeWatches(refuse: (path: string) => boolean = () => false): WatchApi & { readonly started: Watch[] } {
  const started: Watch[] = [];
  return {
    started,
    watch: async (path, query, onEvent, onDone) => {
      assert.equal(query.allowWatchBookmarks, true);
      if (refuse(path)) throw new Error('maintenanceruns.daylight.dev is forbidden: cannot watch resource "maintenanceruns"');
      const ctl = new AbortController();
      started.push({ path, onEvent, onDone, ctl });
      return ctl;
    },
  };
}

const PATHS = ['/apis/daylight.dev/v1alpha1/namespaces/ns/maintenanceruns', '/apis/daylight.dev/v1alpha1/namespaces/ns/maintenanceplans'];
const never = new AbortController().signal;

test('a change wakes the wait at once, without the clock moving; the leader\'s own status writes do not', async () => {
  const clock = new VirtualClock();
  const api = fakeWatches();
  const log: string[] = [];
  const changes = watchChanges(api, PATHS, { clock, log: (l) => log.push(l) });
  // The watches start with the first wait; their first events (the objects as they are) wake it
  clock.hold();
  const first = changes.wait(60_000, never);
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(api.started.map((w) => w.path), PATHS);
  assert.equal(changes.watching(), true);
  api.started[0]?.onEvent('ADDED', run('weekly-1', 1));
  await first;
  const t0 = clock.now();
  // When the leader's own status write comes, then nothing wakes; a person's pause does, at the same instant
  const second = changes.wait(60_000, never);
  let woke = false;
  void second.then(() => (woke = true));
  api.started[0]?.onEvent('MODIFIED', run('weekly-1', 1));
  api.started[0]?.onEvent('BOOKMARK', { metadata: { resourceVersion: '9' } });
  await new Promise((r) => setImmediate(r));
  assert.equal(woke, false, 'a status write or a bookmark is no news');
  api.started[0]?.onEvent('MODIFIED', run('weekly-1', 2));
  await second;
  assert.equal(clock.now(), t0, 'woken by the watch, not the clock');
  // And with no news the wait is the time asked, on the clock
  clock.release();
  await changes.wait(45_000, never);
  assert.equal(clock.now(), t0 + 45_000);
  assert.deepEqual(log, []);
  changes.close();
  assert.ok(api.started.every((w) => w.ctl.signal.aborted), 'close stops every watch');
});

test('a change that comes between two waits is not lost: the next wait returns at once', async () => {
  const clock = new VirtualClock();
  const api = fakeWatches();
  const changes = watchChanges(api, PATHS, { clock, log: () => undefined });
  await changes.wait(10_000, never);
  const t0 = clock.now();
  api.started[1]?.onEvent('ADDED', { metadata: { name: 'nightly', generation: 1 } });
  clock.hold();
  await changes.wait(60_000, never);
  assert.equal(clock.now(), t0);
  changes.close();
});

test('a watch that cannot start: the leader looks every 2 s instead, and says so once', async () => {
  const clock = new VirtualClock();
  const api = fakeWatches((p) => p.endsWith('maintenanceruns'));
  const log: string[] = [];
  const changes = watchChanges(api, PATHS, { clock, log: (l) => log.push(l) });
  const t0 = clock.now();
  await changes.wait(60_000, never);
  await changes.wait(60_000, never);
  assert.equal(clock.now(), t0 + 4_000);
  assert.equal(changes.watching(), false);
  assert.equal(log.length, 1, log.join('\n'));
  assert.match(log[0] ?? '', /cannot watch \/apis\/daylight\.dev\/v1alpha1\/namespaces\/ns\/maintenanceruns: .*forbidden.*; looking every 2 s instead/);
  changes.close();
});

test('a watch that ends wakes the wait (what changed meanwhile is read by the next look) and is started again', async () => {
  const clock = new VirtualClock();
  const api = fakeWatches();
  const log: string[] = [];
  const changes = watchChanges(api, PATHS, { clock, log: (l) => log.push(l) });
  await changes.wait(10_000, never);
  clock.hold();
  const t0 = clock.now();
  const waiting = changes.wait(60_000, never);
  await new Promise((r) => setImmediate(r));
  api.started[0]?.onDone(new Error('connection reset'));
  await waiting;
  assert.equal(clock.now(), t0);
  assert.match(log.join('\n'), /the watch of .*maintenanceruns ended: connection reset; started again at the next look/);
  clock.release();
  await changes.wait(1_000, never);
  assert.deepEqual(api.started.map((w) => w.path), [...PATHS, PATHS[0]]);
  changes.close();
});

test('the leader stepping down ends a wait at once', async () => {
  const clock = new VirtualClock();
  clock.hold();
  const changes = watchChanges(fakeWatches(), PATHS, { clock, log: () => undefined });
  const stop = new AbortController();
  const waiting = changes.wait(60_000, stop.signal);
  await new Promise((r) => setImmediate(r));
  stop.abort();
  await waiting;
  changes.close();
});
