// Server-side Table conversion (meta.k8s.io/v1 Table) for `kubectl get`, which asks for
// `Accept: application/json;as=Table;v=v1;g=meta.k8s.io` and prints whatever columns the server sends.

import type { KObject } from '../k8s-types.ts';
import {
  AGE_COLUMN, CREATION_DESCRIPTION, NAME_COLUMN, age, column, parseTime,
} from './table-format.ts';
import type { Printer, RowCondition } from './table-format.ts';
import { podPrinter } from './table-pods.ts';
import {
  daemonSetPrinter, deploymentPrinter, podDisruptionBudgetPrinter, replicaSetPrinter, statefulSetPrinter,
} from './table-workloads.ts';
import {
  configMapPrinter, endpointSlicePrinter, eventPrinter, leasePrinter, namespacePrinter, nodePrinter, servicePrinter,
} from './table-cluster.ts';

export interface TableColumn { name: string; type: string; format: string; description: string; priority: number }

export interface TableRow { cells: unknown[]; object: unknown; conditions?: RowCondition[] }

export interface Table {
  kind: 'Table';
  apiVersion: 'meta.k8s.io/v1';
  metadata: { resourceVersion?: string; continue?: string; remainingItemCount?: number };
  columnDefinitions: TableColumn[];
  rows: TableRow[];
}

export type IncludeObject = 'None' | 'Metadata' | 'Object';

/** Go's time.RFC3339 in UTC: no fractional seconds, zero time for a missing timestamp. */
function rfc3339(timestamp: unknown): string {
  const ms = parseTime(timestamp);
  return ms === undefined ? '0001-01-01T00:00:00Z' : new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** CRDs have no printer of their own: apiextensions serves them through the generic rest.DefaultTableConvertor. */
const crdPrinter: Printer = {
  columns: [NAME_COLUMN, column('Created At', CREATION_DESCRIPTION, { type: 'date' })],
  cells: (crd) => [crd.metadata.name, rfc3339(crd.metadata.creationTimestamp)],
};

/** Custom resources without additionalPrinterColumns get NAME plus a date-typed Age (serveDefaultColumnsIfEmpty). */
const defaultPrinter: Printer = {
  columns: [NAME_COLUMN, { ...AGE_COLUMN, type: 'date' }],
  cells: (obj, nowMs) => [obj.metadata.name, age(obj, nowMs)],
};

const PRINTERS: ReadonlyMap<string, Printer> = new Map([
  ['nodes', nodePrinter],
  ['pods', podPrinter],
  ['namespaces', namespacePrinter],
  ['deployments.apps', deploymentPrinter],
  ['replicasets.apps', replicaSetPrinter],
  ['daemonsets.apps', daemonSetPrinter],
  ['statefulsets.apps', statefulSetPrinter],
  ['poddisruptionbudgets.policy', podDisruptionBudgetPrinter],
  ['services', servicePrinter],
  ['endpointslices.discovery.k8s.io', endpointSlicePrinter],
  ['events', eventPrinter],
  ['leases.coordination.k8s.io', leasePrinter],
  ['configmaps', configMapPrinter],
  ['customresourcedefinitions.apiextensions.k8s.io', crdPrinter],
]);

/** What the apiserver puts in row.object for ?includeObject= (Metadata is its default). */
function rowObject(obj: KObject, include: IncludeObject): unknown {
  if (include === 'Object') return obj;
  if (include === 'None') return null;
  return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: obj.metadata };
}

function toRow(printer: Printer, obj: KObject, nowMs: number, include: IncludeObject): TableRow {
  const row: TableRow = { cells: printer.cells(obj, nowMs), object: rowObject(obj, include) };
  const conditions = printer.conditions?.(obj);
  if (conditions !== undefined) row.conditions = conditions;
  return row;
}

/**
 * `resource` is the plural resource name with group, e.g. 'pods', 'nodes', 'deployments.apps',
 * 'poddisruptionbudgets.policy'. `nowMs` is the (simulated) current time in epoch ms, used for AGE.
 * Rows always carry every cell, wide ones included: kubectl drops priority-1 columns itself unless `-o wide`.
 */
export function toTable(resource: string, objects: readonly KObject[], nowMs: number, include: IncludeObject): Table {
  const printer = PRINTERS.get(resource) ?? defaultPrinter;
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: {},
    columnDefinitions: printer.columns.map((c) => ({ ...c })),
    rows: objects.map((obj) => toRow(printer, obj, nowMs, include)),
  };
}
