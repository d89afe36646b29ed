// `daylight plan -o json`: the run plan as plain objects, each duration as ms plus Go-style text ("2m30s")
// and each instant as epoch ms plus ISO text, so scripts can compute and people can read.
import { Duration } from '../lib/duration.ts';
import type { Finding, PlannedPhase, RunPlan } from './plan-run.ts';
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
  };
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
