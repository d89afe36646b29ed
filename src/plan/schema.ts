// The plan file (`kind: MaintenancePlan`, DESIGN.md section 5): the one source of truth for what a run
// may do. Unknown fields are errors; defaults are the safe choice.
import { z } from 'zod';
import { Duration, MAX_RETENTION_MS } from '../lib/duration.ts';
import { templateProblem } from '../lib/template.ts';
import { HookSchema } from './hook-schema.ts';
import type { Hook as HookSpec } from './hook-schema.ts';
import { BACKUP_COMMAND_NAMES, GATE_COMMAND_NAMES, HOOK_NAMES, NODE_COMMAND_NAMES, QUERY_NAMES, SILENCE_NAMES, templated } from './template-names.ts';
import { parseLabelSelector } from '../lib/selectors.ts';
import { clockTime, count, duration, intOrPercent, isoDate, labelSelector, MAX_NODES, timezone, WRITTEN_AS } from './values.ts';

const name = z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, { message: 'use lower-case letters, digits and "-", starting and ending with a letter or digit' }).max(63);

const labelKey = z.string().regex(/^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/, { message: 'write a label key as Kubernetes does, such as "env" or "example.com/tier"' }).max(316);
const labelValue = z.string().regex(/^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$/, { message: 'write a label value as Kubernetes does: letters, digits, "-", "_" and ".", up to 63, starting and ending with a letter or digit' }).max(63);

const ClusterSchema = z
  .strictObject({
    name,
    kubeconfig: z.string().optional(),
    context: z.string().optional(),
    /**
     * For the in-cluster controller: a Secret in its namespace holding the member cluster's kubeconfig
     * (under `key`, default `kubeconfig`); `context` picks one of its contexts.
     */
    kubeconfigSecret: z.strictObject({ name: z.string().min(1), key: z.string().min(1).default('kubeconfig') }).optional(),
    /** What a rollout's stages and groups select it by (`env: prod`, `region: eu`), as Kubernetes labels are written. */
    labels: z.record(labelKey, labelValue).optional(),
  })
  .refine((c) => !(c.kubeconfig && c.kubeconfigSecret), { message: 'kubeconfig (a file) and kubeconfigSecret (a Secret the controller reads) exclude each other; keep one', path: ['kubeconfigSecret'] });

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
  z
    .strictObject({
      type: z.literal('agent'),
      operation: z.enum(['reboot', 'patch', 'upgrade']).default('reboot'),
      version: z.string().optional(),
      /** After a patch: reboot only when the node says it needs one (its reboot-required sentinel), or always; the agent's own setting when absent. */
      rebootAfter: z.enum(['needed', 'always']).optional(),
    })
    .refine((a) => a.rebootAfter === undefined || a.operation === 'patch', { message: 'rebootAfter is for operation: patch (a reboot always reboots, an upgrade restarts the kubelet)', path: ['rebootAfter'] }),
  z.strictObject({ type: z.literal('command'), run: templated(NODE_COMMAND_NAMES), operation: z.enum(['reboot', 'patch', 'upgrade']).default('reboot'), version: z.string().optional(), timeout: duration('5m').default(Duration.parse('5m')) }),
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

/**
 * A person's go-ahead: the run stops at this point (journaled, announced) until someone approves or rejects it
 * (`daylight approve|reject RUN`, the dashboard). `timeout` bounds the wait; then `onTimeout` answers.
 */
export const ApprovalGateSchema = z.strictObject({
  type: z.literal('approval'),
  /** A name people recognise in the notification and the report ("change board"). */
  name: z.string().min(1).optional(),
  /** How long to wait for an answer; without it the run waits until someone answers (or aborts it). */
  timeout: duration('4h').optional(),
  /** What the run does when the timeout passes without an answer: reject (end failed) or approve (go on). */
  onTimeout: z.enum(['reject', 'approve']).default('reject'),
  /** Said to the people asked: what to check before they approve. */
  message: z.string().min(1).optional(),
}).superRefine((g, ctx) => {
  if (g.onTimeout === 'approve' && g.timeout === undefined) ctx.addIssue({ code: 'custom', path: ['onTimeout'], message: 'onTimeout: approve needs a timeout to act on; add timeout (such as "4h"), or remove onTimeout' });
});

/** The gates at one point of a phase: today one approval at most (other gate types may follow). */
const approvalPoint = z.array(z.discriminatedUnion('type', [ApprovalGateSchema])).max(1, { message: 'one approval per point: name everyone who must agree in its message' }).optional();

