// What a gate evaluation yields and needs: results are data (a measurement with value, threshold and
// message) that the journal, the CLI and the report show as they are.
import type { Cluster } from '../engine/ports/cluster.ts';
import type { RawCluster } from './gitops.ts';

/** The engine's gate result (src/engine/ports/gates.ts): what every gate yields. */
export type { GateResult } from '../engine/ports/gates.ts';

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
