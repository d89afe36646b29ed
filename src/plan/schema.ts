// The plan file (`kind: MaintenancePlan`, DESIGN.md section 5): the one source of truth for what a run
// may do. Unknown fields are errors; defaults are the safe choice.
import { z } from 'zod';
import { Duration } from '../lib/duration.ts';
import { clockTime, duration, intOrPercent, isoDate, labelSelector, timezone } from './values.ts';

const name = z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, { message: 'use lower-case letters, digits and "-", starting and ending with a letter or digit' }).max(63);

const ClusterSchema = z.strictObject({
  name,
  kubeconfig: z.string().optional(),
  context: z.string().optional(),
});

const DAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'] as const;

export const WindowSchema = z.strictObject({
  timezone: timezone.default('UTC'),
  allow: z.array(z.strictObject({ days: z.array(z.enum(DAYS)).min(1).default([...DAYS]), start: clockTime, end: clockTime })).min(1),
  exclude: z.array(z.strictObject({ from: isoDate, to: isoDate, reason: z.string().optional() })).default([]),
});

const DrainSchema = z.strictObject({
  timeout: duration('10m').default(Duration.parse('10m')),
  onTimeout: z.enum(['fail', 'skip', 'quarantine', 'force']).default('fail'),
  ignoreDaemonSets: z.boolean().default(true),
  deleteEmptyDirData: z.boolean().default(false),
  /** Allow pods that no controller owns to be evicted (they do not come back). */
  force: z.boolean().default(false),
  /** Overrides each pod's terminationGracePeriodSeconds. */
  gracePeriod: duration('30s').optional(),
});

const ActionSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('agent'), operation: z.enum(['reboot', 'patch', 'upgrade']).default('reboot'), version: z.string().optional() }),
  z.strictObject({ type: z.literal('command'), run: z.string().min(1), operation: z.enum(['reboot', 'patch', 'upgrade']).default('reboot'), version: z.string().optional(), timeout: duration('5m').default(Duration.parse('5m')) }),
  z.strictObject({ type: z.literal('external'), operation: z.enum(['reboot', 'patch', 'upgrade']).default('reboot'), version: z.string().optional() }),
]);

const ReadySchema = z.strictObject({
  timeout: duration('10m').default(Duration.parse('10m')),
  onTimeout: z.enum(['fail', 'skip', 'quarantine']).default('fail'),
});

const TopologySchema = z.strictObject({
  /** Label whose values are the failure domains waves follow (zones). */
  key: z.string().default('topology.kubernetes.io/zone'),
  /** One domain at a time. */
  serial: z.boolean().default(true),
  /** Most nodes of one domain at once (int or percent of the domain). */
  maxPerDomain: intOrPercent.optional(),
  /** A second level inside each domain (racks): batches take whole racks before splitting one. */
  then: z.strictObject({ key: z.string(), maxPerDomain: intOrPercent.optional() }).optional(),
});

const NodesPhaseBase = z.strictObject({
  name,
  type: z.literal('nodes'),
  regional: z.boolean().default(false),
  selector: labelSelector.default('!node-role.kubernetes.io/control-plane'),
  maxUnavailable: intOrPercent.default(1),
  topology: TopologySchema.optional(),
  canary: z.number().int().min(0).default(1),
  drain: DrainSchema.default(DrainSchema.parse({})),
  action: ActionSchema.default({ type: 'agent', operation: 'reboot' }),
  ready: ReadySchema.default(ReadySchema.parse({})),
  soak: duration('30s').default(Duration.ofMs(0)),
  /**
   * How many replacement rounds a wave may wait on a budget: a budget allowing `a` disruptions may have
   * a × (1 + rounds) of its pods in one wave (evictions still go `a` at a time). Default: as many rounds
   * as fit in half of a node's action and readiness time. 0: no wave ever waits on a budget.
   */
  budgetWaitRounds: z.number().int().min(0).max(100).optional(),
  /**
   * One wave per topology domain (zone), its nodes maintained maxUnavailable at a time, each starting as
   * soon as another is done, so no node waits for the slowest of a wave. Gates and soak come between
   * domains. Default false: waves of up to maxUnavailable nodes with a barrier after each.
   */
  rolling: z.boolean().default(false),
  /** Rough durations for the ETA until earlier runs of this plan have measured them. */
  estimates: z.strictObject({ drain: duration('1m').optional(), action: duration('3m').optional(), ready: duration('1m').optional() }).default({}),
});

