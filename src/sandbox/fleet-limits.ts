// How big a fleet one sandbox process can hold, and the check of a fleet file's sizes against it. It runs
// at load, before anything is built: a typo such as `nodesPerRack: 100000000` is a message, not minutes of
// building and an out-of-memory abort.
import { z } from 'zod';

/**
 * Measured on the reference machine (24 GiB, 2 cores shared with other work), `sandbox up` until every pod
 * is Ready: 1,000 nodes and 30,000 pods (examples/fleets/large.yaml) in 72 s with 0.55 GiB peak RSS;
 * 2,000 nodes and 62,000 pods in one region in 117 s, 0.84 GiB; four regions of 1,000 nodes, 124,000 pods
 * in all, in 373 s, 1.27 GiB. About 10 KiB per pod, and start-up time grows with the pods of a region.
 * Memory is not what runs out first: Node's default heap (4 GiB here) is. 200,000 pods stay near half of
 * it (about 2 GiB) with room for a run's journal and watches; 5,000 nodes per region is also the
 * Kubernetes scalability limit per cluster. A typo such as `nodesPerRack: 100000000` used to build for
 * 70 s and die with a V8 out-of-memory abort. Regions cost little beyond their nodes and pods (an API
 * server and an ingress each): 50 regions of 11 nodes (bench/fleet.ts, a rollout across a fleet) are up in
 * 2 s and stay near 0.3 GiB; the limit bounds the servers one process opens, with room for such fleets.
 */
export const FLEET_LIMITS = {
  regions: 64,
  zonesPerRegion: 100,
  nodesPerRegion: 5_000,
  nodes: 20_000,
  podsPerNode: 1_000,
  pods: 200_000,
  workloads: 2_000,
} as const;

/** `12345` as `12,345`: limits read as people write them. */
export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

/** An integer from `min` up to `max`, with a message that names the value, the limit and the fix. */
export function boundedInt(min: number, max: number, what: string) {
  const range = `use a whole number from ${formatCount(min)} to ${formatCount(max)}`;
  const got = (input: unknown) => (typeof input === 'number' ? String(input) : JSON.stringify(input));
  return z
    .number({ error: (iss) => `${got(iss.input)} is not a number; ${range} (${what})` })
    .int({ error: (iss) => `${got(iss.input)} is not a whole number; ${range}` })
    .min(min, { error: (iss) => `${got(iss.input)} is below ${formatCount(min)}; ${range}` })
    .max(max, { error: (iss) => `${got(iss.input)} is over the sandbox's limit of ${formatCount(max)} ${what}; ${range}` });
}

/** The parts of a fleet spec the size check reads, each within its own field's bounds (else that field's error is enough). */
const SizeInput = z.looseObject({
  regions: z.array(
    z.looseObject({
      name: z.string(),
      zones: z.array(z.looseObject({ racks: z.number().int().min(1).max(FLEET_LIMITS.nodesPerRegion).default(1), nodesPerRack: z.number().int().min(1).max(FLEET_LIMITS.nodesPerRegion) })),
      controlPlane: z.looseObject({ nodes: z.number().int().min(0).max(FLEET_LIMITS.nodesPerRegion).default(1) }).default({ nodes: 1 }),
    }),
  ),
  workloads: z
    .array(z.looseObject({ kind: z.string(), replicas: z.number().int().min(0).max(FLEET_LIMITS.pods).default(1), regions: z.array(z.string()).optional() }))
    .default([]),
});

type SizeSpec = z.output<typeof SizeInput>;

/** Whether the size check can run: every part it reads is well-formed. */
export function sizesReadable(value: unknown): boolean {
  return SizeInput.safeParse(value).success;
}

/** Nodes per region, nodes in the fleet and pods in the fleet, each against its limit. */
export function checkFleetSize(value: unknown, ctx: z.RefinementCtx): void {
  const parsed = SizeInput.safeParse(value);
  if (!parsed.success) return;
  const spec = parsed.data;
  const perRegion = spec.regions.map(nodesOf);
  perRegion.forEach((n, i) => {
    if (n <= FLEET_LIMITS.nodesPerRegion) return;
    const fix = 'use fewer racks or nodesPerRack, or split it into more regions';
    ctx.addIssue({ code: 'custom', path: ['regions', i, 'zones'], message: `region "${spec.regions[i]?.name}" has ${formatCount(n)} nodes, over the sandbox's limit of ${formatCount(FLEET_LIMITS.nodesPerRegion)} per region; ${fix}` });
  });
  const nodes = perRegion.reduce((a, b) => a + b, 0);
  if (nodes > FLEET_LIMITS.nodes) {
    ctx.addIssue({ code: 'custom', path: ['regions'], message: `the fleet has ${formatCount(nodes)} nodes, over the sandbox's limit of ${formatCount(FLEET_LIMITS.nodes)}; use fewer regions, racks or nodesPerRack` });
  }
  const pods = podsOf(spec, perRegion);
  if (pods > FLEET_LIMITS.pods) {
    ctx.addIssue({ code: 'custom', path: ['workloads'], message: `the workloads make ${formatCount(pods)} pods in the fleet (DaemonSets one per node), over the sandbox's limit of ${formatCount(FLEET_LIMITS.pods)}; use fewer replicas or workloads` });
  }
}

function nodesOf(region: SizeSpec['regions'][number]): number {
  return region.controlPlane.nodes + region.zones.reduce((sum, z) => sum + z.racks * z.nodesPerRack, 0);
}

/** Pods as the sandbox creates them: replicas in every region a workload runs in, a DaemonSet's on every node. */
function podsOf(spec: SizeSpec, nodesPerRegion: readonly number[]): number {
  let pods = 0;
  spec.regions.forEach((region, i) => {
    for (const w of spec.workloads) {
      if (w.regions && !w.regions.includes(region.name)) continue;
      pods += w.kind === 'DaemonSet' ? (nodesPerRegion[i] as number) : w.replicas;
    }
  });
  return pods;
}
