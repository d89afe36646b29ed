// The refusals a cluster call can end in that the engine acts on: a missing permission, which no retry
// cures and which the engine reports naming who lacked what. Adapters throw them; the engine catches them.
import type { Denial } from './cluster-views.ts';

/** A cluster call refused for want of a permission (HTTP 403 from RBAC or another authorizer). */
export class PermissionDenied extends Error {
  override name = 'PermissionDenied';
  /** What was being done ("cordon node a"). */
  readonly what: string;
  readonly denial: Denial;

  constructor(what: string, denial: Denial, o: { message?: string; cause?: unknown } = {}) {
    super(o.message ?? `${what}: ${denial.message}`, { cause: o.cause });
    this.what = what;
    this.denial = denial;
  }
}

/**
 * One line naming a denial: `system:serviceaccount:ops:daylight may not create pods/eviction in namespace
 * shop`, or the server's own message when it did not say who lacked what.
 */
export function denialText(d: Denial): string {
  if (!d.user) return `"${d.message}"`;
  const where = d.namespace ? ` in namespace ${d.namespace}` : '';
  const group = d.group ? ` (API group ${d.group})` : '';
  return `${d.user} may not ${d.verb} ${d.resource}${group}${where}`;
}
