// The API server's error answers read once: status code, reason, message and causes from the Status
// body that client-node leaves as a raw JSON string in ApiException, and our own error for the rest.
import { ApiException } from '@kubernetes/client-node';

export interface ApiStatus {
  readonly code: number;
  readonly reason?: string;
  readonly message: string;
  readonly causes: readonly { readonly reason?: string; readonly message?: string }[];
  readonly retryAfter?: string;
}

/** A failed API call after retries, with the server's Status read out. */
export class KubeApiError extends Error {
  override name = 'KubeApiError';
  readonly status: ApiStatus;

  constructor(what: string, status: ApiStatus, cause: unknown) {
    super(`${what}: ${status.message} (HTTP ${status.code}${status.reason ? ` ${status.reason}` : ''})`, { cause });
    this.status = status;
  }

  get code(): number {
    return this.status.code;
  }
}

/** The Status of an API error answer; undefined for anything that is not one (transport failures). */
export function apiStatus(e: unknown): ApiStatus | undefined {
  if (e instanceof KubeApiError) return e.status;
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
  };
}

/** The HTTP status of an API error answer, or undefined. */
export function statusCode(e: unknown): number | undefined {
  return apiStatus(e)?.code;
}

/** Wraps an API error answer into a KubeApiError saying what was being done; other errors pass unchanged. */
export function describeApiError(what: string, e: unknown): unknown {
  if (e instanceof KubeApiError) return e;
  const status = apiStatus(e);
  return status ? new KubeApiError(what, status, e) : e;
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
