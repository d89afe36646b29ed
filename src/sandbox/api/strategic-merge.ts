// Strategic merge patch, as the API server applies application/strategic-merge-patch+json.
// The API server reads per-field merge rules from Go struct tags; the sandbox has
// no schemas, so the tags of the built-in types (k8s.io/api core/v1, apps/v1, batch/v1, ...) and
// k8s.io/apimachinery meta/v1 are copied into tables keyed by field name. Lists not listed here carry
// no patchStrategy in Kubernetes either (tolerations, taints, args, ...) and are replaced wholesale.
import { cloneJson, deepEqual, describePointer, escapePointerToken, isObject, own, PatchError, put } from './json-values.ts';
import type { JsonObject } from './json-values.ts';

type ListRule = { readonly kind: 'keyed'; readonly key: string } | { readonly kind: 'set' };

/** Lists merged by key wherever the field name appears: the names are unique to one Kubernetes type. */
const MERGE_KEYS: ReadonlyMap<string, string> = new Map([
  ['containers', 'name'],
  ['initContainers', 'name'],
  ['ephemeralContainers', 'name'],
  ['volumes', 'name'],
  ['env', 'name'],
  ['imagePullSecrets', 'name'],
  ['schedulingGates', 'name'],
  ['resourceClaims', 'name'],
  ['resourceClaimStatuses', 'name'],
  ['allocatedResourcesStatus', 'name'],
  ['webhooks', 'name'],
  ['matchConditions', 'name'],
  ['volumeMounts', 'mountPath'],
  ['volumeDevices', 'devicePath'],
  ['hostAliases', 'ip'],
  ['podIPs', 'ip'],
  ['hostIPs', 'ip'],
  ['topologySpreadConstraints', 'topologyKey'],
  ['ownerReferences', 'uid'],
]);

/** Generic names that merge only under one parent field: Endpoints' addresses or a Namespace's
 *  spec.finalizers are atomic in Kubernetes, node status addresses and metadata.finalizers are not. */
const SCOPED_RULES: ReadonlyMap<string, { readonly parent: string; readonly rule: ListRule }> = new Map([
  ['conditions', { parent: 'status', rule: { kind: 'keyed', key: 'type' } }],
  ['addresses', { parent: 'status', rule: { kind: 'keyed', key: 'type' } }],
  ['reservedFor', { parent: 'status', rule: { kind: 'keyed', key: 'uid' } }],
  ['secrets', { parent: '', rule: { kind: 'keyed', key: 'name' } }],
  ['drivers', { parent: 'spec', rule: { kind: 'keyed', key: 'name' } }],
  ['finalizers', { parent: 'metadata', rule: { kind: 'set' } }],
  ['podCIDRs', { parent: 'spec', rule: { kind: 'set' } }],
]);

const CONTAINER_LISTS = new Set(['containers', 'initContainers', 'ephemeralContainers']);

/** Where the merge is in the tree: field names from the root (list items add none) for rule lookup,
 *  and the JSON pointer into the patch document for error messages. */
interface Where {
  readonly fields: readonly string[];
  readonly pointer: string;
}

const ROOT: Where = { fields: [], pointer: '' };
const OMIT = Symbol('omit');
const DELETE_FROM_PRIMITIVE_LIST = '$deleteFromPrimitiveList/';

function fieldAt(at: Where, key: string): Where {
  return { fields: [...at.fields, key], pointer: `${at.pointer}/${escapePointerToken(key)}` };
}

function itemAt(at: Where, index: number): Where {
  return { fields: at.fields, pointer: `${at.pointer}/${index}` };
}

function smpError(at: Where, message: string): PatchError {
  return new PatchError(`strategic merge patch: ${message} at ${describePointer(at.pointer)}`);
}

export function applyStrategicMergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) throw smpError(ROOT, 'the patch must be a JSON object');
  const base = cloneJson(target);
  const merged = mergeMap(isObject(base) ? base : undefined, patch, ROOT);
  return merged === OMIT ? {} : merged;
}

/** Merges `patch` into `original` (edited in place); undefined original means the field is new. */
function mergeMap(original: JsonObject | undefined, patch: JsonObject, at: Where): JsonObject | typeof OMIT {
  if (Object.hasOwn(patch, '$patch')) return mapDirective(original, patch, at);
  const result = original ?? {};
  retainKeys(result, patch, at);
  deleteFromPrimitiveLists(result, patch, at);
  for (const [key, value] of Object.entries(patch)) {
    // $setElementOrder only reorders and every other "$" key is a directive, never data to store.
    if (key.startsWith('$')) continue;
    mergeField(result, key, value, fieldAt(at, key));
  }
  return result;
}

