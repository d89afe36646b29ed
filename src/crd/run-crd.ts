// The MaintenanceRun CustomResourceDefinition: spec and status generated from their zod schemas, status
// as its own subresource, and the columns `kubectl get maintenanceruns` shows.
import { customResourceDefinition } from './definition.ts';
import type { CustomResourceDefinition } from './definition.ts';
import { RunSpecSchema, RunStatusSchema } from './run-schema.ts';
import { structuralSchema } from './structural.ts';

export function maintenanceRunCrd(): CustomResourceDefinition {
  return customResourceDefinition({
    kind: 'MaintenanceRun',
    plural: 'maintenanceruns',
    shortNames: ['mrun'],
    spec: structuralSchema(RunSpecSchema),
    status: structuralSchema(RunStatusSchema),
    printerColumns: [
      { name: 'Plan', type: 'string', jsonPath: '.spec.planRef.name' },
      { name: 'Phase', type: 'string', jsonPath: '.status.phase' },
      { name: 'Progress', type: 'string', jsonPath: '.status.progress' },
      { name: 'Stage', type: 'string', jsonPath: '.status.currentStage' },
      { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
    ],
  });
}
