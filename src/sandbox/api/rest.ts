// The REST verbs of the Kubernetes API over one region's store: get, list, create, update, patch, delete,
// and the subresources status, scale and eviction, with the status codes and bodies of a real server.
import { randomUUID } from 'node:crypto';
import type { KObject, ObjectMeta, Pod } from '../k8s-types.ts';
import type { Region } from '../region.ts';
import { apiVersionOf } from '../resources.ts';
import { evict } from '../sim/eviction.ts';
import { iso, isDaemonSetPod } from '../sim/objects.ts';
import { deletePod } from '../sim/pods.ts';
import { admitCreate, podUpdateCauses, validateName } from './admission.ts';
import { compileFieldSelector } from './fields.ts';
import { decodeTimes, DecodeError, eventsV1CreateCauses, fromEventsV1, kindCauses, toEventsV1 } from './kinds.ts';
import { negotiate } from './negotiate.ts';
import { applyPatch, PatchError, patchTypeOf } from './patch.ts';
import { serverSideApply } from './apply.ts';
import type { ApiReply, ApiRequest, ApiTarget } from './request.ts';
import { isObject, queryBool } from './request.ts';
import { parseFieldSelector, parseLabelSelector, SelectorError } from '../../lib/selectors.ts';
import * as S from './status.ts';
import { ApiError } from './status.ts';
import { toTable } from './table.ts';
import type { IncludeObject } from './table.ts';

export class RestHandler {
  private readonly region: Region;

  constructor(region: Region) {
    this.region = region;
  }

  private get now(): number {
    return this.region.ctx.clock.nowMs();
  }

  private get store() {
    return this.region.store;
  }

  get(t: ApiTarget, req: ApiRequest): ApiReply {
    const o = this.mustGet(t);
    if (t.subresource === 'scale') return { status: 200, body: scaleOf(o) };
    return { status: 200, body: this.represent(t, [o], req, false) };
  }

  list(t: ApiTarget, req: ApiRequest): ApiReply {
    const filter = this.filterFor(t, req.query);
    const limit = Number(req.query.get('limit') ?? '0') || Infinity;
    const token = req.query.get('continue');
    const from = token ? decodeContinue(token) : undefined;
    if (from && from.rv >= 0 && from.rv < this.store.compactedRevision) {
      // The snapshot the token continues is compacted away: 410, with a token that continues inconsistently.
      throw new ApiError({ kind: 'Status', apiVersion: 'v1', metadata: { continue: encodeContinue(from.key, -1) }, status: 'Failure', message: CONTINUE_EXPIRED, reason: 'Expired', code: 410 });
    }
    const after = from?.key;
    const page = this.podsOfNode(t, req.query, { after, limit, filter }) ?? this.store.page(t.key, { namespace: t.namespace, after, limit, filter });
    const rv = String(this.store.resourceVersion);
    const metadata: Record<string, unknown> = { resourceVersion: rv };
    if (page.next !== undefined) {
      metadata.continue = encodeContinue(page.next, from && from.rv < 0 ? -1 : this.store.resourceVersion);
      if (!req.query.get('labelSelector') && !req.query.get('fieldSelector')) metadata.remainingItemCount = page.remaining;
    }
    return { status: 200, body: this.represent(t, page.items, req, true, metadata) };
  }

  /**
   * Pods of one node (`fieldSelector=spec.nodeName=X`) from the node index, as a real API server serves
   * them from its watch cache's index instead of scanning every pod; undefined for any other list.
   */
  private podsOfNode(t: ApiTarget, q: URLSearchParams, o: { after?: string; limit: number; filter?: (o: KObject) => boolean }): { items: KObject[]; next?: string; remaining: number } | undefined {
    if (t.key !== 'pods') return undefined;
    const node = /(?:^|,)spec\.nodeName==?([^,]+)(?:,|$)/.exec(q.get('fieldSelector') ?? '')?.[1];
    if (!node) return undefined;
    const keyOf = (p: KObject) => `${p.metadata.namespace}/${p.metadata.name}`;
    const pods = this.region.pods.podsOn(node).filter((p) => (!t.namespace || p.metadata.namespace === t.namespace) && (!o.filter || o.filter(p)) && (o.after === undefined || keyOf(p) > o.after));
    pods.sort((a, b) => (keyOf(a) < keyOf(b) ? -1 : 1));
    const items = pods.slice(0, o.limit);
    return items.length < pods.length ? { items, next: keyOf(items.at(-1) as KObject), remaining: pods.length - items.length } : { items, remaining: 0 };
  }

