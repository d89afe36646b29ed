// What a global load balancer reports about its regions at one instant. The traffic adapters produce it,
// the engine journals it, and the checks (traffic analysis, capacity) judge it; it lives here so that the
// checks read it without depending on the adapters that take it.

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
