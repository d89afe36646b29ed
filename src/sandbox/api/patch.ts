// PATCH request bodies applied to stored objects the way the Kubernetes API server does it: JSON merge
// patch (RFC 7386), JSON patch (RFC 6902) and strategic merge patch for the built-in fields that matter.

export type PatchType = 'merge' | 'strategic' | 'json';

/** A patch document that cannot be applied; the API layer answers these with 422/400, not 500. */
export class PatchError extends Error {
  override name = 'PatchError';
}

type JsonObject = Record<string, unknown>;

const CONTENT_TYPES: ReadonlyMap<string, PatchType> = new Map([
  ['application/merge-patch+json', 'merge'],
  ['application/strategic-merge-patch+json', 'strategic'],
  ['application/json-patch+json', 'json'],
]);

/** content type header -> PatchType, or undefined for unsupported (e.g. application/apply-patch+yaml) */
export function patchTypeOf(contentType: string | undefined): PatchType | undefined {
  if (contentType === undefined) return undefined;
  const mediaType = contentType.split(';')[0]?.trim().toLowerCase() ?? '';
  return CONTENT_TYPES.get(mediaType);
}

/** Applies a patch to a JSON object, returning a NEW object (never mutate `target`). */
export function applyPatch(target: unknown, patch: unknown, type: PatchType): unknown {
  switch (type) {
    case 'merge':
      return applyMergePatch(target, patch);
    case 'json':
      return applyJsonPatch(target, patch);
    case 'strategic':
      return applyStrategicMergePatch(target, patch);
  }
}

// ---------------------------------------------------------------------------------------------------
// Shared JSON helpers. Every algorithm below clones the target once and then edits the clone in place:
// the result shares nothing with the stored object or the patch, so callers may mutate it freely.

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function own(object: JsonObject, key: string): unknown {
  return Object.hasOwn(object, key) ? object[key] : undefined;
}

// defineProperty rather than assignment: a patch may carry a "__proto__" key, which must stay data.
function put(object: JsonObject, key: string, value: unknown): void {
  Object.defineProperty(object, key, { value, writable: true, enumerable: true, configurable: true });
}

function cloneJson(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(cloneJson);
  if (!isObject(value)) return value;
  const copy: JsonObject = {};
  for (const [key, child] of Object.entries(value)) put(copy, key, cloneJson(child));
  return copy;
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((item, i) => deepEqual(item, b[i]));
  }
  if (isObject(a) && isObject(b)) {
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((k) => Object.hasOwn(b, k) && deepEqual(a[k], b[k]));
  }
  return a === b;
}

function escapePointerToken(token: string): string {
  return token.replaceAll('~', '~0').replaceAll('/', '~1');
}

function describePointer(pointer: string): string {
  return pointer === '' ? 'the document root' : `"${pointer}"`;
}

// ---------------------------------------------------------------------------------------------------
// RFC 7386 JSON merge patch.

export function applyMergePatch(target: unknown, patch: unknown): unknown {
  return mergePatchInto(cloneJson(target), patch);
}

function mergePatchInto(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return cloneJson(patch);
  const result = isObject(target) ? target : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else put(result, key, mergePatchInto(own(result, key), value));
  }
  return result;
}

// ---------------------------------------------------------------------------------------------------
// RFC 6902 JSON patch with RFC 6901 pointers. Operations run in order on one clone; the first failure
// throws, so a failed patch never leaves a half-applied result behind.

const OPERATIONS = ['add', 'remove', 'replace', 'move', 'copy', 'test'] as const;
type OperationName = (typeof OPERATIONS)[number];

interface Operation {
  readonly op: OperationName;
  readonly path: readonly string[];
  readonly from: readonly string[];
  readonly value: unknown;
  readonly label: string;
}

export function applyJsonPatch(target: unknown, ops: unknown): unknown {
  if (!Array.isArray(ops)) throw new PatchError('json patch: the document must be an array of operations');
  let doc = cloneJson(target);
  ops.forEach((raw, index) => {
    doc = applyOperation(doc, parseOperation(raw, index));
  });
  return doc;
}

function isOperationName(value: unknown): value is OperationName {
  return OPERATIONS.some((name) => name === value);
}

function parseOperation(raw: unknown, index: number): Operation {
  const where = `json patch operation ${index}`;
  if (!isObject(raw)) throw new PatchError(`${where}: must be an object`);
  const op = own(raw, 'op');
  if (!isOperationName(op)) throw new PatchError(`${where}: "op" must be one of ${OPERATIONS.join(', ')}, got ${JSON.stringify(op)}`);
  const label = `${where} (${op})`;
  const path = parsePointer(requireString(raw, 'path', label), label);
  const needsFrom = op === 'move' || op === 'copy';
  const from = needsFrom ? parsePointer(requireString(raw, 'from', label), label) : [];
  const needsValue = op === 'add' || op === 'replace' || op === 'test';
  if (needsValue && !Object.hasOwn(raw, 'value')) throw new PatchError(`${label}: "value" is required`);
  return { op, path, from, value: own(raw, 'value'), label };
}