const NodesPhaseBase = z.strictObject({
  name,
  type: z.literal('nodes'),
  regional: z.boolean().default(false),
  selector: labelSelector.default('!node-role.kubernetes.io/control-plane'),
  maxUnavailable: intOrPercent.default(1),
  topology: TopologySchema.optional(),
  canary: count(0, MAX_NODES).default(1),
  drain: DrainSchema.default(DrainSchema.parse({})),
  action: ActionSchema.default({ type: 'agent', operation: 'reboot' }),
  ready: ReadySchema.default(ReadySchema.parse({})),
  soak: duration('30s').default(Duration.ofMs(0)),
  /**
   * How many replacement rounds a wave may wait on a budget: a budget allowing `a` disruptions may have
   * a × (1 + rounds) of its pods in one wave (evictions still go `a` at a time, so the wave's drain waits).
   * Default 0: no wave holds more pods of a budget than it allows at once.
   */
  budgetWaitRounds: count(0, 100).optional(),
  /**
   * One wave per topology domain (zone), its nodes maintained maxUnavailable at a time, each starting as
   * soon as another is done, so no node waits for the slowest of a wave. Gates and soak come between
   * domains. Default false: waves of up to maxUnavailable nodes with a barrier after each.
   */
  rolling: z.boolean().default(false),
  /** Rough durations for the ETA until earlier runs of this plan have measured them. */
  estimates: z.strictObject({ drain: duration('1m').optional(), action: duration('3m').optional(), ready: duration('1m').optional() }).default({}),
  /** Asked once before the phase starts (on its first cluster). */
  before: approvalPoint,
  /** Regional phases: asked before each region leaves traffic for this phase. */
  beforeEachRegion: approvalPoint,
  /** Asked before each wave starts. */
  beforeEachWave: approvalPoint,
});

const NodesPhaseSchema = NodesPhaseBase.superRefine((phase, ctx) => {
  regionApprovalNeedsRegional(phase, ctx);
  if (phase.rolling && (phase.topology?.maxPerDomain !== undefined || phase.topology?.then?.maxPerDomain !== undefined)) {
    ctx.addIssue({ code: 'custom', path: ['rolling'], message: 'a rolling phase keeps maxUnavailable nodes busy in one domain at a time and does not apply topology maxPerDomain caps; remove maxPerDomain, or set rolling: false' });
  }
});

/** How a control-plane node is upgraded: the node agent (`upgrade`), or a command such as `kubeadm upgrade apply`. */
const ControlPlaneActionSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('agent') }),
  z.strictObject({
    type: z.literal('command'),
    /** Run for the first control-plane node (`{{node.name}}`, `{{version}}`, `{{cluster}}`, `{{run.id}}`). */
    run: templated(NODE_COMMAND_NAMES),
    /** Run for the other control-plane nodes (kubeadm: `kubeadm upgrade node`); default: `run`. */
    runOthers: templated(NODE_COMMAND_NAMES).optional(),
    timeout: duration('15m').default(Duration.parse('15m')),
  }),
]);

/** How a worker is upgraded once drained: the node agent (`upgrade`), or a command (`kubeadm upgrade node` and the kubelet). */
const WorkerActionSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('agent') }),
  z.strictObject({ type: z.literal('command'), run: templated(NODE_COMMAND_NAMES), timeout: duration('10m').default(Duration.parse('10m')) }),
]);

const ControlPlaneSchema = z.strictObject({
  selector: labelSelector.default('node-role.kubernetes.io/control-plane'),
  action: ControlPlaneActionSchema.default({ type: 'agent' }),
  drain: DrainSchema.default(DrainSchema.parse({})),
  ready: ReadySchema.default(ReadySchema.parse({})),
});

const WorkersSchema = z
  .strictObject({
    selector: labelSelector.default('!node-role.kubernetes.io/control-plane'),
    maxUnavailable: intOrPercent.default(1),
    topology: TopologySchema.optional(),
    canary: count(0, MAX_NODES).default(1),
    drain: DrainSchema.default(DrainSchema.parse({})),
    action: WorkerActionSchema.default({ type: 'agent' }),
    ready: ReadySchema.default(ReadySchema.parse({})),
    soak: duration('30s').default(Duration.ofMs(0)),
    budgetWaitRounds: count(0, 100).optional(),
    rolling: z.boolean().default(false),
  })
  .superRefine((w, ctx) => {
    if (w.rolling && (w.topology?.maxPerDomain !== undefined || w.topology?.then?.maxPerDomain !== undefined)) {
      ctx.addIssue({ code: 'custom', path: ['rolling'], message: 'rolling workers keep maxUnavailable nodes busy in one domain at a time and do not apply topology maxPerDomain caps; remove maxPerDomain, or set rolling: false' });
    }
  });

