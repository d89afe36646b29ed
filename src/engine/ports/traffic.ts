// The traffic port: what the engine asks of a global load balancer, whichever it is (HAProxy's runtime
// API, a Gateway API HTTPRoute, the sandbox's own balancer, a person). Regions are named as the plan's
// clusters are; each adapter (src/traffic/) maps them to its own servers or backends.
//
// Every change is verified on the data plane before the call returns (DESIGN.md invariant 7): a drain
// returns once new requests no longer reach the region and its sessions are gone (or shut at the
// timeout), a share once the data plane reports it. An adapter that cannot verify says so by throwing
// an error that names what it saw.

export type { RegionTraffic, TrafficSnapshot } from '../../lib/traffic-reading.ts';
import type { RegionTraffic, TrafficSnapshot } from '../../lib/traffic-reading.ts';

export interface DrainOptions {
  /** How long existing sessions may take to finish before they are shut. */
  readonly timeoutMs: number;
  readonly signal?: AbortSignal;
}

/** What a drain took, as the journal records it. */
export interface DrainResult {
  /** ms from the command until no new request reached the region (verified on the data plane). */
  readonly newTrafficStoppedMs: number;
  /** ms until the region's sessions were gone. */
  readonly sessionsGoneMs: number;
  /** Sessions shut by force when the timeout passed (0 when they all finished). */
  readonly sessionsShut: number;
}

export interface TrafficPort {
  /** `haproxy`, `gateway-api`, `sandbox`, `manual`. */
  readonly provider: string;
  /** The regions this balancer knows, as plan cluster names. */
  readonly regions: readonly string[];
  /** Current weights, states and data-plane statistics of every region. */
  snapshot(signal?: AbortSignal): Promise<TrafficSnapshot>;
  /** New traffic stops at once; existing sessions finish or are shut at the timeout. Verified. */
  drain(region: string, o: DrainOptions): Promise<DrainResult>;
  /** Gives the region `percent` of its initial weight (0-100) and makes it take new traffic. Verified. */
  setShare(region: string, percent: number, signal?: AbortSignal): Promise<void>;
  /** Switch-back: the region's weight to 0 at once, with no wait for its sessions. Verified. */
  cut(region: string, signal?: AbortSignal): Promise<void>;
  /** Puts a region back exactly as a snapshot saw it (crash recovery). Verified. */
  putBack(region: string, before: RegionTraffic, signal?: AbortSignal): Promise<void>;
  close(): Promise<void>;
}
