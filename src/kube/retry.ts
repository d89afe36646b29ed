// Retries of transient API failures (5xx, throttling, dropped connections) with bounded exponential
// backoff and jitter, in real time: the API server's hiccups do not run on the cluster's clock.
import { abortError, systemClock } from '../lib/clock.ts';
import { errnoCode, errorMessage, isAbortError } from '../lib/errors.ts';
import { apiStatus, retryAfterSeconds } from './api-error.ts';

export interface RetryPolicy {
  /** Attempts in all, the first included. */
  readonly tries: number;
  readonly baseMs: number;
  readonly maxMs: number;
}

export const API_RETRY: RetryPolicy = { tries: 6, baseMs: 100, maxMs: 2000 };

/** The longest Retry-After honoured between two tries of one call; a longer one is cut to this. */
const MAX_RETRY_AFTER_MS = 30_000;

const NETWORK_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN', 'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CLOSED']);

/** Whether a failure is worth another try: 5xx, 429 throttling, or a connection that broke. */
export function isTransient(e: unknown): boolean {
  if (isAbortError(e)) return false;
  const status = apiStatus(e);
  if (status) return status.code >= 500 || status.code === 429;
  return isNetworkError(e);
}

/** A request that never got an HTTP answer: undici's "fetch failed" and socket errors. */
export function isNetworkError(e: unknown): boolean {
  for (let c: unknown = e, depth = 0; c instanceof Error && depth < 4; c = c.cause, depth++) {
    const code = errnoCode(c);
    if (code && NETWORK_CODES.has(code)) return true;
    if (c instanceof TypeError && c.message === 'fetch failed') return true;
  }
  return false;
}

/** The pause after failed attempt `attempt` (from 1): a random point in the upper half of base·2^(attempt-1), capped. */
export function backoffMs(attempt: number, policy: RetryPolicy = API_RETRY, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

export interface RetryOptions {
  readonly signal?: AbortSignal;
  readonly transient?: (e: unknown) => boolean;
  readonly policy?: RetryPolicy;
}

/** Runs `op` until it succeeds, fails for good, or the tries run out; the last error is thrown as is. */
export async function retrying<T>(op: () => Promise<T>, o: RetryOptions = {}): Promise<T> {
  const policy = o.policy ?? API_RETRY;
  const transient = o.transient ?? isTransient;
  for (let attempt = 1; ; attempt++) {
    let last: unknown;
    try {
      return await op();
    } catch (e: unknown) {
      if (o.signal?.aborted) throw isAbortError(e) ? e : abortError();
      if (attempt >= policy.tries || !transient(e)) throw e;
      last = e;
    }
    await systemClock.sleep(pauseMs(last, attempt, policy), o.signal);
  }
}

/** The backoff, or the server's Retry-After when it asks for longer (throttling, a 503 of a starting server). */
function pauseMs(e: unknown, attempt: number, policy: RetryPolicy): number {
  const status = apiStatus(e);
  const asked = status ? retryAfterSeconds(status) : undefined;
  return Math.max(backoffMs(attempt, policy), Math.min(MAX_RETRY_AFTER_MS, (asked ?? 0) * 1000));
}

/** An error's message with its causes' ("fetch failed: connect ECONNREFUSED 127.0.0.1:6443"). */
export function messageWithCauses(e: unknown): string {
  const parts: string[] = [];
  for (let c: unknown = e, depth = 0; c !== undefined && c !== null && depth < 4; c = c instanceof Error ? c.cause : undefined, depth++) {
    const m = errorMessage(c);
    if (m && !parts.includes(m)) parts.push(m);
  }
  return parts.join(': ');
}