/** A pre-upgrade backup: a Velero `Backup` waited for until `Completed`, or a command that must exit 0. */
const BackupSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('velero'),
    namespace: name.default('velero'),
    includedNamespaces: z.array(z.string().min(1)).min(1).default(['*']),
    ttl: duration('720h', MAX_RETENTION_MS).default(Duration.parse('720h', MAX_RETENTION_MS)),
    timeout: duration('30m').default(Duration.parse('30m')),
  }),
  z.strictObject({ type: z.literal('command'), run: templated(BACKUP_COMMAND_NAMES), timeout: duration('30m').default(Duration.parse('30m')) }),
]);

/**
 * One Kubernetes minor (or patch) upgrade: the backup, the control-plane nodes one at a time, then the
 * workers rolled like a nodes phase. The control plane goes one minor at a time: one phase per minor.
 */
const KubernetesPhaseSchema = z.strictObject({
  name,
  type: z.literal('kubernetes'),
  /**
   * The version to install: exact (v1.31.2), or a minor (v1.31) whose newest patch spec.versionSource offers
   * when the phase starts, resolved once for the run (rollout.versions: consistent) and journaled.
   */
  to: z.string().regex(/^v1\.\d+(\.\d+)?$/, { message: 'write the version to install: the full version like "v1.31.2", or a minor like "v1.31" for its newest patch from spec.versionSource (one phase per minor: the control plane goes one minor at a time)' }),
  regional: z.boolean().default(false),
  controlPlane: ControlPlaneSchema.default(ControlPlaneSchema.parse({})),
  workers: WorkersSchema.default(WorkersSchema.parse({})),
  backup: BackupSchema.optional(),
  /** Asked once before the phase starts (on its first cluster). */
  before: approvalPoint,
  /** Regional phases: asked before each region leaves traffic for this phase. */
  beforeEachRegion: approvalPoint,
}).superRefine(regionApprovalNeedsRegional);

/** beforeEachRegion is asked where a region leaves traffic: only regional phases do that. */
function regionApprovalNeedsRegional(phase: { regional: boolean; beforeEachRegion?: readonly unknown[] | undefined }, ctx: z.RefinementCtx): void {
  if (phase.beforeEachRegion !== undefined && !phase.regional) ctx.addIssue({ code: 'custom', path: ['beforeEachRegion'], message: 'beforeEachRegion is asked before a region leaves traffic, and this phase is not regional; set regional: true, or use before (once before the phase)' });
}

/**
 * The platform stack moved from one workspace file to another: every component that changed upgraded in
 * dependency order, each with its pre-checks, its command and its post-checks; the first failure halts the
 * run (roll forward, as the runbooks prefer; `rollback: true` runs the component's rollback command first).
 */
const PlatformPhaseSchema = z.strictObject({
  name,
  type: z.literal('platform'),
  /** Workspace files, relative to the plan file's folder: what runs now, and what it should become. */
  workspace: z.strictObject({ from: z.string().min(1), to: z.string().min(1) }),
  rollback: z.boolean().default(false),
  onFailure: z.string().transform((v, ctx) => {
    if (v === 'halt') return 'halt' as const;
    ctx.addIssue({ code: 'custom', message: `"${v}" is not supported: a platform phase halts on failure (onFailure: halt) and the run rolls forward; set rollback: true to run the component's rollback command first` });
    return z.NEVER;
  }).default('halt'),
  /** Overrides the workspace's spec.prometheus.url for metric checks. */
  prometheus: z.url().optional(),
  /** Platform components are not taken out of traffic region by region. */
  regional: z.boolean().transform((v, ctx) => {
    if (!v) return false as const;
    ctx.addIssue({ code: 'custom', message: 'a platform phase cannot be regional; remove regional, or put the nodes work in a regional nodes phase' });
    return z.NEVER;
  }).default(false),
  /** Asked once before the phase starts. */
  before: approvalPoint,
});

