// The live cluster's objects of the kinds in the removed-APIs table, for the deprecated-API scan: found
// through discovery, listed once per served resource type (paged), each read with the apiVersion it was
// written with where the last-applied-configuration annotation keeps it.
import type { KubeApi } from '../kube/api.ts';
import { apiStatus, isRecord, KubeApiError } from '../kube/api-error.ts';
import type { ApiStatus } from '../kube/api-error.ts';
import { PAGE_SIZE } from '../kube/reads.ts';
import { mapLimit } from '../lib/concurrency.ts';
import { errorMessage } from '../lib/errors.ts';
import type { ApiIndex } from './api-index.ts';
import type { ScannedObject } from './api-scan.ts';

export const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';
/** Discovery and list requests in flight at once. */
const CONCURRENCY = 4;
/** A continue token can expire (410) on a long list; start over this many times. */
const LIST_RESTARTS = 2;

export interface ServedResource {
  readonly group: string;
  readonly version: string;
  /** Plural name in URLs. */
  readonly resource: string;
  readonly kind: string;
}

export interface ClusterObjects {
  readonly objects: ScannedObject[];
  /** What was listed, with how many objects each list had. */
  readonly listed: readonly { readonly resource: ServedResource; readonly count: number }[];
  /** Objects without a readable last-applied-configuration: only their served version could be checked. */
  readonly servedOnly: number;
  /** Lists that failed for good (forbidden, for instance): these objects are not in the scan. */
  readonly unreadable: readonly { readonly what: string; readonly message: string }[];
  /** HTTP requests made. */
  readonly requests: number;
}

export interface ClusterObjectsOptions {
  /** The cluster's name, for the objects' source. */
  readonly cluster: string;
  readonly index: ApiIndex;
  readonly signal?: AbortSignal;
}

export async function readClusterObjects(api: KubeApi, o: ClusterObjectsOptions): Promise<ClusterObjects> {
  const counter = { requests: 0 };
  const get = (what: string, path: string) => getJson(api, { what, path, signal: o.signal, counter });
  const resources = await servedResources(get, o.index);
  const unreadable: { what: string; message: string }[] = [];
  const lists = await mapLimit(resources, CONCURRENCY, async (resource) => {
    try {
      return { resource, objects: await listObjects(get, resource, o.cluster) };
    } catch (e: unknown) {
      const status = apiStatus(e);
      if (!status || status.code >= 500) throw e;
      unreadable.push({ what: `${apiVersion(resource)} ${resource.resource}`, message: errorMessage(e) });
      return { resource, objects: [] };
    }
  });
  const objects = lists.flatMap((l) => l.objects);
  return {
    objects,
    listed: lists.map((l) => ({ resource: l.resource, count: l.objects.length })),
    servedOnly: objects.filter((x) => x.source.type === 'cluster' && x.source.read === 'served').length,
    unreadable,
    requests: counter.requests,
  };
}

type Get = (what: string, path: string) => Promise<unknown>;

interface GroupInfo {
  readonly name: string;
  readonly versions: readonly string[];
  readonly preferred?: string;
}

/**
 * One served resource per kind of the table: looked for in the groups the table names, at the group's
 * preferred version first; where a kind is served by several groups or versions, one not in the table
 * (the current one) is listed, as every version of a resource shows the same objects.
 */
export async function servedResources(get: Get, index: ApiIndex): Promise<ServedResource[]> {
  const groups = readGroups(await get('discover API groups', '/apis')).filter((g) => index.kindsByGroup.has(g.name));
  const found = await mapLimit(groups, CONCURRENCY, (g) => groupResources(get, g, index.kindsByGroup.get(g.name) ?? new Set()));
  const byKind = new Map<string, ServedResource>();
  for (const r of found.flat()) {
    const chosen = byKind.get(r.kind);
    if (!chosen || (index.find(apiVersion(chosen), chosen.kind) && !index.find(apiVersion(r), r.kind))) byKind.set(r.kind, r);
  }
  return [...byKind.values()];
}

/** The group's resources of the wanted kinds: from the preferred version, and from others for kinds it lacks. */
async function groupResources(get: Get, g: GroupInfo, kinds: ReadonlySet<string>): Promise<ServedResource[]> {
  const out: ServedResource[] = [];
  const missing = new Set(kinds);
  const order = [...(g.preferred ? [g.preferred] : []), ...g.versions.filter((v) => v !== g.preferred)];
  for (const version of order) {
    if (missing.size === 0) break;
    const list = await get(`discover ${g.name}/${version}`, `/apis/${g.name}/${version}`);
    for (const r of readResources(list)) {
      if (!missing.has(r.kind)) continue;
      missing.delete(r.kind);
      out.push({ group: g.name, version, resource: r.name, kind: r.kind });
    }
  }
  return out;
}

