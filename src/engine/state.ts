// The state of a run as a typed reducer over its journal: replaying the same entries always gives the
// same state, which is how a run resumes after a crash and how `status` reads a run it does not own.
import type { RegionTraffic } from './ports/traffic.ts';
import type { BudgetBreach, ExcludedNode, GateResult, JournalEntry, NodeOutcome, PlannedWave, RunEvent } from './events.ts';

export type RunStatus = 'running' | 'paused' | 'succeeded' | 'degraded' | 'failed' | 'aborted';

/** A run that is over: it neither runs nor waits to be resumed. */
export function isFinished(status: RunStatus): boolean {
  return status === 'succeeded' || status === 'degraded' || status === 'failed' || status === 'aborted';
}

/** Where a node stands; each step is journaled before the next begins. */
export type NodeStep = 'pending' | 'cordoning' | 'cordoned' | 'draining' | 'drained' | 'acting' | 'back' | 'ready' | 'uncordoning' | 'done';

export interface NodeState {
  readonly cluster: string;
  readonly node: string;
  readonly step: NodeStep;
  readonly outcome?: NodeOutcome;
  /** Whether this run's cordon changed the node (false: it was already cordoned by this run). */
  readonly cordonChanged?: boolean;
  readonly action?: { readonly id: string; readonly operation: string; readonly version?: string; readonly bootIdBefore: string; readonly kubeletBefore: string; readonly requestedAt?: number };
  readonly message?: string;
  readonly startedAt?: number;
  readonly doneAt?: number;
  readonly blockers?: readonly string[];
  /** Pods the `force` policy deleted outside the Eviction API, and the budgets that went below their minimum. */
  readonly forced?: { readonly pods: readonly string[]; readonly budgets: readonly BudgetBreach[] };
  /** Why the node was left cordoned when the run gave back what it held. */
  readonly held?: string;
  /** `daylight recover` gave the node back while the run was stopped. */
  readonly recovered?: string;
}

export interface PhaseState {
  readonly cluster: string;
  readonly phase: string;
  readonly budget: number;
  readonly waves: readonly PlannedWave[];
  readonly excluded: readonly ExcludedNode[];
  readonly wavesDone: number;
  readonly completed: boolean;
}

/** Where a region stands with the balancer; each change is journaled before it is made. */
export type RegionStage = 'in-service' | 'draining' | 'drained' | 'restoring' | 'restored' | 'cut';

export interface RegionState {
  readonly cluster: string;
  readonly stage: RegionStage;
  /** The whole balancer before this run changed anything for the region: what recovery puts back. */
  readonly before?: Readonly<Record<string, RegionTraffic>>;
  /** Restore steps passed so far. */
  readonly stepsDone: number;
  /** The weight the region was given back with (confirmed at the balancer). */
  readonly weight?: number;
  readonly preconditions?: readonly GateResult[];
  readonly validation?: readonly GateResult[];
  readonly reason?: string;
  /** Silences this run created for the region and has not expired, by id, with their Alertmanager. */
  readonly silences: Readonly<Record<string, string>>;
}

/** An approval the run asked for: waiting, or answered (by whom, when, with what comment). */
export interface ApprovalState {
  readonly step: string;
  readonly phase: string;
  readonly cluster?: string;
  readonly name?: string;
  readonly message?: string;
  readonly requestedAt: number;
  /** Cluster time when the timeout answers; absent: it waits until someone answers. */
  readonly deadline?: number;
  readonly onTimeout: 'reject' | 'approve';
  readonly status: 'waiting' | 'granted' | 'rejected';
  readonly by?: string;
  readonly via?: string;
  readonly answeredAt?: string;
  readonly comment?: string;
  readonly answer?: string;
}