/** `type` picks the phase: nodes (reboot, patch or upgrade nodes), kubernetes (the control plane, then the workers) or platform (workspace components). */
const PhaseSchema = z.discriminatedUnion('type', [NodesPhaseSchema, KubernetesPhaseSchema, PlatformPhaseSchema]);

export const GateSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('kube'), check: z.enum(['nodes-ready', 'workloads-available', 'no-unexpected-cordons']), name: z.string().optional() }),
  z.strictObject({ type: z.literal('http'), url: z.url(), expectStatus: z.number().int().min(100).max(599).default(200), timeout: duration('5s').default(Duration.parse('5s')), name: z.string().optional() }),
  z.strictObject({
    type: z.literal('prometheus'),
    url: z.url(),
    query: templated(GATE_COMMAND_NAMES),
    max: z.number().optional(),
    min: z.number().optional(),
    timeout: duration('5s').default(Duration.parse('5s')),
    name: z.string().optional(),
  }).refine((g) => g.max !== undefined || g.min !== undefined, { message: 'a prometheus gate needs a threshold; set max, min or both' }),
  z.strictObject({ type: z.literal('command'), run: templated(GATE_COMMAND_NAMES), timeout: duration('1m').default(Duration.parse('1m')), name: z.string().optional() }),
  /** GitOps drift after maintenance: Argo CD Applications Synced and Healthy, or Flux Kustomizations and HelmReleases Ready. */
  z.strictObject({ type: z.literal('gitops'), tool: z.enum(['argocd', 'flux']), name: z.string().optional() }),
]);

/** Clusters or groups at once, or clusters that may fail: a whole number, or a percentage up to 100% ("50%"). */
const countOrPercent = (what: string) =>
  z.union([z.number(), z.string()]).superRefine((v, ctx) => {
    const fix = `use a whole number of ${what} or a percentage up to 100%, such as "50%"`;
    if (typeof v === 'number') {
      if (!Number.isInteger(v) || v < 0 || v > 10_000) ctx.addIssue({ code: 'custom', message: `${v} is not a whole number of ${what} from 0 to 10,000; ${fix}` });
      return;
    }
    const m = /^(\d+)%$/.exec(v);
    if (!m || Number(m[1]) > 100) ctx.addIssue({ code: 'custom', message: `"${v}" is neither a whole number nor a percentage up to 100%; ${fix}` });
  }).meta({ [WRITTEN_AS]: { anyOf: [{ type: 'integer', minimum: 0, maximum: 10_000 }, { type: 'string', pattern: '^(100|[1-9]?[0-9])%$' }] } });

/** A stage's scheduled start: it waits until the next of these days at this time (Azure Fleet Manager's ScheduledStart). */
const ScheduleGateSchema = z.strictObject({
  type: z.literal('schedule'),
  name: z.string().min(1).optional(),
  days: z.array(z.enum(DAYS)).min(1).default([...DAYS]),
  time: clockTime,
  timezone: timezone.default('UTC'),
});

/** What a stage waits for before it starts: an approval (once for the stage), a scheduled start, or any plan gate (on each of its clusters). */
const StageGateSchema = z.discriminatedUnion('type', [ApprovalGateSchema, ScheduleGateSchema, ...GateSchema.options]);

const RolloutGroupSchema = z.strictObject({
  name,
  selector: labelSelector,
  /** Clusters of this group that may fail before it stops (default: the stage's). */
  maxAllowedFailures: countOrPercent('clusters').optional(),
  /** Clusters of this group at once (default 1: one after another). */
  maxConcurrency: countOrPercent('clusters').default(1),
});

const RolloutStageSchema = z.strictObject({
  name,
  clusters: z.strictObject({ selector: labelSelector }),
  /** The stage's groups: one per value of a cluster label (`by`), or `named`, each with its own selector. Default: each cluster a group of its own. */
  groups: z
    .strictObject({ by: labelKey.optional(), named: z.array(RolloutGroupSchema).min(1).optional() })
    .refine((g) => (g.by === undefined) !== (g.named === undefined), { message: 'give groups one of by (a cluster label: one group per value) or named (groups with their own selectors)' })
    .optional(),
  /** Groups at once in this stage; the clusters of a group go one after another. */
  maxConcurrency: countOrPercent('groups').default(1),
  /** Clusters of the stage that may fail; one more and the stage halts (no group starts, the run ends failed). */
  maxAllowedFailures: countOrPercent('clusters').default(0),
  /** The soak after the stage, before the next one starts: journaled, so a resumed run waits only what is left. */
  afterStageWait: duration('1h').default(Duration.parse('0s')),
  before: z.array(StageGateSchema).default([]),
  /** Gates judged on each cluster of the stage once it is maintained (its analysis): one that fails makes that cluster failed. */
  after: z.array(GateSchema).default([]),
});

