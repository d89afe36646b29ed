// What the engine is given rather than imports: the clusters, the clock, the planner, the gates and the
// command runner. The CLI wires real adapters; tests wire the sandbox or fakes.
import type { ClusterPort, ClusterSnapshot } from '../kube/types.ts';
import type { CommandExec } from '../lib/command-exec.ts';
import type { LoadedPlan } from '../plan/load.ts';
import type { Gate, MaintenanceWindow, NodesPhase } from '../plan/schema.ts';
import type { Clock } from '../lib/clock.ts';
import type { GateRecord, JournalEntry, PlannedWave } from './events.ts';

export interface PhaseWaves {
  readonly budget: number;
  readonly waves: readonly (PlannedWave & { readonly estimateMs?: number })[];
  readonly excluded: readonly { readonly node: string; readonly reason: string }[];
  /** Sentences that stop the phase before it starts, each with the fix. */
  readonly blockers: readonly string[];
}

export interface WindowPort {
  /** When a piece of work of `durationMs` may start, at or after `fromMs`. */
  nextStart(window: MaintenanceWindow, fromMs: number, durationMs: number): number;
}

export interface EngineDeps {
  readonly runId: string;
  readonly plan: LoadedPlan;
  readonly clusters: ReadonlyMap<string, ClusterPort>;
  readonly clock: Clock;
  readonly planPhase: (snapshot: ClusterSnapshot, phase: NodesPhase) => PhaseWaves;
  readonly evaluateGates: (gates: readonly Gate[], cluster: ClusterPort, signal: AbortSignal) => Promise<GateRecord[]>;
  readonly windows?: WindowPort;
  readonly exec: CommandExec;
  /** Every journal entry as it is written, for the terminal or `-o json`. */
  readonly emit: (entry: JournalEntry) => void;
  /** How long gates that fail before a wave are retried before the run fails. */
  readonly gateRetryMs?: number;
}
