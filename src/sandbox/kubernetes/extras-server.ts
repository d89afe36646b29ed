// The sandbox extras of the kubernetes engine: each region's real kube-apiserver owns its API port, so
// what the simulated engine serves beside the API (`GET /sandbox/v1/referee`) is served here instead, on
// one small HTTP server per engine on 127.0.0.1 (read-only; nothing in it is secret).
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { errorMessage } from '../../lib/errors.ts';
import type { RefereeReport } from '../referee.ts';

/** The report, and which pods, budgets and nodes it counted, so a failed judgement can be read. */
export interface RefereeAnswer {
  readonly report: RefereeReport;
  readonly details: Record<string, unknown>;
}

export const REFEREE_PATH = '/sandbox/v1/referee';
/** As on the simulated engine: which pods were killed and which budgets breached, for diagnostics. */
export const REFEREE_DETAILS_PATH = '/sandbox/v1/referee/details';

/** Said beside the report: what this engine's referee cannot count yet. */
export const REFEREE_NOTES = ['traffic: the kubernetes engine has no ingress yet, so no request is counted (served and failed stay 0)'];

export interface ExtrasServer {
  readonly url: string;
  stop(): Promise<void>;
}

export async function startExtrasServer(o: { port?: number; report: () => Promise<RefereeAnswer> }): Promise<ExtrasServer> {
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    const answer = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.method !== 'GET' || (path !== REFEREE_PATH && path !== REFEREE_DETAILS_PATH)) {
      answer(404, { message: `the kubernetes engine's extras serve GET ${REFEREE_PATH} and ${REFEREE_DETAILS_PATH} only; the API itself is on each region's kube-apiserver` });
      return;
    }
    o.report().then(
      (a) => answer(200, path === REFEREE_PATH ? { ...a.report, notes: REFEREE_NOTES } : a.details),
      (e: unknown) => answer(500, { message: `the referee could not read its sources: ${errorMessage(e)}` }),
    );
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
