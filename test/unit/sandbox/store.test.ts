// Unit tests for the object store: resourceVersions, key order, paging that resumes exactly, the bounded
// change history watches resume from, and change listeners.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ObjectStore } from '../../../src/sandbox/store.ts';
import type { Change } from '../../../src/sandbox/store.ts';
import type { KObject } from '../../../src/sandbox/k8s-types.ts';

function pod(namespace: string, name: string, labels: Record<string, string> = {}): KObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace, uid: `uid-${namespace}-${name}`, resourceVersion: '', creationTimestamp: '2024-06-01T00:00:00Z', labels },
  };
}

function node(name: string): KObject {
  return { apiVersion: 'v1', kind: 'Node', metadata: { name, uid: `uid-${name}`, resourceVersion: '', creationTimestamp: '2024-06-01T00:00:00Z' } };
}

const ids = (items: readonly KObject[]) => items.map((o) => (o.metadata.namespace ? `${o.metadata.namespace}/${o.metadata.name}` : o.metadata.name));

/** A store holding pods b/p0..b/p9, a/x, c/y and a-b/z, created in a scrambled order. */
function storeWithPods(): ObjectStore {
  const s = new ObjectStore();
  const order = [7, 2, 9, 0, 5, 3, 8, 1, 6, 4];
  s.create('pods', pod('c', 'y'));
  for (const i of order) s.create('pods', pod('b', `p${i}`, { even: String(i % 2 === 0) }));
  s.create('pods', pod('a', 'x'));
  s.create('pods', pod('a-b', 'z'));
  return s;
}

/** Every item, fetched page by page, following `next` until there is none. */
function allPages(s: ObjectStore, q: { namespace?: string; limit: number; filter?: (o: KObject) => boolean }): { pages: string[][]; remaining: number[] } {
  const pages: string[][] = [];
  const remaining: number[] = [];
  let after: string | undefined;
  for (let guard = 0; guard < 100; guard++) {
    const page = s.page('pods', after === undefined ? q : { ...q, after });
    pages.push(ids(page.items));
    remaining.push(page.remaining);
    if (page.next === undefined) return { pages, remaining };
    after = page.next;
  }
  throw new Error('paging did not end');
}

test('create, replace and remove each bump the resourceVersion', () => {
  const s = new ObjectStore();
  assert.equal(s.resourceVersion, 0);
  const created = s.create('pods', pod('shop', 'web-1'));
  assert.equal(created.metadata.resourceVersion, '1');
  assert.equal(s.resourceVersion, 1);
  const replaced = s.replace('pods', { ...created, spec: { nodeName: 'node-a' } });
  assert.equal(replaced.metadata.resourceVersion, '2');
  assert.deepEqual(s.get('pods', 'shop', 'web-1')?.spec, { nodeName: 'node-a' });
  const removed = s.remove('pods', 'shop', 'web-1');
  assert.equal(removed?.metadata.resourceVersion, '3');
  assert.equal(s.resourceVersion, 3);
  assert.equal(s.get('pods', 'shop', 'web-1'), undefined);
});

test('stored objects are snapshots: a later write does not change what an earlier read returned', () => {
  const s = new ObjectStore();
  const input = pod('shop', 'web-1');
  const v1 = s.create('pods', input);
  s.replace('pods', { ...v1, spec: { nodeName: 'node-a' } });
  assert.equal(v1.metadata.resourceVersion, '1');
  assert.equal(v1.spec, undefined);
  assert.equal(input.metadata.resourceVersion, '', 'the caller’s object is not stamped');
});

test('create refuses an existing object, replace a missing one, remove of a missing one is undefined', () => {
  const s = new ObjectStore();
  s.create('pods', pod('shop', 'web-1'));
  assert.throws(() => s.create('pods', pod('shop', 'web-1')), /exists/);
  assert.throws(() => s.replace('pods', pod('shop', 'web-2')), /does not exist/);
  assert.equal(s.remove('pods', 'shop', 'web-2'), undefined);
  assert.equal(s.remove('nodes', undefined, 'node-a'), undefined);
  assert.equal(s.resourceVersion, 1, 'failed writes do not bump the resourceVersion');
});

