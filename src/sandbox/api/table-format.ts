// Shared pieces of the server-side Table printers: defensive field access, the apiserver's
// HumanDuration, label/selector formatting and column builders, ported from Kubernetes v1.30.

import type { KObject } from '../k8s-types.ts';
import type { TableColumn } from './table.ts';

export type Json = Record<string, unknown>;

export interface RowCondition { type: string; status: string; reason: string; message: string }

/** One resource's printer: the same column list for every row, one cell per column (wide ones included). */
export interface Printer {
  readonly columns: readonly TableColumn[];
  cells(obj: KObject, nowMs: number): unknown[];
  conditions?(obj: KObject): RowCondition[] | undefined;
}

// Stored objects are only typed as far as the sandbox reads them, and fixtures may be partial,
// so every printer reads through these instead of trusting the declared shape.
export function isRec(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function rec(v: unknown): Json {
  return isRec(v) ? v : {};
}

export function at(v: unknown, ...path: string[]): unknown {
  let cur: unknown = v;
  for (const key of path) cur = isRec(cur) ? cur[key] : undefined;
  return cur;
}

export function str(v: unknown, fallback = ''): string {
  return typeof v === 'string' ? v : fallback;
}

export function num(v: unknown, fallback = 0): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : fallback;
}

export function list(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

export function recs(v: unknown): Json[] {
  return list(v).map(rec);
}

/** IntOrString as Go's IntOrString.String() prints it. */
export function intOrString(v: unknown): string {
  return typeof v === 'number' ? String(v) : str(v);
}

/** k8s.io/apimachinery/pkg/util/duration.HumanDuration, on milliseconds. */
export function humanDuration(ms: number): string {
  const seconds = Math.trunc(ms / 1000);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 60 * 2) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 10) return withRemainder(minutes, 'm', seconds % 60, 's');
  if (minutes < 60 * 3) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 8) return withRemainder(hours, 'h', minutes % 60, 'm');
  if (hours < 48) return `${hours}h`;
  const days = Math.floor(hours / 24);
  if (hours < 24 * 8) return withRemainder(days, 'd', hours % 24, 'h');
  if (hours < 24 * 365 * 2) return `${days}d`;
  const years = Math.floor(days / 365);
  if (hours < 24 * 365 * 8) return withRemainder(years, 'y', days % 365, 'd');
  return `${years}y`;
}

function withRemainder(major: number, majorUnit: string, minor: number, minorUnit: string): string {
  return minor === 0 ? `${major}${majorUnit}` : `${major}${majorUnit}${minor}${minorUnit}`;
}

/** Epoch ms of an RFC 3339 timestamp, or undefined for Go's zero time (absent or unparsable). */
export function parseTime(v: unknown): number | undefined {
  const ms = typeof v === 'string' ? Date.parse(v) : Number.NaN;
  if (Number.isNaN(ms) || new Date(ms).getUTCFullYear() <= 1) return undefined;
  return ms;
}

/** printers.go translateTimestampSince. */
export function since(timestamp: unknown, nowMs: number): string {
  const ms = parseTime(timestamp);
  return ms === undefined ? '<unknown>' : humanDuration(nowMs - ms);
}

export function age(obj: KObject, nowMs: number): string {
  return since(obj.metadata.creationTimestamp, nowMs);
}

/** labels.FormatLabels: sorted k=v pairs, `<none>` when empty. */
export function formatLabels(labels: unknown): string {
  const pairs = Object.entries(rec(labels)).map(([k, v]) => `${k}=${str(v)}`);
  return pairs.length === 0 ? '<none>' : pairs.sort().join(',');
}

/** metav1.LabelSelectorAsSelector(...).String(): requirements sorted by key, `""` when empty. */
export function selectorString(selector: unknown): string {
  const reqs: [string, string][] = Object.entries(rec(at(selector, 'matchLabels'))).map(([k, v]) => [k, `${k}=${str(v)}`]);
  for (const expr of recs(at(selector, 'matchExpressions'))) reqs.push([str(expr.key), requirementString(expr)]);
  return reqs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map((r) => r[1]).join(',');
}

function requirementString(expr: Json): string {
  const key = str(expr.key);
  const values = list(expr.values).map((v) => str(v)).sort().join(',');
  switch (expr.operator) {
    case 'In': return `${key} in (${values})`;
    case 'NotIn': return `${key} notin (${values})`;
    case 'DoesNotExist': return `!${key}`;
    default: return key;
  }
}

/** metav1.FormatLabelSelector: like selectorString but `<none>` when empty. */
export function formatLabelSelector(selector: unknown): string {
  return selectorString(selector) || '<none>';
}

/** printers.go layoutContainerCells: comma-joined names and images of a pod template. */
export function containerCells(podSpec: unknown): [string, string] {
  const containers = recs(at(podSpec, 'containers'));
  return [containers.map((c) => str(c.name)).join(','), containers.map((c) => str(c.image)).join(',')];
}

export const NAME_DESCRIPTION =
  'Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names';

export const CREATION_DESCRIPTION =
  'CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata';

export const CONTAINERS_DESCRIPTION = 'Names of each container in the template.';
export const IMAGES_DESCRIPTION = 'Images referenced by each container in the template.';

export function column(name: string, description: string, extra: Partial<TableColumn> = {}): TableColumn {
  return { name, type: 'string', format: '', description, priority: 0, ...extra };
}

/** A column only `kubectl get -o wide` shows. */
export function wide(name: string, description: string): TableColumn {
  return column(name, description, { priority: 1 });
}

export const NAME_COLUMN: TableColumn = column('Name', NAME_DESCRIPTION, { format: 'name' });
export const AGE_COLUMN: TableColumn = column('Age', CREATION_DESCRIPTION);
