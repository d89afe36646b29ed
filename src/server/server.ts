// `daylight serve`'s HTTP server: the runs of its source (a state directory, or the API server's for the
// controller) as JSON, a run's journal as server-sent events (capped per client and in total), its audit
// report, pause/resume/abort and answers to approval gates through the run's control file (or, for the
// controller's runs, through the source: the MaintenanceRun), and the dashboard.
// Loopback by default; mutating calls need the bearer token, and every call does elsewhere.
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ownerAlive, sendApproval, sendControl } from '../engine/run-dir.ts';
import { judgeAnswer } from '../engine/approvals.ts';
import type { ApprovalDecision } from '../engine/approvals.ts';
import type { ControlCommand } from '../engine/run-dir.ts';
import { isFinished, replay } from '../engine/state.ts';
import { systemClock } from '../lib/clock.ts';
import type { Clock } from '../lib/clock.ts';
import { errorMessage } from '../lib/errors.ts';
import { runIdProblem } from '../lib/run-id.ts';
import { renderReportHtml } from '../report/index.ts';
import { DASHBOARD_CSS } from './dashboard/style.ts';
import { DASHBOARD_HTML } from './dashboard/page.ts';
import { DASHBOARD_JS } from './dashboard/script.ts';
import { hostAllowed, isLoopback, originAllowed, presentedToken, tokenMatches } from './auth.ts';
import { DEFAULT_STALL_MS, DEFAULT_STREAM_LIMITS, EventStreams } from './event-stream.ts';
import type { StreamLimits } from './event-stream.ts';
import { listRunSummaries, runDetail, runReport } from './run-data.ts';
import type { RunEvent } from '../engine/events.ts';
import { parseJournalLines, readJournalText } from '../journal/file-journal.ts';
import { stateDirRuns, SteerRefused } from './runs-source.ts';
import type { RunChange, RunRecord, RunsSource } from './runs-source.ts';

export interface ServeOptions {
  /** The runs served: a state directory's (daylight serve), or `runs` when given. */
  readonly stateDir?: string;
  /** Where the runs come from when not a state directory (the controller: the API server's). */
  readonly runs?: RunsSource;
  /** GET /metrics: the Prometheus text exposition this returns; without it, 404. */
  readonly metrics?: (signal: AbortSignal) => Promise<string>;
  /** 127.0.0.1 unless given. */
  readonly host?: string;
  /** 0 picks a free port. */
  readonly port?: number;
  readonly token: string;
  /** Each answered request: method, path without its query, status; never a header or the token. */
  readonly log?: (r: RequestLog) => void;
  /** How often a followed journal is looked at for appended entries (200 ms). */
  readonly pollMs?: number;
  readonly heartbeatMs?: number;
  /** Event streams open at once, per client and in total (16 and 256); beyond them 429. */
  readonly streams?: Partial<StreamLimits>;
  /** An event stream whose reader has taken nothing for this long is closed (5 minutes). */
  readonly stallMs?: number;
  /** What the event streams' polls and heartbeats wait on (the system clock). */
  readonly clock?: Clock;
  /** Who answers an approval gate with this server's token: the journal's approver for dashboard answers ("dashboard"). */
  readonly tokenName?: string;
}

export interface RequestLog {
  readonly method: string;
  readonly path: string;
  readonly status: number;
}

export interface RunningServer {
  readonly url: string;
  readonly host: string;
  readonly port: number;
  /** Bytes the event streams hold for readers slower than the run (each stops at its socket's limit). */
  streamBuffered(): number;
  close(): Promise<void>;
}

interface Ctx {
  readonly o: ServeOptions;
  readonly runs: RunsSource;
  readonly loopback: boolean;
  readonly streams: EventStreams;
}

const SECURITY_HEADERS = { 'x-content-type-options': 'nosniff', 'referrer-policy': 'no-referrer', 'cache-control': 'no-store', 'x-frame-options': 'DENY' };
const PAGE_CSP = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
const REPORT_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
const CONTROL: readonly ControlCommand[] = ['pause', 'resume', 'abort'];

