// What every HTTP call from notify/ shares: a real-time limit joined with the caller's abort, a bounded
// excerpt of an answer's body, and the message of a failed fetch with the causes that say why.
export { describeError, isTimeout, rethrowIfAborted, timeoutSignal as deadline } from '../lib/abort.ts';
import { releaseBody } from '../lib/abort.ts';

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
    await releaseBody(reader);
  }
  return text.length > limit ? text.slice(0, limit) : text;
}

/** One line of at most `chars` characters, for a message. */
export function excerpt(text: string, chars: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > chars ? `${flat.slice(0, chars)}…` : flat;
}
