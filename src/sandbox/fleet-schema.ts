// The fleet file (`kind: Fleet`): the one source of truth for what a sandbox simulates. Unknown fields
// are errors; every field has a default a small fleet can live with.
import { z } from 'zod';
import { Quantity } from '../lib/quantity.ts';
import { boundedInt, checkFleetSize, FLEET_LIMITS, sizesReadable } from './fleet-limits.ts';

/** A resource amount: zero or more, and finite (`1e400` reads as Infinity). */
const quantity = (example: string) =>
  z.unknown().transform((v, ctx) => {
    let q: Quantity;
    try {
      if (typeof v !== 'string' && typeof v !== 'number') throw new TypeError('not a quantity');
      q = Quantity.parse(v);
    } catch {
      ctx.addIssue({ code: 'custom', message: `${typeof v === 'number' ? v : JSON.stringify(v)} is not a quantity; write it like "${example}"` });
      return z.NEVER;
    }
    if (q.value < 0 || !Number.isFinite(q.value)) {
      ctx.addIssue({ code: 'custom', message: `"${v}" is ${q.value < 0 ? 'negative' : 'too large'}; write an amount from 0, such as "${example}"` });
      return z.NEVER;
    }
    return q;
  });

/** A count of pods, or a percentage of them up to 100%, as budgets and rolling updates take them. */
const intOrPercent = z.union([z.number(), z.string()]).superRefine((v, ctx) => {
  const fix = `use an integer from 0 to ${FLEET_LIMITS.pods.toLocaleString('en-US')} or a percentage up to 100%, such as "80%"`;
  if (typeof v === 'number') {
    if (!Number.isInteger(v) || v < 0 || v > FLEET_LIMITS.pods) ctx.addIssue({ code: 'custom', message: `${v} is not a count of pods; ${fix}` });
    return;
  }
  const m = /^(\d+)%$/.exec(v);
  if (!m) ctx.addIssue({ code: 'custom', message: `"${v}" is neither an integer nor a percentage; ${fix}` });
  else if (Number(m[1]) > 100) ctx.addIssue({ code: 'custom', message: `"${v}" is over 100%; ${fix}` });
});

const dnsLabel = z
  .string()
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, { message: 'use lower-case letters, digits and "-", starting and ending with a letter or digit' })
  .max(63);

/**
 * The longest simulated wait (30 days): a start-up, a shutdown or a reboot. No real one takes that long,
 * and a bound keeps a typo (`rebootSeconds: 1e12`) from leaving a node down for good without a word.
 */
const MAX_SECONDS = 30 * 24 * 3600;
const secondsRange = `write seconds from 0 to ${MAX_SECONDS} (30 days)`;
const seconds = z
  .number({ message: secondsRange })
  .min(0, { error: (iss) => `${String(iss.input)} is negative; ${secondsRange}` })
  .max(MAX_SECONDS, { error: (iss) => `${String(iss.input)} is over 30 days; ${secondsRange}` });

const ZoneSchema = z.strictObject({
  name: dnsLabel,
  racks: boundedInt(1, FLEET_LIMITS.nodesPerRegion, 'nodes per region').default(1),
  nodesPerRack: boundedInt(1, FLEET_LIMITS.nodesPerRegion, 'nodes per region'),
});

const NodeShapeSchema = z.strictObject({
  cpu: quantity('8').default(Quantity.parse('8')),
  memory: quantity('32Gi').default(Quantity.parse('32Gi')),
  pods: boundedInt(1, FLEET_LIMITS.podsPerNode, 'pods per node').default(110),
  rebootSeconds: seconds.default(120),
  upgradeSeconds: seconds.default(60),
  osImage: z.string().default('Debian GNU/Linux 12 (bookworm)'),
  kernelVersion: z.string().default('6.1.0-28-amd64'),
});

const RegionSchema = z.strictObject({
  name: dnsLabel,
  kubernetesVersion: z.string().regex(/^v\d+\.\d+\.\d+$/, { message: 'write a version like "v1.30.4"' }).default('v1.30.4'),
  zones: z.array(ZoneSchema).min(1).max(FLEET_LIMITS.zonesPerRegion, { message: `more zones than the sandbox's limit of ${FLEET_LIMITS.zonesPerRegion} per region; use fewer zones with more racks` }),
  node: NodeShapeSchema.default(NodeShapeSchema.parse({})),
  controlPlane: z.strictObject({ nodes: boundedInt(0, FLEET_LIMITS.nodesPerRegion, 'nodes per region').default(1) }).default({ nodes: 1 }),
});

const PdbSchema = z
  .strictObject({
    minAvailable: intOrPercent.optional(),
    maxUnavailable: intOrPercent.optional(),
    unhealthyPodEvictionPolicy: z.enum(['IfHealthyBudget', 'AlwaysAllow']).optional(),
  })
  .refine((p) => (p.minAvailable === undefined) !== (p.maxUnavailable === undefined), {
    message: 'set exactly one of minAvailable or maxUnavailable',
  });

