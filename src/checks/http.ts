// HTTP gate: GET a URL within a timeout and compare the status. An unreachable endpoint or a timeout
// fails the gate with the reason, never passes it.
import type { Gate } from '../plan/schema.ts';
import { releaseBody } from '../lib/abort.ts';
import { describeError, isTimeout, rethrowIfAborted, timeoutSignal } from './signals.ts';
import type { GateContext, Measurement } from './types.ts';

type HttpGate = Extract<Gate, { type: 'http' }>;

/** How much of a failed answer's body the message keeps. */
const BODY_CHARS = 200;

export async function checkHttp(gate: HttpGate, ctx: GateContext): Promise<Measurement> {
  const doFetch = ctx.fetch ?? fetch;
  const threshold = `= ${gate.expectStatus}`;
  const signal = timeoutSignal(gate.timeout.ms, ctx.signal);
  let res: Response;
  try {
    res = await doFetch(gate.url, { signal, headers: { accept: '*/*' } });
  } catch (e: unknown) {
    rethrowIfAborted(e, ctx.signal);
    const why = isTimeout(e) ? `no answer within ${gate.timeout.toString()}` : describeError(e);
    return { passed: false, threshold, message: `GET ${gate.url} failed: ${why}` };
  }
  if (res.status === gate.expectStatus) {
    await releaseBody(res.body);
    return { passed: true, value: res.status, threshold, message: `GET ${gate.url} answered ${res.status}` };
  }
  const body = await bodySnippet(res);
  const tail = body ? `: ${body}` : '';
  return { passed: false, value: res.status, threshold, message: `GET ${gate.url} answered ${res.status}, expected ${gate.expectStatus}${tail}` };
}

/** The start of the body, for the message: read only as far as needed; an unreadable body loses the snippet. */
async function bodySnippet(res: Response): Promise<string> {
  const reader = res.body?.getReader();
  if (!reader) return '';
  const decoder = new TextDecoder();
  let text = '';
  try {
    while (text.length < BODY_CHARS * 4) {
      const { done, value } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
  } catch {
    // a body cut off by the timeout still gives what arrived
  } finally {
    await releaseBody(reader);
  }
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > BODY_CHARS ? `${flat.slice(0, BODY_CHARS)}…` : flat;
}