  /** A predicate from labelSelector and fieldSelector; throws ApiError 400 on a malformed one. */
  filterFor(t: ApiTarget, q: URLSearchParams): ((o: KObject) => boolean) | undefined {
    try {
      const labels = q.get('labelSelector');
      const fields = q.get('fieldSelector');
      const lm = labels ? parseLabelSelector(labels) : undefined;
      const fm = fields ? compileFieldSelector(t.type.resource, parseFieldSelector(fields)) : undefined;
      if (!lm && !fm) return undefined;
      return (o) => (!lm || lm(o.metadata.labels)) && (!fm || fm(o));
    } catch (e: unknown) {
      if (e instanceof SelectorError) throw S.badRequest(e.message);
      throw e;
    }
  }

  /** JSON, Table or partial metadata, as the Accept header asks. */
  represent(t: ApiTarget, stored: KObject[], req: ApiRequest, asList: boolean, metadata: Record<string, unknown> = {}): unknown {
    const items = stored.map((o) => viewOf(t, o));
    const rep = negotiate(req.accept);
    if (rep.as === 'Table') {
      const include = (req.query.get('includeObject') ?? 'Metadata') as IncludeObject;
      const table = toTable(t.key, items, this.now, include);
      return { ...table, apiVersion: `meta.k8s.io/${rep.version}`, metadata: asList ? metadata : { resourceVersion: items[0]?.metadata.resourceVersion } };
    }
    if (rep.as === 'PartialObjectMetadata') {
      const partial = items.map((o) => ({ kind: 'PartialObjectMetadata', apiVersion: `meta.k8s.io/${rep.version}`, metadata: o.metadata }));
      return asList ? { kind: 'PartialObjectMetadataList', apiVersion: `meta.k8s.io/${rep.version}`, metadata, items: partial } : partial[0];
    }
    if (!asList) return items[0];
    return { kind: `${t.type.kind}List`, apiVersion: apiVersionOf(t.type), metadata, items };
  }

  create(t: ApiTarget, req: ApiRequest): ApiReply {
    if (t.subresource === 'eviction') return this.evict(t, req);
    if (t.subresource) throw S.methodNotAllowed();
    const body = storedForm(t, this.bodyObject(t, req));
    const meta = (isObject(body.metadata) ? body.metadata : {}) as Partial<ObjectMeta>;
    const namespace = this.namespaceFor(t, meta.namespace);
    const name = meta.name || (meta.generateName ? `${meta.generateName}${this.region.ctx.rng.suffix(5)}` : '');
    const nameCauses = validateName(t.type, name);
    if (nameCauses.length) throw S.invalid({ group: t.type.group, resource: t.type.resource, kind: t.type.kind, name }, nameCauses);
    if (namespace && !this.store.get('namespaces', undefined, namespace)) throw S.notFound({ group: '', resource: 'namespaces', name: namespace });
    if (this.store.get(t.key, namespace, name)) throw S.alreadyExists({ group: t.type.group, resource: t.type.resource, name });
    const metadata: ObjectMeta = {
      ...meta,
      name,
      ...(namespace ? { namespace } : {}),
      uid: randomUUID(),
      resourceVersion: '',
      creationTimestamp: iso(this.now),
      ...(t.type.generation ? { generation: 1 } : {}),
    };
    delete metadata.deletionTimestamp;
    const draft = decoded(t, { ...body, apiVersion: t.type.storedAs ? body.apiVersion : apiVersionOf(t.type), kind: t.type.kind, metadata } as KObject);
    const { object, causes } = admitCreate(t.type, draft);
    causes.push(...(t.type.group === 'events.k8s.io' ? eventsV1CreateCauses(object) : kindCauses(t.key, object)));
    if (causes.length) throw S.invalid({ group: t.type.group, resource: t.type.resource, kind: t.type.kind, name }, causes);
    if (isDryRun(req)) return { status: 201, body: viewOf(t, object) };
    const stored = this.store.create(t.key, object);
    this.region.requestSettle();
    return { status: 201, body: viewOf(t, this.store.get(t.key, namespace, name) ?? stored) };
  }