function readGroups(body: unknown): GroupInfo[] {
  const groups = isRecord(body) && Array.isArray(body.groups) ? body.groups.filter(isRecord) : [];
  return groups.map((g) => ({
    name: String(g.name ?? ''),
    versions: (Array.isArray(g.versions) ? g.versions.filter(isRecord) : []).map((v) => String(v.version ?? '')),
    ...(isRecord(g.preferredVersion) && typeof g.preferredVersion.version === 'string' ? { preferred: g.preferredVersion.version } : {}),
  }));
}

function readResources(body: unknown): { name: string; kind: string }[] {
  const resources = isRecord(body) && Array.isArray(body.resources) ? body.resources.filter(isRecord) : [];
  return resources
    .map((r) => ({ name: String(r.name ?? ''), kind: String(r.kind ?? ''), verbs: Array.isArray(r.verbs) ? r.verbs : [] }))
    .filter((r) => r.name && !r.name.includes('/') && r.verbs.includes('list'));
}

/** Every object of one resource type, page by page, started over when a continue token expires. */
async function listObjects(get: Get, r: ServedResource, cluster: string): Promise<ScannedObject[]> {
  for (let restart = 0; ; restart++) {
    try {
      const objects: ScannedObject[] = [];
      let cont: string | undefined;
      do {
        const query = new URLSearchParams({ limit: String(PAGE_SIZE), ...(cont ? { continue: cont } : {}) });
        const page = await get(`list ${r.resource}.${r.group}`, `/apis/${r.group}/${r.version}/${r.resource}?${query}`);
        const items = isRecord(page) && Array.isArray(page.items) ? page.items : [];
        for (const item of items) objects.push(scannedObject(item, r, cluster));
        cont = isRecord(page) && isRecord(page.metadata) && typeof page.metadata.continue === 'string' && page.metadata.continue ? page.metadata.continue : undefined;
      } while (cont);
      return objects;
    } catch (e: unknown) {
      if (apiStatus(e)?.code !== 410 || restart >= LIST_RESTARTS) throw e;
    }
  }
}

/** The object as written (last-applied-configuration) or else as served. */
export function scannedObject(item: unknown, r: ServedResource, cluster: string): ScannedObject {
  const meta = isRecord(item) && isRecord(item.metadata) ? item.metadata : {};
  const annotations = isRecord(meta.annotations) ? meta.annotations : {};
  const servedAs = apiVersion(r);
  const written = lastApplied(annotations[LAST_APPLIED]);
  const base = { name: typeof meta.name === 'string' ? meta.name : '', ...(typeof meta.namespace === 'string' ? { namespace: meta.namespace } : {}) };
  if (written) return { ...base, apiVersion: written.apiVersion, kind: written.kind ?? r.kind, source: { type: 'cluster', cluster, read: 'last-applied', servedAs } };
  return { ...base, apiVersion: servedAs, kind: r.kind, source: { type: 'cluster', cluster, read: 'served', servedAs } };
}

function lastApplied(annotation: unknown): { apiVersion: string; kind?: string } | undefined {
  if (typeof annotation !== 'string' || annotation === '') return undefined;
  try {
    const v: unknown = JSON.parse(annotation);
    if (!isRecord(v) || typeof v.apiVersion !== 'string') return undefined;
    return typeof v.kind === 'string' ? { apiVersion: v.apiVersion, kind: v.kind } : { apiVersion: v.apiVersion };
  } catch {
    return undefined;
  }
}

function apiVersion(r: Pick<ServedResource, 'group' | 'version'>): string {
  return r.group ? `${r.group}/${r.version}` : r.version;
}

/** A GET outside the generated clients, retried like every API call; an error answer becomes a KubeApiError. */
async function getJson(api: KubeApi, o: { what: string; path: string; signal?: AbortSignal; counter: { requests: number } }): Promise<unknown> {
  return api.call(
    o.what,
    async () => {
      o.counter.requests++;
      const res = await api.raw('GET', o.path, undefined, o.signal);
      if (res.status >= 400) throw new KubeApiError(o.what, statusOf(res), undefined);
      return JSON.parse(res.body) as unknown;
    },
    { signal: o.signal },
  );
}

function statusOf(res: { status: number; body: string }): ApiStatus {
  let body: unknown;
  try {
    body = JSON.parse(res.body);
  } catch {
    body = undefined;
  }
  const message = isRecord(body) && typeof body.message === 'string' ? body.message : `the API server answered HTTP ${res.status}`;
  return { code: res.status, ...(isRecord(body) && typeof body.reason === 'string' ? { reason: body.reason } : {}), message, causes: [] };
}
