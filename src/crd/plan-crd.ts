// The MaintenancePlan CustomResourceDefinition: its spec is the plan file's spec with schedule and suspend,
// and its schema is generated from that zod schema, so the API server refuses what `daylight run` would.
import { MaintenancePlanSpecSchema } from '../plan/resource-schema.ts';
import { customResourceDefinition } from './definition.ts';
import type { CustomResourceDefinition } from './definition.ts';
import { structuralSchema } from './structural.ts';

export function maintenancePlanCrd(): CustomResourceDefinition {
  return customResourceDefinition({
    kind: 'MaintenancePlan',
    plural: 'maintenanceplans',
    shortNames: ['mplan'],
    spec: structuralSchema(MaintenancePlanSpecSchema),
    printerColumns: [
      { name: 'Recurrence', type: 'string', jsonPath: '.spec.schedule.recurrence', description: 'When runs start, for a plan on a recurrence' },
      { name: 'Suspend', type: 'boolean', jsonPath: '.spec.suspend' },
      { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
    ],
  });
}
