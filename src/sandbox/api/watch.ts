// Watches: a stream of ADDED / MODIFIED / DELETED events from a resourceVersion on, filtered by namespace
// and selectors (an object that stops matching is DELETED for this watcher), as JSON lines or Tables.
import type { ServerResponse } from 'node:http';
import type { KObject } from '../k8s-types.ts';
import type { Region } from '../region.ts';
import type { Change, ChangeType } from '../store.ts';
import { negotiate } from './negotiate.ts';
import { queryBool } from './request.ts';
import type { ApiRequest, ApiTarget } from './request.ts';
import type { RestHandler } from './rest.ts';
import { viewOf } from './rest.ts';
import * as S from './status.ts';
import { toTable } from './table.ts';
import type { IncludeObject } from './table.ts';

export interface WatchOptions {
  readonly region: Region;
  readonly rest: RestHandler;
  readonly target: ApiTarget;
  readonly req: ApiRequest;
  readonly res: ServerResponse;
}

/** kube-apiserver's cacher: `defaultBookmarkFrequency = time.Minute`. */
const BOOKMARK_PERIOD_MS = 60_000;

export function serveWatch(o: WatchOptions): void {
  const { region, target: t, req, res } = o;
  const filter = o.rest.filterFor(t, req.query) ?? (() => true);
  const inScope = (obj: KObject) => (!t.namespace || obj.metadata.namespace === t.namespace) && (!t.name || obj.metadata.name === t.name);
  const rep = negotiate(req.accept);
  const include = (req.query.get('includeObject') ?? 'Metadata') as IncludeObject;
  const encode = (type: string, obj: unknown): string => `${JSON.stringify({ type, object: obj })}\n`;
  const render = (obj: KObject): unknown => (rep.as === 'Table' ? { ...toTable(t.key, [obj], region.ctx.clock.nowMs(), include), apiVersion: `meta.k8s.io/${rep.version}`, metadata: { resourceVersion: obj.metadata.resourceVersion } } : viewOf(t, obj));
  const send = (type: ChangeType, obj: KObject) => res.write(encode(type, render(obj)));

  const forward = (c: Change): void => {
    if (c.resource !== t.key) return;
    const now = inScope(c.object) && filter(c.object) && c.type !== 'DELETED';
    const before = c.old !== undefined && c.type !== 'ADDED' && inScope(c.old) && filter(c.old);
    if (c.type === 'DELETED') {
      if (inScope(c.object) && filter(c.object)) send('DELETED', c.object);
    } else if (now) {
      send(before ? 'MODIFIED' : 'ADDED', c.object);
    } else if (before) {
      send('DELETED', c.object);
    }
  };

  res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked', 'Cache-Control': 'no-cache, private' });
  // Send the headers now, as a real API server does: clients such as kubectl's delete wait block on them.
  res.flushHeaders();
  const allowBookmarks = queryBool(req.query, 'allowWatchBookmarks');
  // A timer due with the watch's end can fire after res.end() and before 'finish': a write then is an
  // unhandled 'error' that would bring the whole sandbox down.
  const bookmark = (annotations?: Record<string, string>) =>
    !res.writableEnded &&
    res.write(encode('BOOKMARK', { kind: t.type.kind, apiVersion: t.type.group ? `${t.type.group}/${t.type.version}` : t.type.version, metadata: { resourceVersion: String(region.store.resourceVersion), ...(annotations ? { annotations } : {}) } }));
  const rv = req.query.get('resourceVersion');
  if (!rv || rv === '0') {
    for (const obj of region.store.page(t.key, { namespace: t.namespace, limit: Infinity, filter: (x) => inScope(x) && filter(x) }).items) send('ADDED', obj);
    // kube-apiserver's watch cache marks the end of the initial state with a bookmark, when bookmarks are allowed.
    if (allowBookmarks) bookmark({ 'k8s.io/initial-events-end': 'true' });
  } else {
    const since = Number(rv);
    const changes = Number.isFinite(since) ? region.store.changesSince(since) : undefined;
    if (!changes) {
      res.end(encode('ERROR', S.gone(`too old resource version: ${rv} (${region.store.resourceVersion})`).status));
      return;
    }
    for (const c of changes) forward(c);
  }
  const unsubscribe = region.store.subscribe(forward);
  const timeout = Number(req.query.get('timeoutSeconds') ?? '0');
  // As the watch cache sends them: about every minute, and 2 s before the watch's timeout ends it, so a
  // client resumes from a recent resourceVersion (real time: client timers see these, not simulated time).
  const bookmarks = allowBookmarks ? setInterval(() => bookmark(), BOOKMARK_PERIOD_MS) : undefined;
  const lastBookmark = allowBookmarks && timeout > 2 ? setTimeout(() => bookmark(), (timeout - 2) * 1000) : undefined;
  const timer = timeout > 0 ? setTimeout(() => {
    stop();
    res.end();
  }, timeout * 1000) : undefined;
  function stop(): void {
    unsubscribe();
    if (timer) clearTimeout(timer);
    if (bookmarks) clearInterval(bookmarks);
    if (lastBookmark) clearTimeout(lastBookmark);
  }
  res.on('close', stop);
  res.on('finish', stop);
}