function requireString(raw: JsonObject, field: string, label: string): string {
  const value = own(raw, field);
  if (typeof value !== 'string') throw new PatchError(`${label}: "${field}" must be a JSON pointer string`);
  return value;
}

function parsePointer(pointer: string, label: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw new PatchError(`${label}: JSON pointer "${pointer}" must be empty or start with "/"`);
  return pointer.slice(1).split('/').map((token) => {
    if (/~(?![01])/.test(token)) throw new PatchError(`${label}: JSON pointer "${pointer}" has a "~" not followed by 0 or 1`);
    // ~1 before ~0, so that "~01" decodes to "~1" and not to "/" (RFC 6901 section 4).
    return token.replaceAll('~1', '/').replaceAll('~0', '~');
  });
}

function formatPointer(tokens: readonly string[]): string {
  return tokens.map((token) => `/${escapePointerToken(token)}`).join('');
}

function applyOperation(doc: unknown, operation: Operation): unknown {
  const { op, path, from, value, label } = operation;
  switch (op) {
    case 'add':
      return addAt(doc, path, cloneJson(value), label);
    case 'remove':
      return removeAt(doc, path, label);
    case 'replace':
      return replaceAt(doc, path, cloneJson(value), label);
    case 'move':
      return moveAt(doc, operation);
    case 'copy':
      return addAt(doc, path, cloneJson(getAt(doc, from, label)), label);
    case 'test':
      if (!deepEqual(getAt(doc, path, label), value)) {
        throw new PatchError(`${label}: value at "${formatPointer(path)}" is not equal to ${JSON.stringify(value)}`);
      }
      return doc;
  }
}

function moveAt(doc: unknown, { path, from, label }: Operation): unknown {
  const fromPointer = formatPointer(from);
  if (formatPointer(path).startsWith(`${fromPointer}/`)) {
    throw new PatchError(`${label}: cannot move "${fromPointer}" into its own child "${formatPointer(path)}"`);
  }
  const value = getAt(doc, from, label);
  return addAt(removeAt(doc, from, label), path, value, label);
}

function getAt(doc: unknown, path: readonly string[], label: string): unknown {
  let current = doc;
  path.forEach((token, depth) => {
    current = childOf(current, token, { label, path: path.slice(0, depth + 1) });
  });
  return current;
}

function childOf(container: unknown, token: string, at: { label: string; path: readonly string[] }): unknown {
  const missing = (): PatchError => new PatchError(`${at.label}: path "${formatPointer(at.path)}" does not exist`);
  if (Array.isArray(container)) {
    const index = arrayIndex(token, at.label);
    if (index >= container.length) throw missing();
    return container[index];
  }
  if (!isObject(container) || !Object.hasOwn(container, token)) throw missing();
  return container[token];
}

function arrayIndex(token: string, label: string): number {
  if (!/^(0|[1-9][0-9]*)$/.test(token)) throw new PatchError(`${label}: "${token}" is not a valid array index`);
  return Number(token);
}

function addAt(doc: unknown, path: readonly string[], value: unknown, label: string): unknown {
  if (path.length === 0) return value;
  const parentPath = path.slice(0, -1);
  const parent = getAt(doc, parentPath, label);
  const last = path.at(-1) ?? '';
  if (Array.isArray(parent)) {
    const index = last === '-' ? parent.length : arrayIndex(last, label);
    if (index > parent.length) throw new PatchError(`${label}: index ${index} is out of bounds at "${formatPointer(parentPath)}"`);
    parent.splice(index, 0, value);
  } else if (isObject(parent)) {
    put(parent, last, value);
  } else {
    throw new PatchError(`${label}: cannot add "${last}" to a non-container at ${describePointer(formatPointer(parentPath))}`);
  }
  return doc;
}

// In place rather than remove-then-add, so a replaced member keeps its position among its siblings.
function replaceAt(doc: unknown, path: readonly string[], value: unknown, label: string): unknown {
  getAt(doc, path, label);
  if (path.length === 0) return value;
  const parent = getAt(doc, path.slice(0, -1), label);
  const last = path.at(-1) ?? '';
  if (Array.isArray(parent)) parent[Number(last)] = value;
  else if (isObject(parent)) put(parent, last, value);
  return doc;
}

function removeAt(doc: unknown, path: readonly string[], label: string): unknown {
  if (path.length === 0) throw new PatchError(`${label}: cannot remove the document root`);
  getAt(doc, path, label);
  const parent = getAt(doc, path.slice(0, -1), label);
  const last = path.at(-1) ?? '';
  if (Array.isArray(parent)) parent.splice(Number(last), 1);
  else if (isObject(parent)) delete parent[last];
  return doc;
}

// ---------------------------------------------------------------------------------------------------
// Strategic merge patch. The API server reads per-field merge rules from Go struct tags; the sandbox has
// no schemas, so the tags of the built-in types (k8s.io/api core/v1, apps/v1, batch/v1, ...) and
// k8s.io/apimachinery meta/v1 are copied into tables keyed by field name. Lists not listed here carry
// no patchStrategy in Kubernetes either (tolerations, taints, args, ...) and are replaced wholesale.

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
