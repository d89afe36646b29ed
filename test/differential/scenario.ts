// What a differential scenario is (data: requests, and what to compare in their answers) and the runner
// that plays one against an engine, returning the first mismatch as a sentence.
import { apiCall } from '../../src/sandbox/kubernetes/api-request.ts';
import type { ApiTarget } from '../../src/sandbox/kubernetes/api-create.ts';
import { backoffDelay } from '../../src/lib/backoff.ts';
import { systemClock } from '../../src/lib/clock.ts';

export interface ApiRequest {
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** May name remembered values as `{name}`. */
  readonly path: string;
  readonly body?: unknown;
  /** application/json unless given (merge patch: application/merge-patch+json). */
  readonly contentType?: string;
  /** application/json unless given (a Table: `application/json;as=Table;v=v1;g=meta.k8s.io`). */
  readonly accept?: string;
  /** The body is a string sent as it is (YAML), not JSON. */
  readonly raw?: boolean;
  /** Another identity's bearer token (may be a remembered `{name}`) instead of the engine's admin token. */
  readonly token?: string;
}

/** In `Expect.fields`: the field is there, whatever its value (a timestamp, a generated name). */
export const PRESENT = '<present>';

/** The answer's status code and fields of its JSON body by dotted path (`details.causes.0.reason`). */
export interface Expect {
  readonly status: number;
  readonly fields?: Readonly<Record<string, unknown>>;
}

export type Step =
  /** A request whose answer must match. */
  | { readonly send: ApiRequest; readonly expect: Expect }
  /** A request repeated until its answer matches (controllers catch up), within `timeoutMs`. */
  | { readonly until: ApiRequest; readonly expect: Expect; readonly timeoutMs?: number }
  /** Remembers fields of a 2xx answer for later paths and bodies, as `{name}`. */
  | { readonly remember: ApiRequest; readonly as: Readonly<Record<string, string>> }
  /**
   * A watch request: its status code, and the fields of its first event (the stream is then closed);
   * `during` is sent once the watch has started (a write its events should or should not show).
   */
  | { readonly watch: string; readonly during?: ApiRequest; readonly expect: Expect }
  /** Lets time pass before the next step, to see that something does *not* happen within it. */
  | { readonly wait: number }
  /** Compacts the engine's history up to now, as kube-apiserver has etcd do every 5 minutes. */
  | { readonly compact: true };

/** What a scenario may ask of the engine itself, beyond API requests. */
export interface EngineHooks {
  compact(): Promise<void>;
}

export interface Scenario {
  readonly name: string;
  /** Created first, deleted after; every object of the scenario lives in it. */
  readonly namespace: string;
  readonly steps: readonly Step[];
}

/** A field at a dotted path of a JSON value; numeric segments index arrays. */
export function fieldAt(value: unknown, path: string): unknown {
  let at: unknown = value;
  for (const key of path.split('.')) {
    if (at === null || typeof at !== 'object') return undefined;
    at = (at as Record<string, unknown>)[key];
  }
  return at;
}

type Memory = Map<string, string>;

function fill<T>(value: T, memory: Memory): T {
  const text = JSON.stringify(value).replace(/\{(\w+)\}/g, (whole, name: string) => memory.get(name) ?? whole);
  return JSON.parse(text) as T;
}

interface Answer {
  readonly status: number;
  readonly json: unknown;
  readonly text: string;
}

async function send(target: ApiTarget, r: ApiRequest): Promise<Answer> {
  const body = r.body === undefined ? undefined : { contentType: r.contentType ?? 'application/json', json: r.body, raw: r.raw };
  const answer = await apiCall(r.token ? { ...target, token: r.token } : target, r.method, r.path, body, r.accept);
  let json: unknown;
  try {
    json = JSON.parse(answer.body);
  } catch {
    json = undefined;
  }
  return { status: answer.status, json, text: answer.body };
}

