// What a gate evaluation yields and needs: results are data (a measurement with value, threshold and
// message) that the journal, the CLI and the report show as they are.
import type { Cluster } from '../engine/ports/cluster.ts';
import type { RawCluster } from './gitops.ts';

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

/** A gate's own verdict, before evaluateGate adds the name, the type and the time. */
export interface Measurement {
  readonly passed: boolean;
  readonly value?: number | string;
  readonly threshold?: string;
  readonly message: string;
  /** Nothing to judge (no series, NaN, no answer): a gate fails; an analysis counts it as no data. */
  readonly inconclusive?: boolean;
}


export type { CommandExec, CommandOutcome } from '../lib/command-exec.ts';
import type { CommandExec } from '../lib/command-exec.ts';

export interface GateContext {
  readonly cluster: Cluster;
  /** Custom resources (GitOps objects) of the same cluster: a GET the wiring binds from the adapter; without it gitops gates fail closed. */
  readonly customResources?: RawCluster;
  readonly runId: string;
  readonly clock: { now(): number };
  readonly signal?: AbortSignal;
  /** Defaults to the global fetch; tests may inject one. */
  readonly fetch?: typeof fetch;
  /** Defaults to a runner over node:child_process. */
  readonly exec?: CommandExec;
}
