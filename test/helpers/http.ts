// A plain-HTTP client for tests that talk to the sandbox's ingress (directly or through HAProxy): one
// request, its status, headers, body and real duration, and whether it rode on a kept-alive connection.
import { request } from 'node:http';
import type { Agent, IncomingHttpHeaders } from 'node:http';

export interface HttpAnswer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  /** Real milliseconds from sending the request to the end of the answer. */
  readonly ms: number;
  /** The request went over a connection an earlier request had opened (keep-alive). */
  readonly reusedSocket: boolean;
}

export interface HttpOptions {
  readonly method?: string;
  /** A keep-alive agent to share connections between requests; a fresh connection per request when omitted. */
  readonly agent?: Agent;
  readonly body?: string;
  readonly timeoutMs?: number;
}

export function httpRequest(url: string, o: HttpOptions = {}): Promise<HttpAnswer> {
  const started = performance.now();
  return new Promise<HttpAnswer>((resolve, reject) => {
    const req = request(url, { method: o.method ?? 'GET', agent: o.agent ?? false, timeout: o.timeoutMs ?? 10_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8'), ms: performance.now() - started, reusedSocket: req.reusedSocket }),
      );
    });
    req.on('timeout', () => req.destroy(new Error(`${o.method ?? 'GET'} ${url}: no answer within ${o.timeoutMs ?? 10_000} ms`)));
    req.on('error', reject);
    req.end(o.body);
  });
}

/** The JSON body of an answer, or a failure that shows the body when it is not JSON. */
export function jsonOf(a: HttpAnswer): Record<string, unknown> {
  try {
    return JSON.parse(a.body) as Record<string, unknown>;
  } catch (e: unknown) {
    throw new Error(`expected a JSON body, got ${a.status}: ${a.body.slice(0, 200)}`, { cause: e });
  }
}