const WorkloadSchema = z.strictObject({
  name: dnsLabel,
  namespace: dnsLabel.default('default'),
  kind: z.enum(['Deployment', 'StatefulSet', 'DaemonSet', 'Pod']),
  replicas: boundedInt(0, FLEET_LIMITS.pods, 'pods in the fleet').default(1),
  image: z.string().default('registry.example/app:1.0.0'),
  cpu: quantity('500m').default(Quantity.parse('100m')),
  memory: quantity('512Mi').default(Quantity.parse('128Mi')),
  startupSeconds: seconds.default(5),
  readinessSeconds: seconds.default(5),
  /** How long the application takes to shut down once asked; capped by the grace period. */
  shutdownSeconds: seconds.default(2),
  terminationGracePeriodSeconds: boundedInt(0, MAX_SECONDS, 'seconds (30 days)').default(30),
  readinessProbe: z.boolean().default(true),
  pdb: PdbSchema.optional(),
  spread: z.enum(['zone', 'none']).default('none'),
  service: z.strictObject({ rpsPerPod: z.number().positive().default(100), port: z.number().int().min(1).max(65535).default(80) }).optional(),
  emptyDir: z.boolean().default(false),
  strategy: z.strictObject({ maxSurge: intOrPercent.default('25%'), maxUnavailable: intOrPercent.default('25%') }).optional(),
  nodeSelector: z.record(z.string(), z.string()).optional(),
  /** Regions this workload runs in; all regions when omitted. */
  regions: z.array(z.string()).optional(),
});

const PodFaultSchema = z.strictObject({
  namespace: z.string().default('default'),
  workload: z.string(),
  region: z.string().optional(),
  /** How many of the workload's pods get the fault (the first ones created). */
  count: boundedInt(1, FLEET_LIMITS.pods, 'pods in the fleet').default(1),
  neverReady: z.boolean().default(false),
  stuckTerminating: z.boolean().default(false),
});

/** The longest injected ingress latency: longer than any client's timeout, short enough to stop cleanly. */
export const MAX_INGRESS_LATENCY_MS = 600_000;

/** Faults of a region's real HTTP ingress: a share of requests answered 500, and real delay before each answer. */
export const IngressFaultSchema = z.strictObject({
  errorRate: z
    .number({ message: 'write a fraction from 0 (no errors) to 1 (every request fails)' })
    .min(0, { message: 'write a fraction from 0 (no errors) to 1 (every request fails)' })
    .max(1, { message: 'write a fraction from 0 (no errors) to 1 (every request fails)' })
    .default(0),
  latencyMs: z
    .number({ message: `write milliseconds from 0 to ${MAX_INGRESS_LATENCY_MS}` })
    .min(0, { message: `write milliseconds from 0 to ${MAX_INGRESS_LATENCY_MS}` })
    .max(MAX_INGRESS_LATENCY_MS, { message: `write milliseconds from 0 to ${MAX_INGRESS_LATENCY_MS}` })
    .default(0),
});

const FaultsSchema = z.strictObject({
  api: z
    .strictObject({
      errorRate: z.number().min(0).max(1).default(0),
      latencyMs: z
        .number({ message: `write milliseconds from 0 to ${MAX_INGRESS_LATENCY_MS}` })
        .min(0, { message: `write milliseconds from 0 to ${MAX_INGRESS_LATENCY_MS}` })
        .max(MAX_INGRESS_LATENCY_MS, { message: `write milliseconds from 0 to ${MAX_INGRESS_LATENCY_MS}` })
        .default(0),
      regions: z.array(z.string()).optional(),
    })
    .default({ errorRate: 0, latencyMs: 0 }),
  /** By node name: `{neverReturns: true}` keeps a node NotReady after its next reboot. */
  nodes: z.record(z.string(), z.strictObject({ neverReturns: z.boolean().default(false), failActions: z.boolean().default(false) })).default({}),
  pods: z.array(PodFaultSchema).default([]),
  /** By region name: errors and latency of the region's HTTP ingress (changeable at run time: PUT /sandbox/v1/faults). */
  ingress: z.record(z.string(), IngressFaultSchema).default({}),
});

const TrafficSchema = z.strictObject({
  rps: z.number().min(0).default(1000),
  /** Region name → share in percent; equal shares when omitted. */
  split: z.record(z.string(), z.number().min(0)).optional(),
  /** Base latency of a request when the region is idle. */
  latencyMs: z.number().min(0).default(20),
});