export const RolloutSchema = z.strictObject({
  stages: z.array(RolloutStageSchema).min(1),
  /** consistent: a version resolved at the first stage that uses it is the one every later stage uses. */
  versions: z.enum(['consistent', 'latest']).default('consistent'),
});

/**
 * One measurement taken at each restore step. `prometheus`: a query (`{{region}}` is the region) whose
 * value must stay within min/max; `proxy`: the balancer's own counters for the region since the step
 * began (error-rate = 5xx ÷ answered). No value, or too few requests, is "no data": never a success.
 */
const AnalysisSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('prometheus'),
    name: z.string().optional(),
    url: z.url(),
    query: templated(QUERY_NAMES),
    max: z.number().optional(),
    min: z.number().optional(),
    timeout: duration('5s').default(Duration.parse('5s')),
  }).refine((a) => a.max !== undefined || a.min !== undefined, { message: 'a prometheus analysis needs a threshold; set max, min or both' }),
  z.strictObject({
    type: z.literal('proxy'),
    name: z.string().optional(),
    metric: z.enum(['error-rate']).default('error-rate'),
    max: z.number().min(0, { message: 'write a fraction from 0 to 1, such as 0.01 for 1%' }).max(1, { message: 'write a fraction from 0 to 1, such as 0.01 for 1%' }).default(0.01),
    /** Fewer answered requests than this in a measurement is no data. */
    minRequests: count(1, 1_000_000).default(20),
  }),
]);

/** Whether the regions left in service can carry all the load without the one about to leave. */
const CapacitySchema = z.discriminatedUnion('type', [
  /** The sandbox's own balancer: ready endpoints × rpsPerPod of the others against the whole demand. */
  z.strictObject({ type: z.literal('sandbox'), headroom: z.number().min(0, { message: 'write a ratio from 0 to 100, such as 1 (the others carry all the load) or 1.2 (with 20% to spare)' }).max(100, { message: 'write a ratio from 0 to 100, such as 1 (the others carry all the load) or 1.2 (with 20% to spare)' }).default(1) }),
  /** A query whose value is the others' capacity ÷ the whole load (`{{region}}` = the region leaving). */
  z.strictObject({ type: z.literal('prometheus'), url: z.url(), query: templated(QUERY_NAMES), min: z.number().default(1), timeout: duration('5s').default(Duration.parse('5s')) }),
]);

const RestoreSchema = z.strictObject({
  /** Percentages of the region's initial weight, in order; the last should be 100. */
  steps: z.array(count(1, 100)).min(1).default([10, 50, 100]),
  /** How long each step lasts while its analysis is measured. */
  interval: duration('30s').default(Duration.parse('30s')),
  /** Time between two measurements within a step. */
  every: duration('5s').default(Duration.parse('5s')),
  /** Failed measurements a step tolerates; one more switches the region back. */
  failureLimit: count(0, 1_000).default(0),
  /** Measurements with no data a step tolerates; one more fails it (no data is never a success). */
  inconclusiveLimit: count(0, 1_000).default(2),
});