/** Why `answer` does not match `expect`, or undefined when it does. */
export function mismatch(answer: { status: number; json: unknown; text: string }, expect: Expect): string | undefined {
  if (answer.status !== expect.status) return `status ${answer.status}, expected ${expect.status}: ${answer.text.slice(0, 400)}`;
  for (const [path, want] of Object.entries(expect.fields ?? {})) {
    const got = fieldAt(answer.json, path);
    if (want === PRESENT && got !== undefined) continue;
    if (JSON.stringify(got) !== JSON.stringify(want)) return `${path} is ${JSON.stringify(got)}, expected ${JSON.stringify(want)}: ${answer.text.replace(/"managedFields":\[.*?\}\}\}\],/, "").slice(0, 1200)}`;
  }
  return undefined;
}

async function firstWatchEvent(target: ApiTarget, path: string, during?: ApiRequest): Promise<Answer> {
  const { request } = await import('node:https');
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), 15_000);
  try {
    return await new Promise<Answer>((resolve, reject) => {
      const req = request(new URL(path, target.url), { ca: target.caPem, signal: controller.signal, headers: { authorization: `Bearer ${target.token}`, accept: 'application/json' } }, (res) => {
        if (during) send(target, during).catch(reject);
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          text += chunk;
          const line = text.split('\n')[0] ?? '';
          if (!text.includes('\n')) return;
          let json: unknown;
          try {
            json = JSON.parse(line);
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, json, text: line });
          controller.abort();
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, json: undefined, text: `(stream ended) ${text}` }));
        res.on('error', () => {});
      });
      req.on('error', (e: Error) => (controller.signal.aborted ? resolve({ status: 0, json: undefined, text: 'no event within 15 s' }) : reject(e)));
      req.end();
    });
  } finally {
    clearTimeout(timer);
  }
}

async function runStep(target: ApiTarget, hooks: EngineHooks, step: Step, memory: Memory): Promise<string | undefined> {
  if ('send' in step) return mismatch(await send(target, fill(step.send, memory)), step.expect);
  if ('watch' in step) return mismatch(await firstWatchEvent(target, fill(step.watch, memory), step.during && fill(step.during, memory)), step.expect);
  if ('compact' in step) {
    await hooks.compact();
    return undefined;
  }
  if ('wait' in step) {
    await systemClock.sleep(step.wait);
    return undefined;
  }
  if ('remember' in step) {
    const answer = await send(target, fill(step.remember, memory));
    if (answer.status >= 300) return `status ${answer.status}: ${answer.text.slice(0, 300)}`;
    for (const [name, path] of Object.entries(step.as)) memory.set(name, String(fieldAt(answer.json, path)));
    return undefined;
  }
  const deadline = Date.now() + (step.timeoutMs ?? 30_000);
  let last: string | undefined;
  for (let attempt = 0; Date.now() < deadline; attempt++) {
    last = mismatch(await send(target, fill(step.until, memory)), step.expect);
    if (!last) return undefined;
    await systemClock.sleep(backoffDelay({ baseMs: 200, capMs: 1000 }, attempt));
  }
  return `still after ${(step.timeoutMs ?? 30_000) / 1000} s: ${last}`;
}

function describe(step: Step): string {
  if ('send' in step) return `${step.send.method} ${step.send.path}`;
  if ('until' in step) return `until ${step.until.method} ${step.until.path}`;
  if ('remember' in step) return `remember ${step.remember.path}`;
  if ('wait' in step) return `wait ${step.wait} ms`;
  if ('compact' in step) return 'compact';
  return `watch ${step.watch}`;
}

/** Plays the scenario in its namespace; the first step whose answer differs from the expectation, or undefined. */
export async function runScenario(target: ApiTarget, scenario: Scenario, hooks: EngineHooks): Promise<string | undefined> {
  const memory: Memory = new Map();
  const created = await send(target, { method: 'POST', path: '/api/v1/namespaces', body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: scenario.namespace } } });
  if (created.status !== 201) return `namespace ${scenario.namespace}: ${created.status} ${created.text.slice(0, 300)}`;
  for (const [i, step] of scenario.steps.entries()) {
    const wrong = await runStep(target, hooks, step, memory);
    if (wrong) return `step ${i + 1} (${describe(fill(step, memory))}): ${wrong}`;
  }
  return undefined;
}
