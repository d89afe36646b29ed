// The journal's vocabulary: every event a run records, as a typed union. The state of a run is what
// these events say, replayed in order (state.ts); the audit report reads the same events.
import type { AnalysisRecord, GateResult } from './ports/gates.ts';
import type { EvictionAnswer } from './ports/cluster-views.ts';
import type { Finding } from '../preflight/types.ts';
import type { Hook, HookEvent } from '../plan/hook-schema.ts';
import type { DrainResult, RegionTraffic } from './ports/traffic.ts';
import type { SealedEntry } from './ports/journal.ts';

/** A gate's result as the journal records it: the same type the gates return. */
export type { GateResult };

/** What a hook did: stored in the journal and shown in reports, so it carries no secrets. */
export interface HookResult {
  readonly on: HookEvent;
  readonly type: Hook['type'];
  /** The command as run, or the URL without credentials and without query values; never header values. */
  readonly target: string;
  readonly ok: boolean;
  /** The hook's policy for ok: false, for the caller to apply. */
  readonly onFailure: Hook['onFailure'];
  /** Command: the exit code, null when a signal ended it. */
  readonly exitCode?: number | null;
  /** Webhook: the HTTP status, when there was an answer. */
  readonly status?: number;
  readonly timedOut: boolean;
  readonly durationMs: number;
  /** The tail of a command's output, or the start of a webhook's answer; bounded. */
  readonly output: string;
  readonly message: string;
}

export interface PlannedWave {
  readonly index: number;
  readonly nodes: readonly string[];
  readonly domain?: string;
  readonly reason?: string;
}

export type NodeOutcome = 'maintained' | 'skipped' | 'quarantined' | 'failed';

/** A budget that the `force` policy took below its minimum: what an outside observer counts as a breach. */
export interface BudgetBreach {
  /** `namespace/name` of the PodDisruptionBudget. */
  readonly pdb: string;
  readonly desiredHealthy: number;
  /** Healthy pods the budget counted before the deletions. */
  readonly healthyBefore: number;
  /** Its healthy pods among the deleted ones. */
  readonly deleted: number;
}

export interface PodDecision {
  readonly pod: string;
  readonly uid: string;
  readonly decision: 'evict' | 'skip' | 'refuse';
  readonly reason: string;
  /** `Deployment shop/web`: the workload that must be whole again before the node is given back. */
  readonly workload?: string;
}

type Where = { readonly cluster: string };

/** A node a phase selected but left alone; `unavailable` ones (NotReady, cordoned) were not maintained. */
export interface ExcludedNode {
  readonly node: string;
  readonly reason: string;
  readonly unavailable?: boolean;
}

/** A workspace file as a platform phase read it: a resumed run refuses files that changed since. */
export interface WorkspaceRef {
  readonly path: string;
  readonly sha256: string;
}

/** The commands a platform phase runs for a component, each journaled before it runs. */
export type ComponentCommand = 'backup' | 'upgrade' | 'rollback';
type AtNode = Where & { readonly node: string };

/** Who answered an approval and how: the answer as the channel carried it (`daylight approve`, the dashboard, an annotation). */
export interface ApprovalAnswerRecord {
  readonly step: string;
  /** The person (`--as`, the OS user, the dashboard token's name), or `daylight (timeout)` when the timeout answered. */
  readonly by: string;
  /** cli, dashboard, annotation, timeout. */
  readonly via: string;
  /** When the person answered, ISO 8601 wall clock (the entry's own time is when the run took the answer). */
  readonly answeredAt: string;
  readonly comment?: string;
  /** The answer's id in its channel, so a resumed run never takes the same answer twice. */
  readonly answer?: string;
}

