// Webhook notifications in Slack's incoming-webhook format ({text, blocks}, which Mattermost, Rocket.Chat
// and Teams' Slack-compatible endpoints accept too) at the moments people want to hear about: a run
// started, a region left traffic, a run waits for approval (and its answer), a run failed (or was aborted), a run completed. And their delivery: a
// POST with a time limit and a few retries with jittered backoff; a failed delivery is a result, not an
// exception, so a chat outage never stops a maintenance.
import { setTimeout as wait } from 'node:timers/promises';
import type { JournalEntry } from '../engine/events.ts';
import type { RunState } from '../engine/state.ts';
import { backoffDelay } from '../lib/backoff.ts';
import type { Backoff } from '../lib/backoff.ts';
import { parseEndpoint } from './endpoint.ts';
import { deadline, describeError, excerpt, isTimeout, readBody, rethrowIfAborted } from './http-call.ts';

export interface SlackMessage {
  /** The fallback and notification text. */
  readonly text: string;
  readonly blocks: readonly SlackBlock[];
}

export type SlackBlock =
  | { readonly type: 'section'; readonly text: { readonly type: 'mrkdwn'; readonly text: string } }
  | { readonly type: 'context'; readonly elements: readonly { readonly type: 'mrkdwn'; readonly text: string }[] };

/** The message for a journal entry, or undefined when the entry is not one of the four moments. */
export function notificationFor(entry: JournalEntry, state?: RunState): SlackMessage | undefined {
  const e = entry.event;
  const run = entry.runId;
  switch (e.type) {
    case 'run.started':
      return message(`Maintenance started: plan ${e.plan.name} on ${e.clusters.join(', ')} (run ${run}).`, entry, ['Workloads keep serving; nodes are drained within their disruption budgets.']);
    case 'traffic.drained':
      return message(`Region ${e.cluster} is out of traffic: new traffic stopped in ${seconds(e.result.newTrafficStoppedMs)}, sessions gone in ${seconds(e.result.sessionsGoneMs)}${e.result.sessionsShut ? ` (${e.result.sessionsShut} shut at the timeout)` : ''}. The other regions serve all requests while ${e.cluster} is maintained (run ${run}).`, entry);
    case 'run.failed':
      return message(`Maintenance run ${run} failed: ${e.reason}`, entry, [...outcome(state), `See: daylight status ${run}`]);
    case 'run.aborted':
      return message(`Maintenance run ${run} was aborted: ${e.reason}`, entry, [...outcome(state), `See: daylight status ${run}`]);
    case 'run.succeeded':
      return message(`Maintenance run ${run} completed${state?.plan ? ` (plan ${state.plan.name})` : ''}.`, entry, outcome(state));
    case 'run.degraded':
      return message(`Maintenance run ${run} finished DEGRADED: ${e.reason}`, entry, [...outcome(state), ...e.problems.slice(0, 10).map((p) => `• ${p}`), ...(e.problems.length > 10 ? [`• and ${e.problems.length - 10} more`] : []), `See: daylight status ${run}`]);
    case 'approval.requested':
      return message(`Maintenance run ${run} waits for approval of ${e.step}${e.name ? ` (${e.name})` : ''}${e.message ? `: ${e.message}` : ''}`, entry, [
        ...(e.deadline !== undefined ? [`Without an answer it is ${e.onTimeout === 'approve' ? 'approved' : 'rejected'} at ${new Date(e.deadline).toISOString()}.`] : ['It waits until someone answers.']),
        `Approve: daylight approve ${run} --step ${e.step} --comment "..."`,
        `Reject: daylight reject ${run} --step ${e.step} --comment "why"`,
      ]);
    case 'approval.granted':
    case 'approval.rejected':
      return message(`${e.step} of maintenance run ${run} ${e.type === 'approval.granted' ? 'approved' : 'rejected'} by ${e.by}${e.comment ? `: ${e.comment}` : ''}`, entry);
    default:
      return undefined;
  }
}

function message(text: string, entry: JournalEntry, more: readonly string[] = []): SlackMessage {
  const body = [text, ...more].join('\n');
  return {
    text,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: mrkdwn(body) } },
      { type: 'context', elements: [{ type: 'mrkdwn', text: mrkdwn(`Daylight · run ${entry.runId} · ${entry.wall}`) }] },
    ],
  };
}

/** Node outcomes and the run's duration, when the caller has the run's state. */
function outcome(state: RunState | undefined): string[] {
  if (!state) return [];
  const counts: Record<string, number> = {};
  for (const n of Object.values(state.nodes)) {
    const key = n.outcome ?? 'not finished';
    counts[key] = (counts[key] ?? 0) + 1;
  }
  const nodes = Object.entries(counts).map(([k, v]) => `${v} ${k}`).join(', ') || 'no nodes';
  const took = state.startedAt !== undefined && state.endedAt !== undefined ? ` in ${minutes(state.endedAt - state.startedAt)}` : '';
  return [`Nodes: ${nodes}${took}.`];
}

