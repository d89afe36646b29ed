// Waiting through one watch: list, then watch from the list's resourceVersion until a condition holds. A
// watch that ends (the server's timeoutSeconds, a dropped connection) resumes from the last resourceVersion
// it saw, bookmarks included, as client-go's reflector does; only 410 Gone (that version was compacted
// away) or a run of failures lists again. Timeouts run in cluster time.
import type { Clock } from '../lib/clock.ts';
import { abortError, systemClock } from '../lib/clock.ts';
import { isAbortError } from '../lib/errors.ts';
import type { KubeApi } from './api.ts';
import { isRecord } from './api-error.ts';
import { backoffMs } from './retry.ts';

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface WatchSpec<T> {
  /** The collection's URL path, such as `/api/v1/pods`. */
  readonly path: string;
  readonly fieldSelector: string;
  list(signal: AbortSignal): Promise<{ items: T[]; resourceVersion: string }>;
  /** Sees a full list; returns true when the wait is over. */
  onList(items: readonly T[]): boolean;
  /** Sees one change; returns true when the wait is over. */
  onEvent(type: WatchEventType, object: T): boolean;
}

const MAX_TIMER_MS = 2 ** 31 - 1;

/** How a watch connection ended: the wait is over, or it is to resume (`gone`: from a fresh list). */
type StreamEnd = { readonly done: true } | { readonly done: false; readonly failed: boolean; readonly gone?: boolean };

/** Failed watches in a row after which the next one starts from a fresh list. */
const RELIST_AFTER_FAILURES = 5;

/** Lists and watches until `spec` says the wait is over; rejects with an AbortError when `signal` aborts. */
export async function watchUntil<T>(api: KubeApi, spec: WatchSpec<T>, signal: AbortSignal): Promise<void> {
  let resourceVersion: string | undefined;
  for (let failures = 0; ; ) {
    if (resourceVersion === undefined) {
      const listed = await spec.list(signal);
      if (spec.onList(listed.items)) return;
      resourceVersion = listed.resourceVersion;
    }
    const end = await streamOnce(api, spec, resourceVersion, signal, (rv) => (resourceVersion = rv));
    if (end.done) return;
    failures = end.failed ? failures + 1 : 0;
    if (end.gone || failures >= RELIST_AFTER_FAILURES) resourceVersion = undefined;
    if (failures > 0) await systemClock.sleep(backoffMs(failures), signal);
  }
}

/**
 * One watch connection from `resourceVersion`: resolves when the wait is over or the watch ends, rejects on
 * abort. `seen` gets the resourceVersion of every event, bookmarks included: where the next watch resumes.
 */
function streamOnce<T>(api: KubeApi, spec: WatchSpec<T>, resourceVersion: string, signal: AbortSignal, seen: (rv: string) => void): Promise<StreamEnd> {
  return new Promise<StreamEnd>((resolve, reject) => {
    let controller: AbortController | undefined;
    let settled = false;
    const settle = (f: () => void) => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', onAbort);
      controller?.abort();
      f();
    };
    const onAbort = () => settle(() => reject(abortError()));
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    const onEvent = (type: string, object: unknown) => {
      try {
        const end = eventEnd(spec, type, object);
        if (end) return settle(() => resolve(end));
        const rv = isRecord(object) && isRecord(object.metadata) ? object.metadata.resourceVersion : undefined;
        if (typeof rv === 'string' && rv !== '') seen(rv);
      } catch (e: unknown) {
        settle(() => reject(e));
      }
    };
    const query = { fieldSelector: spec.fieldSelector, resourceVersion, allowWatchBookmarks: true };
    api.watch(spec.path, query, onEvent, (err) => settle(() => resolve(connectionEnd(err)))).then(
      (c) => {
        controller = c;
        if (settled) c.abort();
      },
      (e: unknown) => settle(() => resolve(connectionEnd(e))),
    );
  });
}

/** What one watch event means: the wait is over, the watch must restart, or nothing yet. */
function eventEnd<T>(spec: WatchSpec<T>, type: string, object: unknown): StreamEnd | undefined {
  if (type === 'ERROR') {
    const gone = isRecord(object) && object.code === 410;
    return { done: false, failed: !gone, gone };
  }
  if (type !== 'ADDED' && type !== 'MODIFIED' && type !== 'DELETED') return undefined;
  if (!isRecord(object) || !isRecord(object.metadata)) return undefined;
  return spec.onEvent(type, object as T) ? { done: true } : undefined;
}

/**
 * A clean end (the server closed at timeoutSeconds, the client's idle timer fired) resumes at once; a 410
 * on connecting relists; anything else backs off.
 */
function connectionEnd(err: unknown): StreamEnd {
  if (err === null || err === undefined) return { done: false, failed: false };
  if (isRecord(err) && err.statusCode === 410) return { done: false, failed: false, gone: true };
  return { done: false, failed: !(err instanceof Error && err.name === 'TimeoutError') };
}

/**
 * Runs `wait` until it finishes or `timeoutMs` of cluster time pass; returns whether it finished. An abort
 * of `signal` rejects with an AbortError.
 */
export async function withClusterTimeout(clock: Clock, timeoutMs: number, signal: AbortSignal | undefined, wait: (signal: AbortSignal) => Promise<void>): Promise<boolean> {
  if (signal?.aborted) throw abortError();
  const timeout = new AbortController();
  const finished = new AbortController();
  // setTimeout fires at once beyond 2^31-1 ms: a longer wait is as good as endless.
  if (timeoutMs / clock.speed < MAX_TIMER_MS) {
    clock.sleep(Math.max(0, timeoutMs), finished.signal).then(
      () => timeout.abort(),
      () => undefined,
    );
  }
  try {
    await wait(signal ? AbortSignal.any([signal, timeout.signal]) : timeout.signal);
    return true;
  } catch (e: unknown) {
    if (signal?.aborted) throw isAbortError(e) ? e : abortError();
    if (timeout.signal.aborted && isAbortError(e)) return false;
    throw e;
  } finally {
    finished.abort();
  }
}
