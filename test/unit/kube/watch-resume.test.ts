// Daylight's watches resume where they were instead of listing again: after the server closes a watch (its
// timeoutSeconds) it watches on from the last resourceVersion it saw, a bookmark's included; a watch cut for
// silence does the same; only 410 Gone lists again. Over a fake API server that scripts each watch.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { WATCH_TIMING } from '../../../src/kube/api.ts';
import { nodeCache } from '../../../src/kube/object-cache.ts';
import { fakeApi, json } from './fake-api.ts';
import type { FakeApi } from './fake-api.ts';

const open: FakeApi[] = [];
after(async () => {
  for (const f of open) await f.close();
});

const node = (name: string, rv: number) => ({ apiVersion: 'v1', kind: 'Node', metadata: { name, resourceVersion: String(rv) } });
const line = (res: ServerResponse, type: string, object: unknown) => res.write(`${JSON.stringify({ type, object })}\n`);

/** The requests as `LIST` or `WATCH rv=N`, in order. */
function calls(f: FakeApi): string[] {
  return f.seen.map((s) => {
    const q = new URL(s.url, 'http://x').searchParams;
    return q.get('watch') ? `WATCH rv=${q.get('resourceVersion')}` : 'LIST';
  });
}

async function until(what: string, ok: () => boolean, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('a watch the server closes resumes from the bookmark\'s resourceVersion, and lists again only after 410 Gone', async () => {
  // Given an API server whose first watch sends a change and a bookmark, then closes (its timeoutSeconds);
  // whose second watch answers 410 Gone; and whose third stays open
  let lists = 0;
  let watches = 0;
  const queries: URLSearchParams[] = [];
  const f = await fakeApi((req, res) => {
    const q = new URL(req.url ?? '', 'http://x').searchParams;
    if (!q.get('watch')) {
      lists++;
      return json(res, 200, { apiVersion: 'v1', kind: 'NodeList', metadata: { resourceVersion: lists === 1 ? '10' : '30' }, items: [node('a', 10)] });
    }
    queries.push(q);
    watches++;
    res.writeHead(200, { 'Content-Type': 'application/json' });
    if (watches === 1) {
      line(res, 'ADDED', node('b', 15));
      line(res, 'BOOKMARK', { apiVersion: 'v1', kind: 'Node', metadata: { resourceVersion: '20' } });
      return res.end();
    }
    if (watches === 2) {
      line(res, 'ERROR', { kind: 'Status', apiVersion: 'v1', status: 'Failure', message: 'too old resource version: 20 (25)', reason: 'Expired', code: 410 });
      return res.end();
    }
    res.flushHeaders();
  });
  open.push(f);
  const cache = nodeCache(f.api);
  const changes: string[] = [];
  cache.subscribe((n, key) => changes.push(`${key}@${n?.metadata?.resourceVersion ?? 'deleted'}`));
  try {
    // When the node cache starts and the server ends its watches
    await cache.ready();
    await until('the third watch', () => watches >= 3);
    // Then it listed, watched from the list, resumed from the bookmark, and listed again only after the 410
    assert.deepEqual(calls(f), ['LIST', 'WATCH rv=10', 'WATCH rv=20', 'LIST', 'WATCH rv=30']);
    // And every watch asked for bookmarks and for the server to close it at a timeoutSeconds of its own
    for (const q of queries) {
      assert.equal(q.get('allowWatchBookmarks'), 'true');
      assert.ok(Number(q.get('timeoutSeconds')) >= 300, `timeoutSeconds=${q.get('timeoutSeconds')}`);
    }
    // And the cache took the change the first watch brought, and the second list's word that b is gone
    assert.deepEqual(changes, ['a@10', 'b@15', 'b@deleted', 'a@10']);
  } finally {
    cache.close();
  }
});

test('a silent watch is given up only after its idle time, and resumes from where it was, not from a new list', async () => {
  // Given a client whose idle timer is 400 ms (the default waits well beyond the server's minute between bookmarks)
  assert.ok(WATCH_TIMING.idleMs > 60_000, `the default idle timer is ${WATCH_TIMING.idleMs} ms`);
  // And an API server whose watches send one change and then nothing at all
  let watches = 0;
  const f = await fakeApi((req, res) => {
    const q = new URL(req.url ?? '', 'http://x').searchParams;
    if (!q.get('watch')) return json(res, 200, { apiVersion: 'v1', kind: 'NodeList', metadata: { resourceVersion: '10' }, items: [node('a', 10)] });
    watches++;
    res.writeHead(200, { 'Content-Type': 'application/json' });
    if (watches === 1) line(res, 'MODIFIED', node('a', 11));
    res.flushHeaders();
  }, { watch: { timeoutSeconds: () => 600, idleMs: 400 } });
  open.push(f);
  const cache = nodeCache(f.api);
  try {
    // When the cache runs past two idle cuts
    await cache.ready();
    await until('the third watch', () => watches >= 3);
    // Then each cut watch resumed from the last resourceVersion seen, with no list after the first
    assert.deepEqual(calls(f).slice(0, 4), ['LIST', 'WATCH rv=10', 'WATCH rv=11', 'WATCH rv=11']);
    const [first, second] = f.seen.slice(1);
    assert.ok(first && second && second.at - first.at >= 350, 'cut after its idle time, not before');
  } finally {
    cache.close();
  }
});