export interface RunState {
  readonly runId: string;
  readonly status: RunStatus;
  readonly reason?: string;
  readonly plan?: { readonly name: string; readonly path: string; readonly sha256: string };
  readonly clusters: readonly string[];
  readonly startedAt?: number;
  readonly endedAt?: number;
  readonly phases: readonly PhaseState[];
  readonly nodes: Readonly<Record<string, NodeState>>;
  readonly gates: readonly { readonly at: number; readonly cluster: string; readonly when: string; readonly wave?: number; readonly results: readonly GateResult[] }[];
  readonly leases: Readonly<Record<string, string>>;
  readonly regions: Readonly<Record<string, RegionState>>;
  /** Problems the run wants a person to see, in the order they happened (a silence it could not expire, ...). */
  readonly warnings: readonly string[];
  /** What kept a finished run from `succeeded`, each naming a node or region and why. */
  readonly problems?: readonly string[];
  /** The approvals asked for, by step id (`phase/os-patch`, `phase/os-patch/region/eu-west`, `phase/os-patch/wave/2`). */
  readonly approvals: Readonly<Record<string, ApprovalState>>;
  /** A rollout's stages as far as they went, by name (absent for a plan without spec.rollout). */
  readonly stages: Readonly<Record<string, StageState>>;
  /** The aborted or failed run this one carries the rollout of on: the clusters and stages it finished. */
  readonly continuedFrom?: { readonly run: string; readonly clusters: readonly string[]; readonly stages: readonly string[] };
  /** What a person skipped, by key (stage/NAME, group/STAGE/GROUP, cluster/NAME): the request's id, who and why. */
  readonly skipped: Readonly<Record<string, { readonly id: string; readonly by: string; readonly via: string; readonly comment?: string }>>;
  /** Releases resolved from a minor, by key (`kubernetes v1.31`, or `kubernetes v1.31 on CLUSTER`): the first one stands. */
  readonly versions: Readonly<Record<string, string>>;
  /** Clusters a rollout gave up on, by name, with their stage, group and why. */
  readonly failedClusters: Readonly<Record<string, { readonly stage: string; readonly group: string; readonly reason: string }>>;
}

/** Where one stage of a rollout stands. */
export interface StageState {
  readonly stage: string;
  readonly status: 'running' | 'soaking' | 'completed' | 'halted';
  readonly startedAt: number;
  readonly groups: readonly { readonly name: string; readonly clusters: readonly string[] }[];
  /** Groups that ended: completed, or stopped by their failures. */
  readonly groupsDone: Readonly<Record<string, 'completed' | 'stopped'>>;
  /** Clusters whose analysis after maintenance (the stage's after gates) is done: whether it passed. */
  readonly analysed: Readonly<Record<string, boolean>>;
  /** When a scheduled start it waits for comes (cluster time). */
  readonly waitingUntil?: number;
  readonly soakUntil?: number;
  readonly reason?: string;
  readonly endedAt?: number;
}

export function nodeKey(cluster: string, node: string): string {
  return `${cluster}/${node}`;
}

export function emptyState(runId: string): RunState {
  return emptyDraft(runId);
}

/**
 * A state under construction, owned by the one function building it: `replay` for a whole journal, or
 * `apply` for a copy of what one entry changes. Nothing outside this file sees a Draft.
 */
interface Draft {
  runId: string;
  status: RunStatus;
  reason?: string;
  plan?: RunState['plan'];
  clusters: readonly string[];
  startedAt?: number;
  endedAt?: number;
  phases: PhaseState[];
  nodes: Record<string, NodeState>;
  gates: RunState['gates'][number][];
  leases: Record<string, string>;
  regions: Record<string, RegionState>;
  warnings: string[];
  problems?: readonly string[];
  approvals: Record<string, ApprovalState>;
  stages: Record<string, StageState>;
  continuedFrom?: RunState['continuedFrom'];
  skipped: Record<string, RunState['skipped'][string]>;
  versions: Record<string, string>;
  failedClusters: Record<string, RunState['failedClusters'][string]>;
}

function emptyDraft(runId: string): Draft {
  return { runId, status: 'running', clusters: [], phases: [], nodes: {}, gates: [], leases: {}, regions: {}, warnings: [], approvals: {}, stages: {}, skipped: {}, versions: {}, failedClusters: {} };
}

/** The state after `entries`, built in one pass on a state it owns (each event costs O(1), so long journals replay fast). */
export function replay(runId: string, entries: readonly JournalEntry[]): RunState {
  const s = emptyDraft(runId);
  for (const e of entries) step(s, e);
  return s;
}

