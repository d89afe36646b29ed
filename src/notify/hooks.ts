// Runs one plan hook (a shell command or a webhook) and records what happened as data. A hook that fails
// (exit code, status, timeout, unreachable) never throws: its result says ok: false and why, and the caller
// applies onFailure. Only the caller's abort propagates.
import { shellExec } from '../lib/command-exec.ts';
import type { CommandExec, CommandOutcome } from '../lib/command-exec.ts';
import { errorMessage } from '../lib/errors.ts';
import { renderTemplate } from '../lib/template.ts';
import { parseEndpoint } from './endpoint.ts';
import type { HookResult } from '../engine/events.ts';
import type { CommandHook, Hook, HookEvent, WebhookHook } from '../plan/hook-schema.ts';
import { deadline, describeError, excerpt, isTimeout, readBody, rethrowIfAborted } from './http-call.ts';

export interface HookContext {
  /**
   * What templates and the environment get: run, cluster (= region), phase, and at run-end outcome
   * (succeeded | failed | aborted). `event` is set to the hook's `on`.
   */
  readonly vars: Readonly<Record<string, string>>;
  /** Default: `sh -c`. */
  readonly exec?: CommandExec;
  readonly fetch?: typeof fetch;
  readonly signal?: AbortSignal;
  /** The `at` of a webhook's body; the engine passes its clock. */
  readonly now?: () => Date;
}

/** Characters of output a result keeps. */
const OUTPUT_CHARS = 4000;
/** Output lines a message carries. */
const MESSAGE_LINES = 5;
/** Characters of a webhook's answer a message carries. */
const BODY_CHARS = 200;

export async function runHook(hook: Hook, ctx: HookContext): Promise<HookResult> {
  const vars = { ...ctx.vars, event: hook.on };
  return hook.type === 'command' ? runCommandHook(hook, vars, ctx) : runWebhook(hook, vars, ctx);
}

/** DAYLIGHT_RUN, DAYLIGHT_CLUSTER, DAYLIGHT_NODE_NAME for node.name, ..., and DAYLIGHT_HOOK = the event. */
export function hookEnvironment(event: HookEvent, vars: Readonly<Record<string, string>>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(vars)) env[`DAYLIGHT_${key.replace(/[^A-Za-z0-9]+/g, '_').toUpperCase()}`] = value;
  env.DAYLIGHT_HOOK = event;
  return env;
}

async function runCommandHook(hook: CommandHook, vars: Record<string, string>, ctx: HookContext): Promise<HookResult> {
  const started = performance.now();
  const base = { on: hook.on, type: hook.type, onFailure: hook.onFailure } as const;
  let command: string;
  try {
    command = renderTemplate(hook.run, vars, 'shell');
  } catch (e: unknown) {
    return { ...base, target: hook.run, ok: false, timedOut: false, durationMs: performance.now() - started, output: '', message: `${hook.on} hook: not run: ${errorMessage(e)}` };
  }
  let outcome: CommandOutcome;
  try {
    outcome = await (ctx.exec ?? shellExec)(command, { timeoutMs: hook.timeout.ms, signal: ctx.signal, env: hookEnvironment(hook.on, vars) });
  } catch (e: unknown) {
    rethrowIfAborted(e, ctx.signal);
    return { ...base, target: command, ok: false, timedOut: false, durationMs: performance.now() - started, output: '', message: `${hook.on} hook: ${command} could not start: ${describeError(e)}` };
  }
  const output = outcome.output.length > OUTPUT_CHARS ? outcome.output.slice(-OUTPUT_CHARS) : outcome.output;
  const ok = outcome.exitCode === 0 && !outcome.timedOut;
  const result = { ...base, target: command, ok, exitCode: outcome.exitCode, timedOut: outcome.timedOut, durationMs: outcome.durationMs, output };
  return { ...result, message: `${hook.on} hook: ${command} ${ending(outcome, hook)}${lastOutput(output)}` };
}

function ending(o: CommandOutcome, hook: CommandHook): string {
  if (o.timedOut) return `ran past its timeout of ${hook.timeout.toString()} and was killed`;
  const took = `after ${(o.durationMs / 1000).toFixed(1)}s`;
  if (o.exitCode !== null) return `exited ${o.exitCode} ${took}`;
  return `was ended by ${o.signal ?? 'an unknown signal'} ${took}`;
}

function lastOutput(output: string): string {
  const lines = output.split(/\r?\n/).map((l) => l.trimEnd()).filter((l) => l !== '');
  return lines.length > 0 ? `; last output: ${lines.slice(-MESSAGE_LINES).join(' | ')}` : '';
}

async function runWebhook(hook: WebhookHook, vars: Record<string, string>, ctx: HookContext): Promise<HookResult> {
  const started = performance.now();
  const base = { on: hook.on, type: hook.type, onFailure: hook.onFailure, timedOut: false } as const;
  let endpoint: ReturnType<typeof parseEndpoint>;
  try {
    endpoint = parseEndpoint(renderTemplate(hook.url, vars));
  } catch (e: unknown) {
    return { ...base, target: safeDisplay(hook.url), ok: false, durationMs: performance.now() - started, output: '', message: `${hook.on} hook: not called: ${errorMessage(e)}` };
  }
  const target = endpoint.display;
  const call = `${hook.method} ${target}`;
  const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': 'daylight' };
  if (endpoint.authorization) headers.authorization = endpoint.authorization;
  Object.assign(headers, hook.headers);
  try {
    const res = await (ctx.fetch ?? fetch)(endpoint.url, { method: hook.method, headers, body: webhookBody(hook.on, vars, ctx), signal: deadline(hook.timeout.ms, ctx.signal), redirect: 'manual' });
    const output = await readBody(res, OUTPUT_CHARS);
    const durationMs = performance.now() - started;
    const ok = res.status >= 200 && res.status < 300;
    const said = excerpt(output, BODY_CHARS);
    const message = ok ? `${hook.on} hook: ${call} answered ${res.status}` : `${hook.on} hook: ${call} answered ${res.status}, expected 2xx${redirectHint(res, endpoint.url)}${said ? `: ${said}` : ''}`;
    return { ...base, target, ok, status: res.status, durationMs, output, message };
  } catch (e: unknown) {
    rethrowIfAborted(e, ctx.signal);
    const timedOut = isTimeout(e);
    const why = timedOut ? `no answer within ${hook.timeout.toString()}` : describeError(e);
    return { ...base, target, ok: false, timedOut, durationMs: performance.now() - started, output: '', message: `${hook.on} hook: ${call} failed: ${why}` };
  }
}

/** `{event, run, cluster, phase?, outcome?, at}`: absent variables are left out. */
function webhookBody(event: HookEvent, vars: Readonly<Record<string, string>>, ctx: HookContext): string {
  const at = (ctx.now?.() ?? new Date()).toISOString();
  return JSON.stringify({ event, run: vars.run, cluster: vars.cluster, region: vars.region, phase: vars.phase, outcome: vars.outcome, at });
}

function redirectHint(res: Response, from: URL): string {
  if (res.status < 300 || res.status >= 400) return '';
  const to = res.headers.get('location');
  return ` (a redirect${to ? ` to ${safeDisplay(to, from)}` : ''}; set the hook's url to where it points)`;
}

function safeDisplay(text: string, base?: URL): string {
  try {
    return parseEndpoint(new URL(text, base).href).display;
  } catch {
    return '(a URL that cannot be parsed)';
  }
}