  update(t: ApiTarget, req: ApiRequest): ApiReply {
    const current = this.mustGet(t);
    const body = storedForm(t, this.bodyObject(t, req));
    if (t.subresource === 'scale') return this.writeScale(t, current, body, req);
    const meta = isObject(body.metadata) ? (body.metadata as Partial<ObjectMeta>) : {};
    if (meta.name && meta.name !== t.name) throw S.badRequest(`the name of the object (${meta.name}) does not match the name on the URL (${t.name})`);
    if (meta.resourceVersion && meta.resourceVersion !== current.metadata.resourceVersion) throw S.conflict({ group: t.type.group, resource: t.type.resource, name: t.name });
    // The body's metadata replaces the stored one (a finalizer or label left out is removed); write() keeps
    // the identity and deletion fields.
    return this.write(t, current, decoded(t, { ...body, metadata: meta } as KObject), req);
  }

  patch(t: ApiTarget, req: ApiRequest): ApiReply {
    if (isApplyPatch(req.contentType) && !t.subresource) return this.apply(t, req);
    const current = this.mustGet(t);
    const type = patchTypeOf(req.contentType);
    if (!type || (type === 'strategic' && !isBuiltIn(t))) throw S.unsupportedMediaType(req.contentType ?? '');
    const source = t.subresource === 'scale' ? scaleOf(current) : viewOf(t, current);
    let next: unknown;
    try {
      next = applyPatch(source, req.body, type);
    } catch (e: unknown) {
      if (e instanceof PatchError) throw type === 'json' ? S.invalid({ group: t.type.group, resource: t.type.resource, kind: t.type.kind, name: t.name }, [{ message: e.message, field: '' }]) : S.badRequest(e.message);
      throw e;
    }
    if (!isObject(next)) throw S.badRequest('the patch did not produce an object');
    if (t.subresource === 'scale') return this.writeScale(t, current, next, req);
    next = storedForm(t, next);
    try {
      next = decodeTimes(t.key, next as KObject);
    } catch (e: unknown) {
      // A patched object that no longer decodes: kube-apiserver blames the patch (422), not the request (400).
      if (e instanceof DecodeError) throw S.invalid({ group: '', resource: '', kind: '', name: '' }, [{ reason: 'FieldValueInvalid', message: `Invalid value: ${JSON.stringify(JSON.stringify(next))}: ${e.message}`, field: 'patch' }]);
      throw e;
    }
    if (!isObject(next)) throw S.badRequest('the patch did not produce an object');
    const meta = (isObject(next.metadata) ? next.metadata : {}) as Partial<ObjectMeta>;
    if (isObject(req.body) && isObject(req.body.metadata) && req.body.metadata.resourceVersion && req.body.metadata.resourceVersion !== current.metadata.resourceVersion) {
      throw S.conflict({ group: t.type.group, resource: t.type.resource, name: t.name });
    }
    // The patched metadata as it is: a key the patch removed (`finalizers: null`) stays removed.
    return this.write(t, current, { ...next, metadata: meta } as KObject, req);
  }