/**
 * The state after one more entry, as a new state: `s` is left as it was (a reader holding it sees no
 * change). What the entry does not touch is shared with `s`; the node table is copied only for a node's
 * event, so a run's live state costs one copy of that table per node event.
 */
export function apply(s: RunState, entry: JournalEntry): RunState {
  const d: Draft = { ...s, phases: [...s.phases], gates: [...s.gates], leases: { ...s.leases }, regions: { ...s.regions }, warnings: [...s.warnings], approvals: { ...s.approvals }, stages: { ...s.stages }, skipped: { ...s.skipped }, versions: { ...s.versions }, failedClusters: { ...s.failedClusters }, nodes: isNodeEvent(entry.event) ? { ...s.nodes } : s.nodes };
  step(d, entry);
  return d;
}

/**
 * A run's state as its journal grows: replayed once from what the journal holds, then each new entry
 * applied. The one way the engine and the CLI follow a run they add to; readers of a finished or
 * foreign run call `replay`.
 */
export class LiveState {
  private current: RunState;

  constructor(runId: string, entries: readonly JournalEntry[]) {
    this.current = replay(runId, entries);
  }

  /** The state now; a later `follow` gives a new object and leaves this one as it was. */
  get state(): RunState {
    return this.current;
  }

  follow(entry: JournalEntry): RunState {
    this.current = apply(this.current, entry);
    return this.current;
  }
}

function isNodeEvent(e: RunEvent): e is RunEvent & { readonly node: string; readonly cluster: string } {
  return 'node' in e && 'cluster' in e;
}

/** Applies one entry to a draft its caller owns. */
function step(s: Draft, entry: JournalEntry): void {
  const e = entry.event;
  if (isNodeEvent(e)) {
    const key = nodeKey(e.cluster, e.node);
    s.nodes[key] = nodeStep(s.nodes[key] ?? { cluster: e.cluster, node: e.node, step: 'pending' }, e, entry.at);
    return;
  }
  applyRun(s, entry, e);
}

function applyRun(s: Draft, entry: JournalEntry, e: RunEvent): void {
  switch (e.type) {
    case 'run.started':
      Object.assign(s, { status: 'running', plan: e.plan, clusters: e.clusters, startedAt: entry.at });
      return;
    case 'run.resumed':
      Object.assign(s, { status: 'running', reason: undefined, endedAt: undefined });
      return;
    case 'run.paused':
      Object.assign(s, { status: 'paused', reason: e.reason });
      return;
    case 'run.aborted':
    case 'run.failed':
      Object.assign(s, { status: e.type === 'run.failed' ? 'failed' : 'aborted', reason: e.reason, endedAt: entry.at });
      return;
    case 'run.succeeded':
      Object.assign(s, { status: 'succeeded', endedAt: entry.at });
      return;
    case 'run.degraded':
      Object.assign(s, { status: 'degraded', reason: e.reason, problems: e.problems, endedAt: entry.at });
      return;
    case 'warning':
      s.warnings.push(e.cluster ? `${e.cluster}: ${e.message}` : e.message);
      return;
    case 'lease.acquired':
      s.leases[e.cluster] = e.holder;
      return;
    case 'approval.requested':
      // asked again after a resume: the first request's time and deadline stand
      s.approvals[e.step] ??= { step: e.step, phase: e.phase, ...(e.cluster ? { cluster: e.cluster } : {}), ...(e.name ? { name: e.name } : {}), ...(e.message ? { message: e.message } : {}), requestedAt: entry.at, ...(e.deadline !== undefined ? { deadline: e.deadline } : {}), onTimeout: e.onTimeout, status: 'waiting' };
      return;
    case 'approval.granted':
    case 'approval.rejected': {
      const asked = s.approvals[e.step];
      if (!asked || asked.status !== 'waiting') return;
      s.approvals[e.step] = { ...asked, status: e.type === 'approval.granted' ? 'granted' : 'rejected', by: e.by, via: e.via, answeredAt: e.answeredAt, ...(e.comment !== undefined ? { comment: e.comment } : {}), ...(e.answer !== undefined ? { answer: e.answer } : {}) };
      return;
    }
    case 'lease.released':
    case 'lease.lost':
      delete s.leases[e.cluster];
      return;
    case 'version.resolved':
      s.versions[e.key] ??= e.version;
      return;
    default:
      if (e.type.startsWith('rollout.')) applyRollout(s, entry, e);
      else if (e.type.startsWith('traffic.') || e.type.startsWith('region.') || e.type.startsWith('silence.')) applyRegion(s, e);
      else applyPhase(s, entry, e);
  }
}