function mergeField(result: JsonObject, key: string, value: unknown, at: Where): void {
  if (value === null) {
    delete result[key];
    return;
  }
  const merged = mergeValue(own(result, key), value, at);
  if (merged === OMIT) delete result[key];
  else put(result, key, merged);
}

function mergeValue(original: unknown, patch: unknown, at: Where): unknown {
  if (isObject(patch)) return mergeMap(isObject(original) ? original : undefined, patch, at);
  if (Array.isArray(patch)) return mergeList(Array.isArray(original) ? original : undefined, patch, at);
  return patch;
}

function mapDirective(original: JsonObject | undefined, patch: JsonObject, at: Where): JsonObject | typeof OMIT {
  const directive = own(patch, '$patch');
  if (directive === 'replace') {
    const { $patch: _directive, ...rest } = patch;
    return mergeMap(undefined, rest, at);
  }
  // Kubernetes empties an existing map rather than removing its field; a new one is never created.
  if (directive === 'delete') return original === undefined ? OMIT : {};
  throw smpError(at, `unknown $patch directive ${JSON.stringify(directive)} on a map (want "replace" or "delete")`);
}

function retainKeys(result: JsonObject, patch: JsonObject, at: Where): void {
  if (!Object.hasOwn(patch, '$retainKeys')) return;
  const keep = own(patch, '$retainKeys');
  if (!Array.isArray(keep) || !keep.every((key) => typeof key === 'string')) {
    throw smpError(at, '$retainKeys must be a list of field names');
  }
  const unlisted = Object.keys(patch).find((key) => !key.startsWith('$') && patch[key] !== null && !keep.includes(key));
  if (unlisted !== undefined) throw smpError(at, `field "${unlisted}" is set but missing from $retainKeys`);
  for (const key of Object.keys(result)) {
    if (!keep.includes(key)) delete result[key];
  }
}

function deleteFromPrimitiveLists(result: JsonObject, patch: JsonObject, at: Where): void {
  for (const [key, values] of Object.entries(patch)) {
    if (!key.startsWith(DELETE_FROM_PRIMITIVE_LIST)) continue;
    const field = key.slice(DELETE_FROM_PRIMITIVE_LIST.length);
    const where = fieldAt(at, key);
    if (field === '') throw smpError(where, 'the directive names no list field');
    if (!Array.isArray(values)) throw smpError(where, 'the values to delete must be a list');
    const current = own(result, field);
    if (Array.isArray(current)) put(result, field, current.filter((item) => !values.some((v) => deepEqual(v, item))));
  }
}

function mergeList(original: unknown[] | undefined, patch: unknown[], at: Where): unknown[] {
  const rule = original === undefined ? undefined : listRule(at.fields, original, patch);
  if (original === undefined || rule === undefined) return materializeList(patch, at);
  if (rule.kind === 'set') return mergeSet(original, patch);
  return mergeKeyedList(original, patch, rule.key, at);
}

/** The rule for a list, or undefined when it is atomic; a rule whose item shape does not fit the data
 *  (a CRD reusing a name for a list of strings) falls back to atomic instead of failing the request. */
function listRule(fields: readonly string[], original: unknown[], patch: unknown[]): ListRule | undefined {
  const items = [...original, ...patch];
  const rule = ruleByName(fields, items);
  if (rule?.kind === 'keyed' && !items.every(isObject)) return undefined;
  if (rule?.kind === 'set' && !items.every((item) => !isObject(item) && !Array.isArray(item))) return undefined;
  return rule;
}

function ruleByName(fields: readonly string[], items: unknown[]): ListRule | undefined {
  const name = fields.at(-1) ?? '';
  const parent = fields.at(-2) ?? '';
  if (name === 'ports') return portsRule(fields, items);
  const key = MERGE_KEYS.get(name);
  if (key !== undefined) return { kind: 'keyed', key };
  const scoped = SCOPED_RULES.get(name);
  return scoped?.parent === parent ? scoped.rule : undefined;
}

