// Bounded fan-out: run an async function over a list with at most `limit` calls in flight, so a list of
// unknown length never turns into an unbounded Promise.all.

/**
 * Maps `items` through `fn` with at most `limit` calls at once; results keep the input order. The first
 * failure rejects the whole map and stops further calls from starting.
 */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  const state = { next: 0, failed: false };
  const worker = async (): Promise<void> => {
    while (!state.failed && state.next < items.length) {
      const i = state.next++;
      try {
        results[i] = await fn(items[i] as T, i);
      } catch (e: unknown) {
        state.failed = true;
        throw e;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return results;
}

/** Runs the functions given to it one at a time, in the order given; a failure is its caller's and does not stop the next. */
export function oneAtATime(): <T>(f: () => Promise<T>) => Promise<T> {
  let tail: Promise<unknown> = Promise.resolve();
  return (f) => {
    const next = tail.then(f, f);
    tail = next.catch(() => undefined);
    return next;
  };
}
