// PATCH request bodies applied to stored objects the way the Kubernetes API server does it: JSON merge
// patch (RFC 7386) here, JSON patch (RFC 6902) in json-patch.ts and strategic merge patch for the built-in
// fields that matter in strategic-merge.ts.
import { applyJsonPatch } from './json-patch.ts';
import { cloneJson, isObject, own, put } from './json-values.ts';
import { applyStrategicMergePatch } from './strategic-merge.ts';

export { PatchError } from './json-values.ts';
export { applyJsonPatch } from './json-patch.ts';
export { applyStrategicMergePatch } from './strategic-merge.ts';

export type PatchType = 'merge' | 'strategic' | 'json';

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
