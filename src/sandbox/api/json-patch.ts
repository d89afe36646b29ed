// RFC 6902 JSON patch with RFC 6901 pointers, as the API server applies application/json-patch+json.
// Operations run in order on one clone; the first failure throws, so a failed patch never leaves a
// half-applied result behind.
import { cloneJson, deepEqual, describePointer, escapePointerToken, isObject, own, PatchError, put } from './json-values.ts';
import type { JsonObject } from './json-values.ts';

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