/** Slack's own escaping: only &, < and > are control characters in mrkdwn text. */
function mrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function seconds(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

function minutes(ms: number): string {
  const m = Math.round(ms / 60_000);
  return m < 1 ? `${Math.round(ms / 1000)} s` : m < 90 ? `${m} min` : `${(m / 60).toFixed(1)} h`;
}

export interface SendOptions {
  /** Real-time limit per attempt (default 5 s). */
  readonly timeoutMs?: number;
  /** Attempts in all, the first included (default 3). */
  readonly attempts?: number;
  /** Delays between attempts, with full jitter (default 500 ms doubling up to 5 s). */
  readonly backoff?: Backoff;
  readonly signal?: AbortSignal;
  readonly fetch?: typeof fetch;
  readonly random?: () => number;
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export interface SendResult {
  readonly ok: boolean;
  readonly attempts: number;
  /** The last HTTP status, when there was an answer. */
  readonly status?: number;
  /** The webhook's scheme and host: the path of a Slack webhook is its secret. */
  readonly target: string;
  readonly message: string;
}

const DEFAULTS = { timeoutMs: 5000, attempts: 3, backoff: { baseMs: 500, capMs: 5000 } };

/** POSTs the message; retries timeouts, unreachable endpoints, 429 and 5xx; never retries other answers. */
export async function sendNotification(webhook: string, msg: SlackMessage, o: SendOptions = {}): Promise<SendResult> {
  const endpoint = parseEndpoint(webhook);
  const target = `${endpoint.url.protocol}//${endpoint.url.host}${endpoint.url.pathname.length > 1 ? '/…' : ''}`;
  const attempts = Math.max(1, o.attempts ?? DEFAULTS.attempts);
  const headers: Record<string, string> = { 'content-type': 'application/json', ...(endpoint.authorization ? { authorization: endpoint.authorization } : {}) };
  let last: Omit<SendResult, 'attempts' | 'target'> = { ok: false, message: 'not sent' };
  for (let attempt = 1; attempt <= attempts; attempt++) {
    const r = await postOnce(endpoint.url, { headers, body: JSON.stringify(msg) }, o);
    last = r;
    if (r.ok || !r.retry) return { ...strip(r), attempts: attempt, target };
    if (attempt < attempts) await (o.sleep ?? sleep)(delayBefore(attempt, r, o), o.signal);
  }
  return { ...strip(last), attempts, target, message: `${last.message}; gave up after ${attempts} attempt(s)` };
}

/** The server's Retry-After where it gave one, else jittered backoff; both within the backoff's cap. */
function delayBefore(attempt: number, r: Attempt, o: SendOptions): number {
  const b = o.backoff ?? DEFAULTS.backoff;
  return r.retryAfterMs !== undefined ? Math.min(r.retryAfterMs, b.capMs) : backoffDelay(b, attempt - 1, o.random);
}

interface Attempt {
  readonly ok: boolean;
  readonly retry?: boolean;
  readonly status?: number;
  readonly retryAfterMs?: number;
  readonly message: string;
}

function strip(r: Attempt): Omit<SendResult, 'attempts' | 'target'> {
  return { ok: r.ok, ...(r.status !== undefined ? { status: r.status } : {}), message: r.message };
}

async function postOnce(url: URL, req: { headers: Record<string, string>; body: string }, o: SendOptions): Promise<Attempt> {
  const timeoutMs = o.timeoutMs ?? DEFAULTS.timeoutMs;
  try {
    const res = await (o.fetch ?? fetch)(url, { method: 'POST', headers: req.headers, body: req.body, signal: deadline(timeoutMs, o.signal), redirect: 'error' });
    const body = await readBody(res, 200);
    if (res.ok) return { ok: true, status: res.status, message: `delivered (HTTP ${res.status})` };
    const retry = res.status === 429 || res.status >= 500;
    const after = Number(res.headers.get('retry-after'));
    return { ok: false, retry, status: res.status, ...(Number.isFinite(after) && after > 0 ? { retryAfterMs: after * 1000 } : {}), message: `HTTP ${res.status}${body ? `: ${excerpt(body, 200)}` : ''}` };
  } catch (e: unknown) {
    rethrowIfAborted(e, o.signal);
    return { ok: false, retry: true, message: isTimeout(e) ? `no answer within ${timeoutMs} ms` : describeError(e) };
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return wait(ms, undefined, signal ? { signal } : {});
}