function applyRollout(s: Draft, entry: JournalEntry, e: RunEvent): void {
  if (e.type === 'rollout.continued') {
    s.continuedFrom ??= { run: e.from, clusters: e.clusters, stages: e.stages };
    return;
  }
  if (e.type === 'rollout.skipped') {
    s.skipped[e.key] ??= { id: e.id, by: e.by, via: e.via, ...(e.comment !== undefined ? { comment: e.comment } : {}) };
    return;
  }
  if (e.type === 'rollout.stage.started') {
    s.stages[e.stage] ??= { stage: e.stage, status: 'running', startedAt: entry.at, groups: e.groups, groupsDone: {}, analysed: {} };
    return;
  }
  if (!('stage' in e)) return;
  const st = s.stages[e.stage];
  if (!st) return;
  switch (e.type) {
    case 'rollout.gate.waiting':
      s.stages[e.stage] = { ...st, waitingUntil: st.waitingUntil ?? e.until };
      return;
    case 'rollout.gates.evaluated':
      if (e.when === 'after') s.stages[e.stage] = { ...st, analysed: { ...st.analysed, [e.cluster]: e.passed } };
      return;
    case 'rollout.cluster.failed':
      s.failedClusters[e.cluster] = { stage: e.stage, group: e.group, reason: e.reason };
      return;
    case 'rollout.group.completed':
    case 'rollout.group.stopped':
      s.stages[e.stage] = { ...st, groupsDone: { ...st.groupsDone, [e.group]: e.type === 'rollout.group.completed' ? 'completed' : 'stopped' } };
      return;
    case 'rollout.stage.halted':
      s.stages[e.stage] = { ...st, status: 'halted', reason: e.reason, endedAt: entry.at };
      return;
    case 'rollout.soak.started':
      // a resumed run soaks to the first deadline, not a new one
      s.stages[e.stage] = { ...st, status: 'soaking', soakUntil: st.soakUntil ?? e.until };
      return;
    case 'rollout.stage.completed':
    case 'rollout.soak.completed':
      s.stages[e.stage] = { ...st, status: 'completed', endedAt: st.endedAt ?? entry.at };
      return;
    default:
      return;
  }
}

function applyRegion(s: Draft, e: RunEvent): void {
  if (!('cluster' in e) || e.cluster === undefined) return;
  const regions = s.regions;
  const r = regions[e.cluster] ?? { cluster: e.cluster, stage: 'in-service', stepsDone: 0, silences: {} };
  regions[e.cluster] = regionStep(r, e);
}

function regionStep(r: RegionState, e: RunEvent): RegionState {
  switch (e.type) {
    case 'traffic.before':
      return r.before ? r : { ...r, before: e.regions };
    case 'region.preconditions':
      return { ...r, preconditions: e.results };
    case 'traffic.drain.requested':
      // A new drain starts a new leave: the restore after it validates and goes through every step again.
      return { ...r, stage: 'draining', stepsDone: 0 };
    case 'traffic.drained':
      return { ...r, stage: 'drained' };
    case 'region.validated':
      return { ...r, validation: e.results };
    case 'traffic.step.requested':
      return { ...r, stage: 'restoring' };
    case 'traffic.step.passed':
      return { ...r, stepsDone: Math.max(r.stepsDone, e.step + 1) };
    case 'traffic.cut':
      return { ...r, stage: 'cut', reason: e.reason };
    case 'traffic.restored':
    case 'traffic.put-back':
      return { ...r, stage: 'restored', weight: e.weight };
    case 'silence.created':
      return { ...r, silences: { ...r.silences, [e.id]: e.alertmanager } };
    case 'silence.expired': {
      const { [e.id]: _gone, ...rest } = r.silences;
      return { ...r, silences: rest };
    }
    default:
      return r;
  }
}

