// `daylight plan -o json`: the run plan as plain objects, each duration as ms plus Go-style text ("2m30s")
// and each instant as epoch ms plus ISO text, so scripts can compute and people can read.
import { Duration } from '../lib/duration.ts';
import type { StageGate } from '../plan/schema.ts';
import type { Finding, PlannedPhase, RunPlan } from './plan-run.ts';
import type { ClusterEstimate, RolloutGroupPlan, RolloutPlan, RolloutStagePlan } from './rollout-plan.ts';
import { gateText } from './rollout-plan.ts';
import type { PlacedStep } from './schedule.ts';
import type { BlockedNode, ExcludedNode, LowerBound, PhaseBudget, Wave, WaveEstimate } from './types.ts';

export interface WaveJson {
  readonly index: number;
  readonly nodes: readonly string[];
  readonly domain: string;
  readonly racks: readonly string[];
  readonly canary: boolean;
  readonly reason: string;
  readonly durationMs: number;
  readonly duration: string;
  readonly drainMs: number;
  readonly drain: string;
  readonly waitsOn?: string;
  readonly startMs?: number;
  readonly start?: string;
  readonly endMs?: number;
  readonly end?: string;
  readonly fitsWindow?: boolean;
}

export interface PhaseJson {
  readonly cluster: string;
  readonly phase: string;
  readonly order: number;
  readonly regional: boolean;
  readonly nodes: readonly string[];
  readonly excluded: readonly ExcludedNode[];
  readonly budget: PhaseBudget;
  readonly waves: readonly WaveJson[];
  readonly etaMs: number;
  readonly eta: string;
  readonly startMs: number;
  readonly start: string;
  readonly endMs: number;
  readonly end: string;
  readonly lowerBound?: LowerBound & { readonly duration: string };
  /** Nodes that alone hold more pods of a budget than it allows per wave; each goes alone. */
  readonly blockedNodes: readonly BlockedNode[];
  readonly blockers: readonly string[];
  readonly notes: readonly string[];
}

export interface RunPlanJson {
  readonly plan: string;
  readonly timezone: string;
  readonly startMs: number;
  readonly start: string;
  readonly endMs: number;
  readonly end: string;
  readonly makespanMs: number;
  readonly makespan: string;
  readonly workMs: number;
  readonly work: string;
  readonly lowerBoundMs: number;
  readonly lowerBound: string;
  readonly clusters: readonly { readonly name: string; readonly phases: readonly PhaseJson[] }[];
  readonly blockers: readonly Finding[];
  /** Only for a plan with spec.rollout. */
  readonly rollout?: RolloutJson;
}

/** An estimate or none: a cluster without one has `why` instead, and the stages that hold it have no ETA. */
interface EtaJson {
  readonly etaMs?: number;
  readonly eta?: string;
}

export interface GateJson {
  readonly type: string;
  readonly name?: string;
  /** As `daylight plan` prints it. */
  readonly text: string;
  readonly days?: readonly string[];
  readonly time?: string;
  readonly timezone?: string;
  readonly timeoutMs?: number;
  readonly onTimeout?: string;
}

export interface RolloutClusterJson extends EtaJson {
  readonly name: string;
  readonly why?: string;
}

export interface RolloutGroupJson extends EtaJson {
  readonly name: string;
  readonly clusters: readonly RolloutClusterJson[];
  readonly maxAllowedFailures: number;
}

export interface RolloutStageJson extends EtaJson {
  readonly name: string;
  readonly groups: readonly RolloutGroupJson[];
  readonly maxConcurrency: number;
  readonly maxAllowedFailures: number;
  readonly before: readonly GateJson[];
  readonly after: readonly GateJson[];
  readonly afterStageWaitMs: number;
  /** 0 after the last stage: the run ends there. */
  readonly soakMs: number;
  readonly workMs?: number;
  readonly startMs?: number;
  readonly start?: string;
  readonly endMs?: number;
  readonly end?: string;
  /** From the rollout's start to the stage's end. */
  readonly cumulativeMs?: number;
  readonly cumulative?: string;
}

export interface RolloutJson extends EtaJson {
  readonly versions: string;
  readonly startMs: number;
  readonly start: string;
  readonly endMs?: number;
  readonly end?: string;
  readonly stages: readonly RolloutStageJson[];
}

