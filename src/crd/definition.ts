// The CustomResourceDefinition object around a generated schema: Daylight's group and version, the names,
// the status subresource and the columns `kubectl get` prints.
import type { Schema } from './structural.ts';

export const GROUP = 'daylight.dev';
export const VERSION = 'v1alpha1';

export interface PrinterColumn {
  readonly name: string;
  readonly type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  readonly jsonPath: string;
  readonly description?: string;
}

export interface CrdOptions {
  readonly kind: string;
  readonly plural: string;
  readonly shortNames: readonly string[];
  readonly spec: Schema;
  /** With a status: its own subresource, so that a spec update cannot write it and a status update cannot write the spec. */
  readonly status?: Schema;
  readonly printerColumns: readonly PrinterColumn[];
}

export interface CustomResourceDefinition {
  readonly apiVersion: 'apiextensions.k8s.io/v1';
  readonly kind: 'CustomResourceDefinition';
  readonly metadata: { readonly name: string };
  readonly spec: {
    readonly group: string;
    readonly scope: 'Namespaced';
    readonly names: { readonly kind: string; readonly listKind: string; readonly plural: string; readonly singular: string; readonly shortNames: readonly string[] };
    readonly versions: readonly Schema[];
  };
}

/** A namespaced resource of one served and stored version, its spec required. */
export function customResourceDefinition(o: CrdOptions): CustomResourceDefinition {
  const properties: Schema = {
    apiVersion: { type: 'string' },
    kind: { type: 'string' },
    metadata: { type: 'object' },
    spec: o.spec,
    ...(o.status ? { status: o.status } : {}),
  };
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${o.plural}.${GROUP}` },
    spec: {
      group: GROUP,
      scope: 'Namespaced',
      names: { kind: o.kind, listKind: `${o.kind}List`, plural: o.plural, singular: o.kind.toLowerCase(), shortNames: [...o.shortNames] },
      versions: [
        {
          name: VERSION,
          served: true,
          storage: true,
          schema: { openAPIV3Schema: { type: 'object', required: ['spec'], properties } },
          ...(o.status ? { subresources: { status: {} } } : {}),
          additionalPrinterColumns: o.printerColumns.map((c) => ({ ...c })),
        },
      ],
    },
  };
}
