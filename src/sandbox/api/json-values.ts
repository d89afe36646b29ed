// JSON values as the sandbox's PATCH algorithms edit them (merge, JSON patch, strategic merge): every
// algorithm clones the target once and then edits the clone in place, so the result shares nothing with
// the stored object or the patch, and callers may mutate it freely.

/** A patch document that cannot be applied; the API layer answers these with 422/400, not 500. */
export class PatchError extends Error {
  override name = 'PatchError';
}

export type JsonObject = Record<string, unknown>;

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function own(object: JsonObject, key: string): unknown {
  return Object.hasOwn(object, key) ? object[key] : undefined;
}

// defineProperty rather than assignment: a patch may carry a "__proto__" key, which must stay data.
export function put(object: JsonObject, key: string, value: unknown): void {
  Object.defineProperty(object, key, { value, writable: true, enumerable: true, configurable: true });
}

export function cloneJson(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(cloneJson);
  if (!isObject(value)) return value;
  const copy: JsonObject = {};
  for (const [key, child] of Object.entries(value)) put(copy, key, cloneJson(child));
  return copy;
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((item, i) => deepEqual(item, b[i]));
  }
  if (isObject(a) && isObject(b)) {
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((k) => Object.hasOwn(b, k) && deepEqual(a[k], b[k]));
  }
  return a === b;
}

export function escapePointerToken(token: string): string {
  return token.replaceAll('~', '~0').replaceAll('/', '~1');
}

export function describePointer(pointer: string): string {
  return pointer === '' ? 'the document root' : `"${pointer}"`;
}