test('list returns objects in key order, all or within one namespace', () => {
  const s = storeWithPods();
  assert.deepEqual(ids(s.list('pods')), ['a-b/z', 'a/x', 'b/p0', 'b/p1', 'b/p2', 'b/p3', 'b/p4', 'b/p5', 'b/p6', 'b/p7', 'b/p8', 'b/p9', 'c/y']);
  assert.deepEqual(ids(s.list('pods', 'a')), ['a/x']);
  assert.deepEqual(ids(s.list('pods', 'b')).length, 10);
  assert.deepEqual(s.list('pods', 'nope'), []);
  assert.deepEqual(s.list('services'), []);
  assert.equal(s.count('pods'), 13);
});

test('cluster-scoped objects are keyed by name', () => {
  const s = new ObjectStore();
  for (const n of ['node-c', 'node-a', 'node-b']) s.create('nodes', node(n));
  assert.deepEqual(ids(s.list('nodes')), ['node-a', 'node-b', 'node-c']);
  assert.equal(s.get('nodes', undefined, 'node-b')?.metadata.name, 'node-b');
});

test('removed objects leave the listing', () => {
  const s = storeWithPods();
  s.remove('pods', 'b', 'p3');
  assert.equal(ids(s.list('pods', 'b')).includes('b/p3'), false);
  assert.equal(s.count('pods'), 12);
});

test('page with a limit continues exactly where it stopped', () => {
  const s = storeWithPods();
  const { pages, remaining } = allPages(s, { limit: 4 });
  assert.deepEqual(pages, [
    ['a-b/z', 'a/x', 'b/p0', 'b/p1'],
    ['b/p2', 'b/p3', 'b/p4', 'b/p5'],
    ['b/p6', 'b/p7', 'b/p8', 'b/p9'],
    ['c/y'],
  ]);
  assert.deepEqual(remaining, [9, 5, 1, 0]);
});

test('page ends without a continue token when the last page is exactly full', () => {
  const s = storeWithPods();
  const { pages } = allPages(s, { namespace: 'b', limit: 5 });
  assert.deepEqual(pages.map((p) => p.length), [5, 5]);
});

test('page within a namespace stays in it and has no gaps or duplicates', () => {
  const s = storeWithPods();
  const { pages, remaining } = allPages(s, { namespace: 'b', limit: 3 });
  assert.deepEqual(pages, [['b/p0', 'b/p1', 'b/p2'], ['b/p3', 'b/p4', 'b/p5'], ['b/p6', 'b/p7', 'b/p8'], ['b/p9']]);
  assert.deepEqual(remaining, [7, 4, 1, 0]);
  assert.deepEqual(allPages(s, { namespace: 'a', limit: 3 }).pages, [['a/x']], 'namespace "a" does not include "a-b"');
});

test('page with a filter returns only matching objects and continues after the last one returned', () => {
  const s = storeWithPods();
  const even = (o: KObject) => o.metadata.labels?.even === 'true';
  const { pages } = allPages(s, { limit: 2, filter: even });
  assert.deepEqual(pages, [['b/p0', 'b/p2'], ['b/p4', 'b/p6'], ['b/p8']]);
  assert.deepEqual(allPages(s, { namespace: 'b', limit: 4, filter: even }).pages, [['b/p0', 'b/p2', 'b/p4', 'b/p6'], ['b/p8']]);
});

test('a page continues correctly when the object it stopped at was deleted meanwhile', () => {
  const s = storeWithPods();
  const first = s.page('pods', { namespace: 'b', limit: 3 });
  assert.equal(first.next, 'b/p2');
  s.remove('pods', 'b', 'p2');
  s.create('pods', pod('b', 'p2a'));
  const second = s.page('pods', { namespace: 'b', limit: 3, after: first.next as string });
  assert.deepEqual(ids(second.items), ['b/p2a', 'b/p3', 'b/p4']);
});

