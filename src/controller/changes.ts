// What wakes the controller's leader: watches of its MaintenancePlans and MaintenanceRuns, used as a signal to
// look again (the leader then lists them: one source of truth, no cache to drift), or the clock. A watch that
// ends is started again at the next wait; while one is down the leader looks every POLL_MS instead, so a
// refused or broken watch costs latency, never a missed run.
import type { Clock } from '../lib/clock.ts';
import { errorMessage, isAbortError } from '../lib/errors.ts';

/** The one call of the API server this needs: a watch of a collection (KubeApi's), events as type and raw object. */
export interface WatchApi {
  watch(path: string, query: Record<string, string | boolean | number | undefined>, onEvent: (type: string, object: unknown) => void, onDone: (err: unknown) => void): Promise<AbortController>;
}

export interface Changes {
  /**
   * Resolves at the next change of a watched collection since the last wait (at once when one came in
   * between), or after `ms` on the clock, whichever is first; at most POLL_MS while a watch is down.
   */
  wait(ms: number, signal: AbortSignal): Promise<void>;
  /** Whether every watch is connected now. */
  watching(): boolean;
  close(): void;
}

export interface ChangesOptions {
  readonly clock: Clock;
  readonly log: (line: string) => void;
  /** How often to look while a watch is down (2 s). */
  readonly pollMs?: number;
}

export const POLL_MS = 2_000;

interface Meta {
  readonly name?: string;
  readonly generation?: number;
  readonly annotations?: Record<string, string>;
}

/**
 * Whether a watch event is news to the leader: a new or deleted object, or a change of its spec (generation)
 * or annotations (answers to approval gates). A status write, the leader's own every second, is not.
 */
export function newsFilter(): (type: string, object: unknown) => boolean {
  const seen = new Map<string, string>();
  return (type, object) => {
    const m = ((object ?? {}) as { metadata?: Meta }).metadata ?? {};
    const name = m.name ?? '';
    if (type === 'DELETED') {
      seen.delete(name);
      return true;
    }
    const key = `${m.generation ?? ''}|${JSON.stringify(m.annotations ?? {})}`;
    const before = seen.get(name);
    seen.set(name, key);
    return type !== 'MODIFIED' || before !== key;
  };
}

export function watchChanges(api: WatchApi, paths: readonly string[], o: ChangesOptions): Changes {
  const pollMs = o.pollMs ?? POLL_MS;
  const watches = new Map<string, AbortController | 'starting'>();
  const told = new Set<string>();
  let pending = false;
  let wake: (() => void) | undefined;
  let closed = false;
  const changed = () => {
    pending = true;
    wake?.();
  };
  const start = async (path: string) => {
    if (watches.has(path) || closed) return;
    watches.set(path, 'starting');
    const news = newsFilter();
    try {
      const ctl = await api.watch(
        path,
        { allowWatchBookmarks: true },
        (type, object) => {
          if (type !== 'BOOKMARK' && news(type, object)) changed();
        },
        (err) => {
          watches.delete(path);
          if (err && !closed && !isAbortError(err)) o.log(`the watch of ${path} ended: ${errorMessage(err)}; started again at the next look`);
          if (!closed) changed(); // what happened while it was down is read by the next look
        },
      );
      if (closed) ctl.abort();
      else watches.set(path, ctl);
      told.delete(path);
    } catch (e: unknown) {
      watches.delete(path);
      const message = `cannot watch ${path}: ${errorMessage(e)}; looking every ${pollMs / 1000} s instead`;
      if (!told.has(path)) o.log(message);
      told.add(path);
    }
  };
  return {
    async wait(ms, signal) {
      await Promise.all(paths.map(start));
      if (pending) {
        pending = false;
        return;
      }
      const down = paths.some((p) => !(watches.get(p) instanceof AbortController));
      const stop = new AbortController();
      const woken = new Promise<void>((resolve) => {
        wake = () => {
          stop.abort();
          resolve();
        };
      });
      try {
        await Promise.race([o.clock.sleep(Math.max(0, down ? Math.min(ms, pollMs) : ms), AbortSignal.any([signal, stop.signal])).catch(() => undefined), woken]);
      } finally {
        wake = undefined;
        pending = false;
        stop.abort();
      }
    },
    watching: () => paths.every((p) => watches.get(p) instanceof AbortController),
    close() {
      closed = true;
      for (const w of watches.values()) if (w instanceof AbortController) w.abort();
      watches.clear();
      wake?.();
    },
  };
}