const TrafficSchema = z.strictObject({
  provider: z.enum(['haproxy', 'gateway-api', 'sandbox', 'manual', 'none']),
  haproxy: z.strictObject({ runtimeApi: z.string().min(1), backend: z.string().min(1) }).optional(),
  gatewayApi: z.strictObject({ cluster: z.string().min(1), namespace: z.string().min(1), route: z.string().min(1), rule: count(0, 15).default(0) }).optional(),
  /** Region (cluster name) to the balancer's name for it: HAProxy server, HTTPRoute backendRef. */
  servers: z.record(z.string(), z.string()).default({}),
  drain: z.strictObject({ timeout: duration('2m').default(Duration.parse('2m')) }).default({ timeout: Duration.parse('2m') }),
  restore: RestoreSchema.default(RestoreSchema.parse({})),
  analysis: z.array(AnalysisSchema).default([]),
  capacity: CapacitySchema.optional(),
  /** Smoke tests and checks a region must pass after its maintenance, before it gets traffic back. */
  validation: z.array(GateSchema).default([]),
}).superRefine((t, ctx) => {
  if (t.provider === 'haproxy' && !t.haproxy) ctx.addIssue({ code: 'custom', path: ['haproxy'], message: 'provider haproxy needs its runtime API; add haproxy: {runtimeApi: "unix:///run/haproxy/admin.sock", backend: <backend>}' });
  if (t.capacity?.type === 'sandbox' && t.provider !== 'sandbox') {
    // The sandbox capacity check reads the sandbox balancer's weights, which only provider sandbox sets: with any
    // other provider it always finds no load and refuses every region.
    ctx.addIssue({ code: 'custom', path: ['capacity', 'type'], message: `capacity type "sandbox" measures the sandbox's own balancer and never passes with provider ${t.provider}; use capacity: {type: prometheus, url: ..., query: ...}, or provider: sandbox` });
  }
  if (t.provider === 'gateway-api' && !t.gatewayApi) ctx.addIssue({ code: 'custom', path: ['gatewayApi'], message: 'provider gateway-api needs the HTTPRoute to steer; add gatewayApi: {cluster: <cluster holding the HTTPRoute>, namespace: <ns>, route: <name>}' });
  const steps = t.restore.steps;
  steps.forEach((v, i) => {
    if (i > 0 && v <= (steps[i - 1] as number)) ctx.addIssue({ code: 'custom', path: ['restore', 'steps', i], message: `restore steps must rise; ${v} follows ${steps[i - 1]}` });
  });
});

/** Shortest and longest run lease: renewals come every third of it, retries every fifteenth (client-go's default leader-election lease is 15s). */
const LEASE_MIN_SECONDS = 10;
const LEASE_MAX_SECONDS = 3600;
const leaseRange = `write whole seconds from ${LEASE_MIN_SECONDS}s to ${Duration.ofSeconds(LEASE_MAX_SECONDS).toString()}, such as 15s or 1m`;

/**
 * The run's Lease on each cluster. `duration` is how long a run that stopped renewing (a crash, a lost
 * network) keeps others out: a resumed run or another run waits that long, `daylight recover` too. Renewals
 * come every third of it, a failed one is retried every fifteenth, and a run that could not renew for two
 * thirds of it stops.
 */
const LeaseSchema = z.strictObject({
  duration: duration('1m').superRefine((d, ctx) => {
    if (d.seconds < LEASE_MIN_SECONDS) ctx.addIssue({ code: 'custom', message: `${d.toString()} is too short to renew in time (every third of it, retried every fifteenth); ${leaseRange}` });
    else if (d.seconds > LEASE_MAX_SECONDS) ctx.addIssue({ code: 'custom', message: `${d.toString()} would keep every other run out that long after a crash; ${leaseRange}` });
    else if (!Number.isInteger(d.seconds)) ctx.addIssue({ code: 'custom', message: `${d.toString()} is not a whole number of seconds (a Lease counts whole seconds); ${leaseRange}` });
  }).default(Duration.parse('1m')),
});