export function planRunJson(run: RunPlan): RunPlanJson {
  return {
    plan: run.plan,
    timezone: run.timezone,
    startMs: run.startMs,
    start: iso(run.startMs),
    endMs: run.endMs,
    end: iso(run.endMs),
    makespanMs: run.makespanMs,
    makespan: text(run.makespanMs),
    workMs: run.workMs,
    work: text(run.workMs),
    lowerBoundMs: run.lowerBoundMs,
    lowerBound: text(run.lowerBoundMs),
    clusters: run.clusters.map((c) => ({ name: c.name, phases: c.phases.map(phaseJson) })),
    blockers: run.blockers,
    ...(run.rollout ? { rollout: rolloutJson(run.rollout) } : {}),
  };
}

function rolloutJson(r: RolloutPlan): RolloutJson {
  const end = r.endMs === undefined ? {} : { endMs: r.endMs, end: iso(r.endMs), ...eta(r.endMs - r.startMs) };
  return { versions: r.versions, startMs: r.startMs, start: iso(r.startMs), ...end, stages: r.stages.map((s) => stageJson(s, r.startMs)) };
}

function stageJson(s: RolloutStagePlan, from: number): RolloutStageJson {
  const placed = s.startMs === undefined || s.endMs === undefined ? {} : {
    startMs: s.startMs, start: iso(s.startMs), endMs: s.endMs, end: iso(s.endMs), cumulativeMs: s.endMs - from, cumulative: text(s.endMs - from),
  };
  return {
    name: s.name,
    groups: s.groups.map(groupJson),
    maxConcurrency: s.maxConcurrency,
    maxAllowedFailures: s.maxAllowedFailures,
    before: s.before.map(gateJson),
    after: s.after.map(gateJson),
    afterStageWaitMs: s.afterStageWaitMs,
    soakMs: s.soakMs,
    ...(s.workMs === undefined ? {} : { workMs: s.workMs }),
    ...eta(s.etaMs),
    ...placed,
  };
}

function groupJson(g: RolloutGroupPlan): RolloutGroupJson {
  return { name: g.name, clusters: g.clusters.map(clusterJson), maxAllowedFailures: g.maxAllowedFailures, ...eta(g.etaMs) };
}

function clusterJson(c: ClusterEstimate): RolloutClusterJson {
  return { name: c.name, ...eta(c.etaMs), ...(c.why ? { why: c.why } : {}) };
}

/** Plain values only: a gate's durations are Duration objects. */
function gateJson(g: StageGate): GateJson {
  const out = { type: g.type, ...(g.name ? { name: g.name } : {}), text: gateText(g) };
  if (g.type === 'schedule') return { ...out, days: g.days, time: g.time, timezone: g.timezone };
  if (g.type === 'approval') return { ...out, onTimeout: g.onTimeout, ...(g.timeout ? { timeoutMs: g.timeout.ms } : {}) };
  return out;
}

function eta(ms: number | undefined): EtaJson {
  return ms === undefined ? {} : { etaMs: ms, eta: text(ms) };
}

function phaseJson(p: PlannedPhase): PhaseJson {
  const { plan, schedule } = p;
  const placed = new Map(schedule.steps.map((s) => [s.id, s]));
  const bound = plan.lowerBound ? { lowerBound: { ...plan.lowerBound, duration: text(plan.lowerBound.ms) } } : {};
  return {
    cluster: plan.cluster,
    phase: plan.phase,
    order: p.order,
    regional: p.regional,
    nodes: plan.nodes,
    excluded: plan.excluded,
    budget: plan.budget,
    waves: plan.waves.map((w, i) => waveJson(w, plan.eta.waves[i], placed.get(`wave ${w.index}`))),
    etaMs: plan.eta.totalMs,
    eta: text(plan.eta.totalMs),
    startMs: schedule.startMs,
    start: iso(schedule.startMs),
    endMs: schedule.endMs,
    end: iso(schedule.endMs),
    ...bound,
    blockedNodes: plan.blockedNodes,
    blockers: plan.blockers,
    notes: [...plan.notes, ...p.notes],
  };
}

function waveJson(w: Wave, eta: WaveEstimate | undefined, at: PlacedStep | undefined): WaveJson {
  const placed = at ? { startMs: at.startMs, start: iso(at.startMs), endMs: at.endMs, end: iso(at.endMs), fitsWindow: at.fits } : {};
  const durationMs = eta?.durationMs ?? 0;
  const drainMs = eta?.drainMs ?? 0;
  return {
    index: w.index,
    nodes: w.nodes,
    domain: w.domain,
    racks: w.racks,
    canary: w.canary,
    reason: w.reason,
    durationMs,
    duration: text(durationMs),
    drainMs,
    drain: text(drainMs),
    ...(eta?.waitsOn ? { waitsOn: eta.waitsOn } : {}),
    ...placed,
  };
}

function text(ms: number): string {
  return Duration.ofMs(Math.round(ms)).toString();
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
