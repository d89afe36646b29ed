// What every outgoing call shares: a real-time limit joined with the caller's abort, an abort that passes
// through untouched, and the message of a failed call with the causes that say why.
import { errorMessage, isAbortError } from './errors.ts';

/** A signal that fires after `ms` of real time or when `parent` aborts. */
export function timeoutSignal(ms: number, parent?: AbortSignal): AbortSignal {
  const own = AbortSignal.timeout(Math.max(1, ms));
  return parent ? AbortSignal.any([parent, own]) : own;
}

export function abortError(): Error {
  return new DOMException('the operation was aborted', 'AbortError');
}

/** Throws an AbortError when the caller's signal aborted: a failure of ours must not hide a Ctrl-C or a pause. */
export function rethrowIfAborted(e: unknown, signal: AbortSignal | undefined): void {
  if (!signal?.aborted) return;
  throw isAbortError(e) ? e : abortError();
}

export function isTimeout(e: unknown): boolean {
  return e instanceof Error && e.name === 'TimeoutError';
}

/**
 * The message of an error with its causes, which is where fetch keeps the useful part
 * ("fetch failed: connect ECONNREFUSED 127.0.0.1:9").
 */
export function describeError(e: unknown): string {
  const parts: string[] = [];
  let current: unknown = e;
  for (let depth = 0; current !== undefined && depth < 5; depth++) {
    const text = errorMessage(current);
    if (text && !parts.includes(text)) parts.push(text);
    current = current instanceof Error ? current.cause : undefined;
  }
  return parts.join(': ') || 'unknown error';
}

/**
 * Lets go of a response body we stop reading. Cancelling a stream that has already failed rejects with
 * that failure, which the read that met it has reported: it is the one error this call expects.
 */
export async function releaseBody(body: { cancel(): Promise<void> } | null | undefined): Promise<void> {
  if (!body) return;
  try {
    await body.cancel();
  } catch {
    // The stream's own failure, met and reported by the read that stopped: nothing is left to release.
  }
}
