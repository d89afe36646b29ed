// The gates port: how the engine judges whether it may go on (the plan's gates, a region's spare capacity,
// a restore step's analysis), and the results it journals. Results are data (a measurement with its value,
// threshold and message) that the journal, the CLI and the report show as they are. The checks (src/checks/)
// implement the judging; the engine only reads `passed` and the verdict, and records the rest.
import type { Analysis } from '../../plan/schema.ts';
import type { RegionTraffic, TrafficSnapshot } from '../../lib/traffic-reading.ts';

export interface GateResult {
  /** Display name: the gate's own `name`, else "kube nodes-ready", "http <url>", ... */
  readonly gate: string;
  readonly type: string;
  readonly passed: boolean;
  /** What was measured: a count, an HTTP status, a metric value. */
  readonly value?: number | string;
  /** What the value was held against, as people read it: "<= 0.01", "= 200", "0". */
  readonly threshold?: string;
  /** What was seen and, when failed, why; with live numbers. */
  readonly message: string;
}

export type Verdict = 'success' | 'failure' | 'inconclusive';

/** One measurement of a restore step's analysis; no data is `inconclusive`, never a success. */
export interface AnalysisRecord {
  readonly analysis: string;
  readonly type: Analysis['type'];
  readonly verdict: Verdict;
  readonly value?: number | string;
  readonly threshold?: string;
  readonly message: string;
  /** Epoch ms on the engine's clock. */
  readonly measuredAt: number;
}

/** What an analysis is measured over: the region, and its balancer readings at the step's start and now. */
export interface AnalysisInput {
  readonly region: string;
  readonly since?: RegionTraffic;
  readonly now?: RegionTraffic;
  readonly signal: AbortSignal;
}

/**
 * The checks of a regional phase. The plan's own gates go through `EngineDeps.evaluateGates`, which takes
 * the cluster they run against.
 */
export interface RegionChecks {
  /** Whether the regions other than `region` can carry all the load; fails closed. */
  readonly capacity: (region: string, snapshot: TrafficSnapshot, signal: AbortSignal) => Promise<GateResult>;
  /** One analysis of a restore step; a source that cannot answer is inconclusive. */
  readonly analyse: (a: Analysis, ctx: AnalysisInput) => Promise<AnalysisRecord>;
}
