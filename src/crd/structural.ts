// A zod schema as the structural OpenAPI v3 schema a CustomResourceDefinition needs: the subset the API
// server accepts, so that it, not only our own parse, refuses a bad resource with the field's path.
import { z } from 'zod';
import { WRITTEN_AS } from '../plan/values.ts';

export type Schema = { [key: string]: unknown };

/** Why a zod schema has no structural form here, at which path of it: the schema must change, or this converter. */
export class StructuralError extends Error {
  override name = 'StructuralError';
}

/** Keywords the API server knows (apiextensions.k8s.io/v1 JSONSchemaProps) that pass through unchanged. */
const KEPT = new Set([
  'type', 'format', 'description', 'enum', 'pattern', 'minLength', 'maxLength', 'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum',
  'multipleOf', 'minItems', 'maxItems', 'uniqueItems', 'minProperties', 'maxProperties', 'required', 'nullable',
]);

/** Keywords whose meaning the API server keeps otherwise, or that it does not take. */
const DROPPED = new Set([
  // The zod parse applies the defaults when the controller reads the spec; the API server writing them into
  // the stored object would turn every default into something the user seems to have written.
  'default',
  '$schema',
  'title',
  'examples',
  // Names of a map's keys: zod's record of strings says only "string", which is what JSON keys are.
  'propertyNames',
]);

/** Keywords a structural schema forbids inside allOf, anyOf, oneOf and not. */
const NOT_IN_JUNCTORS = new Set(['type', 'description', 'default', 'additionalProperties', 'nullable']);

const JUNCTORS = ['anyOf', 'oneOf'] as const;

/**
 * The structural schema of what a user writes for `schema` (its input: before transforms and defaults). What
 * zod cannot represent (a Date) becomes an empty schema that only a `writtenAs` may fill: one left empty has
 * no type, and the CRDs' tests refuse it.
 */
export function structuralSchema(schema: z.ZodType): Schema {
  const json = z.toJSONSchema(schema, { io: 'input', target: 'openapi-3.0', unrepresentable: 'any', cycles: 'throw', reused: 'inline' }) as Schema;
  return toStructural(json, definitions(json), []);
}

