// The API server's error answers read once: status code, reason, message and causes from the Status
// body that client-node leaves as a raw JSON string in ApiException, and our own error for the rest.
import { ApiException } from '@kubernetes/client-node';
import { PermissionDenied } from '../engine/ports/errors.ts';
import type { Denial } from '../engine/ports/cluster-views.ts';

export { denialText, PermissionDenied } from '../engine/ports/errors.ts';

export interface ApiStatus {
  readonly code: number;
  readonly reason?: string;
  readonly message: string;
  readonly causes: readonly { readonly reason?: string; readonly message?: string }[];
  readonly retryAfter?: string;
  /** details.kind and details.name: the resource (plural) and object the answer is about. */
  readonly kind?: string;
  readonly name?: string;
}

/** A failed API call after retries, with the server's Status read out. */
export class KubeApiError extends Error {
  override name = 'KubeApiError';
  readonly status: ApiStatus;
  /** What was being done ("cordon node a"). */
  readonly what: string;

  constructor(what: string, status: ApiStatus, cause: unknown) {
    super(apiErrorMessage(what, status), { cause });
    this.status = status;
    this.what = what;
  }

  get code(): number {
    return this.status.code;
  }
}

/**
 * The engine's PermissionDenied with the Status the server sent: what the adapter throws for a 403 that
 * names a missing permission, worded as every other API error is.
 */
export class KubePermissionDenied extends PermissionDenied {
  readonly status: ApiStatus;

  constructor(what: string, denial: Denial, status: ApiStatus, cause: unknown) {
    super(what, denial, { message: apiErrorMessage(what, status), cause });
    this.status = status;
  }

  get code(): number {
    return this.status.code;
  }
}

function apiErrorMessage(what: string, status: ApiStatus): string {
  return `${what}: ${status.message} (HTTP ${status.code}${status.reason ? ` ${status.reason}` : ''})`;
}

/** The Status of an API error answer; undefined for anything that is not one (transport failures). */
export function apiStatus(e: unknown): ApiStatus | undefined {
  if (e instanceof KubeApiError || e instanceof KubePermissionDenied) return e.status;
  if (!(e instanceof ApiException)) return undefined;
  const code = typeof e.code === 'number' ? e.code : 0;
  const body = parseBody(e.body);
  const headers: Record<string, string> = typeof e.headers === 'object' && e.headers !== null ? e.headers : {};
  const message = typeof body.message === 'string' && body.message ? body.message : defaultMessage(code, e.body);
  const details = isRecord(body.details) ? body.details : {};
  const causes = Array.isArray(details.causes) ? details.causes.filter(isRecord).map(readCause) : [];
  return {
    code,
    reason: typeof body.reason === 'string' ? body.reason : undefined,
    message,
    causes,
    retryAfter: headers['retry-after'],
    ...(typeof details.kind === 'string' ? { kind: details.kind } : {}),
    ...(typeof details.name === 'string' ? { name: details.name } : {}),
  };
}

const FORBIDDEN = /User "((?:[^"\\]|\\.)*)" cannot (\S+) resource "([^"]*)"(?: in API group "([^"]*)")?(?: in the namespace "([^"]*)"| at the cluster scope)?/;

/**
 * The permission an answer says was missing, or undefined when it is no permission problem. A 403 that a
 * disruption budget gives (a cause of type DisruptionBudget: "pdb disruptions allowed is negative") is a
 * budget's refusal, not a missing permission. A 403 in other words (an admission webhook's policy, another
 * authorizer) is still a refusal no retry cures: it keeps the server's message, and no identity.
 */
/** The cause of the 403 an eviction gets in a namespace being deleted (`corev1.NamespaceTerminatingCause`). */
export const NAMESPACE_TERMINATING = 'NamespaceTerminating';

export function denial(e: unknown): Denial | undefined {
  if (e instanceof PermissionDenied) return e.denial;
  const status = apiStatus(e);
  if (status?.code !== 403) return undefined;
  if (status.causes.some((c) => c.reason === 'DisruptionBudget' || c.reason === NAMESPACE_TERMINATING)) return undefined;
  const m = FORBIDDEN.exec(status.message);
  if (m) {
    return {
      user: (m[1] ?? '').replace(/\\(.)/g, '$1'),
      verb: m[2] ?? '',
      resource: m[3] ?? '',
      ...(m[4] ? { group: m[4] } : {}),
      ...(m[5] ? { namespace: m[5] } : {}),
      message: status.message,
    };
  }
  return { verb: '', resource: status.kind ?? '', user: '', message: status.message };
}

/** Retry-After in whole seconds, as the API server sends it; undefined when absent or not a number of seconds. */
export function retryAfterSeconds(status: ApiStatus): number | undefined {
  const raw = status.retryAfter?.trim();
  return raw && /^\d+$/.test(raw) ? Number(raw) : undefined;
}

/** The HTTP status of an API error answer, or undefined. */
export function statusCode(e: unknown): number | undefined {
  return apiStatus(e)?.code;
}

/** Wraps an API error answer into a KubeApiError saying what was being done; other errors pass unchanged. */
export function describeApiError(what: string, e: unknown): unknown {
  if (e instanceof KubeApiError || e instanceof KubePermissionDenied) return e;
  const status = apiStatus(e);
  if (!status) return e;
  const refused = denial(e);
  return refused ? new KubePermissionDenied(what, refused, status, e) : new KubeApiError(what, status, e);
}

function readCause(c: Record<string, unknown>): { reason?: string; message?: string } {
  return {
    reason: typeof c.reason === 'string' ? c.reason : undefined,
    message: typeof c.message === 'string' ? c.message : undefined,
  };
}

function parseBody(body: unknown): Record<string, unknown> {
  if (isRecord(body)) return body;
  if (typeof body !== 'string') return {};
  try {
    const v: unknown = JSON.parse(body);
    return isRecord(v) ? v : {};
  } catch {
    return {};
  }
}

function defaultMessage(code: number, body: unknown): string {
  if (typeof body === 'string' && body.trim() && body.length < 500) return body.trim();
  return `the API server answered HTTP ${code}`;
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
