// The clock port: all waiting goes through it, so a sandbox can run faster than real time and
// tests are deterministic. Real clusters use the system clock.

export interface Clock {
  /** Epoch ms on the cluster's clock. */
  now(): number;
  /** Resolves after `ms` of cluster time, or rejects with an AbortError when `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /** Cluster seconds per real second (1 on a real cluster). */
  readonly speed: number;
}

export function abortError(): Error {
  const e = new Error('aborted');
  e.name = 'AbortError';
  return e;
}

function realSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(abortError());
      return;
    }
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, Math.max(0, ms));
    const onAbort = () => {
      clearTimeout(t);
      reject(abortError());
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export const systemClock: Clock = { now: () => Date.now(), sleep: realSleep, speed: 1 };

/**
 * A clock that runs `speed` times faster than real time from a known instant, as the sandbox's
 * simulated time does: `now()` = `simAt` + (real elapsed since `realAt`) × speed.
 */
export function scaledClock(o: { speed: number; simAt: number; realAt?: number }): Clock {
  const realAt = o.realAt ?? Date.now();
  return {
    speed: o.speed,
    now: () => o.simAt + (Date.now() - realAt) * o.speed,
    sleep: (ms, signal) => realSleep(ms / o.speed, signal),
  };
}

/**
 * A polling or retry interval of at least `clusterMs` of cluster time and `minRealMs` of real time, so a
 * fast sandbox is not flooded by loops that are gentle on a real cluster.
 */
export function atLeastReal(clock: Clock, clusterMs: number, minRealMs: number): number {
  return Math.max(clusterMs, minRealMs * clock.speed);
}