const SilencesSchema = z.strictObject({
  alertmanager: z.url(),
  /** How long a silence lasts if nothing expires it first (a crash); the run expires it after the restore. */
  duration: duration('6h').default(Duration.parse('6h')),
  matchers: z.array(z.strictObject({ name: templated(SILENCE_NAMES), value: templated(SILENCE_NAMES, 0), isRegex: z.boolean().default(false) })).min(1),
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
      phases: z.array(PhaseSchema).min(1),
      /** Many clusters in stages of groups, with soaks, failure budgets and gates; without it the clusters go in order. */
      rollout: RolloutSchema.optional(),
      /**
       * Where the releases a phase may take come from, read when a phase names a minor (to: v1.31): a file
       * (relative to the plan file) or an http(s) URL answering {"kubernetes": ["v1.31.1", "v1.31.2", ...]}.
       */
      versionSource: z.discriminatedUnion('type', [z.strictObject({ type: z.literal('file'), path: z.string().min(1) }), z.strictObject({ type: z.literal('http'), url: z.url({ protocol: /^https?$/, error: 'write an http or https URL' }) })]).optional(),
      gates: z.array(GateSchema).default([]),
      /** How long gates that fail before a wave are evaluated again before the run fails. */
      gateRetry: duration('2m').default(Duration.parse('2m')),
      silences: SilencesSchema.optional(),
      lease: LeaseSchema.default({ duration: Duration.parse('1m') }),
      hooks: z.array(HookSchema).superRefine(hookNames).default([]),
      /** Webhooks (Slack-compatible JSON) told when a run starts, a region leaves traffic, a run fails and when it completes. */
      notify: z.strictObject({ webhooks: z.array(z.strictObject({ url: z.url({ protocol: /^https?$/, error: 'write an http or https URL, such as https://hooks.slack.com/services/...' }) })).min(1) }).optional(),
      /** What every workload must meet for the run to be zero-downtime; preflight checks it. */
      requirements: z.strictObject({ rollingUpdateMaxUnavailable: count(0, 1_000_000).optional() }).default({}),
    })
    .superRefine((spec, ctx) => {
      regionalNeeds(spec, ctx);
      rolloutProblems(spec, ctx);
      spec.phases.forEach((p, i) => {
        if (p.type === 'kubernetes' && /^v1\.\d+$/.test(p.to) && !spec.versionSource) ctx.addIssue({ code: 'custom', path: ['phases', i, 'to'], message: `${p.to} names a minor: its newest patch comes from spec.versionSource; set it ({type: file, path: versions.json} or {type: http, url: ...}), or write the full version, such as ${p.to}.2` });
      });
      for (const [what, list] of [['cluster', spec.clusters.map((c) => c.name)], ['phase', spec.phases.map((p) => p.name)]] as const) {
        list.forEach((n, i) => {
          if (list.indexOf(n) !== i) ctx.addIssue({ code: 'custom', path: [what === 'cluster' ? 'clusters' : 'phases', i, 'name'], message: `${what} "${n}" appears twice; give each ${what} its own name` });
        });
      }
    }),
});

/**
 * Every cluster in exactly one stage; every stage selects a cluster; with groups by a label every cluster of the
 * stage has it; with named groups every cluster of the stage is in exactly one of them.
 */
function rolloutProblems(spec: { clusters: readonly { name: string; labels?: Record<string, string> | undefined }[]; rollout?: z.output<typeof RolloutSchema> | undefined }, ctx: z.RefinementCtx): void {
  const r = spec.rollout;
  if (!r) return;
  const labelsOf = (c: { name: string; labels?: Record<string, string> | undefined }) => Object.entries(c.labels ?? {}).map(([k, v]) => `${k}=${v}`).join(',') || 'no labels';
  const stageOf = new Map<string, string>();
  const stageNames = new Set<string>();
  r.stages.forEach((stage, i) => {
    if (stageNames.has(stage.name)) ctx.addIssue({ code: 'custom', path: ['rollout', 'stages', i, 'name'], message: `stage "${stage.name}" appears twice; give each stage its own name` });
    stageNames.add(stage.name);
    let match: (labels: Record<string, string>) => boolean;
    try {
      match = parseLabelSelector(stage.clusters.selector);
    } catch {
      return; // the selector's own message says what is wrong with it
    }
    const members = spec.clusters.filter((c) => match(c.labels ?? {}));
    if (members.length === 0) {
      ctx.addIssue({ code: 'custom', path: ['rollout', 'stages', i, 'clusters', 'selector'], message: `stage "${stage.name}" selects no cluster with "${stage.clusters.selector}"; the clusters are ${spec.clusters.map((c) => `${c.name} (${labelsOf(c)})`).join(', ')}` });
    }
    for (const c of members) {
      const other = stageOf.get(c.name);
      if (other !== undefined) ctx.addIssue({ code: 'custom', path: ['rollout', 'stages', i, 'clusters', 'selector'], message: `cluster ${c.name} is in stage "${other}" and in stage "${stage.name}"; a cluster is maintained once, in one stage: narrow one selector` });
      else stageOf.set(c.name, stage.name);
    }
    const by = stage.groups?.by;
    const g = stage.groups?.named;
    if (by !== undefined) {
      for (const c of members) {
        if (c.labels?.[by] === undefined) ctx.addIssue({ code: 'custom', path: ['rollout', 'stages', i, 'groups', 'by'], message: `cluster ${c.name} of stage "${stage.name}" has no label "${by}" to be grouped by; label it (clusters[].labels) or group by another label` });
      }
    } else if (g) {
      const matchers = g.map((group) => {
        try {
          return parseLabelSelector(group.selector);
        } catch {
          return () => false;
        }
      });
      for (const c of members) {
        const inGroups = g.filter((_, j) => matchers[j]?.(c.labels ?? {})).map((group) => group.name);
        if (inGroups.length !== 1) ctx.addIssue({ code: 'custom', path: ['rollout', 'stages', i, 'groups', 'named'], message: inGroups.length === 0 ? `cluster ${c.name} (${labelsOf(c)}) of stage "${stage.name}" is in none of its groups; widen a group's selector` : `cluster ${c.name} of stage "${stage.name}" is in groups ${inGroups.join(' and ')}; a cluster belongs to one group` });
      }
    }
  });
  for (const [i, c] of spec.clusters.entries()) {
    if (!stageOf.has(c.name)) ctx.addIssue({ code: 'custom', path: ['clusters', i, 'labels'], message: `cluster ${c.name} (${labelsOf(c)}) is in no stage of spec.rollout; label it for a stage's selector, or remove it from spec.clusters` });
  }
}

