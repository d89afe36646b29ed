// The parsed form of an API request that handlers work with, and the target a URL names.
import type { ResourceType } from '../resources.ts';

export interface ApiTarget {
  readonly type: ResourceType;
  /** Store key of the type: `pods`, `deployments.apps`. */
  readonly key: string;
  readonly namespace?: string;
  readonly name?: string;
  readonly subresource?: string;
}

export interface ApiRequest {
  readonly method: string;
  readonly query: URLSearchParams;
  readonly accept: string | undefined;
  readonly contentType: string | undefined;
  readonly body: unknown;
}

export interface ApiReply {
  readonly status: number;
  readonly body: unknown;
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * A boolean query parameter as the API server reads it (apimachinery `Convert_Slice_string_To_bool`):
 * absent, "0" or "false" in any case is false; anything else, `True` and the empty string included, is true.
 */
export function queryBool(q: URLSearchParams, name: string): boolean {
  const v = q.get(name);
  return v !== null && v !== '0' && v.toLowerCase() !== 'false';
}