  /** Server-side apply: creates the object when absent, else merges the manager's fields (apply.ts). */
  private apply(t: ApiTarget, req: ApiRequest): ApiReply {
    const manager = req.query.get('fieldManager');
    if (!manager) {
      throw new ApiError({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch', reason: 'Invalid', details: { group: 'meta.k8s.io', kind: 'PatchOptions', causes: [{ reason: 'FieldValueRequired', message: 'Required value: is required for apply patch', field: 'fieldManager' }] }, code: 422 });
    }
    const body = this.bodyObject(t, req);
    const meta = isObject(body.metadata) ? body.metadata : {};
    if (meta.name !== undefined && meta.name !== t.name) throw S.badRequest(`the name of the object (${String(meta.name)}) does not match the name on the URL (${t.name})`);
    const current = this.store.get(t.key, t.namespace, t.name ?? '');
    const outcome = serverSideApply(current ? viewOf(t, current) : undefined, { ...body, metadata: { ...meta, name: t.name } }, manager, queryBool(req.query, 'force'), iso(this.now));
    if (outcome.kind === 'conflict') throw new ApiError({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: outcome.message, reason: 'Conflict', details: { causes: outcome.causes }, code: 409 });
    if (!current) return this.create({ ...t, name: undefined }, { ...req, body: outcome.object });
    return this.write(t, current, decoded(t, storedForm(t, outcome.object as unknown as Record<string, unknown>) as unknown as KObject), req);
  }

  /** Stores an update: identity fields stay, status only through /status, generation follows spec. */
  private write(t: ApiTarget, current: KObject, next: KObject, req: ApiRequest): ApiReply {
    const keep = { uid: current.metadata.uid, creationTimestamp: current.metadata.creationTimestamp, name: current.metadata.name, namespace: current.metadata.namespace, deletionTimestamp: current.metadata.deletionTimestamp, deletionGracePeriodSeconds: current.metadata.deletionGracePeriodSeconds };
    let object: KObject;
    if (t.subresource === 'status') {
      object = { ...current, status: next.status };
    } else {
      const hasStatus = t.type.subresources?.includes('status');
      object = { ...next, apiVersion: current.apiVersion, kind: current.kind, metadata: stripUndefined({ ...next.metadata, ...keep }), ...(hasStatus ? { status: current.status } : {}) };
      if (t.type.generation && JSON.stringify(current.spec) !== JSON.stringify(object.spec)) object.metadata.generation = (current.metadata.generation ?? 1) + 1;
      else if (current.metadata.generation !== undefined) object.metadata.generation = current.metadata.generation;
    }
    if (t.key === 'pods' && !t.subresource) {
      const causes = podUpdateCauses(current as Pod, object as Pod);
      if (causes.length) throw S.invalid({ group: '', resource: 'pods', kind: 'Pod', name: t.name }, causes);
    }
    const causes = t.subresource ? [] : kindCauses(t.key, object);
    if (causes.length) throw S.invalid({ group: t.type.group, resource: t.type.resource, kind: t.type.kind, name: t.name }, causes);
    if (isDryRun(req)) return { status: 200, body: viewOf(t, object) };
    this.store.replace(t.key, object);
    if (object.metadata.deletionTimestamp && !object.metadata.finalizers?.length && (t.key !== 'pods' || object.metadata.deletionGracePeriodSeconds === 0)) {
      // A deleted object goes with its last finalizer; a pod only once its kubelet has stopped it (grace 0).
      this.store.remove(t.key, t.namespace, t.name as string);
    }
    this.region.requestSettle();
    return { status: 200, body: viewOf(t, this.store.get(t.key, t.namespace, t.name as string) ?? object) };
  }

  private writeScale(t: ApiTarget, current: KObject, scale: Record<string, unknown>, req: ApiRequest): ApiReply {
    const replicas = isObject(scale.spec) ? scale.spec.replicas : undefined;
    if (typeof replicas !== 'number' || replicas < 0 || !Number.isInteger(replicas)) {
      throw S.invalid({ group: t.type.group, resource: t.type.resource, kind: 'Scale', name: t.name }, [{ reason: 'FieldValueInvalid', message: `Invalid value: ${JSON.stringify(replicas)}: must be greater than or equal to 0`, field: 'spec.replicas' }]);
    }
    const next = { ...current, spec: { ...(current.spec as object), replicas } } as KObject;
    this.write({ ...t, subresource: undefined }, current, next, req);
    return { status: 200, body: scaleOf(this.mustGet(t)) };
  }

  remove(t: ApiTarget, req: ApiRequest): ApiReply {
    const current = this.mustGet(t);
    const opts = deleteOptions(req);
    const pre = opts.preconditions;
    if (pre?.uid && pre.uid !== current.metadata.uid) throw S.conflict({ group: t.type.group, resource: t.type.resource, name: t.name }, `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${current.metadata.uid}`);
    if (pre?.resourceVersion && pre.resourceVersion !== current.metadata.resourceVersion) throw S.conflict({ group: t.type.group, resource: t.type.resource, name: t.name }, `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${current.metadata.resourceVersion}`);
    if (isDryRun(req)) return { status: 200, body: viewOf(t, current) };
    const result = this.deleteObject(t, current, opts);
    this.region.requestSettle();
    return { status: 200, body: viewOf(t, result) };
  }

  deleteCollection(t: ApiTarget, req: ApiRequest): ApiReply {
    const items = this.store.page(t.key, { namespace: t.namespace, limit: Infinity, filter: this.filterFor(t, req.query) }).items;
    const opts = deleteOptions(req);
    if (!isDryRun(req)) for (const o of items) this.deleteObject({ ...t, name: o.metadata.name, namespace: o.metadata.namespace }, o, opts);
    this.region.requestSettle();
    return { status: 200, body: { kind: `${t.type.kind}List`, apiVersion: apiVersionOf(t.type), metadata: { resourceVersion: String(this.store.resourceVersion) }, items } };
  }

  private deleteObject(t: ApiTarget, current: KObject, opts: DeleteOptions): KObject {
    if (opts.propagationPolicy === 'Orphan') this.orphanDependents(current);
    if (t.key === 'pods') {
      const pod = current as Pod;
      if (!pod.metadata.deletionTimestamp && pod.status?.phase === 'Running' && !isDaemonSetPod(pod)) {
        this.region.ctx.referee.podKilledWithoutEviction(this.region.name, pod, 'deleted through the API instead of evicted');
      }
      return deletePod(this.region.ctx, pod, opts.gracePeriodSeconds);
    }
    if (t.key === 'namespaces' || current.metadata.finalizers?.length) {
      const marked = { ...current, metadata: { ...current.metadata, deletionTimestamp: current.metadata.deletionTimestamp ?? iso(this.now), deletionGracePeriodSeconds: 0 } };
      if (t.key === 'namespaces') (marked as { status?: unknown }).status = { phase: 'Terminating' };
      return this.store.replace(t.key, marked);
    }
    return this.store.remove(t.key, t.namespace, current.metadata.name) ?? current;
  }

  private orphanDependents(owner: KObject): void {
    for (const d of this.region.ctx.owners.dependents(owner.metadata.uid)) {
      const o = this.store.get(d.resource, d.namespace, d.name);
      if (!o) continue;
      const refs = (o.metadata.ownerReferences ?? []).filter((r) => r.uid !== owner.metadata.uid);
      this.store.replace(d.resource, { ...o, metadata: { ...o.metadata, ownerReferences: refs.length ? refs : undefined } });
    }
  }

  private evict(t: ApiTarget, req: ApiRequest): ApiReply {
    const pod = this.mustGet({ ...t, subresource: undefined }) as Pod;
    const body = isObject(req.body) ? req.body : {};
    const meta = isObject(body.metadata) ? body.metadata : {};
    if (meta.name !== undefined && meta.name !== t.name) throw S.badRequest(`name in URL does not match name in Eviction object`);
    const opts = isObject(body.deleteOptions) ? body.deleteOptions : {};
    const pre = isObject(opts.preconditions) ? opts.preconditions : {};
    if (typeof pre.uid === 'string' && pre.uid !== pod.metadata.uid) throw S.conflict({ group: '', resource: 'pods', name: t.name }, `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${pod.metadata.uid}`);
    const grace = typeof opts.gracePeriodSeconds === 'number' ? opts.gracePeriodSeconds : undefined;
    const dryRun = isDryRun(req) || (Array.isArray(opts.dryRun) && opts.dryRun.includes('All'));
    const outcome = evict(this.region.ctx, this.region.disruption, { pod, gracePeriodSeconds: grace, dryRun });
    if (outcome.kind === 'blocked') throw S.tooManyRequests(outcome.message, [{ reason: 'DisruptionBudget', message: outcome.cause }]);
    if (outcome.kind === 'misconfigured') throw S.plainInternalError(outcome.message);
    this.region.requestSettle();
    return { status: 201, body: S.success(201) };
  }

  private mustGet(t: ApiTarget): KObject {
    const o = this.store.get(t.key, t.namespace, t.name ?? '');
    if (!o) throw S.notFound({ group: t.type.group, resource: t.type.resource, name: t.name });
    return o;
  }

  private bodyObject(t: ApiTarget, req: ApiRequest): Record<string, unknown> {
    if (!isObject(req.body)) throw S.badRequest(`the body of the request is not a ${t.type.kind} object`);
    const b = req.body;
    if (t.subresource !== 'scale' && !t.subresource && b.kind !== undefined && b.kind !== t.type.kind) {
      throw S.badRequest(`the kind of the object (${String(b.kind)}) does not match the resource (${t.type.kind})`);
    }
    return b;
  }

  private namespaceFor(t: ApiTarget, bodyNamespace: string | undefined): string | undefined {
    if (!t.type.namespaced) return undefined;
    if (bodyNamespace && t.namespace && bodyNamespace !== t.namespace) throw S.badRequest('the namespace of the provided object does not match the namespace sent on the request');
    return t.namespace ?? bodyNamespace ?? 'default';
  }
}

interface DeleteOptions {
  gracePeriodSeconds?: number;
  propagationPolicy?: string;
  preconditions?: { uid?: string; resourceVersion?: string };
}

function deleteOptions(req: ApiRequest): DeleteOptions {
  const b = isObject(req.body) ? req.body : {};
  const q = req.query;
  const grace = q.get('gracePeriodSeconds') ?? b.gracePeriodSeconds;
  const out: DeleteOptions = {};
  if (grace !== undefined && grace !== null && Number.isFinite(Number(grace))) out.gracePeriodSeconds = Math.max(0, Number(grace));
  const policy = q.get('propagationPolicy') ?? b.propagationPolicy ?? (b.orphanDependents === true ? 'Orphan' : undefined);
  if (typeof policy === 'string') out.propagationPolicy = policy;
  if (isObject(b.preconditions)) out.preconditions = b.preconditions as DeleteOptions['preconditions'];
  return out;
}

/** A stored object as the request's API serves it: an events.k8s.io/v1 Event for that group, else as stored. */
export function viewOf(t: ApiTarget, o: KObject): KObject {
  return t.type.group === 'events.k8s.io' && t.type.storedAs ? toEventsV1(o) : o;
}

/** A request body in the form it is stored in (an events.k8s.io/v1 Event as a core Event). */
function storedForm(t: ApiTarget, body: Record<string, unknown>): Record<string, unknown> {
  return t.type.group === 'events.k8s.io' && t.type.storedAs ? fromEventsV1(body) : body;
}

/** The object with its MicroTime fields decoded, or 400 as kube-apiserver answers a body it cannot decode. */
function decoded(t: ApiTarget, o: KObject): KObject {
  try {
    return decodeTimes(t.key, o);
  } catch (e: unknown) {
    if (e instanceof DecodeError) throw S.badRequest(`${t.type.kind} in version "${t.type.version}" cannot be handled as a ${t.type.kind}: ${e.message}`);
    throw e;
  }
}

function isApplyPatch(contentType: string | undefined): boolean {
  return (contentType ?? '').split(';')[0]?.trim().toLowerCase().startsWith('application/apply-patch') ?? false;
}

function isDryRun(req: ApiRequest): boolean {
  if (req.query.getAll('dryRun').includes('All')) return true;
  return isObject(req.body) && Array.isArray(req.body.dryRun) && req.body.dryRun.includes('All');
}

function isBuiltIn(t: ApiTarget): boolean {
  return !t.type.custom;
}

function scaleOf(o: KObject): unknown {
  const spec = (o.spec ?? {}) as { replicas?: number; selector?: { matchLabels?: Record<string, string> } };
  const status = (o.status ?? {}) as { replicas?: number };
  const selector = Object.entries(spec.selector?.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`).join(',');
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: { name: o.metadata.name, namespace: o.metadata.namespace, uid: o.metadata.uid, resourceVersion: o.metadata.resourceVersion, creationTimestamp: o.metadata.creationTimestamp },
    spec: { replicas: spec.replicas ?? 1 },
    status: { replicas: status.replicas ?? 0, selector },
  };
}

const CONTINUE_EXPIRED =
  'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.';

/** A continue token: the last key listed and the resourceVersion of the list (-1: none to keep). */
function encodeContinue(key: string, rv: number): string {
  return Buffer.from(JSON.stringify({ v: 1, k: key, rv })).toString('base64url');
}

function decodeContinue(token: string): { key: string; rv: number } {
  try {
    const v: unknown = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    if (isObject(v) && typeof v.k === 'string') return { key: v.k, rv: typeof v.rv === 'number' ? v.rv : -1 };
  } catch {
    // fall through to the error below
  }
  throw S.badRequest('continue key is not valid: the token was not issued by this server');
}

function stripUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
