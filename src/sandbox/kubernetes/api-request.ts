// The few raw API calls the engine's own controllers make (get, patch, delete, watch, list-then-watch) over HTTPS with the
// sandbox CA and one identity's bearer token, without a client library between them and the server.
import { request } from 'node:https';
import type { IncomingMessage } from 'node:http';
import { backoffDelay } from '../../lib/backoff.ts';
import { systemClock } from '../../lib/clock.ts';
import { errorMessage, isAbortError } from '../../lib/errors.ts';
import type { ApiTarget } from './api-create.ts';

export interface ApiAnswer {
  readonly status: number;
  readonly body: string;
}

const TIMEOUT_MS = 30_000;

/** `body.raw`: `json` is a string sent as it is (a YAML apply), not encoded as JSON. */
export function apiCall(target: ApiTarget, method: string, path: string, body?: { contentType: string; json: unknown; raw?: boolean }, accept = 'application/json'): Promise<ApiAnswer> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { authorization: `Bearer ${target.token}`, accept };
    if (body) headers['content-type'] = body.contentType;
    const req = request(new URL(path, target.url), { method, ca: target.caPem, timeout: TIMEOUT_MS, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer from ${target.url}${path} within ${TIMEOUT_MS / 1000} s`)));
    req.on('error', reject);
    req.end(body ? (body.raw && typeof body.json === 'string' ? body.json : JSON.stringify(body.json)) : undefined);
  });
}

/** Throws unless the answer is 2xx (or one of `alsoFine`), naming the call and the server's message. */
export async function apiCallOk(target: ApiTarget, method: string, path: string, body?: { contentType: string; json: unknown }, alsoFine: readonly number[] = []): Promise<ApiAnswer> {
  const answer = await apiCall(target, method, path, body);
  if ((answer.status >= 200 && answer.status < 300) || alsoFine.includes(answer.status)) return answer;
  throw new Error(`${method} ${path} answered ${answer.status}: ${answer.body.trim().slice(0, 300)}`);
}

export interface WatchEvent {
  readonly type: string;
  readonly object: { metadata?: { resourceVersion?: string } } & Record<string, unknown>;
}

/**
 * One watch request: calls `onEvent` for each JSON line until the server ends the stream or `signal`
 * aborts; resolves then, so the caller relists and watches again.
 */
export function watchOnce(target: ApiTarget, path: string, onEvent: (e: WatchEvent) => void, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const req = request(new URL(path, target.url), { method: 'GET', ca: target.caPem, signal, headers: { authorization: `Bearer ${target.token}`, accept: 'application/json' } }, (res: IncomingMessage) => {
      let buffered = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffered += chunk;
        let newline: number;
        while ((newline = buffered.indexOf('\n')) >= 0) {
          const line = buffered.slice(0, newline).trim();
          buffered = buffered.slice(newline + 1);
          if (!line) continue;
          let event: WatchEvent;
          try {
            event = JSON.parse(line) as WatchEvent;
          } catch {
            // Not a watch stream after all (an error page): end it, and the caller lists again.
            res.destroy();
            resolve();
            return;
          }
          onEvent(event);
        }
      });
      res.on('end', () => resolve());
      res.on('error', () => resolve());
    });
    req.on('error', () => resolve());
    req.end();
  });
}

export interface FollowOptions<T> {
  readonly target: ApiTarget;
  /** A collection path, `/api/v1/nodes`: listed, then watched from the list's resourceVersion. */
  readonly path: string;
  /** The whole collection as listed: first, and again after each relist (a cut watch, a 410). */
  readonly listed: (items: T[]) => void;
  readonly event: (item: T, deleted: boolean) => void;
  readonly signal: AbortSignal;
  readonly log: (line: string) => void;
}

const RELIST = { baseMs: 500, capMs: 5000 };

/**
 * List, then watch from the list's resourceVersion, as an informer does; whenever the watch ends (the
 * server's timeout, a 410, a network error) list again after a short backoff. Resolves on `signal`.
 */
export async function follow<T>(o: FollowOptions<T>): Promise<void> {
  for (let attempt = 0; !o.signal.aborted; attempt++) {
    try {
      const list = JSON.parse((await apiCallOk(o.target, 'GET', o.path)).body) as { metadata: { resourceVersion: string }; items: T[] };
      o.listed(list.items);
      const sep = o.path.includes('?') ? '&' : '?';
      await watchOnce(o.target, `${o.path}${sep}watch=true&allowWatchBookmarks=true&resourceVersion=${list.metadata.resourceVersion}`, (e) => {
        if (e.type === 'ADDED' || e.type === 'MODIFIED' || e.type === 'DELETED') o.event(e.object as unknown as T, e.type === 'DELETED');
      }, o.signal);
    } catch (e: unknown) {
      if (isAbortError(e) || o.signal.aborted) return;
      o.log(`${o.path}: ${errorMessage(e)}; listing again`);
    }
    await systemClock.sleep(backoffDelay(RELIST, attempt % 4), o.signal).catch(() => {});
  }
}
