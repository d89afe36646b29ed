// The checks of a regional phase as the engine's gates port asks for them (RegionChecks): the spare
// capacity of the other regions before a drain, and each analysis of a restore step.
import type { RegionChecks } from '../engine/ports/gates.ts';
import type { Capacity } from '../plan/schema.ts';
import { measureAnalysis } from './analysis.ts';
import { checkCapacity } from './capacity.ts';

/** Without traffic.capacity in the plan, the balancer's own readings judge it, with no headroom. */
const BALANCER_CAPACITY: Capacity = { type: 'sandbox', headroom: 1 };

export function regionChecks(o: { readonly capacity: Capacity | undefined; readonly clock: { now(): number } }): RegionChecks {
  return {
    capacity: (region, snapshot, signal) => checkCapacity(o.capacity ?? BALANCER_CAPACITY, region, snapshot, { signal }),
    analyse: (a, ctx) => measureAnalysis(a, { ...ctx, clock: o.clock }),
  };
}
