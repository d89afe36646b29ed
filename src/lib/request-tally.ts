// API requests counted by kind, for benchmarks and the tests that bound what a step costs. The cluster
// adapter reports each request it makes to an observer given when it connects; this tally is the
// observer the benchmarks and tests install. Nothing in a run needs it.

/** Told of every request: its method and resource with names elided ("POST pods/eviction", "WATCH nodes"). */
export type RequestObserver = (kind: string) => void;

export class RequestTally {
  private total = 0;
  private readonly byKind = new Map<string, number>();
  /** The observer to give the adapter (bound: pass it as it is). */
  readonly observe: RequestObserver = (kind) => {
    this.total++;
    this.byKind.set(kind, (this.byKind.get(kind) ?? 0) + 1);
  };

  /** Requests so far. */
  get count(): number {
    return this.total;
  }

  /** Requests so far by kind. */
  get kinds(): ReadonlyMap<string, number> {
    return this.byKind;
  }
}
