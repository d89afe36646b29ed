// What every HTTP call from notify/ shares: a real-time limit joined with the caller's abort, a bounded
// excerpt of an answer's body, and the message of a failed fetch with the causes that say why.
import { errorMessage, isAbortError } from '../lib/errors.ts';

/** A signal that fires after `ms` of real time or when `parent` aborts. */
export function deadline(ms: number, parent?: AbortSignal): AbortSignal {
  const own = AbortSignal.timeout(Math.max(1, ms));
  return parent ? AbortSignal.any([parent, own]) : own;
}

/** Throws an AbortError when the caller aborted: a failure of ours must not hide a Ctrl-C or a pause. */
export function rethrowIfAborted(e: unknown, signal: AbortSignal | undefined): void {
  if (!signal?.aborted) return;
  throw isAbortError(e) ? e : new DOMException('the operation was aborted', 'AbortError');
}

export function isTimeout(e: unknown): boolean {
  return e instanceof Error && e.name === 'TimeoutError';
}

/** An error with its causes, which is where fetch keeps the useful part ("fetch failed: connect ECONNREFUSED 127.0.0.1:9"). */
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

/** The body's text, at most `limit` characters from its start; reads no further than that. */
export async function readBody(res: Response, limit: number): Promise<string> {
  const reader = res.body?.getReader();
  if (!reader) return '';
  const decoder = new TextDecoder();
  let text = '';
  try {
    while (text.length < limit) {
      const { done, value } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  return text.length > limit ? text.slice(0, limit) : text;
}

/** One line of at most `chars` characters, for a message. */
export function excerpt(text: string, chars: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > chars ? `${flat.slice(0, chars)}…` : flat;
}
