// A MaintenanceRun: one run of a MaintenancePlan, started by its schedule or by a person. The spec holds
// the controls a person or a ticket system sets (pause, abort); the status is the run's state as the
// controller last wrote it. The CRD's schema is generated from these.
import { z } from 'zod';
import { WRITTEN_AS } from '../plan/values.ts';

export const RUN_PHASES = ['Pending', 'Running', 'Paused', 'WaitingForApproval', 'Succeeded', 'Degraded', 'Failed', 'Aborted'] as const;

/** The condition types the controller sets (others may be written by other tools). */
export const RUN_CONDITIONS = ['Progressing', 'Paused', 'WaitingForApproval', 'Succeeded', 'Degraded', 'Failed'] as const;

const objectName = z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/, { message: 'write the name of a MaintenancePlan in the same namespace' }).max(253);

export const RunSpecSchema = z.strictObject({
  planRef: z.strictObject({ name: objectName }),
  /** The run stops before its next step and waits until this is false again. */
  paused: z.boolean().default(false),
  /** The run gives back what it holds (uncordons, restores traffic) and ends Aborted; it cannot be undone. */
  abort: z.boolean().default(false),
  /** Parts of a rollout not to maintain in this run, as daylight skip takes them: stages, groups (STAGE/GROUP), clusters. */
  skip: z
    .strictObject({
      stages: z.array(z.string().min(1).max(63)).max(100).default([]),
      groups: z.array(z.string().min(3).max(400)).max(500).default([]),
      clusters: z.array(z.string().min(1).max(63)).max(1000).default([]),
    })
    .optional(),
});

/** metav1.Condition, as every Kubernetes status writes its conditions. */
const ConditionSchema = z.strictObject({
  type: z.string().min(1).max(316),
  status: z.enum(['True', 'False', 'Unknown']),
  reason: z.string().regex(/^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$/).max(1024),
  message: z.string().max(32768),
  lastTransitionTime: z.iso.datetime().meta({ [WRITTEN_AS]: { type: 'string', format: 'date-time' } }),
  observedGeneration: z.number().int().min(0).optional(),
});

export const RunStatusSchema = z.strictObject({
  phase: z.enum(RUN_PHASES).optional(),
  /** The step the run is at, as the CLI and the dashboard name it ("os-patch eu-central wave 2"). */
  currentStage: z.string().optional(),
  // One entry per type, merged by type under server-side apply, as metav1.Condition lists are.
  conditions: z.array(ConditionSchema).meta({ 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['type'] }).optional(),
  /** Nodes by their state in the run: pending, draining, done, failed, ... */
  nodeCounts: z.record(z.string(), z.number().int().min(0)).optional(),
  /** Nodes the run has finished with (any outcome) of all it plans to maintain: "7/24 nodes". */
  progress: z.string().max(256).optional(),
  /** The waves of the phase under way: how many are done of how many. */
  waves: z.strictObject({ phase: z.string().max(256), cluster: z.string().max(256), done: z.number().int().min(0), total: z.number().int().min(0) }).optional(),
  /** A rollout's stages as daylight status prints them: state, groups and clusters done, failures, soak. */
  stages: z.array(z.string().max(1024)).max(50).optional(),
  /** The run's last journal entries as the CLI prints them ("09:14:02 node w-3: drained"), the newest last. */
  lastEvents: z.array(z.string().max(1024)).max(20).optional(),
  observedGeneration: z.number().int().min(0).optional(),
});

export type RunSpec = z.output<typeof RunSpecSchema>;
export type RunStatus = z.output<typeof RunStatusSchema>;
