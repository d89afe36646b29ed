// What the engine is given rather than imports: the clusters, the clock, the planner, the gates and the
// command runner. The CLI wires real adapters; tests wire the sandbox or fakes.
import type { Cluster } from './ports/cluster.ts';
import type { ClusterSnapshot } from './ports/cluster-views.ts';
import type { CommandExec } from '../lib/command-exec.ts';
import type { LoadedPlan } from '../plan/load.ts';
import type { Gate, NodesPhase } from '../plan/schema.ts';
import type { Clock } from '../lib/clock.ts';
import type { HookResult } from './events.ts';
import type { Hook, Traffic } from '../plan/schema.ts';
import type { TrafficPort } from './ports/traffic.ts';
import type { RegionChecks } from './ports/gates.ts';
import type { PlatformPort } from './ports/platform.ts';
import type { UpgradePlanner } from './ports/upgrade.ts';
import type { SilencePort, Silencer } from './ports/silences.ts';
import type { WindowPort } from './ports/windows.ts';
export type { SilencePort, Silencer, WindowPort };
import type { Finding } from '../preflight/types.ts';
import type { RunState } from './state.ts';
import type { ExcludedNode, GateResult, JournalEntry, PlannedWave } from './events.ts';
import type { BackupPort } from './ports/backups.ts';
import type { ControlPlaneProbe } from './ports/control-plane.ts';
import type { ApprovalInbox } from './ports/approvals.ts';
import type { VersionSource } from './ports/versions.ts';
import type { SkipInbox } from './ports/skips.ts';

export interface PhaseWaves {
  readonly budget: number;
  readonly waves: readonly (PlannedWave & { readonly estimateMs?: number })[];
  readonly excluded: readonly ExcludedNode[];
  /** Sentences that stop the phase before it starts, each with the fix. */
  readonly blockers: readonly string[];
}

/** What regional phases need: the balancer, and how to judge capacity and a restore step (ports/gates.ts). */
export interface RegionalDeps extends RegionChecks {
  readonly traffic: TrafficPort;
  readonly policy: Traffic;
  readonly silences?: SilencePort;
}

export interface EngineDeps {
  readonly runId: string;
  readonly plan: LoadedPlan;
  readonly clusters: ReadonlyMap<string, Cluster>;
  readonly clock: Clock;
  readonly planPhase: (snapshot: ClusterSnapshot, phase: NodesPhase) => PhaseWaves;
  readonly evaluateGates: (gates: readonly Gate[], cluster: Cluster, signal: AbortSignal) => Promise<GateResult[]>;
  readonly windows?: WindowPort;
  /** Platform phases: workspace files, their steps and the Deployments check (src/platform/ implements it); a platform phase fails without it. */
  readonly platform?: PlatformPort;
  /** Kubernetes phases: the upgrade path under the skew policy (src/upgrade/ implements it); a kubernetes phase fails without it. */
  readonly upgrades?: UpgradePlanner;
  readonly exec: CommandExec;
  /** Every journal entry as it is written, with the run's state after it, for the terminal, `-o json` and notifications. */
  readonly emit: (entry: JournalEntry, state: RunState) => void;
  /** What preflight found before a new run (journaled at its start); absent when it was skipped. */
  readonly preflight?: readonly Finding[];
  /** Silences for platform components; absent when the plan has no spec.silences. */
  readonly silencer?: Silencer;
  /** Regional phases: the balancer and its checks; absent when the plan has none. */
  readonly regional?: RegionalDeps;
  /** Each cluster's backups (Velero behind them), by cluster name; a cluster without one cannot take Velero backups. */
  readonly backups?: ReadonlyMap<string, BackupPort>;
  /** Each cluster's control-plane probe (`/version`, `/readyz` behind it), by cluster name; kubernetes phases need it. */
  readonly controlPlane?: ReadonlyMap<string, ControlPlaneProbe>;
  /** Where answers to the plan's approval gates arrive; without it an approval without timeout fails closed. */
  readonly approvals?: ApprovalInbox;
  /** Where a person's skips of a rollout's stages, groups and clusters arrive. */
  readonly skips?: SkipInbox;
  /** spec.versionSource: the releases a phase naming a minor (to: v1.31) takes its newest patch from. */
  readonly versions?: VersionSource;
  /** Runs one hook of the plan; never throws for a failed hook, only for an abort. */
  readonly runHook?: (hook: Hook, vars: Readonly<Record<string, string>>, signal: AbortSignal) => Promise<HookResult>;
}
