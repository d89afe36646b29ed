// Alertmanager silences over its API v2 (reference: upgrades-and-operations section 8): create one for a
// region under maintenance, read it back, find ours again after a crash, expire it. Every failure is a
// SilenceError that names the Alertmanager, the call, its answer and what to check.
import { z } from 'zod';
import { parseEndpoint } from './endpoint.ts';
import type { Endpoint } from './endpoint.ts';
import { deadline, describeError, excerpt, isTimeout, readBody, rethrowIfAborted } from './http-call.ts';
import { renderTemplate } from '../lib/template.ts';

export interface SilenceMatcher {
  readonly name: string;
  readonly value: string;
  /** Default false. */
  readonly isRegex?: boolean;
  /** Default true; false makes it `!=` (or `!~`). */
  readonly isEqual?: boolean;
}

export interface NewSilence {
  readonly matchers: readonly SilenceMatcher[];
  readonly startsAt: Date;
  readonly endsAt: Date;
  readonly createdBy: string;
  /** Put a marker in it (the run id) so that recovery can find the silence with `list`. */
  readonly comment: string;
}

export type SilenceState = 'active' | 'pending' | 'expired';

export interface Silence {
  readonly id: string;
  readonly state: SilenceState;
  readonly matchers: readonly Required<SilenceMatcher>[];
  readonly startsAt: Date;
  readonly endsAt: Date;
  readonly createdBy: string;
  readonly comment: string;
}

/** What `expire` found: it expired the silence, it was expired already, or Alertmanager does not know it. */
export type ExpireResult = 'expired' | 'already-expired' | 'not-found';

export interface SilenceFilter {
  readonly createdBy?: string;
  /** Keeps silences whose comment contains this text (a run's marker). */
  readonly commentIncludes?: string;
}

export interface SilencesOptions {
  /** Alertmanager's base URL, such as http://127.0.0.1:9093; user:password@ in it becomes basic auth. */
  readonly url: string;
  readonly fetch?: typeof fetch;
  /** Limit on each call, answer included. Default 10 s. */
  readonly timeoutMs?: number;
}

export interface CallOptions {
  /** The caller's abort: passes through as an AbortError, never as a SilenceError. */
  readonly signal?: AbortSignal;
}

export interface SilenceErrorDetails {
  /** The Alertmanager's URL, without credentials. */
  readonly alertmanager: string;
  /** Such as "POST /api/v2/silences". */
  readonly call: string;
  /** The HTTP status, when Alertmanager answered. */
  readonly status?: number;
}

export class SilenceError extends Error {
  override name = 'SilenceError';
  readonly alertmanager: string;
  readonly call: string;
  readonly status: number | undefined;

  constructor(message: string, details: SilenceErrorDetails, options?: ErrorOptions) {
    super(message, options);
    this.alertmanager = details.alertmanager;
    this.call = details.call;
    this.status = details.status;
  }
}

/** Fills `{{cluster}}` and the like in matcher names and values; an unknown variable throws a TemplateError. */
export function renderMatchers(matchers: readonly SilenceMatcher[], vars: Readonly<Record<string, string>>): SilenceMatcher[] {
  return matchers.map((m) => ({ ...m, name: renderTemplate(m.name, vars), value: renderTemplate(m.value, vars) }));
}

const DEFAULT_TIMEOUT_MS = 10_000;
/** Characters of a failed answer's body a message keeps. */
const BODY_CHARS = 300;
/** A list answer larger than this is not read: no Alertmanager holds that many silences for good reasons. */
const MAX_LIST_CHARS = 32 * 1024 * 1024;
const CHECK_URL = 'check spec.silences.alertmanager in the plan';

const date = z.string().transform((text, ctx) => {
  const d = new Date(text);
  if (Number.isNaN(d.getTime())) {
    ctx.addIssue({ code: 'custom', message: `${JSON.stringify(text)} is not a date` });
    return z.NEVER;
  }
  return d;
});

const GettableSilence = z.object({
  id: z.string().min(1),
  status: z.object({ state: z.enum(['active', 'pending', 'expired']) }),
  matchers: z.array(z.object({ name: z.string(), value: z.string(), isRegex: z.boolean(), isEqual: z.boolean().default(true) })),
  startsAt: date,
  endsAt: date,
  createdBy: z.string(),
  comment: z.string(),
});