export async function startServer(o: ServeOptions): Promise<RunningServer> {
  const host = o.host ?? '127.0.0.1';
  const streams = new EventStreams({ limits: { ...DEFAULT_STREAM_LIMITS, ...o.streams }, pollMs: o.pollMs ?? 200, heartbeatMs: o.heartbeatMs ?? 15_000, stallMs: o.stallMs ?? DEFAULT_STALL_MS, clock: o.clock ?? systemClock });
  const runs = o.runs ?? (o.stateDir !== undefined ? stateDirRuns(o.stateDir) : undefined);
  if (!runs) throw new Error('startServer: give stateDir or runs');
  const ctx: Ctx = { o, runs, loopback: isLoopback(host), streams };
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    res.on('finish', () => o.log?.({ method: req.method ?? '?', path, status: res.statusCode }));
    handle(ctx, req, res, path).catch((e: unknown) => {
      if (!res.headersSent) send(res, 500, { error: `internal error: ${errorMessage(e)}` });
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const shown = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shown}:${port}/`,
    host,
    port,
    streamBuffered: () => streams.buffered,
    close: () => new Promise<void>((resolve) => {
      streams.close();
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { ...SECURITY_HEADERS, 'content-type': 'application/json; charset=utf-8', ...headers });
  res.end(JSON.stringify(body));
}

function sendText(res: ServerResponse, type: string, text: string, csp?: string): void {
  res.writeHead(200, { ...SECURITY_HEADERS, 'content-type': `${type}; charset=utf-8`, ...(csp ? { 'content-security-policy': csp } : {}) });
  res.end(text);
}

/** Answers the request or says why not; returns whether it may go on. */
function admitted(ctx: Ctx, req: IncomingMessage, res: ServerResponse, path: string): boolean {
  if (!hostAllowed(req.headers.host, ctx.loopback)) {
    send(res, 421, { error: 'this server listens on loopback only; open it as http://127.0.0.1:PORT/ or http://localhost:PORT/' });
    return false;
  }
  const mutating = req.method === 'POST';
  if (!ctx.loopback || mutating) {
    // A browser resends Basic credentials by itself, even for a foreign site's form: they open reads only.
    const token = presentedToken(req.headers, { basic: !mutating });
    if (!tokenMatches(ctx.o.token, token)) {
      const page = !path.startsWith('/api/');
      send(res, 401, { error: `${mutating ? 'this call changes a run' : 'this server listens beyond loopback'}: send the header Authorization: Bearer <token> with the token daylight serve printed or wrote to its --token-file` }, page ? { 'www-authenticate': 'Basic realm="daylight", charset="UTF-8"' } : { 'www-authenticate': 'Bearer realm="daylight"' });
      return false;
    }
  }
  if (mutating && !originAllowed(req.headers.origin, req.headers.host)) {
    send(res, 403, { error: 'a page of another origin may not steer runs; use the dashboard this server serves' });
    return false;
  }
  return true;
}

/** How long one request may take reading its source (the API server) before it is answered 503. */
const READ_TIMEOUT_MS = 20_000;

async function handle(ctx: Ctx, req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
  if (!admitted(ctx, req, res, path)) return;
  const method = req.method ?? 'GET';
  const signal = AbortSignal.timeout(READ_TIMEOUT_MS);
  if (method === 'GET' && (path === '/' || path === '/index.html')) return sendText(res, 'text/html', DASHBOARD_HTML, PAGE_CSP);
  if (method === 'GET' && path === '/dashboard.js') return sendText(res, 'text/javascript', DASHBOARD_JS);
  if (method === 'GET' && path === '/dashboard.css') return sendText(res, 'text/css', DASHBOARD_CSS);
  if (method === 'GET' && path === '/metrics' && ctx.o.metrics) return sendText(res, 'text/plain; version=0.0.4', await ctx.o.metrics(signal));
  if (method === 'GET' && path === '/api/runs') return send(res, 200, { runs: await listRunSummaries(ctx.runs, signal) });
  const m = /^\/api\/runs\/([^/]+)(?:\/(events|report|pause|resume|abort|approve|reject))?$/.exec(path);
  if (!m) return send(res, 404, { error: `no such path ${path}; the API is GET /api/runs, GET /api/runs/RUN[/events|/report], POST /api/runs/RUN/pause|resume|abort|approve|reject` });
  const [, encoded, what] = m as unknown as [string, string, string | undefined];
  const id = decoded(encoded);
  if (id === undefined) return send(res, 400, { error: `the run id in ${path} is not valid percent-encoding; GET /api/runs lists the runs` });
  const problem = runIdProblem(id);
  if (problem) return send(res, 400, { error: `${problem}; GET /api/runs lists the runs` });
  const run = await ctx.runs.read(id, signal);
  if (!run) return send(res, 404, { error: `no run "${id}" in ${ctx.runs.where}; GET /api/runs lists them` });
  const steering = method === 'POST' && what !== undefined && ((CONTROL as readonly string[]).includes(what) || what === 'approve' || what === 'reject');
  if (steering && !run.paths && ctx.runs.steer) return steerAtSource(ctx, req, res, run, what);
  if (steering && !run.paths) return send(res, 501, { error: ctx.runs.steerElsewhere?.(id, what) ?? `run ${id} is not steered from this server` });
  if (steering && run.paths && what !== 'approve' && what !== 'reject') return control(res, run.paths, what as ControlCommand);
  if (steering && run.paths) return answerGate(ctx, req, res, run.paths, what as ApprovalDecision);
  if (method !== 'GET') return send(res, 405, { error: `${method} ${path}: use GET, or POST on /pause, /resume, /abort, /approve or /reject` }, { allow: 'GET' });
  if (what === undefined) return send(res, 200, runDetail(run));
  if (what === 'report') {
    const report = runReport(run);
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.searchParams.get('format') === 'html') return sendText(res, 'text/html', renderReportHtml(report), REPORT_CSP);
    return send(res, 200, report);
  }
  if (what === 'events') {
    const last = Number(req.headers['last-event-id']);
    const after = Number.isInteger(last) && last > 0 ? last : 0;
    if (run.paths) return ctx.streams.serve(req, res, { path: run.paths.journal, after });
    return snapshotEvents(res, run, after);
  }
  return send(res, 405, { error: `${what} changes a run: use POST` }, { allow: 'POST' });
}

/**
 * The events of a journal not on this host: the entries after `after` as read now, then the stream ends and
 * the browser's EventSource asks again in a few seconds with the last id it had (its retry), so a stream holds
 * no connection to the API server and the dashboard still follows the run.
 */
function snapshotEvents(res: ServerResponse, run: RunRecord, after: number): void {
  res.writeHead(200, { ...SECURITY_HEADERS, 'content-type': 'text/event-stream; charset=utf-8' });
  res.write(`retry: ${SNAPSHOT_RETRY_MS}\n\n`);
  for (const line of run.journalText.split('\n')) {
    let seq: unknown;
    try {
      seq = (JSON.parse(line) as { seq?: unknown }).seq;
    } catch {
      continue; // a torn or edited line: the report's integrity section names it
    }
    if (typeof seq === 'number' && seq > after) res.write(`id: ${seq}\ndata: ${line}\n\n`);
  }
  res.end();
}

/** How soon a browser asks again for a journal read from the API server: about the controller's status cadence. */
const SNAPSHOT_RETRY_MS = 2_000;

/** A path segment decoded, or undefined when its percent-encoding is malformed (`%ZZ`). */
function decoded(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

/** Appends the command to the run's control file for the process that runs it; refuses when none does. */
function control(res: ServerResponse, paths: Parameters<typeof sendControl>[0], command: ControlCommand): void {
  const state = replay(paths.runId, parseJournalLines<RunEvent>(readJournalText(paths.journal)));
  if (isFinished(state.status)) {
    return send(res, 409, { error: `run ${paths.runId} is over (${state.status}); there is nothing to ${command}` });
  }
  const owner = ownerAlive(paths);
  if (!owner) {
    return send(res, 409, { error: `no process on this host runs ${paths.runId} now; continue it with daylight ${command} ${paths.runId} in a terminal` });
  }
  sendControl(paths, command);
  send(res, 202, { runId: paths.runId, command, sent: true, note: `the process running ${paths.runId} acts on it at once; its journal records control.received` });
}

/**
 * A control or an answer for a run whose source steers it elsewhere (the controller: its MaintenanceRun),
 * judged against its journal as for a run on this host, then handed to the source, in this token's name.
 */
async function steerAtSource(ctx: Ctx, req: IncomingMessage, res: ServerResponse, run: RunRecord, what: string): Promise<void> {
  const state = replay(run.runId, parseJournalLines<RunEvent>(run.journalText));
  let change: RunChange;
  if (what === 'approve' || what === 'reject') {
    const body = await readJsonBody(req).catch((e: unknown) => ({ problem: errorMessage(e) }));
    if ('problem' in body) return send(res, 400, { error: `${body.problem}; send {"step": "phase/NAME", "comment": "..."} (both optional for approve, a comment needed to reject)` });
    const judged = judgeAnswer(state, { step: body.step, decision: what, by: ctx.o.tokenName ?? 'dashboard', via: 'dashboard', comment: body.comment, at: new Date().toISOString() });
    if ('problem' in judged) return send(res, 409, { error: judged.problem });
    change = { answer: judged.answer };
  } else {
    if (isFinished(state.status)) return send(res, 409, { error: `run ${run.runId} is over (${state.status}); there is nothing to ${what}` });
    change = { command: what as ControlCommand };
  }
  try {
    const note = await ctx.runs.steer!(run.runId, change, AbortSignal.timeout(READ_TIMEOUT_MS));
    send(res, 202, { runId: run.runId, ...('command' in change ? { command: change.command } : change.answer), sent: true, note });
  } catch (e: unknown) {
    if (e instanceof SteerRefused) return send(res, e.status, { error: e.message });
    throw e;
  }
}

/** The largest body an approval answer may have: a step and a comment. */
const ANSWER_BODY_LIMIT = 16 * 1024;

/**
 * POST /api/runs/RUN/approve|reject with {"step"?: STEP, "comment"?: TEXT}: judged against the journal as
 * `daylight approve|reject` does, then appended to the run's control file, answered as the token's name.
 */
async function answerGate(ctx: Ctx, req: IncomingMessage, res: ServerResponse, paths: Parameters<typeof sendControl>[0], decision: ApprovalDecision): Promise<void> {
  const body = await readJsonBody(req).catch((e: unknown) => ({ problem: errorMessage(e) }));
  if ('problem' in body) return send(res, 400, { error: `${body.problem}; send {"step": "phase/NAME", "comment": "..."} (both optional for approve, a comment needed to reject)` });
  const state = replay(paths.runId, parseJournalLines<RunEvent>(readJournalText(paths.journal)));
  const judged = judgeAnswer(state, { step: body.step, decision, by: ctx.o.tokenName ?? 'dashboard', via: 'dashboard', comment: body.comment, at: new Date().toISOString() });
  if ('problem' in judged) return send(res, 409, { error: judged.problem });
  const sent = sendApproval(paths, judged.answer);
  const live = ownerAlive(paths) !== undefined;
  send(res, 202, { runId: paths.runId, ...sent, live, note: live ? `the process running ${paths.runId} takes the answer at once; its journal records approval.${decision === 'approve' ? 'granted' : 'rejected'}` : `no process on this host runs ${paths.runId} now; the answer is taken when it resumes` });
}

async function readJsonBody(req: IncomingMessage): Promise<{ step?: string; comment?: string }> {
  let text = '';
  for await (const chunk of req) {
    text += String(chunk);
    if (text.length > ANSWER_BODY_LIMIT) throw new Error(`the body is over ${ANSWER_BODY_LIMIT} bytes`);
  }
  if (!text.trim()) return {};
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw new Error('the body is not JSON');
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error('the body is not a JSON object');
  const o = v as Record<string, unknown>;
  for (const k of ['step', 'comment'] as const) {
    if (o[k] !== undefined && typeof o[k] !== 'string') throw new Error(`${k} must be a string`);
  }
  return { ...(typeof o.step === 'string' ? { step: o.step } : {}), ...(typeof o.comment === 'string' ? { comment: o.comment } : {}) };
}
