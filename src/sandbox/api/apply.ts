// Server-side apply (`PATCH` with `application/apply-patch+yaml`), as far as clients read it: each field
// manager owns the fields it applied (`metadata.managedFields`, operation Apply, FieldsV1), a manager
// applying a different value to a field another owns gets 409 with a FieldManagerConflict cause per field
// unless it forces, an equal value makes them co-owners, and a field its only owner stops applying is
// removed. Lists are atomic (one field each, not merged by key), and writes other than apply record no
// managers: conflicts arise only between appliers.
import type { KObject, ObjectMeta } from '../k8s-types.ts';
import { isObject } from './request.ts';
import type { StatusCause } from './status.ts';

/** A field as kube-apiserver names it in a conflict: `.data.a`, `.spec.replicas`. */
type FieldPath = readonly string[];

interface ManagedEntry {
  manager: string;
  operation: string;
  apiVersion?: string;
  time?: string;
  fieldsType?: string;
  fieldsV1?: Record<string, unknown>;
  subresource?: string;
}

/** Object keys that are the object's identity, not fields a manager owns. */
const IDENTITY = new Set(['apiVersion', 'kind']);
const META_IDENTITY = new Set(['name', 'namespace', 'uid', 'resourceVersion', 'creationTimestamp', 'managedFields', 'generation', 'deletionTimestamp', 'deletionGracePeriodSeconds']);

/** The leaf fields an applied configuration sets: maps recurse, anything else (lists too) is one field. */
export function leaves(o: unknown, prefix: FieldPath = []): FieldPath[] {
  if (!isObject(o)) return [prefix];
  const out: FieldPath[] = [];
  for (const [k, v] of Object.entries(o)) {
    if (prefix.length === 0 && IDENTITY.has(k)) continue;
    if (prefix.length === 1 && prefix[0] === 'metadata' && META_IDENTITY.has(k)) continue;
    if (isObject(v) && Object.keys(v).length > 0) out.push(...leaves(v, [...prefix, k]));
    else out.push([...prefix, k]);
  }
  return out;
}

const key = (p: FieldPath) => `.${p.join('.')}`;

function toFieldsV1(paths: readonly FieldPath[]): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  for (const p of paths) {
    let at = root;
    for (const k of p) at = (at[`f:${k}`] ??= {}) as Record<string, unknown>;
  }
  return root;
}

function fromFieldsV1(tree: unknown, prefix: FieldPath = []): FieldPath[] {
  if (!isObject(tree)) return [];
  const entries = Object.entries(tree).filter(([k]) => k.startsWith('f:'));
  if (entries.length === 0) return prefix.length ? [prefix] : [];
  return entries.flatMap(([k, v]) => fromFieldsV1(v, [...prefix, k.slice(2)]));
}

function valueAt(o: unknown, p: FieldPath): unknown {
  let at = o;
  for (const k of p) at = isObject(at) ? at[k] : undefined;
  return at;
}

function removeAt(o: Record<string, unknown>, p: FieldPath): Record<string, unknown> {
  const [head, ...rest] = p as [string, ...string[]];
  if (!(head in o)) return o;
  const copy = { ...o };
  if (rest.length === 0) delete copy[head];
  else if (isObject(copy[head])) copy[head] = removeAt(copy[head], rest);
  return copy;
}

function merge(base: unknown, applied: unknown): unknown {
  if (!isObject(base) || !isObject(applied)) return applied;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(applied)) out[k] = merge(base[k], v);
  return out;
}

export type ApplyOutcome = { readonly kind: 'applied'; readonly object: KObject } | { readonly kind: 'conflict'; readonly message: string; readonly causes: StatusCause[] };

/**
 * The object after `manager` applies `applied` over `current` (undefined: the object is created), with
 * its managedFields; or the conflicts with other managers when values differ and `force` is not set.
 */
export function serverSideApply(current: KObject | undefined, applied: Record<string, unknown>, manager: string, force: boolean, nowIso: string): ApplyOutcome {
  const entries = (((current?.metadata.managedFields as ManagedEntry[] | undefined) ?? [])).filter((e) => e.manager !== manager || e.operation !== 'Apply');
  const previous = (((current?.metadata.managedFields as ManagedEntry[] | undefined) ?? [])).find((e) => e.manager === manager && e.operation === 'Apply');
  const mine = leaves(applied);
  const others = entries.map((e) => ({ entry: e, fields: fromFieldsV1(e.fieldsV1) }));
  const conflicts: { manager: string; field: string }[] = [];
  for (const p of mine) {
    for (const o of others) {
      if (!o.fields.some((f) => key(f) === key(p))) continue;
      if (JSON.stringify(valueAt(current, p)) !== JSON.stringify(valueAt(applied, p))) conflicts.push({ manager: o.entry.manager, field: key(p) });
    }
  }
  if (conflicts.length && !force) {
    const lines = conflicts.map((c) => `conflict with "${c.manager}": ${c.field}`);
    const message = conflicts.length === 1 ? `Apply failed with 1 conflict: ${lines[0]}` : `Apply failed with ${conflicts.length} conflicts: ${lines.join('\n')}`;
    return { kind: 'conflict', message, causes: conflicts.map((c) => ({ reason: 'FieldManagerConflict', message: `conflict with "${c.manager}"`, field: c.field })) };
  }
  const taken = new Set(conflicts.map((c) => c.field));
  const remaining = others.map((o) => ({ entry: o.entry, fields: o.fields.filter((f) => !taken.has(key(f))) })).filter((o) => o.fields.length > 0);
  // A field this manager applied before, no longer applies, and nobody else owns: removed.
  let base = (current ?? {}) as unknown as Record<string, unknown>;
  const kept = new Set([...mine, ...remaining.flatMap((o) => o.fields)].map(key));
  for (const p of fromFieldsV1(previous?.fieldsV1)) if (!kept.has(key(p))) base = removeAt(base, p);
  const merged = merge(base, applied) as KObject;
  const mineEntry: ManagedEntry = { manager, operation: 'Apply', apiVersion: String(applied.apiVersion ?? current?.apiVersion ?? ''), time: nowIso, fieldsType: 'FieldsV1', fieldsV1: toFieldsV1(mine) };
  const managedFields = [...remaining.map((o) => ({ ...o.entry, fieldsV1: o.entry.operation === 'Apply' ? toFieldsV1(o.fields) : o.entry.fieldsV1 })), mineEntry].sort((a, b) => a.manager.localeCompare(b.manager));
  const metadata = { ...(isObject(merged.metadata) ? merged.metadata : {}), managedFields } as ObjectMeta;
  return { kind: 'applied', object: { ...merged, metadata } };
}