export type RunEvent =
  | { readonly type: 'run.started'; readonly plan: { readonly name: string; readonly path: string; readonly sha256: string }; readonly clusters: readonly string[]; readonly holder: string }
  | { readonly type: 'run.resumed'; readonly holder: string }
  | { readonly type: 'preflight.evaluated'; readonly findings: readonly Finding[]; readonly skipped: boolean }
  | ({ readonly type: 'lease.acquired'; readonly holder: string } & Where)
  | ({ readonly type: 'lease.released' } & Where)
  | ({ readonly type: 'lease.lost'; readonly heldBy?: string } & Where)
  | ({ readonly type: 'phase.planned'; readonly phase: string; readonly budget: number; readonly waves: readonly PlannedWave[]; readonly excluded: readonly ExcludedNode[] } & Where)
  | ({ readonly type: 'phase.completed'; readonly phase: string } & Where)
  | ({ readonly type: 'window.waiting'; readonly phase: string; readonly wave: number; readonly until: number } & Where)
  | ({ readonly type: 'gates.evaluated'; readonly phase: string; readonly when: 'before-wave' | 'after-phase'; readonly wave?: number; readonly passed: boolean; readonly results: readonly GateResult[] } & Where)
  | ({ readonly type: 'wave.started'; readonly phase: string; readonly wave: number; readonly nodes: readonly string[] } & Where)
  | ({ readonly type: 'wave.completed'; readonly phase: string; readonly wave: number } & Where)
  | ({ readonly type: 'wave.soaked'; readonly phase: string; readonly wave: number; readonly ms: number } & Where)
  | ({ readonly type: 'node.cordon.requested' } & AtNode)
  | ({ readonly type: 'node.cordoned'; readonly changed: boolean; readonly previousOwner?: string } & AtNode)
  | ({ readonly type: 'node.drain.started'; readonly pods: readonly PodDecision[] } & AtNode)
  | ({ readonly type: 'node.pod.blocked'; readonly pod: string; readonly answer: EvictionAnswer; readonly diagnostic: string } & AtNode)
  | ({ readonly type: 'node.drained'; readonly ms: number; readonly evicted: number } & AtNode)
  | ({ readonly type: 'node.drain.timeout'; readonly policy: string; readonly blockers: readonly string[] } & AtNode)
  | ({ readonly type: 'node.pods.deleted'; readonly pods: readonly string[]; readonly budgets?: readonly BudgetBreach[] } & AtNode)
  | ({ readonly type: 'node.action.requested'; readonly id: string; readonly operation: string; readonly version?: string; readonly bootIdBefore: string; readonly kubeletBefore: string } & AtNode)
  | ({ readonly type: 'node.action.confirmed'; readonly bootId: string; readonly kubeletVersion: string; readonly ms: number } & AtNode)
  | ({ readonly type: 'node.action.failed'; readonly message: string } & AtNode)
  | ({ readonly type: 'node.ready'; readonly ms: number } & AtNode)
  | ({ readonly type: 'node.ready.timeout'; readonly policy: string; readonly message: string } & AtNode)
  | ({ readonly type: 'node.uncordon.requested' } & AtNode)
  | ({ readonly type: 'node.uncordoned'; readonly changed: boolean } & AtNode)
  | ({ readonly type: 'node.done'; readonly outcome: NodeOutcome; readonly message?: string } & AtNode)
  | ({ readonly type: 'kubernetes.path.checked'; readonly phase: string; readonly apiserver: string; readonly to: string; readonly passed: boolean; readonly problems: readonly string[] } & Where)
  | ({ readonly type: 'backup.requested'; readonly phase: string; readonly backup: 'velero' | 'command'; readonly name?: string; readonly namespace?: string; readonly command?: string } & Where)
  | ({ readonly type: 'backup.completed'; readonly phase: string; readonly name?: string; readonly ms: number; readonly status?: Readonly<Record<string, unknown>> } & Where)
  | ({ readonly type: 'backup.failed'; readonly phase: string; readonly name?: string; readonly reason: string } & Where)
  | ({ readonly type: 'control-plane.checked'; readonly phase: string; readonly passed: boolean; readonly results: readonly GateResult[] } & AtNode)
  | ({ readonly type: 'platform.diffed'; readonly phase: string; readonly from: WorkspaceRef; readonly to: WorkspaceRef; readonly order: readonly string[]; readonly removed: readonly string[]; readonly downgrades: readonly string[] } & Where)
  | ({ readonly type: 'component.started'; readonly phase: string; readonly component: string; readonly from?: string; readonly to: string; readonly steps: readonly { readonly id: string; readonly title: string }[] } & Where)
  | ({ readonly type: 'component.changelog'; readonly phase: string; readonly component: string; readonly file: string; readonly entries: number; readonly breaking: readonly { readonly version: string; readonly text: string }[]; readonly missingTarget: boolean } & Where)
  | ({ readonly type: 'component.silences.skipped'; readonly phase: string; readonly component: string; readonly matchers: readonly string[]; readonly reason: string } & Where)
  | ({ readonly type: 'component.command.requested'; readonly phase: string; readonly component: string; readonly step: ComponentCommand; readonly command: string } & Where)
  | ({ readonly type: 'component.command.finished'; readonly phase: string; readonly component: string; readonly step: ComponentCommand; readonly passed: boolean; readonly exitCode: number | null; readonly timedOut: boolean; readonly ms: number; readonly output: string } & Where)
  | ({ readonly type: 'component.checked'; readonly phase: string; readonly component: string; readonly passed: boolean; readonly results: readonly GateResult[] } & Where)
  | ({ readonly type: 'component.upgraded'; readonly phase: string; readonly component: string; readonly to: string } & Where)
  | ({ readonly type: 'component.failed'; readonly phase: string; readonly component: string; readonly step: string; readonly reason: string; readonly value?: number | string } & Where)
  | ({ readonly type: 'traffic.before'; readonly regions: Readonly<Record<string, RegionTraffic>> } & Where)
  | ({ readonly type: 'region.preconditions'; readonly passed: boolean; readonly results: readonly GateResult[] } & Where)
  | ({ readonly type: 'silence.requested'; readonly alertmanager: string; readonly marker: string } & Where)
  | ({ readonly type: 'silence.created'; readonly alertmanager: string; readonly id: string } & Where)
  | ({ readonly type: 'silence.expired'; readonly alertmanager: string; readonly id: string } & Where)
  | ({ readonly type: 'hook.ran'; readonly result: HookResult } & Partial<Where>)
  | ({ readonly type: 'traffic.drain.requested'; readonly before: RegionTraffic } & Where)
  | ({ readonly type: 'traffic.drained'; readonly result: DrainResult } & Where)
  | ({ readonly type: 'region.validated'; readonly passed: boolean; readonly results: readonly GateResult[] } & Where)
  | ({ readonly type: 'traffic.step.requested'; readonly step: number; readonly percent: number } & Where)
  | ({ readonly type: 'traffic.step.set'; readonly step: number; readonly percent: number; readonly weight?: number } & Where)
  | ({ readonly type: 'analysis.measured'; readonly step: number; readonly records: readonly AnalysisRecord[]; readonly failures: number; readonly inconclusive: number; readonly successes: number } & Where)
  | ({ readonly type: 'traffic.step.passed'; readonly step: number; readonly percent: number } & Where)
  | ({ readonly type: 'traffic.cut.requested'; readonly reason: string } & Where)
  | ({ readonly type: 'traffic.cut'; readonly reason: string; readonly ms: number; readonly weight: number } & Where)
  | ({ readonly type: 'traffic.restored'; readonly weight: number } & Where)
  | ({ readonly type: 'traffic.put-back'; readonly weight: number; readonly by: string } & Where)
  | ({ readonly type: 'approval.requested'; readonly step: string; readonly phase: string; readonly name?: string; readonly message?: string; readonly deadline?: number; readonly onTimeout: 'reject' | 'approve'; readonly wave?: number } & Partial<Where>)
  | ({ readonly type: 'approval.granted' } & ApprovalAnswerRecord)
  | ({ readonly type: 'approval.rejected' } & ApprovalAnswerRecord)
  | { readonly type: 'control.received'; readonly command: 'pause' | 'resume' | 'abort' | 'confirm' }
  | { readonly type: 'run.paused'; readonly reason: string }
  | { readonly type: 'run.aborted'; readonly reason: string }
  | { readonly type: 'run.succeeded' }
  | { readonly type: 'run.failed'; readonly reason: string }
  | ({ readonly type: 'node.recovered'; readonly by: string } & AtNode)
  | ({ readonly type: 'node.held'; readonly reason: string } & AtNode)
  | ({ readonly type: 'warning'; readonly message: string } & Partial<Where>)
  | { readonly type: 'run.degraded'; readonly reason: string; readonly problems: readonly string[] }
  // A rollout (spec.rollout): stages in sequence, groups in parallel, clusters of a group one after another
  | { readonly type: 'rollout.stage.started'; readonly stage: string; readonly groups: readonly { readonly name: string; readonly clusters: readonly string[] }[] }
  | { readonly type: 'rollout.gate.waiting'; readonly stage: string; readonly gate: string; readonly until: number }
  | { readonly type: 'rollout.gates.evaluated'; readonly stage: string; readonly cluster: string; readonly when: 'before' | 'after'; readonly passed: boolean; readonly results: readonly GateResult[] }
  | { readonly type: 'rollout.cluster.started'; readonly stage: string; readonly group: string; readonly cluster: string }
  | { readonly type: 'rollout.cluster.failed'; readonly stage: string; readonly group: string; readonly cluster: string; readonly reason: string }
  | { readonly type: 'rollout.group.completed'; readonly stage: string; readonly group: string }
  | { readonly type: 'rollout.group.stopped'; readonly stage: string; readonly group: string; readonly reason: string }
  | { readonly type: 'rollout.stage.halted'; readonly stage: string; readonly reason: string }
  | { readonly type: 'rollout.stage.completed'; readonly stage: string }
  | { readonly type: 'rollout.soak.started'; readonly stage: string; readonly until: number }
  | { readonly type: 'rollout.soak.completed'; readonly stage: string }
  // A new run carrying on the rollout of an aborted or failed one: what that run finished is not done again
  | { readonly type: 'rollout.continued'; readonly from: string; readonly clusters: readonly string[]; readonly stages: readonly string[] }
  // A person's skip of a stage, a group (STAGE/GROUP) or a cluster, by key (skipKey); it applies to what has not started
  | { readonly type: 'rollout.skipped'; readonly id: string; readonly key: string; readonly by: string; readonly via: string; readonly comment?: string }
  // A minor (to: v1.31) resolved to the release a phase installs: under `key` the whole run (versions:
  // consistent) or one cluster (versions: latest) takes it, a resumed run too
  | { readonly type: 'version.resolved'; readonly key: string; readonly version: string; readonly from: string; readonly offered: readonly string[]; readonly cluster: string };

export type RunEventType = RunEvent['type'];

/** A run event as the journal keeps it: sealed in the chain (seq, hashes, the signature of a signed journal). */
export type JournalEntry = SealedEntry<RunEvent>;
