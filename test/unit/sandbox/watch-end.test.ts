// A sandbox watch that reaches its timeoutSeconds ends for good: no bookmark and no change is written after
// its end, even while the client has not read it all (before 'finish'); one such write was an unhandled
// 'error' that brought the whole sandbox down in the middle of a run.
import { test, mock } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import { serveWatch } from '../../../src/sandbox/api/watch.ts';
import type { WatchOptions } from '../../../src/sandbox/api/watch.ts';
import type { Change } from '../../../src/sandbox/store.ts';

/** A response to a client that reads slowly: end() is taken, 'finish' has not come yet. */
class SlowClientResponse extends EventEmitter {
  readonly lines: string[] = [];
  readonly afterEnd: string[] = [];
  writableEnded = false;
  writeHead(): this {
    return this;
  }
  flushHeaders(): void {}
  write(chunk: string): boolean {
    (this.writableEnded ? this.afterEnd : this.lines).push(chunk);
    return true;
  }
  end(): this {
    this.writableEnded = true;
    return this;
  }
}

function watchOn(res: SlowClientResponse, query: string): { changed: (c: Change) => void } {
  const listeners: ((c: Change) => void)[] = [];
  const region = {
    store: { resourceVersion: 7, page: () => ({ items: [] }), changesSince: () => [], subscribe: (f: (c: Change) => void) => (listeners.push(f), () => void listeners.splice(listeners.indexOf(f), 1)) },
    ctx: { clock: { nowMs: () => 0 } },
  };
  const o = {
    region,
    rest: { filterFor: () => undefined },
    target: { type: { kind: 'Node', group: '', version: 'v1', resource: 'nodes' }, key: 'nodes' },
    req: { method: 'GET', query: new URLSearchParams(query), accept: 'application/json', contentType: undefined, body: undefined },
    res: res as unknown as ServerResponse,
  } as unknown as WatchOptions;
  serveWatch(o);
  return { changed: (c) => listeners.forEach((f) => f(c)) };
}

test('a watch at its timeoutSeconds ends, and nothing is written after it while the client is still reading', () => {
  mock.timers.enable({ apis: ['setInterval', 'setTimeout'] });
  try {
    // Given a watch with bookmarks that the server ends at 90 s, to a client that has not read it all
    const res = new SlowClientResponse();
    const watch = watchOn(res, 'resourceVersion=7&allowWatchBookmarks=true&timeoutSeconds=90');
    // When its end passes and the minute's bookmarks come due, and an object changes
    mock.timers.tick(90_000);
    assert.equal(res.writableEnded, true, 'the watch ended at its timeoutSeconds');
    mock.timers.tick(120_000);
    watch.changed({ type: 'MODIFIED', resource: 'nodes', object: { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1', resourceVersion: '9' } } } as unknown as Change);
    // Then the bookmarks before the end were written, and nothing after it
    assert.equal(res.lines.filter((l) => l.includes('"BOOKMARK"')).length, 2, 'the minute\'s bookmark and the one 2 s before the end');
    assert.deepEqual(res.afterEnd, []);
  } finally {
    mock.timers.reset();
  }
});