/** A hook's command or URL may use only the names the engine fills in for its event (run-end: the outcome; region hooks: the region). */
function hookNames(hooks: readonly HookSpec[], ctx: z.RefinementCtx): void {
  hooks.forEach((hook, i) => {
    const field = hook.type === 'command' ? 'run' : 'url';
    const problem = templateProblem(hook.type === 'command' ? hook.run : hook.url, HOOK_NAMES[hook.on]);
    if (problem !== undefined) ctx.addIssue({ code: 'custom', path: [i, field], message: `in a ${hook.on} hook, ${problem}` });
  });
}

/** A regional phase needs a provider, a name for every region at the balancer, and a capacity source. */
function regionalNeeds(spec: { clusters: { name: string }[]; phases: { regional: boolean }[]; traffic?: z.output<typeof TrafficSchema> }, ctx: z.RefinementCtx): void {
  const i = spec.phases.findIndex((p) => p.regional);
  if (i < 0) return;
  const t = spec.traffic;
  if (!t || t.provider === 'none') {
    ctx.addIssue({ code: 'custom', path: ['phases', i, 'regional'], message: 'a regional phase needs spec.traffic with a provider (haproxy, gateway-api, sandbox or manual); set it, or regional: false' });
    return;
  }
  if (spec.clusters.length < 2) ctx.addIssue({ code: 'custom', path: ['phases', i, 'regional'], message: 'a regional phase needs two clusters or more: the last region in service is never taken out of traffic; add a cluster, or set regional: false' });
  if (t.provider === 'haproxy' || t.provider === 'gateway-api') {
    for (const c of spec.clusters) {
      if (!(c.name in t.servers)) ctx.addIssue({ code: 'custom', path: ['traffic', 'servers'], message: `no server for cluster "${c.name}"; add "${c.name}: <its ${t.provider === 'haproxy' ? 'server in the backend' : 'backendRef name'}>"` });
    }
  }
  if (!t.capacity && t.provider !== 'sandbox') ctx.addIssue({ code: 'custom', path: ['traffic', 'capacity'], message: 'a region leaves traffic only when the others can carry all of it; set traffic.capacity: {type: prometheus, url: ..., query: ...}' });
}

export type Plan = z.output<typeof PlanSchema>;
export type PlanSpec = Plan['spec'];
export type ClusterRef = PlanSpec['clusters'][number];
export type Phase = PlanSpec['phases'][number];
export type NodesPhase = z.output<typeof NodesPhaseSchema>;
export type KubernetesPhase = z.output<typeof KubernetesPhaseSchema>;
export type BackupPolicy = NonNullable<KubernetesPhase['backup']>;
export type PlatformPhase = z.output<typeof PlatformPhaseSchema>;
export type Gate = PlanSpec['gates'][number];
export type MaintenanceWindow = NonNullable<PlanSpec['window']>;
export type NodeAction = NodesPhase['action'];
export type DrainPolicy = NodesPhase['drain'];
export type TopologyPolicy = NonNullable<NodesPhase['topology']>;
export type Traffic = NonNullable<PlanSpec['traffic']>;
export type Analysis = Traffic['analysis'][number];
export type Capacity = NonNullable<Traffic['capacity']>;
export type RestorePolicy = Traffic['restore'];
export type Hook = PlanSpec['hooks'][number];
export type ApprovalGate = z.output<typeof ApprovalGateSchema>;
export type Rollout = z.output<typeof RolloutSchema>;
export type RolloutStage = Rollout['stages'][number];
export type StageGate = RolloutStage['before'][number];