const NodesPhaseSchema = NodesPhaseBase.superRefine((phase, ctx) => {
  if (phase.rolling && (phase.topology?.maxPerDomain !== undefined || phase.topology?.then?.maxPerDomain !== undefined)) {
    ctx.addIssue({ code: 'custom', path: ['rolling'], message: 'a rolling phase keeps maxUnavailable nodes busy in one domain at a time and does not apply topology maxPerDomain caps; remove maxPerDomain, or set rolling: false' });
  }
});

export const GateSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('kube'), check: z.enum(['nodes-ready', 'workloads-available', 'no-unexpected-cordons']), name: z.string().optional() }),
  z.strictObject({ type: z.literal('http'), url: z.url(), expectStatus: z.number().int().min(100).max(599).default(200), timeout: duration('5s').default(Duration.parse('5s')), name: z.string().optional() }),
  z.strictObject({
    type: z.literal('prometheus'),
    url: z.url(),
    query: z.string().min(1),
    max: z.number().optional(),
    min: z.number().optional(),
    timeout: duration('5s').default(Duration.parse('5s')),
    name: z.string().optional(),
  }).refine((g) => g.max !== undefined || g.min !== undefined, { message: 'a prometheus gate needs a threshold; set max, min or both' }),
  z.strictObject({ type: z.literal('command'), run: z.string().min(1), timeout: duration('1m').default(Duration.parse('1m')), name: z.string().optional() }),
]);

const AnalysisSchema = z.strictObject({
  type: z.literal('prometheus'),
  url: z.url(),
  query: z.string().min(1),
  max: z.number().optional(),
  min: z.number().optional(),
});

const TrafficSchema = z.strictObject({
  provider: z.enum(['haproxy', 'gateway-api', 'sandbox', 'manual', 'none']),
  haproxy: z.strictObject({ runtimeApi: z.string(), backend: z.string() }).optional(),
  servers: z.record(z.string(), z.string()).default({}),
  drain: z.strictObject({ timeout: duration('2m').default(Duration.parse('2m')) }).default({ timeout: Duration.parse('2m') }),
  restore: z.strictObject({ steps: z.array(z.number().int().min(1).max(100)).min(1).default([10, 50, 100]), interval: duration('30s').default(Duration.parse('30s')) }).default({ steps: [10, 50, 100], interval: Duration.parse('30s') }),
  analysis: z.array(AnalysisSchema).default([]),
});

const SilencesSchema = z.strictObject({
  alertmanager: z.url(),
  matchers: z.array(z.strictObject({ name: z.string().min(1), value: z.string(), isRegex: z.boolean().default(false) })).min(1),
});

export const PlanSchema = z.strictObject({
  apiVersion: z.literal('daylight.dev/v1alpha1'),
  kind: z.literal('MaintenancePlan'),
  metadata: z.strictObject({ name }),
  spec: z
    .strictObject({
      clusters: z.array(ClusterSchema).min(1),
      window: WindowSchema.optional(),
      traffic: TrafficSchema.optional(),
      phases: z.array(NodesPhaseSchema).min(1),
      gates: z.array(GateSchema).default([]),
      silences: SilencesSchema.optional(),
      /** What every workload must meet for the run to be zero-downtime; preflight checks it. */
      requirements: z.strictObject({ rollingUpdateMaxUnavailable: z.number().int().min(0).optional() }).default({}),
    })
    .superRefine((spec, ctx) => {
      for (const [what, list] of [['cluster', spec.clusters.map((c) => c.name)], ['phase', spec.phases.map((p) => p.name)]] as const) {
        list.forEach((n, i) => {
          if (list.indexOf(n) !== i) ctx.addIssue({ code: 'custom', path: [what === 'cluster' ? 'clusters' : 'phases', i, 'name'], message: `${what} "${n}" appears twice; give each ${what} its own name` });
        });
      }
    }),
});

export type Plan = z.output<typeof PlanSchema>;
export type PlanSpec = Plan['spec'];
export type ClusterRef = PlanSpec['clusters'][number];
export type NodesPhase = PlanSpec['phases'][number];
export type Gate = PlanSpec['gates'][number];
export type MaintenanceWindow = NonNullable<PlanSpec['window']>;
export type NodeAction = NodesPhase['action'];
export type DrainPolicy = NodesPhase['drain'];
export type TopologyPolicy = NonNullable<NodesPhase['topology']>;
