// What every simulated controller of a region shares: the store, simulated time, seeded randomness,
// the owner index, the faults the fleet file asked for and the referee that counts what happened.
import type { SimClock } from '../clock.ts';
import type { Pod } from '../k8s-types.ts';
import type { Change, ObjectStore } from '../store.ts';
import type { OwnerIndex } from './owner-index.ts';
import type { Rng } from './random.ts';

/** What an outside observer counts; the fleet's referee implements it. */
export interface RefereeSink {
  evictionAccepted(region: string): void;
  evictionRejectedByPdb(region: string): void;
  /** A running pod died without going through the Eviction API (reboot, plain DELETE). */
  podKilledWithoutEviction(region: string, pod: Pod, how: string): void;
  reboot(region: string, node: string): void;
  pdbBreach(region: string, pdb: string): void;
  unavailableNodes(region: string, count: number): void;
}

export type PodFault = 'never-ready' | 'stuck-terminating';

export interface NodeFault {
  readonly neverReturns: boolean;
  readonly failActions: boolean;
}

export interface RegionFaults {
  /** The fault a new pod with these labels gets, if the fleet file asked for one; consumes it. */
  podFault(namespace: string, labels: Readonly<Record<string, string>> | undefined): PodFault | undefined;
  node(name: string): NodeFault | undefined;
}

export interface SimContext {
  readonly region: string;
  readonly store: ObjectStore;
  readonly clock: SimClock;
  readonly rng: Rng;
  readonly owners: OwnerIndex;
  readonly referee: RefereeSink;
  readonly faults: RegionFaults;
}

/** A controller reacts to store changes by queueing work, and does the work when the region settles. */
export interface Controller {
  readonly name: string;
  onChange(change: Change): void;
  /** Does the queued work; returns whether it did anything. */
  reconcile(): boolean;
}

