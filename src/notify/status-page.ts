// What a status page says about maintenance, as data: runs in progress (running or paused, with the
// regions out of traffic and how far they are), recent completed runs, and the next planned ones.
import type { RunState } from '../engine/state.ts';
import type { PlannedSchedule } from './planned-runs.ts';

export interface StatusRunInput {
  readonly runId: string;
  readonly state: RunState;
  /** Whether a live process runs it now; undefined when that cannot be told (another host). */
  readonly live?: boolean;
  /** false when the journal's hash chain is broken: shown, but flagged. */
  readonly intact?: boolean;
}

export interface InProgressRun {
  readonly runId: string;
  readonly plan?: string;
  readonly status: 'running' | 'paused';
  readonly live?: boolean;
  readonly reason?: string;
  readonly clusters: readonly string[];
  readonly startedAt?: string;
  /** Regions the run took out of the global load balancer and has not given back. */
  readonly outOfTraffic: readonly { readonly region: string; readonly stage: string; readonly restoreStepsDone: number }[];
  readonly phases: readonly { readonly cluster: string; readonly phase: string; readonly wavesDone: number; readonly waves: number; readonly completed: boolean }[];
  readonly nodes: { readonly done: number; readonly total: number };
  readonly intact: boolean;
}

export interface CompletedRun {
  readonly runId: string;
  readonly plan?: string;
  readonly status: 'succeeded' | 'degraded' | 'failed' | 'aborted';
  readonly reason?: string;
  readonly startedAt?: string;
  readonly endedAt?: string;
  readonly durationMs?: number;
  readonly intact: boolean;
}

export interface UpcomingMaintenance {
  readonly plan: string;
  readonly cluster: string;
  readonly start: string;
  readonly end: string;
  readonly uid: string;
  /** Placed by the planner's ETA; otherwise the window opening it may take. */
  readonly estimated: boolean;
}

export interface StatusPage {
  readonly generatedAt: string;
  /** `maintenance` while any run is in progress. */
  readonly state: 'maintenance' | 'no-maintenance';
  readonly headline: string;
  readonly inProgress: readonly InProgressRun[];
  readonly recent: readonly CompletedRun[];
  readonly planned: readonly UpcomingMaintenance[];
  /** The plan the planned maintenance comes from; absent when none was given. */
  readonly plannedFor?: string;
}

export interface StatusPageInput {
  readonly runs: readonly StatusRunInput[];
  readonly planned?: PlannedSchedule & { readonly plan: string };
  readonly nowMs: number;
  /** Completed runs shown, newest first (default 10). */
  readonly recent?: number;
  /** Planned maintenances shown, soonest first (default 5). */
  readonly upcoming?: number;
}

export function buildStatusPage(input: StatusPageInput): StatusPage {
  const inProgress = input.runs.filter((r) => r.state.status === 'running' || r.state.status === 'paused').map(inProgressOf);
  const recent = input.runs.filter((r) => !(r.state.status === 'running' || r.state.status === 'paused')).map(completedOf)
    .sort((a, b) => (b.endedAt ?? '').localeCompare(a.endedAt ?? '')).slice(0, input.recent ?? 10);
  const planned = (input.planned?.runs ?? []).flatMap((run) => run.clusters.map((c) => ({ plan: run.plan, cluster: c.cluster, start: iso(c.startMs), end: iso(c.endMs), uid: c.uid, estimated: run.estimated })))
    .filter((p) => Date.parse(p.end) > input.nowMs).sort((a, b) => a.start.localeCompare(b.start)).slice(0, input.upcoming ?? 5);
  return { generatedAt: iso(input.nowMs), state: inProgress.length > 0 ? 'maintenance' : 'no-maintenance', headline: headline(inProgress), inProgress, recent, planned, ...(input.planned ? { plannedFor: input.planned.plan } : {}) };
}

function headline(runs: readonly InProgressRun[]): string {
  if (runs.length === 0) return 'No maintenance in progress.';
  const out = [...new Set(runs.flatMap((r) => r.outOfTraffic.map((o) => o.region)))];
  const where = [...new Set(runs.flatMap((r) => r.clusters))].join(', ');
  return `Maintenance in progress on ${where}${out.length > 0 ? `; out of traffic: ${out.join(', ')} (the other regions serve all requests)` : ''}.`;
}

function inProgressOf(r: StatusRunInput): InProgressRun {
  const s = r.state;
  const nodes = Object.values(s.nodes);
  return {
    runId: r.runId,
    ...(s.plan ? { plan: s.plan.name } : {}),
    status: s.status === 'paused' ? 'paused' : 'running',
    ...(r.live !== undefined ? { live: r.live } : {}),
    ...(s.reason ? { reason: s.reason } : {}),
    clusters: s.clusters,
    ...(s.startedAt !== undefined ? { startedAt: iso(s.startedAt) } : {}),
    outOfTraffic: Object.values(s.regions).filter((g) => g.stage !== 'in-service' && g.stage !== 'restored').map((g) => ({ region: g.cluster, stage: g.stage, restoreStepsDone: g.stepsDone })),
    phases: s.phases.map((p) => ({ cluster: p.cluster, phase: p.phase, wavesDone: p.wavesDone, waves: p.waves.length, completed: p.completed })),
    nodes: { done: nodes.filter((n) => n.step === 'done').length, total: Math.max(nodes.length, s.phases.reduce((n, p) => n + p.waves.reduce((m, w) => m + w.nodes.length, 0), 0)) },
    intact: r.intact ?? true,
  };
}

function completedOf(r: StatusRunInput): CompletedRun {
  const s = r.state;
  return {
    runId: r.runId,
    ...(s.plan ? { plan: s.plan.name } : {}),
    status: s.status as CompletedRun['status'],
    ...(s.reason ? { reason: s.reason } : {}),
    ...(s.startedAt !== undefined ? { startedAt: iso(s.startedAt) } : {}),
    ...(s.endedAt !== undefined ? { endedAt: iso(s.endedAt) } : {}),
    ...(s.startedAt !== undefined && s.endedAt !== undefined ? { durationMs: s.endedAt - s.startedAt } : {}),
    intact: r.intact ?? true,
  };
}

function iso(ms: number): string {
  const d = new Date(ms);
  return Number.isNaN(d.getTime()) ? String(ms) : d.toISOString();
}
