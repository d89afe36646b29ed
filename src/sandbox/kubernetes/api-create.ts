// Creating the fleet's objects through a real API server, as `kubectl create` would: one POST per object,
// "already exists" taken as done (the system namespaces), and a bounded retry while the control plane is
// still settling (a namespace's default ServiceAccount not yet created, a 5xx or 429 while it starts).
import { request } from 'node:https';
import { backoffDelay } from '../../lib/backoff.ts';
import { systemClock } from '../../lib/clock.ts';
import { mapLimit } from '../../lib/concurrency.ts';
import { apiCall } from './api-request.ts';
import type { FleetObject } from '../build.ts';

export interface ApiTarget {
  readonly url: string;
  readonly caPem: string;
  readonly token: string;
}

/** How the API server answered a create, classified once here. */
export type CreateOutcome = { kind: 'created' } | { kind: 'exists' } | { kind: 'retry'; why: string } | { kind: 'failed'; why: string };

/** Creates at once within one kind: a wave of nodes or pods, never the whole fleet in parallel. */
const PARALLEL_CREATES = 8;
const RETRY = { baseMs: 200, capMs: 2000 };
const RETRY_FOR_MS = 60_000;

/** Creates the objects in order, kind after kind, so namespaces exist before what lives in them. */
export async function createAll(target: ApiTarget, objects: readonly FleetObject[], signal?: AbortSignal): Promise<void> {
  const groups: FleetObject[][] = [];
  for (const o of objects) {
    const last = groups.at(-1);
    if (last && last[0]?.resource === o.resource) last.push(o);
    else groups.push([o]);
  }
  for (const group of groups) await mapLimit(group, PARALLEL_CREATES, (o) => createOne(target, o, signal));
}

async function createOne(target: ApiTarget, o: FleetObject, signal?: AbortSignal): Promise<void> {
  const deadline = Date.now() + RETRY_FOR_MS;
  for (let attempt = 0; ; attempt++) {
    const outcome = await post(target, collectionPath(o), JSON.stringify(o.object));
    if (outcome.kind === 'created' || outcome.kind === 'exists') return;
    if (outcome.kind === 'failed' || Date.now() >= deadline) {
      throw new Error(`could not create ${o.resource} ${describe(o)} on ${target.url}: ${outcome.why}`);
    }
    await systemClock.sleep(backoffDelay(RETRY, attempt), signal);
  }
}

/** `/api/v1/namespaces/shop/pods`, `/apis/apps/v1/namespaces/shop/deployments`, `/api/v1/nodes`. */
export function collectionPath(o: FleetObject): string {
  const apiVersion = String(o.object.apiVersion);
  const plural = o.resource.split('.')[0] as string;
  const root = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
  const namespace = o.object.metadata.namespace;
  return namespace ? `${root}/namespaces/${namespace}/${plural}` : `${root}/${plural}`;
}

function describe(o: FleetObject): string {
  const m = o.object.metadata;
  return m.namespace ? `${m.namespace}/${m.name}` : m.name;
}

export function classify(status: number, body: string): CreateOutcome {
  if (status === 201 || status === 200) return { kind: 'created' };
  if (status === 409 && /AlreadyExists/.test(body)) return { kind: 'exists' };
  const why = `${status} ${body.trim().slice(0, 500)}`;
  // The ServiceAccount admission refuses pods until the controller manager has made the namespace's
  // default ServiceAccount; 429 and 5xx are a control plane still starting.
  if (status === 429 || status >= 500 || /serviceaccount.*not found|service account/i.test(body)) return { kind: 'retry', why };
  return { kind: 'failed', why };
}

function post(target: ApiTarget, path: string, body: string): Promise<CreateOutcome> {
  return new Promise((resolve) => {
    const req = request(
      new URL(path, target.url),
      { method: 'POST', ca: target.caPem, timeout: 30_000, headers: { authorization: `Bearer ${target.token}`, 'content-type': 'application/json', accept: 'application/json' } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve(classify(res.statusCode ?? 0, Buffer.concat(chunks).toString('utf8'))));
        res.on('error', (e) => resolve({ kind: 'retry', why: e.message }));
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer from ${target.url} within 30 s`)));
    req.on('error', (e) => resolve({ kind: 'retry', why: e.message }));
    req.end(body);
  });
}

/**
 * Until every node in `names` is Ready (kwok registers each as it sees it): workloads created before that
 * would all be scheduled on the first nodes kwok got to, where a real cluster's nodes are up before its
 * applications are deployed.
 */
export async function waitNodesReady(target: ApiTarget, names: readonly string[], timeoutMs: number, signal?: AbortSignal): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (let attempt = 0; ; attempt++) {
    const answer = await apiCall(target, 'GET', '/api/v1/nodes').catch(() => undefined);
    const items = answer?.status === 200 ? ((JSON.parse(answer.body) as { items?: { metadata: { name: string }; status?: { conditions?: { type: string; status: string }[] } }[] }).items ?? []) : [];
    const ready = new Set(items.filter((n) => n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')).map((n) => n.metadata.name));
    const waiting = names.filter((n) => !ready.has(n));
    if (waiting.length === 0) return;
    if (Date.now() >= deadline) throw new Error(`nodes not Ready ${timeoutMs / 1000} s after they were created on ${target.url}: ${waiting.join(', ')}`);
    await systemClock.sleep(backoffDelay({ baseMs: 100, capMs: 500 }, attempt), signal);
  }
}

