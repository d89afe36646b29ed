// The real plain-HTTP ingress of one sandbox region on 127.0.0.1: every request, on any path and method,
// is answered as the region's Services would, by a ready endpoint picked round-robin (200), or 503 when
// there is none, with the ingress faults (real latency, injected 500s) applied first.
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { IngressFault } from './ingress-faults.ts';
import type { IngressEndpoint } from './ingress-endpoints.ts';
import type { IngressMetrics } from './ingress-metrics.ts';

export const REGION_HEADER = 'x-daylight-region';

/**
 * Idle keep-alive connections stay open longer than a proxy's usual idle timeout, so that HAProxy or a
 * load generator never reuses a connection at the instant the ingress closes it.
 */
const KEEP_ALIVE_MS = 65_000;

export interface IngressServerOptions {
  readonly region: string;
  /** 0 picks a free port. */
  readonly port: number;
  readonly endpoints: { next(): IngressEndpoint | undefined };
  /** The region's ingress faults now; read on every request, so changes apply at once. */
  readonly fault: () => IngressFault;
  readonly metrics: IngressMetrics;
  /** Randomness for error injection; Math.random unless a test fixes it. */
  readonly random?: () => number;
}

export interface IngressServer {
  readonly region: string;
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

export async function startIngressServer(o: IngressServerOptions): Promise<IngressServer> {
  const random = o.random ?? Math.random;
  // Aborted on close: requests waiting out an injected latency end at once instead of holding timers.
  const closing = new AbortController();
  const noEndpoint = Buffer.from(JSON.stringify({ region: o.region, error: `no ready endpoint in ${o.region}` }));
  const injected = Buffer.from(JSON.stringify({ region: o.region, error: `injected fault: the ingress of ${o.region} failed this request (faults.ingress.${o.region}.errorRate)` }));

  async function answer(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = performance.now();
    req.resume();
    const fault = o.fault();
    if (fault.latencyMs > 0) {
      try {
        await sleep(fault.latencyMs, undefined, { signal: closing.signal });
      } catch {
        res.destroy();
        return;
      }
    }
    let status = 200;
    let body: Buffer;
    if (fault.errorRate > 0 && random() < fault.errorRate) {
      status = 500;
      body = injected;
    } else {
      const endpoint = o.endpoints.next();
      if (endpoint) {
        body = endpoint.body;
      } else {
        status = 503;
        body = noEndpoint;
      }
    }
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': body.length, 'cache-control': 'no-store', [REGION_HEADER]: o.region });
    res.end(body);
    o.metrics.observe(status, (performance.now() - started) / 1000);
  }

  const server: Server = createServer((req, res) => {
    answer(req, res).catch((e: unknown) => {
      process.stderr.write(`sandbox ingress ${o.region}: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
      res.destroy();
    });
  });
  server.keepAliveTimeout = KEEP_ALIVE_MS;
  server.headersTimeout = KEEP_ALIVE_MS + 1000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  return {
    region: o.region,
    url: `http://127.0.0.1:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        closing.abort();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
