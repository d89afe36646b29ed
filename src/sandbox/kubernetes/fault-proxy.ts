// The fleet file's API faults (`faults.api`) on the kubernetes engine: a real kube-apiserver cannot inject
// errors or latency, so a region that asks for them gets this small HTTPS proxy in front of its API server,
// and the kubeconfig points there. Resource requests wait the injected latency and fail at the injected
// rate with the simulated engine's 500; everything else, watches included, streams through unchanged.
import { readFile } from 'node:fs/promises';
import { createServer, request } from 'node:https';
import type { Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ApiFault } from '../faults.ts';

export interface FaultProxyOptions {
  /** The region's API server, `https://127.0.0.1:PORT`. */
  readonly upstream: string;
  readonly caPem: string;
  /** The serving certificate and key of the API server: valid for 127.0.0.1, so clients trust the proxy alike. */
  readonly certFile: string;
  readonly keyFile: string;
  readonly fault: ApiFault;
  /** 0 or absent: a free port. */
  readonly port?: number;
  /** Randomness for error injection; Math.random unless a test fixes it. */
  readonly random?: () => number;
}

/** What the proxy did to resource requests so far: the evidence that a client met the faults and retried. */
export interface FaultCounts {
  /** Resource requests answered with the injected 500. */
  readonly injected: number;
  /** Resource requests passed on to the API server. */
  readonly forwarded: number;
}

export interface FaultProxy {
  readonly url: string;
  counts(): FaultCounts;
  stop(): Promise<void>;
}

/** A path of the REST API proper (`/api/v1/nodes`, `/apis/apps/v1/...`), not discovery, health or metrics. */
export function isResourcePath(path: string): boolean {
  return /^\/api\/v1\/[^/]+/.test(path) || /^\/apis\/[^/]+\/[^/]+\/[^/]+/.test(path);
}

const INJECTED = JSON.stringify({
  kind: 'Status',
  apiVersion: 'v1',
  metadata: {},
  status: 'Failure',
  message: 'injected fault: the API server failed this request (faults.api.errorRate)',
  reason: 'InternalError',
  code: 500,
});

export async function startFaultProxy(o: FaultProxyOptions): Promise<FaultProxy> {
  const random = o.random ?? Math.random;
  const closing = new AbortController();
  const upstream = new URL(o.upstream);
  let injected = 0;
  let forwarded = 0;
  const server: Server = createServer({ cert: await readFile(o.certFile), key: await readFile(o.keyFile) }, (req, res) => {
    const forward = () => {
      const out = request(
        { host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers: { ...req.headers, host: upstream.host }, ca: o.caPem, signal: closing.signal },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          // Each chunk as it comes: a watch is a stream of events, never buffered here.
          answer.pipe(res);
          res.on('close', () => answer.destroy());
        },
      );
      out.on('error', () => res.destroy());
      req.pipe(out);
      res.on('close', () => out.destroy());
    };
    if (!isResourcePath(new URL(req.url ?? '/', 'https://proxy').pathname)) return forward();
    const delay = o.fault.latencyMs > 0 ? sleep(o.fault.latencyMs, undefined, { signal: closing.signal }) : Promise.resolve();
    delay.then(
      () => {
        if (o.fault.errorRate > 0 && random() < o.fault.errorRate) {
          req.resume();
          res.writeHead(500, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(INJECTED) });
          res.end(INJECTED);
          injected++;
          return;
        }
        forwarded++;
        forward();
      },
      () => res.destroy(),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port ?? 0, '127.0.0.1', () => resolve());
  });
  return {
    url: `https://127.0.0.1:${(server.address() as AddressInfo).port}`,
    counts: () => ({ injected, forwarded }),
    stop: () =>
      new Promise<void>((resolve) => {
        closing.abort();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
