// What a real API server does with Leases and Events beyond storing them: it decodes their MicroTime
// fields strictly (RFC 3339 with exactly six fractional digits, else the request cannot be decoded: 400),
// stores those times in UTC, validates the fields clients get wrong (a Lease's duration, an Event's
// reporting fields), and serves core Events a second time as `events.k8s.io/v1` Events with renamed fields.
import type { KObject } from '../k8s-types.ts';
import { isObject } from './request.ts';
import type { StatusCause } from './status.ts';

/** Go's layout for metav1.MicroTime, quoted in the decode error as kube-apiserver quotes it. */
const MICRO_LAYOUT = '2006-01-02T15:04:05.000000Z07:00';
const MICRO = /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)\.(\d{6})(Z|[+-]\d\d:\d\d)$/;

/** The MicroTime fields of each stored resource, as dotted paths. */
const MICRO_FIELDS: Readonly<Record<string, readonly string[]>> = {
  'leases.coordination.k8s.io': ['spec.acquireTime', 'spec.renewTime'],
  events: ['eventTime', 'series.lastObservedTime'],
};

export class DecodeError extends Error {}

/** A MicroTime as the server stores it (UTC, six digits), or a DecodeError with Go's parse message. */
export function microTime(value: unknown): string | null {
  if (value === null) return null;
  const text = String(value);
  const m = typeof value === 'string' ? MICRO.exec(text) : null;
  const ms = m ? Date.parse(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}.${(m[7] as string).slice(0, 3)}${m[8]}`) : NaN;
  if (!m || Number.isNaN(ms)) throw new DecodeError(`parsing time ${JSON.stringify(text)} as ${JSON.stringify(MICRO_LAYOUT)}: cannot parse ${JSON.stringify(text)} as RFC 3339 with microseconds`);
  // An offset moves whole minutes: the six fractional digits stay as written.
  return `${new Date(ms).toISOString().slice(0, 19)}.${m[7] as string}Z`;
}

/** The object with its MicroTime fields decoded and normalised; throws DecodeError for one that is not a MicroTime. */
export function decodeTimes(key: string, o: KObject): KObject {
  const fields = MICRO_FIELDS[key];
  if (!fields) return o;
  let out = o;
  for (const path of fields) {
    const [head, leaf] = path.includes('.') ? (path.split('.') as [string, string]) : [undefined, path];
    const parent = head === undefined ? (out as unknown as Record<string, unknown>) : (out as unknown as Record<string, unknown>)[head];
    if (!isObject(parent) || parent[leaf] === undefined) continue;
    const value = microTime(parent[leaf]);
    if (value === parent[leaf]) continue;
    out = head === undefined ? ({ ...out, [leaf]: value } as KObject) : ({ ...out, [head]: { ...parent, [leaf]: value } } as KObject);
  }
  return out;
}

/** Validation of a stored resource's own fields, on create and update alike. */
export function kindCauses(key: string, o: KObject): StatusCause[] {
  if (key === 'leases.coordination.k8s.io') return leaseCauses(o);
  if (key === 'events') return legacyEventCauses(o);
  return [];
}

function leaseCauses(o: KObject): StatusCause[] {
  const spec = isObject(o.spec) ? o.spec : {};
  const causes: StatusCause[] = [];
  const duration = spec.leaseDurationSeconds;
  if (typeof duration === 'number' && duration <= 0) causes.push({ reason: 'FieldValueInvalid', message: `Invalid value: ${duration}: must be greater than 0`, field: 'spec.leaseDurationSeconds' });
  const transitions = spec.leaseTransitions;
  if (typeof transitions === 'number' && transitions < 0) causes.push({ reason: 'FieldValueInvalid', message: `Invalid value: ${transitions}: must be greater than or equal to 0`, field: 'spec.leaseTransitions' });
  return causes;
}

const required = (field: string): StatusCause => ({ reason: 'FieldValueRequired', message: 'Required value', field });

/** Every Event, whichever API wrote it: the namespace rule, and the reporting fields of a "new" Event (one with an eventTime). */
function legacyEventCauses(o: KObject): StatusCause[] {
  const e = o as unknown as Record<string, unknown>;
  const involved = isObject(e.involvedObject) ? e.involvedObject : {};
  const involvedNs = typeof involved.namespace === 'string' ? involved.namespace : '';
  const ns = o.metadata.namespace ?? '';
  const causes: StatusCause[] = [];
  const wrongNs: StatusCause = { reason: 'FieldValueInvalid', message: `Invalid value: ${JSON.stringify(involvedNs)}: does not match event.namespace`, field: 'involvedObject.namespace' };
  if (!e.eventTime) {
    if (involvedNs ? involvedNs !== ns : ns !== '' && ns !== 'default') causes.push(wrongNs);
    return causes;
  }
  if (!involvedNs && ns !== 'default' && ns !== 'kube-system') causes.push(wrongNs);
  if (!e.reportingComponent) causes.push(required('reportingComponent'));
  if (!e.reportingInstance) causes.push(required('reportingInstance'));
  if (!e.action) causes.push(required('action'));
  if (!e.reason) causes.push(required('reason'));
  return causes;
}

/** The stricter rules for an Event created through events.k8s.io/v1 (checked on its core form). */
export function eventsV1CreateCauses(core: KObject): StatusCause[] {
  const e = core as unknown as Record<string, unknown>;
  const causes = legacyEventCauses(core).map((c) => (c.field === 'reportingComponent' ? { ...c, field: 'reportingController' } : c));
  if (!e.eventTime) causes.push(required('eventTime'));
  if (e.type !== 'Normal' && e.type !== 'Warning') causes.push({ reason: 'FieldValueInvalid', message: `Invalid value: "": has invalid value: ${typeof e.type === 'string' ? e.type : ''}`, field: 'type' });
  const unset = (field: string) => causes.push({ reason: 'FieldValueInvalid', message: 'Invalid value: "": needs to be unset', field });
  if (e.firstTimestamp) unset('deprecatedFirstTimestamp');
  if (e.lastTimestamp) unset('deprecatedLastTimestamp');
  if (typeof e.count === 'number' && e.count !== 0) unset('deprecatedCount');
  if (isObject(e.source) && (e.source.component || e.source.host)) unset('deprecatedSource');
  return causes;
}

/** core/v1 field name → events.k8s.io/v1 field name; the other fields (metadata, reason, type, action, ...) keep theirs. */
const RENAMED: readonly (readonly [string, string])[] = [
  ['involvedObject', 'regarding'],
  ['message', 'note'],
  ['reportingComponent', 'reportingController'],
  ['source', 'deprecatedSource'],
  ['firstTimestamp', 'deprecatedFirstTimestamp'],
  ['lastTimestamp', 'deprecatedLastTimestamp'],
  ['count', 'deprecatedCount'],
];

function rename(o: Record<string, unknown>, pairs: readonly (readonly [string, string])[], apiVersion: string): KObject {
  const out: Record<string, unknown> = { ...o, apiVersion, kind: 'Event' };
  for (const [from, to] of pairs) {
    delete out[from];
    if (o[from] !== undefined) out[to] = o[from];
  }
  return out as unknown as KObject;
}

/** A stored (core) Event as events.k8s.io/v1 serves it. */
export function toEventsV1(core: KObject): KObject {
  return rename(core as unknown as Record<string, unknown>, RENAMED, 'events.k8s.io/v1');
}

/** An events.k8s.io/v1 Event in its stored (core) form. */
export function fromEventsV1(v1: Record<string, unknown>): Record<string, unknown> {
  return rename(v1, RENAMED.map(([a, b]) => [b, a] as const), 'v1') as unknown as Record<string, unknown>;
}
