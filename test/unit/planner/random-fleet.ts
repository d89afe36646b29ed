// Random fleets for the planner's property tests: zones × racks × nodes, workloads placed on random nodes
// (several pods of one on a node, too), budgets with a written status or only a spec, caps and canaries.
import fc from 'fast-check';
import type { ClusterSnapshot, PdbView } from '../../../src/kube/types.ts';
import { planPhase } from '../../../src/planner/plan-phase.ts';
import type { PhasePlan } from '../../../src/planner/types.ts';
import { nodes, pdb, phase, pods, RACK, snapshot, ZONE } from './fixtures.ts';

export const world = fc.record({
  zones: fc.integer({ min: 1, max: 4 }),
  racks: fc.integer({ min: 1, max: 3 }),
  nodesPerRack: fc.integer({ min: 1, max: 4 }),
  workloads: fc.array(fc.record({ placement: fc.array(fc.nat(), { minLength: 1, maxLength: 24 }), allowed: fc.integer({ min: 0, max: 3 }), fromSpec: fc.option(fc.integer({ min: 1, max: 100 }), { nil: undefined }) }), { maxLength: 4 }),
  maxUnavailable: fc.oneof(fc.integer({ min: 1, max: 8 }), fc.constantFrom('10%', '25%', '50%', '100%')),
  canary: fc.integer({ min: 0, max: 2 }),
  serial: fc.boolean(),
  perZone: fc.option(fc.integer({ min: 1, max: 3 }), { nil: undefined }),
  perRack: fc.option(fc.integer({ min: 1, max: 2 }), { nil: undefined }),
});

export type World = typeof world extends fc.Arbitrary<infer T> ? T : never;

export function build(w: World): ClusterSnapshot {
  const fleet = nodes(w);
  const names = fleet.map((n) => n.name);
  const podList = w.workloads.flatMap((wl, i) => pods({ name: `app${i}`, on: wl.placement.map((k) => names[k % names.length] as string) }));
  return snapshot({ nodes: fleet, pods: podList, pdbs: w.workloads.map((wl, i) => budget(`app${i}`, wl)) });
}

/** A budget with its status written, or one the disruption controller has not seen yet: maxUnavailable n% of its pods. */
function budget(name: string, wl: World['workloads'][number]): PdbView {
  if (wl.fromSpec === undefined) return pdb(name, wl.allowed);
  return pdb(name, 0, { maxUnavailable: `${wl.fromSpec}%`, currentHealthy: 0, desiredHealthy: 0, disruptionsAllowed: 0, expectedPods: 0 });
}

/** The world's phase planned on the snapshot; `fields` add to the phase (budgetWaitRounds, estimates, …). */
export function planWorld(w: World, snap: ClusterSnapshot, fields: Record<string, unknown> = {}): PhasePlan {
  const then = { key: RACK, ...(w.perRack ? { maxPerDomain: w.perRack } : {}) };
  const topology = { key: ZONE, serial: w.serial, then, ...(w.perZone ? { maxPerDomain: w.perZone } : {}) };
  return planPhase({ snapshot: snap, phase: phase({ maxUnavailable: w.maxUnavailable, canary: w.canary, topology, ...fields }) });
}
