// A recording HTTPS proxy for benchmarks: first it forwards to a server and keeps every answer, then it
// replays them from memory. Replaying is the fastest any API server could answer the same requests, so
// it is the peer a server's own time is compared against.
import { createServer, request } from 'node:https';
import type { Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { createTls } from '../src/sandbox/tls.ts';

interface Recorded {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: Buffer;
}

export interface ReplayProxy {
  readonly url: string;
  /** The CA that signed the proxy's own serving certificate. */
  readonly caPem: string;
  /** true: answer every request from what was recorded; false: forward and record. */
  replay(on: boolean): void;
  close(): Promise<void>;
}

export async function startReplayProxy(target: string, upstreamCaPem: string): Promise<ReplayProxy> {
  const tls = await createTls();
  const tape = new Map<string, Recorded>();
  let replaying = false;
  const server: Server = createServer({ key: tls.keyPem, cert: tls.certPem }, (req, res) => {
    const key = `${req.method} ${req.url} ${req.headers.accept ?? ''}`;
    if (replaying) {
      const hit = tape.get(key);
      if (hit) res.writeHead(hit.status, hit.headers).end(hit.body);
      else res.writeHead(404).end();
      return;
    }
    const upstream = request(`${target}${req.url}`, { method: req.method, headers: req.headers, ca: upstreamCaPem }, (up) => {
      const chunks: Buffer[] = [];
      up.on('data', (c: Buffer) => chunks.push(c));
      up.on('end', () => {
        const body = Buffer.concat(chunks);
        const headers: Record<string, string> = { 'content-type': String(up.headers['content-type'] ?? 'application/json'), 'content-length': String(body.length) };
        tape.set(key, { status: up.statusCode ?? 500, headers, body });
        res.writeHead(up.statusCode ?? 500, headers).end(body);
      });
    });
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `https://127.0.0.1:${port}`,
    caPem: tls.caPem,
    replay: (on) => {
      replaying = on;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