function applyPhase(s: Draft, entry: JournalEntry, e: RunEvent): void {
  const phases = s.phases;
  const find = (cluster: string, phase: string) => phases.findIndex((p) => p.cluster === cluster && p.phase === phase);
  if (e.type === 'phase.planned') {
    const i = find(e.cluster, e.phase);
    const planned: PhaseState = { cluster: e.cluster, phase: e.phase, budget: e.budget, waves: e.waves, excluded: e.excluded, wavesDone: 0, completed: false };
    if (i >= 0) phases[i] = planned;
    else phases.push(planned);
  } else if (e.type === 'wave.completed') {
    const i = find(e.cluster, e.phase);
    const p = phases[i];
    if (p) phases[i] = { ...p, wavesDone: Math.max(p.wavesDone, e.wave + 1) };
  } else if (e.type === 'phase.completed') {
    const i = find(e.cluster, e.phase);
    const p = phases[i];
    if (p) phases[i] = { ...p, completed: true };
  } else if (e.type === 'gates.evaluated') {
    s.gates.push({ at: entry.at, cluster: e.cluster, when: e.when, wave: e.wave, results: e.results });
  }
}

function nodeStep(n: NodeState, e: RunEvent, at: number): NodeState {
  switch (e.type) {
    case 'node.cordon.requested':
      return { ...n, step: 'cordoning', startedAt: n.startedAt ?? at };
    case 'node.cordoned':
      return { ...n, step: 'cordoned', cordonChanged: n.cordonChanged ?? e.changed };
    case 'node.drain.started':
      return { ...n, step: 'draining' };
    case 'node.drained':
      return { ...n, step: 'drained' };
    case 'node.pods.deleted':
      return { ...n, step: 'drained', forced: { pods: [...(n.forced?.pods ?? []), ...e.pods], budgets: [...(n.forced?.budgets ?? []), ...(e.budgets ?? [])] } };
    case 'node.held':
      return { ...n, held: e.reason };
    case 'node.recovered':
      // Given back before its action: nothing was done to it, so a resumed run maintains it from the start.
      if (atOrBefore(n.step, 'drained')) return { cluster: n.cluster, node: n.node, step: 'pending', recovered: e.by, ...(n.forced ? { forced: n.forced } : {}) };
      return { ...n, recovered: e.by };
    case 'node.drain.timeout':
      return { ...n, blockers: e.blockers };
    case 'node.action.requested':
      return { ...n, step: 'acting', action: { id: e.id, operation: e.operation, version: e.version, bootIdBefore: e.bootIdBefore, kubeletBefore: e.kubeletBefore, requestedAt: at } };
    case 'node.action.confirmed':
      return { ...n, step: 'back' };
    case 'node.ready':
      return { ...n, step: 'ready' };
    case 'node.uncordon.requested':
      return { ...n, step: 'uncordoning' };
    case 'node.uncordoned':
      return { ...n, step: n.outcome ? 'done' : 'uncordoning' };
    case 'node.done':
      return { ...n, step: 'done', outcome: e.outcome, message: e.message, doneAt: at };
    case 'node.action.failed':
    case 'node.ready.timeout':
      return { ...n, message: 'message' in e ? e.message : n.message };
    default:
      return n;
  }
}

const STEPS: readonly NodeStep[] = ['pending', 'cordoning', 'cordoned', 'draining', 'drained', 'acting', 'back', 'ready', 'uncordoning', 'done'];

export function atOrBefore(step: NodeStep, limit: NodeStep): boolean {
  return STEPS.indexOf(step) <= STEPS.indexOf(limit);
}

/** The approvals the run waits for now (a stopped run waits for them again when it resumes). */
export function waitingApprovals(s: RunState): ApprovalState[] {
  if (isFinished(s.status)) return [];
  return Object.values(s.approvals).filter((a) => a.status === 'waiting');
}

/** Nodes of the run that are not done, in journal order of first appearance. */
export function unfinishedNodes(s: RunState): NodeState[] {
  return Object.values(s.nodes).filter((n) => n.step !== 'done');
}
