// A permission the API server refused, in the run's words: what Daylight was doing, and who may not do
// what, where (the verb, the resource with its subresource, the identity), so a person knows what to grant.
import { denialText } from './ports/errors.ts';
import type { Denial } from './ports/cluster-views.ts';

/** `cordon node a refused by the API server: system:serviceaccount:ops:daylight may not patch nodes (HTTP 403 Forbidden); grant ...`. */
export function refusedText(what: string, d: Denial): string {
  const fix = d.user ? "grant that permission to Daylight's identity (RBAC) and run again" : 'a policy of the cluster refuses it, so no retry would pass; have it allow Daylight, then run again';
  return `${what} refused by the API server: ${denialText(d)} (HTTP 403 Forbidden); ${fix}`;
}
