// The deprecated-API scan: every object (from the cluster or from manifests) whose apiVersion and kind
// the table says is removed or deprecated by the time the upgrade reaches its target, with the fix.
import type { ApiIndex } from './api-index.ts';
import type { RemovedApi } from './data/removed-apis.ts';
import { minorName, minorOf } from './version.ts';

/**
 * Where an object was read: in a cluster (through the last-applied-configuration annotation, which
 * keeps the version it was written with, or as the API server serves it), or in a manifest file.
 */
export type ObjectSource =
  | { readonly type: 'cluster'; readonly cluster: string; readonly read: 'last-applied' | 'served'; readonly servedAs: string }
  | { readonly type: 'file'; readonly file: string; readonly line: number };

export interface ScannedObject {
  /** As written (manifest, last-applied annotation) or as served. */
  readonly apiVersion: string;
  readonly kind: string;
  readonly namespace?: string;
  /** "" when the object has none (a manifest without metadata.name). */
  readonly name: string;
  readonly source: ObjectSource;
}

/** The minors the path crosses: from `current` (excluded) to `target` (included). */
export interface ScanSpan {
  readonly current: number;
  readonly target: number;
}

export type FindingStatus = 'removed' | 'deprecated' | 'removed-later';

export interface ApiFinding {
  readonly object: ScannedObject;
  readonly api: RemovedApi;
  readonly status: FindingStatus;
  /** Removed at or before the target: the upgrade must not start while this is in use. */
  readonly blocking: boolean;
  /** When the API goes (relative to the path) and what to use instead. */
  readonly message: string;
}

/** How a table row stands on a path: removed by the target, deprecated by it, or removed only later. */
export function judgeApi(api: RemovedApi, span: ScanSpan): { status: FindingStatus; blocking: boolean } {
  const removed = minorOf(api.removedIn) ?? Infinity;
  const deprecated = api.deprecatedIn === undefined ? undefined : minorOf(api.deprecatedIn);
  if (removed <= span.target) return { status: 'removed', blocking: true };
  if (deprecated !== undefined && deprecated <= span.target) return { status: 'deprecated', blocking: false };
  return { status: 'removed-later', blocking: false };
}

/** The findings among `objects`, in their order: one Map lookup per object. */
export function scanObjects(objects: Iterable<ScannedObject>, index: ApiIndex, span: ScanSpan): ApiFinding[] {
  const findings: ApiFinding[] = [];
  const judged = new Map<RemovedApi, { status: FindingStatus; blocking: boolean; message: string }>();
  for (const object of objects) {
    const api = index.find(object.apiVersion, object.kind);
    if (!api) continue;
    let j = judged.get(api);
    if (!j) {
      const verdict = judgeApi(api, span);
      j = { ...verdict, message: findingMessage(api, verdict.status, span) };
      judged.set(api, j);
    }
    findings.push({ object, api, ...j });
  }
  return findings;
}

function findingMessage(api: RemovedApi, status: FindingStatus, span: ScanSpan): string {
  const removed = minorOf(api.removedIn) ?? Infinity;
  let head: string;
  if (status === 'removed') {
    head = removed <= span.current ? `removed in ${api.removedIn}, before the current ${minorName(span.current)}: it cannot be applied today either` : `removed in ${api.removedIn}, on the way to ${minorName(span.target)}`;
  } else if (status === 'deprecated') {
    head = `deprecated since ${api.deprecatedIn}, removed in ${api.removedIn}, after the target ${minorName(span.target)}`;
  } else {
    head = `removed in ${api.removedIn}, after the target ${minorName(span.target)}`;
  }
  return `${head}; ${replacementText(api, span)}${api.note ? ` (${api.note})` : ''}`;
}

function replacementText(api: RemovedApi, span: ScanSpan): string {
  if (api.replacement === null) return 'there is no replacement';
  const since = api.replacementSince === undefined ? undefined : minorOf(api.replacementSince);
  if (since === undefined) return `use ${api.replacement}`;
  if (since > span.current) return `use ${api.replacement}, served from ${api.replacementSince} on`;
  return `use ${api.replacement} (served since ${api.replacementSince})`;
}

/** "shop/web", or "web" for cluster-scoped objects, "(unnamed)" without a name. */
export function objectName(o: Pick<ScannedObject, 'namespace' | 'name'>): string {
  const name = o.name || '(unnamed)';
  return o.namespace ? `${o.namespace}/${name}` : name;
}

/** "cluster eu-central (last-applied-configuration)" or "manifests/app.yaml:12". */
export function sourceText(s: ObjectSource): string {
  if (s.type === 'file') return `${s.file}:${s.line}`;
  return s.read === 'last-applied' ? `cluster ${s.cluster} (last-applied-configuration)` : `cluster ${s.cluster} (served as ${s.servedAs})`;
}
