// Waiting through one watch: list, then watch from the list's resourceVersion until a condition holds,
// relisting whenever the watch ends (errors, idleness, 410 Gone); timeouts run in cluster time.
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

type StreamEnd = { readonly done: true } | { readonly done: false; readonly failed: boolean };

/** Lists and watches until `spec` says the wait is over; rejects with an AbortError when `signal` aborts. */
export async function watchUntil<T>(api: KubeApi, spec: WatchSpec<T>, signal: AbortSignal): Promise<void> {
  for (let failures = 0; ; ) {
    const listed = await spec.list(signal);
    if (spec.onList(listed.items)) return;
    const end = await streamOnce(api, spec, listed.resourceVersion, signal);
    if (end.done) return;
    failures = end.failed ? failures + 1 : 0;
    if (failures > 0) await systemClock.sleep(backoffMs(failures), signal);
  }
}

/** One watch connection: resolves when the wait is over or the watch ends, rejects on abort. */
function streamOnce<T>(api: KubeApi, spec: WatchSpec<T>, resourceVersion: string, signal: AbortSignal): Promise<StreamEnd> {
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
        if (end) settle(() => resolve(end));
      } catch (e: unknown) {
        settle(() => reject(e));
      }
    };
    const query = { fieldSelector: spec.fieldSelector, resourceVersion, allowWatchBookmarks: true };
    api.watch(spec.path, query, onEvent, (err) => settle(() => resolve({ done: false, failed: isFailure(err) }))).then(
      (c) => {
        controller = c;
        if (settled) c.abort();
      },
      (e: unknown) => settle(() => resolve({ done: false, failed: isFailure(e) })),
    );
  });
}

/** What one watch event means: the wait is over, the watch must restart, or nothing yet. */
function eventEnd<T>(spec: WatchSpec<T>, type: string, object: unknown): StreamEnd | undefined {
  if (type === 'ERROR') return { done: false, failed: !(isRecord(object) && object.code === 410) };
  if (type !== 'ADDED' && type !== 'MODIFIED' && type !== 'DELETED') return undefined;
  if (!isRecord(object) || !isRecord(object.metadata)) return undefined;
  return spec.onEvent(type, object as T) ? { done: true } : undefined;
}

/** A clean end (the server closed, the client's idle timer fired) relists at once; anything else backs off. */
function isFailure(err: unknown): boolean {
  if (err === null || err === undefined) return false;
  return !(err instanceof Error && err.name === 'TimeoutError');
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