const Created = z.object({ silenceID: z.string().min(1) });

interface Answer {
  readonly status: number;
  readonly text: string;
}

/** Answers Alertmanager 0.25 gives for an id it does not know: 404 on GET, 500 "silence not found" on DELETE. */
function isNotFound(a: Answer): boolean {
  return a.status === 404 || (a.status === 500 && /silence not found/i.test(a.text));
}

/** Silences of one Alertmanager. */
export class AlertmanagerSilences {
  readonly #endpoint: Endpoint;
  readonly #fetch: typeof fetch;
  readonly #timeoutMs: number;

  constructor(options: SilencesOptions) {
    try {
      this.#endpoint = parseEndpoint(options.url);
    } catch (e: unknown) {
      throw new SilenceError(`Alertmanager ${JSON.stringify(options.url)}: ${e instanceof Error ? e.message : String(e)}; ${CHECK_URL}`, { alertmanager: options.url, call: 'configure' }, { cause: e });
    }
    this.#fetch = options.fetch ?? fetch;
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  /** The URL in messages (no credentials). */
  get url(): string {
    return this.#endpoint.display;
  }

  /** Creates the silence; answers its id. */
  async create(silence: NewSilence, options: CallOptions = {}): Promise<string> {
    const call = 'POST /api/v2/silences';
    const body = JSON.stringify({
      matchers: silence.matchers.map((m) => ({ name: m.name, value: m.value, isRegex: m.isRegex ?? false, isEqual: m.isEqual ?? true })),
      startsAt: this.#iso(call, 'startsAt', silence.startsAt),
      endsAt: this.#iso(call, 'endsAt', silence.endsAt),
      createdBy: silence.createdBy,
      comment: silence.comment,
    });
    const answer = await this.#request(call, { method: 'POST', body, signal: options.signal });
    if (answer.status !== 200) throw this.#refused(call, answer);
    return this.#parse(call, answer, Created).silenceID;
  }

  /** The silence, or undefined when Alertmanager does not know the id (it forgets expired ones after its retention). */
  async get(id: string, options: CallOptions = {}): Promise<Silence | undefined> {
    const call = `GET /api/v2/silence/${encodeURIComponent(id)}`;
    const answer = await this.#request(call, { method: 'GET', signal: options.signal });
    if (isNotFound(answer)) return undefined;
    if (answer.status !== 200) throw this.#refused(call, answer);
    return toSilence(this.#parse(call, answer, GettableSilence));
  }

  /** Every silence Alertmanager holds (expired ones too, until its retention ends), filtered here. */
  async list(filter: SilenceFilter = {}, options: CallOptions = {}): Promise<Silence[]> {
    const call = 'GET /api/v2/silences';
    const answer = await this.#request(call, { method: 'GET', signal: options.signal, limit: MAX_LIST_CHARS });
    if (answer.status !== 200) throw this.#refused(call, answer);
    return this.#parse(call, answer, z.array(GettableSilence))
      .map(toSilence)
      .filter((s) => (filter.createdBy === undefined || s.createdBy === filter.createdBy) && (filter.commentIncludes === undefined || s.comment.includes(filter.commentIncludes)));
  }

  /**
   * Ends the silence now. Idempotent: a silence that is expired already or unknown is not an error, and the
   * answer says which it was (recovery expires what a crashed run may or may not have expired).
   */
  async expire(id: string, options: CallOptions = {}): Promise<ExpireResult> {
    const current = await this.get(id, options);
    if (current === undefined) return 'not-found';
    if (current.state === 'expired') return 'already-expired';
    const call = `DELETE /api/v2/silence/${encodeURIComponent(id)}`;
    const answer = await this.#request(call, { method: 'DELETE', signal: options.signal });
    if (answer.status === 200) return 'expired';
    // someone else expired it between our two calls
    if (isNotFound(answer)) return 'not-found';
    if (answer.status === 500 && /already expired/i.test(answer.text)) return 'already-expired';
    throw this.#refused(call, answer);
  }

  async #request(call: string, req: { method: string; body?: string; signal: AbortSignal | undefined; limit?: number }): Promise<Answer> {
    const path = call.slice(call.indexOf(' ') + 1);
    const url = new URL(this.#endpoint.url);
    url.pathname = `${url.pathname.replace(/\/+$/, '')}${path}`;
    const headers: Record<string, string> = { accept: 'application/json' };
    if (req.body !== undefined) headers['content-type'] = 'application/json';
    if (this.#endpoint.authorization) headers.authorization = this.#endpoint.authorization;
    const signal = deadline(this.#timeoutMs, req.signal);
    try {
      const res = await this.#fetch(url, { method: req.method, headers, body: req.body, signal, redirect: 'error' });
      const text = await readBody(res, req.limit ?? 64 * 1024);
      return { status: res.status, text };
    } catch (e: unknown) {
      rethrowIfAborted(e, req.signal);
      const why = isTimeout(e) ? `no answer within ${this.#timeoutMs} ms` : describeError(e);
      throw new SilenceError(
        `Alertmanager ${this.url}: ${call} failed: ${why}; ${CHECK_URL}, and that Alertmanager runs and is reachable from here`,
        { alertmanager: this.url, call },
        { cause: e },
      );
    }
  }

  #refused(call: string, answer: Answer): SilenceError {
    const body = excerpt(answer.text, BODY_CHARS);
    const said = body ? `: ${body}` : ' with an empty body';
    return new SilenceError(`Alertmanager ${this.url}: ${call} answered ${answer.status}${said}; ${hint(call, answer.status)}`, { alertmanager: this.url, call, status: answer.status });
  }

  #parse<S extends z.ZodType>(call: string, answer: Answer, schema: S): z.output<S> {
    let json: unknown;
    try {
      json = JSON.parse(answer.text);
    } catch (e: unknown) {
      throw this.#notAlertmanager(call, answer, 'that is not JSON', e);
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) throw this.#notAlertmanager(call, answer, `that is not what Alertmanager's API v2 answers (${parsed.error.issues[0]?.path.join('.') || 'body'}: ${parsed.error.issues[0]?.message ?? 'unexpected'})`, parsed.error);
    return parsed.data;
  }

  #notAlertmanager(call: string, answer: Answer, what: string, cause: unknown): SilenceError {
    return new SilenceError(
      `Alertmanager ${this.url}: ${call} answered ${answer.status} with a body ${what}: ${excerpt(answer.text, BODY_CHARS) || '(empty)'}; ${CHECK_URL}: it should be Alertmanager's base URL (0.22 or later), not Prometheus, a proxy's login page or a path with /api/v2`,
      { alertmanager: this.url, call, status: answer.status },
      { cause },
    );
  }

  #iso(call: string, field: string, d: Date): string {
    if (!(d instanceof Date) || Number.isNaN(d.getTime())) {
      throw new SilenceError(`Alertmanager ${this.url}: ${call} not sent: ${field} is not a valid date; pass a Date`, { alertmanager: this.url, call });
    }
    return d.toISOString();
  }
}

function hint(call: string, status: number): string {
  if (status === 400 || status === 422) {
    return call.startsWith('POST')
      ? 'Alertmanager refused the silence; check spec.silences.matchers in the plan (at least one matcher, each with a name and a value that is not empty) and that the silence ends after it starts'
      : 'Alertmanager refused the request; a silence id is a UUID as create answered it';
  }
  if (status === 401 || status === 403) return `Alertmanager, or a proxy in front of it, refused access; ${CHECK_URL}, with credentials in it if it needs them (http://user:password@host:9093)`;
  if (status === 404) return `there is no Alertmanager API v2 at this URL; ${CHECK_URL}: it should be the base URL such as http://alertmanager:9093, without /api/v2`;
  if (status >= 500) return 'Alertmanager failed on its side; see its log, then retry';
  return CHECK_URL;
}

function toSilence(s: z.output<typeof GettableSilence>): Silence {
  return { id: s.id, state: s.status.state, matchers: s.matchers, startsAt: s.startsAt, endsAt: s.endsAt, createdBy: s.createdBy, comment: s.comment };
}