// Container ports merge by containerPort and Service spec.ports by port; other "ports" lists
// (EndpointSlice, NetworkPolicy, Endpoints) are atomic in Kubernetes.
function portsRule(fields: readonly string[], items: unknown[]): ListRule | undefined {
  const inContainer = CONTAINER_LISTS.has(fields.at(-2) ?? '');
  if (inContainer || items.some((item) => isObject(item) && Object.hasOwn(item, 'containerPort'))) {
    return { kind: 'keyed', key: 'containerPort' };
  }
  return fields.length === 2 && fields[0] === 'spec' ? { kind: 'keyed', key: 'port' } : undefined;
}

/** A list that replaces (or creates) a field: directive items are dropped and nested maps are
 *  materialized, so no "$" key or null from the patch ends up stored. */
function materializeList(patch: unknown[], at: Where): unknown[] {
  const result: unknown[] = [];
  patch.forEach((item, index) => {
    if (isObject(item) && Object.hasOwn(item, '$patch')) return;
    const value = mergeValue(undefined, item, itemAt(at, index));
    if (value !== OMIT) result.push(value);
  });
  return result;
}

function mergeSet(original: unknown[], patch: unknown[]): unknown[] {
  const merged: unknown[] = [];
  for (const item of [...original, ...patch]) {
    if (!merged.some((seen) => deepEqual(seen, item))) merged.push(item);
  }
  return orderLikeKubernetes(merged, { patchIds: patch, serverIds: original, idOf: (item) => item });
}

interface ListPatch {
  items: { readonly item: JsonObject; readonly at: Where }[];
  deleteIds: unknown[];
  replace: boolean;
}

function mergeKeyedList(original: unknown[], patch: unknown[], key: string, at: Where): unknown[] {
  const { items, deleteIds, replace } = splitListPatch(patch, key, at);
  const idOf = (item: unknown): unknown => (isObject(item) ? own(item, key) : undefined);
  if (replace) return items.map(({ item, at: where }) => mergeMap(undefined, item, where));
  const kept = original.filter((item) => !deleteIds.some((id) => deepEqual(id, idOf(item))));
  const merged = [...kept];
  for (const { item, at: where } of items) {
    const index = merged.findIndex((existing) => deepEqual(idOf(existing), own(item, key)));
    const existing = merged[index];
    const value = mergeMap(isObject(existing) ? existing : undefined, item, where);
    if (index >= 0) merged[index] = value;
    else merged.push(value);
  }
  return orderLikeKubernetes(merged, { patchIds: items.map(({ item }) => own(item, key)), serverIds: kept.map(idOf), idOf });
}

function splitListPatch(patch: unknown[], key: string, at: Where): ListPatch {
  const result: ListPatch = { items: [], deleteIds: [], replace: false };
  patch.forEach((item, index) => {
    if (!isObject(item)) throw smpError(itemAt(at, index), `list items merged by "${key}" must be objects`);
    const where = itemAt(at, index);
    const directive = own(item, '$patch');
    if (directive === 'replace') result.replace = true;
    else if (!Object.hasOwn(item, key)) throw smpError(where, `list item has no merge key "${key}"`);
    else if (directive === 'delete') result.deleteIds.push(own(item, key));
    else if (directive === undefined) result.items.push({ item, at: where });
    else throw smpError(where, `unknown $patch directive ${JSON.stringify(directive)} on a list item (want "replace" or "delete")`);
  });
  return result;
}

interface Ordering {
  readonly patchIds: unknown[];
  readonly serverIds: unknown[];
  readonly idOf: (item: unknown) => unknown;
}

/** Kubernetes' order for merged lists: items named in the patch keep the patch's order, the others
 *  keep the live order, and the two are interleaved by live position, so new items come first. */
function orderLikeKubernetes(merged: unknown[], { patchIds, serverIds, idOf }: Ordering): unknown[] {
  const indexIn = (ids: unknown[], item: unknown): number => ids.findIndex((id) => deepEqual(id, idOf(item)));
  const fromPatch = merged.filter((item) => indexIn(patchIds, item) >= 0);
  fromPatch.sort((a, b) => indexIn(patchIds, a) - indexIn(patchIds, b));
  const serverOnly = merged.filter((item) => indexIn(patchIds, item) < 0);
  const result: unknown[] = [];
  let i = 0;
  let j = 0;
  while (i < serverOnly.length || j < fromPatch.length) {
    const left = indexIn(serverIds, serverOnly[i]);
    const right = indexIn(serverIds, fromPatch[j]);
    const takeLeft = j >= fromPatch.length || (i < serverOnly.length && left >= 0 && right >= 0 && left < right);
    result.push(takeLeft ? serverOnly[i++] : fromPatch[j++]);
  }
  return result;
}

