// The traffic adapters' shared vocabulary. The port they implement is the engine's
// (src/engine/ports/traffic.ts), re-exported here for the adapters and their tests; the error they throw
// when the data plane does not confirm a change is theirs.

export type { DrainOptions, DrainResult, RegionTraffic, TrafficPort, TrafficSnapshot } from '../engine/ports/traffic.ts';

/** A change the data plane did not confirm, or a balancer that cannot be reached; says what it saw. */
export class TrafficError extends Error {
  override readonly name = 'TrafficError';
}