/** Converts one JSON Schema (draft 2020-12 or OpenAPI 3.0, as zod writes them) to the structural subset. */
export function toStructural(node: Schema, defs: Readonly<Record<string, Schema>>, path: readonly string[], seen: readonly string[] = []): Schema {
  const at = path.join('.') || '(root)';
  if (typeof node.$ref === 'string') {
    // A CRD cannot refer: every $ref is written out where it is used, and a cycle cannot be written out.
    const name = node.$ref.replace(/^#\/(\$defs|definitions)\//, '');
    const target = defs[name];
    if (!target) throw new StructuralError(`${at}: $ref ${node.$ref} names no definition`);
    if (seen.includes(name)) throw new StructuralError(`${at}: ${name} contains itself, which a CRD schema cannot say`);
    const { $ref: _ref, ...rest } = node;
    return toStructural({ ...target, ...rest }, defs, path, [...seen, name]);
  }
  const written = node[WRITTEN_AS];
  if (isSchema(written)) {
    // What zod wrote for it describes the check's input (any string, a union with a Date), not the value.
    return toStructural(typeof node.description === 'string' ? { description: node.description, ...written } : written, defs, path, seen);
  }
  let out: Schema = {};
  for (const [key, value] of Object.entries(node)) {
    if (DROPPED.has(key) || key === '$defs' || key === 'definitions' || JUNCTORS.includes(key as (typeof JUNCTORS)[number])) continue;
    if (key === 'const') out.enum = [value];
    else if (KEPT.has(key) || key.startsWith('x-kubernetes-')) out[key] = value;
    else if (key === 'properties') out.properties = mapValues(value as Record<string, Schema>, (v, k) => toStructural(v, defs, [...path, k], seen));
    else if (key === 'items') out.items = toStructural(value as Schema, defs, [...path, '[]'], seen);
    else if (key === 'additionalProperties') {
      // false is what a structural schema already does with a field it does not list: prunes it, or with
      // kubectl's strict field validation refuses it. A schema (a map's values) stays.
      if (isSchema(value)) out.additionalProperties = toStructural(value, defs, [...path, '{}'], seen);
    } else throw new StructuralError(`${at}: "${key}" has no place in a CRD schema`);
  }
  for (const junctor of JUNCTORS) {
    const branches = node[junctor];
    if (Array.isArray(branches)) out = union(out, junctor, (branches as Schema[]).map((b, i) => toStructural(b, defs, [...path, `${junctor}[${i}]`], seen)), at);
  }
  return out;
}

/** A union as the API server allows it: types and fields declared outside, the branches only restricting. */
function union(node: Schema, junctor: (typeof JUNCTORS)[number], branches: Schema[], at: string): Schema {
  const nullable = branches.some((b) => b.type === 'null');
  const rest = branches.filter((b) => b.type !== 'null');
  const withNull = (s: Schema): Schema => (nullable ? { ...s, nullable: true } : s);
  if (rest.length === 1) return withNull({ ...node, ...(rest[0] as Schema) });
  if (rest.every(onlyRestricts)) return withNull({ ...node, [junctor]: rest });
  const types = rest.map((b) => b.type);
  if (rest.length === 2 && types.includes('integer') && types.includes('string')) return withNull(intOrString(node, rest, at));
  if (types.every((t) => t === 'object')) return withNull(objectUnion(node, junctor, rest, at));
  throw new StructuralError(`${at}: a union of ${types.map(String).join(', ')} has no structural form; give the zod schema a ${WRITTEN_AS} that says how it is written`);
}

/**
 * Integer or string (such as maxUnavailable: 2 or "25%"): the one union of types the API server takes. Its
 * branches may not hold validations, but each validation applies to its own type only (a pattern to strings,
 * a minimum to numbers), so they move up beside it unchanged.
 */
function intOrString(node: Schema, branches: Schema[], at: string): Schema {
  const out: Schema = { ...node, 'x-kubernetes-int-or-string': true, anyOf: [{ type: 'integer' }, { type: 'string' }] };
  for (const b of branches) {
    for (const [key, value] of Object.entries(b)) {
      if (key === 'type') continue;
      if (key in out && !equal(out[key], value)) throw new StructuralError(`${at}: the integer and the string both say ${key}`);
      out[key] = value;
    }
  }
  return out;
}

/**
 * A union of objects (zod's discriminated unions): every branch's fields declared on the parent, merged
 * where branches share one (the discriminator's enum becomes the union of theirs, so an unknown value is
 * refused at its own path), and each branch left with what only it says: its own values, what it requires,
 * and the fields of other branches it does not have (a strict object refuses them).
 */
function objectUnion(node: Schema, junctor: (typeof JUNCTORS)[number], branches: Schema[], at: string): Schema {
  const merged = merge(branches, at);
  const all = Object.keys(merged.properties as Schema);
  const restrictions = branches.map((b) => {
    const own = Object.keys((b.properties as Schema | undefined) ?? {});
    const r = restriction(b, merged) ?? {};
    const foreign = all.filter((k) => !own.includes(k));
    if (foreign.length > 0) r.not = { anyOf: foreign.map((k) => ({ required: [k] })) };
    return r;
  });
  return { ...node, ...merged, [junctor]: restrictions };
}

/** The loosest schema each of `list` fits: fields and enum values united, other validations kept where all agree. */
function merge(list: readonly Schema[], at: string): Schema {
  const first = list[0] as Schema;
  if (list.every((s) => equal(s, first))) return first;
  const type = first.type;
  if (!list.every((s) => s.type === type)) throw new StructuralError(`${at}: branches give one field the types ${list.map((s) => String(s.type)).join(', ')}`);
  const out: Schema = {};
  for (const [key, value] of Object.entries(first)) {
    if (key === 'properties' || key === 'items' || key === 'additionalProperties' || key === 'enum' || key === 'required') continue;
    if (list.every((s) => equal(s[key], value))) out[key] = value;
  }
  if (list.every((s) => Array.isArray(s.enum))) out.enum = [...new Set(list.flatMap((s) => s.enum as unknown[]))];
  const required = list.map((s) => (s.required as string[] | undefined) ?? []);
  const inAll = required[0]?.filter((k) => required.every((r) => r.includes(k))) ?? [];
  if (inAll.length > 0) out.required = inAll;
  if (list.some((s) => s.properties)) {
    const keys = [...new Set(list.flatMap((s) => Object.keys((s.properties as Schema | undefined) ?? {})))];
    out.properties = Object.fromEntries(keys.map((k) => [k, merge(list.flatMap((s) => ((s.properties as Record<string, Schema> | undefined)?.[k] ? [(s.properties as Record<string, Schema>)[k] as Schema] : [])), `${at}.${k}`)]));
  }
  for (const key of ['items', 'additionalProperties'] as const) {
    if (list.every((s) => isSchema(s[key]))) out[key] = merge(list.map((s) => s[key] as Schema), `${at}.${key}`);
    else if (list.some((s) => s[key] !== undefined)) throw new StructuralError(`${at}: branches disagree on ${key}`);
  }
  return out;
}

/** What `branch` says beyond `parent`, without the keywords a structural schema keeps out of junctors; undefined when nothing. */
function restriction(branch: Schema, parent: Schema): Schema | undefined {
  const out: Schema = {};
  for (const [key, value] of Object.entries(branch)) {
    if (NOT_IN_JUNCTORS.has(key) || key.startsWith('x-kubernetes-') || equal(parent[key], value)) continue;
    if (key === 'properties') {
      const props: Schema = {};
      for (const [k, v] of Object.entries(value as Record<string, Schema>)) {
        const r = restriction(v, ((parent.properties as Record<string, Schema> | undefined)?.[k]) ?? {});
        if (r) props[k] = r;
      }
      if (Object.keys(props).length > 0) out.properties = props;
    } else if (key === 'items') {
      const r = restriction(value as Schema, (parent.items as Schema | undefined) ?? {});
      if (r) out.items = r;
    } else out[key] = value;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

/** A branch that declares nothing (no type, no fields), only requires or limits: already structural. */
function onlyRestricts(branch: Schema): boolean {
  return !Object.keys(branch).some((k) => NOT_IN_JUNCTORS.has(k) || k === 'properties' || k === 'items');
}

function definitions(json: Schema): Record<string, Schema> {
  return { ...((json.definitions as Record<string, Schema> | undefined) ?? {}), ...((json.$defs as Record<string, Schema> | undefined) ?? {}) };
}

function isSchema(v: unknown): v is Schema {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function mapValues<T, U>(o: Record<string, T>, f: (v: T, k: string) => U): Record<string, U> {
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, f(v, k)]));
}

function equal(a: unknown, b: unknown): boolean {
  return canonical(a) === canonical(b);
}

/** JSON with the keys of every object sorted, so that two schemas differing only in key order are equal. */
function canonical(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) => (isSchema(x) ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : x));
}
