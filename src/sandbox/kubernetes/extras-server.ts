// The sandbox extras of the kubernetes engine: each region's real kube-apiserver owns its API port, so
// what the simulated engine serves beside the API (the referee, the status, the ingress faults, the
// traffic weights, /metrics) is served here instead, on one small HTTP server per engine on 127.0.0.1
// (nothing in it is secret; the faults and weights it changes are the sandbox's own).
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { errorMessage } from '../../lib/errors.ts';
import type { IngressFaults } from '../ingress-faults.ts';
import { IngressFaultsError } from '../ingress-faults.ts';
import type { IngressStatus } from '../ingress.ts';
import type { RefereeReport } from '../referee.ts';
import type { GlobalLoadBalancer } from '../traffic.ts';

/** The report, and which pods, budgets and nodes it counted, so a failed judgement can be read. */
export interface RefereeAnswer {
  readonly report: RefereeReport;
  readonly details: Record<string, unknown>;
}

export const REFEREE_PATH = '/sandbox/v1/referee';
/** As on the simulated engine: which pods were killed and which budgets breached, for diagnostics. */
export const REFEREE_DETAILS_PATH = '/sandbox/v1/referee/details';
export const STATUS_PATH = '/sandbox/v1/status';
export const FAULTS_PATH = '/sandbox/v1/faults';
export const TRAFFIC_PATH = '/sandbox/v1/traffic';
export const METRICS_PATH = '/metrics';

/** Said beside the report when the engine runs without its data plane: no request is counted then. */
export const NO_INGRESS_NOTE = 'traffic: this sandbox runs no ingress, so no request is counted (served and failed stay 0)';

/** The data plane the extras show and steer: the engine's ingress and its traffic balancer. */
export interface ExtrasIngress {
  readonly faults: IngressFaults;
  readonly traffic: GlobalLoadBalancer;
  readonly serving: boolean;
  status(): Record<string, IngressStatus>;
  metricsText(): string;
}

export interface ExtrasServer {
  readonly url: string;
  stop(): Promise<void>;
}

export interface ExtrasServerOptions {
  readonly port?: number;
  readonly report: () => Promise<RefereeAnswer>;
  /** Absent: only the referee is served, and its notes say no traffic is counted. */
  readonly ingress?: ExtrasIngress;
  /** The fleet's name, for the status. */
  readonly fleet?: string;
}

/** Largest request body taken: a faults or weights document is a few hundred bytes. */
const MAX_BODY = 64 * 1024;

class BadRequest extends Error {
  override name = 'BadRequest';
}

export async function startExtrasServer(o: ExtrasServerOptions): Promise<ExtrasServer> {
  const notes = o.ingress ? [] : [NO_INGRESS_NOTE];
  const served = o.ingress ? [REFEREE_PATH, REFEREE_DETAILS_PATH, STATUS_PATH, FAULTS_PATH, TRAFFIC_PATH, METRICS_PATH] : [REFEREE_PATH, REFEREE_DETAILS_PATH];

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    const method = req.method ?? 'GET';
    const answer = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    const ingress = o.ingress;
    const writable = path === FAULTS_PATH || path === TRAFFIC_PATH;
    if (!served.includes(path) || (method !== 'GET' && !(writable && (method === 'PUT' || method === 'POST')))) {
      answer(404, { message: `the kubernetes engine's extras serve ${served.join(', ')} (PUT on ${FAULTS_PATH} and ${TRAFFIC_PATH} too); the API itself is on each region's kube-apiserver` });
      return;
    }
    if (path === REFEREE_PATH || path === REFEREE_DETAILS_PATH) {
      try {
        const a = await o.report();
        answer(200, path === REFEREE_PATH ? { ...a.report, notes } : a.details);
      } catch (e: unknown) {
        answer(500, { message: `the referee could not read its sources: ${errorMessage(e)}` });
      }
      return;
    }
    if (!ingress) return;
    if (path === METRICS_PATH) {
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' });
      res.end(ingress.metricsText());
      return;
    }
    if (path === STATUS_PATH) return answer(200, { fleet: o.fleet, engine: 'kubernetes', serving: ingress.serving, ingress: ingress.status() });
    try {
      if (path === FAULTS_PATH) {
        if (method !== 'GET') applyFaults(ingress.faults, await readJson(req));
        return answer(200, { ingress: ingress.faults.all() });
      }
      if (method !== 'GET') setWeights(ingress.traffic, await readJson(req));
      const t = ingress.traffic;
      const regions = Object.fromEntries(Object.keys(t.weightsNow()).map((r) => [r, t.totalsOf(r)]));
      answer(200, { weights: t.weightsNow(), initialWeights: t.initialWeights(), regions });
    } catch (e: unknown) {
      if (e instanceof BadRequest) return answer(400, { message: e.message });
      throw e;
    }
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ message: errorMessage(e) }));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port ?? 0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    stop: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

function applyFaults(faults: IngressFaults, body: unknown): void {
  try {
    faults.apply(body);
  } catch (e: unknown) {
    if (e instanceof IngressFaultsError) throw new BadRequest(e.message);
    throw e;
  }
}

/** `{"weights": {"eu-west": 0}}`, as on the simulated engine. */
function setWeights(traffic: GlobalLoadBalancer, body: unknown): void {
  const weights = isObject(body) && isObject(body.weights) ? body.weights : undefined;
  if (!weights) throw new BadRequest('send {"weights": {"<region>": <number>}}');
  for (const [region, w] of Object.entries(weights)) {
    if (typeof w !== 'number' || !Number.isFinite(w) || w < 0) throw new BadRequest(`weight of "${region}" must be a number >= 0, got ${JSON.stringify(w)}`);
    if (!(region in traffic.weightsNow())) throw new BadRequest(`no region "${region}"; regions are ${Object.keys(traffic.weightsNow()).join(', ')}`);
  }
  for (const [region, w] of Object.entries(weights)) traffic.setWeight(region, w as number);
}

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new BadRequest(`the request body is over ${MAX_BODY} bytes`);
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new BadRequest(`the request body is not JSON: ${text.slice(0, 80)}`);
  }
}
