// A KubeApi over a plain-HTTP fake API server on 127.0.0.1: each test answers the requests it cares about
// with the bodies and headers a real API server sends, and reads back what the client asked, and when.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { KubeConfig } from '@kubernetes/client-node';
import { KubeApi } from '../../../src/kube/api.ts';
import type { WatchTiming } from '../../../src/kube/api.ts';
import { startServer } from '../checks/fakes.ts';

export interface Seen {
  readonly method: string;
  readonly url: string;
  /** Real time (Date.now()) the request arrived. */
  readonly at: number;
}

export interface FakeApi {
  readonly api: KubeApi;
  readonly seen: Seen[];
  close(): Promise<void>;
}

export type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void;

export async function fakeApi(handle: Handler, o: { watch?: WatchTiming } = {}): Promise<FakeApi> {
  const seen: Seen[] = [];
  const server = await startServer((req, res) => {
    seen.push({ method: req.method ?? '', url: req.url ?? '', at: Date.now() });
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => handle(req, res, body));
  });
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'fake', server: server.url, skipTLSVerify: true }],
    users: [{ name: 'fake', token: 'fake-token' }],
    contexts: [{ name: 'fake', cluster: 'fake', user: 'fake' }],
    currentContext: 'fake',
  });
  const api = new KubeApi(kc, o);
  return {
    api,
    seen,
    close: async () => {
      await api.close();
      await server.close();
    },
  };
}

/** Answers with a JSON body (a Status, an object) and extra headers. */
export function json(res: ServerResponse, code: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(code, { 'Content-Type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

/** A Status as the API server writes it. */
export function status(code: number, reason: string, message: string, details: Record<string, unknown> = {}): Record<string, unknown> {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, details, code };
}
