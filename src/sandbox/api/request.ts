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
