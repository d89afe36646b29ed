// `Status` objects exactly as a Kubernetes API server sends them for errors, so clients (kubectl,
// client-node, Daylight) see the reasons and messages they see on a real cluster.

export interface StatusCause {
  reason?: string;
  message?: string;
  field?: string;
}

export interface StatusBody {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: { continue?: string };
  status: 'Success' | 'Failure';
  message?: string;
  reason?: string;
  details?: { name?: string; group?: string; kind?: string; uid?: string; causes?: StatusCause[]; retryAfterSeconds?: number };
  code: number;
}

/** An error that the HTTP layer turns into a Status response. */
export class ApiError extends Error {
  readonly status: StatusBody;

  constructor(status: StatusBody) {
    super(status.message);
    this.status = status;
  }

  get code(): number {
    return this.status.code;
  }
}

interface Target {
  group: string;
  resource: string;
  name?: string;
}

function failure(code: number, reason: string, message: string, details?: StatusBody['details']): ApiError {
  const status: StatusBody = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code };
  if (details) status.details = details;
  return new ApiError(status);
}

function qualified(t: Target): string {
  return t.group ? `${t.resource}.${t.group}` : t.resource;
}

export function notFound(t: Target): ApiError {
  return failure(404, 'NotFound', `${qualified(t)} "${t.name ?? ''}" not found`, { name: t.name, group: t.group || undefined, kind: t.resource });
}

export function alreadyExists(t: Target): ApiError {
  return failure(409, 'AlreadyExists', `${qualified(t)} "${t.name ?? ''}" already exists`, { name: t.name, group: t.group || undefined, kind: t.resource });
}

export function conflict(t: Target, why = 'the object has been modified; please apply your changes to the latest version and try again'): ApiError {
  return failure(409, 'Conflict', `Operation cannot be fulfilled on ${qualified(t)} "${t.name ?? ''}": ${why}`, {
    name: t.name,
    group: t.group || undefined,
    kind: t.resource,
  });
}

/** 422 with one cause per invalid field, as validation errors come back from a real API server. */
export function invalid(t: Target & { kind: string }, causes: StatusCause[]): ApiError {
  // apimachinery's aggregate: one error alone, several in brackets.
  const errors = causes.map((c) => `${c.field}: ${c.message}`);
  const list = errors.length === 1 ? (errors[0] as string) : `[${errors.join(', ')}]`;
  const groupKind = t.group ? `${t.kind}.${t.group}` : t.kind;
  return failure(422, 'Invalid', `${groupKind} "${t.name ?? ''}" is invalid: ${list}`, {
    name: t.name,
    group: t.group || undefined,
    kind: t.kind,
    causes,
  });
}

export function badRequest(message: string): ApiError {
  return failure(400, 'BadRequest', message);
}

export function unauthorized(): ApiError {
  return failure(401, 'Unauthorized', 'Unauthorized');
}

export function methodNotAllowed(): ApiError {
  return failure(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
}

export function unsupportedMediaType(contentType: string): ApiError {
  return failure(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json (got ${contentType})`);
}

export function tooManyRequests(message: string, causes?: StatusCause[]): ApiError {
  return failure(429, 'TooManyRequests', message, causes ? { causes } : undefined);
}

export function internalError(message: string): ApiError {
  return failure(500, 'InternalError', `Internal error occurred: ${message}`, { causes: [{ message }] });
}

/**
 * A 500 built as a bare `metav1.Status` (code and message only, no reason, no causes), as the eviction
 * handler answers "more than one PodDisruptionBudget" (pkg/registry/core/pod/storage/eviction.go).
 */
export function plainInternalError(message: string): ApiError {
  return new ApiError({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, code: 500 });
}

export function gone(message: string): ApiError {
  return failure(410, 'Expired', message);
}

export function success(code = 200, details?: StatusBody['details']): StatusBody {
  const s: StatusBody = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code };
  if (details) s.details = details;
  return s;
}