export const FleetSchema = z.strictObject({
  apiVersion: z.literal('sandbox.daylight.dev/v1alpha1'),
  kind: z.literal('Fleet'),
  metadata: z.strictObject({ name: dnsLabel }),
  spec: z
    .strictObject({
      /** The same bounds as `sandbox up --speed`. */
      speed: z.number().min(0.001, { message: 'write simulated seconds per real second from 0.001 to 100000' }).max(100_000, { message: 'write simulated seconds per real second from 0.001 to 100000' }).default(60),
      seed: z.number().int().default(1),
      regions: z.array(RegionSchema).min(1).max(FLEET_LIMITS.regions, { message: `more regions than the sandbox's limit of ${FLEET_LIMITS.regions}; use fewer regions` }),
      workloads: z.array(WorkloadSchema).max(FLEET_LIMITS.workloads, { message: `more workloads than the sandbox's limit of ${FLEET_LIMITS.workloads.toLocaleString('en-US')}; use fewer workloads with more replicas` }).default([]),
      traffic: TrafficSchema.default(TrafficSchema.parse({})),
      faults: FaultsSchema.default(FaultsSchema.parse({})),
    })
    // Zod skips refinements once any field has an issue; run the cross-checks whenever the parts they read
    // are well-formed, so one run reports every mistake.
    .superRefine(crossCheck, { when: (payload) => CrossCheckInput.safeParse(payload.value).success })
    .superRefine(checkFleetSize, { when: (payload) => sizesReadable(payload.value) }),
});

export type Fleet = z.output<typeof FleetSchema>;
export type FleetSpec = Fleet['spec'];
export type RegionSpec = FleetSpec['regions'][number];
export type WorkloadSpec = FleetSpec['workloads'][number];
export type PodFaultSpec = FleetSpec['faults']['pods'][number];
export type IngressFault = z.output<typeof IngressFaultSchema>;

/** The parts of the spec `crossCheck` reads, loosely: enough to run it safely on a spec with other mistakes. */
const named = z.looseObject({ name: z.string() });
const CrossCheckInput = z.looseObject({
  regions: z.array(z.looseObject({ name: z.string(), zones: z.array(named) })),
  workloads: z.array(z.looseObject({ name: z.string(), namespace: z.string(), regions: z.array(z.string()).optional() })),
  traffic: z.looseObject({ split: z.record(z.string(), z.unknown()).optional() }),
  faults: z.looseObject({
    pods: z.array(z.looseObject({ workload: z.string(), namespace: z.string(), region: z.string().optional() })),
    api: z.looseObject({ regions: z.array(z.string()).optional() }),
    ingress: z.record(z.string(), z.unknown()).optional(),
  }),
});

type SpecIn = {
  regions: { name: string; zones: { name: string }[] }[];
  workloads: { name: string; namespace: string; regions?: string[] | undefined }[];
  traffic: { split?: Record<string, number> | undefined };
  faults: {
    pods: { workload: string; namespace: string; region?: string | undefined }[];
    api: { regions?: string[] | undefined };
    ingress?: Record<string, unknown> | undefined;
  };
};

/** Checks that need the whole spec: unique names, and references to regions and workloads that exist. */
function crossCheck(spec: SpecIn, ctx: z.RefinementCtx): void {
  const regionNames = spec.regions.map((r) => r.name);
  const known = new Set(regionNames);
  duplicates(regionNames).forEach((name) => ctx.addIssue({ code: 'custom', path: ['regions'], message: `region "${name}" appears twice; give each region its own name` }));
  const zones = spec.regions.flatMap((r) => r.zones.map((z) => z.name));
  duplicates(zones).forEach((name) => ctx.addIssue({ code: 'custom', path: ['regions'], message: `zone "${name}" appears twice; zone names must be unique across the fleet (they name the nodes)` }));
  const workloadIds = spec.workloads.map((w) => `${w.namespace}/${w.name}`);
  duplicates(workloadIds).forEach((id) => ctx.addIssue({ code: 'custom', path: ['workloads'], message: `workload "${id}" appears twice` }));
  const unknownRegion = (name: string, path: PropertyKey[]) => {
    if (!known.has(name)) ctx.addIssue({ code: 'custom', path, message: `"${name}" is not a region of this fleet; write one of ${regionNames.join(', ')}` });
  };
  spec.workloads.forEach((w, i) => w.regions?.forEach((r, j) => unknownRegion(r, ['workloads', i, 'regions', j])));
  Object.keys(spec.traffic.split ?? {}).forEach((r) => unknownRegion(r, ['traffic', 'split', r]));
  spec.faults.api.regions?.forEach((r, j) => unknownRegion(r, ['faults', 'api', 'regions', j]));
  Object.keys(spec.faults.ingress ?? {}).forEach((r) => unknownRegion(r, ['faults', 'ingress', r]));
  spec.faults.pods.forEach((f, i) => {
    if (!workloadIds.includes(`${f.namespace}/${f.workload}`)) {
      ctx.addIssue({ code: 'custom', path: ['faults', 'pods', i, 'workload'], message: `no workload "${f.namespace}/${f.workload}" in this fleet; write one of ${workloadIds.join(', ')}` });
    }
    if (f.region) unknownRegion(f.region, ['faults', 'pods', i, 'region']);
  });
}

function duplicates(names: string[]): string[] {
  return [...new Set(names.filter((n, i) => names.indexOf(n) !== i))];
}
