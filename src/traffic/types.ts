// The traffic port: what the engine asks of a global load balancer, whichever it is (HAProxy's runtime
// API, a Gateway API HTTPRoute, the sandbox's own balancer, a person). Regions are named as the plan's
// clusters are; each adapter maps them to its own servers or backends.
//
// Every change is verified on the data plane before the call returns (DESIGN.md invariant 7): a drain
// returns once new requests no longer reach the region and its sessions are gone (or shut at the
// timeout), a share once the data plane reports it. An adapter that cannot verify says so by throwing
// a TrafficError that names what it saw.

/** One region as the data plane sees it now. */
export interface RegionTraffic {
  /** Current weight in the adapter's own unit (HAProxy 0-256, HTTPRoute 0-1,000,000, sandbox any). */
  readonly weight: number;
  /** The weight the region had before Daylight changed anything (HAProxy's initial weight). */
  readonly initialWeight: number;
  /** `ready` takes new traffic; `drain` keeps only existing sessions; `maint` takes nothing. */
  readonly state: 'ready' | 'drain' | 'maint';
  /** Sessions (connections) open now, where the data plane counts them. */
  readonly sessions?: number;
  /** Cumulative counters, where the data plane keeps them: requests answered, and those with a 5xx. */
  readonly requests?: { readonly total: number; readonly errors: number };
  /** Requests per second sent to the region and what its ready endpoints can serve, where known. */
  readonly load?: { readonly demandRps: number; readonly capacityRps: number };
  /** Data plane's view of health (HAProxy's `status` column: UP, DOWN, DRAIN, MAINT, ...). */
  readonly health?: string;
}

/** The whole balancer at one instant. */
export interface TrafficSnapshot {
  /** Epoch ms (wall clock) when it was read. */
  readonly at: number;
  readonly regions: Readonly<Record<string, RegionTraffic>>;
}

export interface DrainOptions {
  /** How long existing sessions may take to finish before they are shut. */
  readonly timeoutMs: number;
  readonly signal?: AbortSignal;
}

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

/** A change the data plane did not confirm, or a balancer that cannot be reached; says what it saw. */
export class TrafficError extends Error {
  override readonly name = 'TrafficError';
}