test('changesSince returns later changes, oldest first', () => {
  const s = new ObjectStore();
  const a = s.create('pods', pod('shop', 'a'));
  s.create('pods', pod('shop', 'b'));
  s.replace('pods', { ...a, spec: {} });
  s.remove('pods', 'shop', 'b');
  const changes = s.changesSince(1);
  assert.ok(changes);
  assert.deepEqual(changes.map((c) => [c.type, c.object.metadata.name, c.rv]), [['ADDED', 'b', 2], ['MODIFIED', 'a', 3], ['DELETED', 'b', 4]]);
  assert.deepEqual(s.changesSince(0)?.length, 4);
  assert.deepEqual(s.changesSince(4), []);
  assert.deepEqual(s.changesSince(99), []);
});

test('changesSince is undefined once the history no longer reaches back', () => {
  const s = new ObjectStore({ historySize: 3 });
  for (let i = 0; i < 5; i++) s.create('pods', pod('shop', `p${i}`));
  assert.deepEqual(s.changesSince(2)?.map((c) => c.rv), [3, 4, 5]);
  assert.deepEqual(s.changesSince(4)?.map((c) => c.rv), [5]);
  assert.equal(s.changesSince(1), undefined);
  assert.equal(s.changesSince(0), undefined);
});

test('compact forgets the history up to now, as etcd compaction does: later changes are kept', () => {
  // Given three changes
  const s = new ObjectStore();
  for (let i = 0; i < 3; i++) s.create('pods', pod('shop', `p${i}`));
  // When the store is compacted, then changed again
  s.compact();
  s.create('pods', pod('shop', 'late'));
  // Then only watches from the compaction on can resume, and the compaction's revision is known
  assert.equal(s.compactedRevision, 3);
  assert.equal(s.changesSince(1), undefined);
  assert.equal(s.changesSince(2), undefined);
  assert.deepEqual(s.changesSince(3)?.map((c) => c.object.metadata.name), ['late']);
  assert.deepEqual(s.changesSince(4), []);
});

test('changes across resource types share one history', () => {
  const s = new ObjectStore({ historySize: 10 });
  s.create('pods', pod('shop', 'a'));
  s.create('nodes', node('node-a'));
  assert.deepEqual(s.changesSince(0)?.map((c) => c.resource), ['pods', 'nodes']);
});

test('listeners receive ADDED, MODIFIED and DELETED with the old objects', () => {
  const s = new ObjectStore();
  const seen: Change[] = [];
  s.subscribe((c) => seen.push(c));
  const v1 = s.create('pods', pod('shop', 'web-1'));
  const v2 = s.replace('pods', { ...v1, spec: { nodeName: 'node-a' } });
  const last = s.remove('pods', 'shop', 'web-1');
  assert.deepEqual(seen.map((c) => [c.type, c.resource, c.rv]), [['ADDED', 'pods', 1], ['MODIFIED', 'pods', 2], ['DELETED', 'pods', 3]]);
  assert.equal(seen[0]?.object, v1);
  assert.equal(seen[0]?.old, undefined);
  assert.equal(seen[1]?.object, v2);
  assert.equal(seen[1]?.old, v1);
  assert.equal(seen[2]?.old, v2);
  assert.deepEqual(seen[2]?.object, last);
  assert.equal(seen[2]?.object.metadata.resourceVersion, '3', 'DELETED carries the last state at the delete resourceVersion');
  assert.deepEqual(seen[2]?.object.spec, { nodeName: 'node-a' });
});

test('listeners run synchronously and stop after unsubscribing', () => {
  const s = new ObjectStore();
  let calls = 0;
  const unsubscribe = s.subscribe(() => calls++);
  s.create('pods', pod('shop', 'a'));
  assert.equal(calls, 1);
  unsubscribe();
  s.create('pods', pod('shop', 'b'));
  assert.equal(calls, 1);
});
