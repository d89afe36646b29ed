// The planned runs of a plan over a date range: one run at each opening of the maintenance window
// (spec.window.allow in its time zone, minus spec.window.exclude), each cluster in plan order, placed by
// the planner's ETA when there is one and spanning the window otherwise; change freezes in the range.
import { UserError } from '../lib/errors.ts';
import type { Plan } from '../plan/schema.ts';
import type { RunPlan } from '../planner/plan-run.ts';
import { windowCalendar } from '../planner/window.ts';
import type { OpenInterval, WindowCalendar } from '../planner/window.ts';
import { dayNumber, zone } from '../planner/zoned-time.ts';
import { noticesFor } from './notices.ts';
import type { Notice } from './notices.ts';

export interface ClusterSlot {
  readonly cluster: string;
  readonly startMs: number;
  readonly endMs: number;
}

/** The clusters of a run that starts at `startMs`, placed by the planner (`daylight plan`'s ETA). */
export type EtaFor = (startMs: number) => readonly ClusterSlot[];

export interface PlannedCluster extends ClusterSlot {
  /** Stable per plan, cluster and the run's start: a calendar re-imported updates the event instead of adding one. */
  readonly uid: string;
}

export interface PlannedRun {
  readonly plan: string;
  readonly startMs: number;
  readonly endMs: number;
  /** The window opening the run starts in; absent for a plan without a window. */
  readonly window?: { readonly startMs: number; readonly endMs: number };
  /** true: clusters placed by the planner's ETA; false: each spans the window (no cluster was read). */
  readonly estimated: boolean;
  readonly clusters: readonly PlannedCluster[];
  readonly notices: readonly Notice[];
}

export interface Freeze {
  readonly from: string;
  readonly to: string;
  readonly reason?: string;
}

export interface PlannedRunsInput {
  readonly plan: Plan;
  readonly fromMs: number;
  readonly toMs: number;
  /** The time of the export: notices before it are due now. */
  readonly nowMs: number;
  readonly eta?: EtaFor;
  /** At most this many runs (default 200). */
  readonly maxRuns?: number;
}

export interface PlannedSchedule {
  readonly runs: readonly PlannedRun[];
  readonly freezes: readonly Freeze[];
}

const DEFAULT_MAX_RUNS = 200;
const DAY_MS = 86_400_000;

export function plannedRuns(input: PlannedRunsInput): PlannedSchedule {
  const window = input.plan.spec.window;
  const freezes = (window?.exclude ?? []).filter((e) => overlaps(e, input, window?.timezone ?? 'UTC')).map((e) => ({ from: e.from, to: e.to, ...(e.reason ? { reason: e.reason } : {}) }));
  if (!window) {
    if (!input.eta) throw new UserError(`plan ${input.plan.metadata.name} has no spec.window (any time is allowed), so there is no window to place runs in and no end for them; add spec.window, or pass --eta so the planner places one run from --from`);
    return { runs: [runAt(input, input.fromMs, undefined)], freezes };
  }
  const runs: PlannedRun[] = [];
  for (const opening of openings(windowCalendar(window), input.fromMs, input.toMs)) {
    if (runs.length >= (input.maxRuns ?? DEFAULT_MAX_RUNS)) break;
    // A run the planner expects to take longer than its opening takes the openings it runs into.
    const previous = runs[runs.length - 1];
    if (previous && opening.startMs < previous.endMs) continue;
    runs.push(runAt(input, opening.startMs, opening));
  }
  return { runs, freezes };
}

/**
 * The window's openings that start before `toMs`, the one open at `fromMs` included with its own start (so
 * a UID stays the same whenever the export is made). An opening longer than a day (a window open around
 * the clock) is cut into days from its start.
 */
function* openings(calendar: WindowCalendar, fromMs: number, toMs: number): Generator<OpenInterval> {
  let t = fromMs;
  for (;;) {
    const open = calendar.openAt(t);
    if (!open || open.startMs >= toMs) return;
    const skip = open.startMs < fromMs ? Math.floor((fromMs - open.startMs) / DAY_MS) : 0;
    for (let start = open.startMs + skip * DAY_MS; start < open.endMs && start < toMs; start += DAY_MS) {
      yield { startMs: start, endMs: Math.min(open.endMs, start + DAY_MS) };
    }
    t = open.endMs;
  }
}

function runAt(input: PlannedRunsInput, startMs: number, window: PlannedRun['window']): PlannedRun {
  const name = input.plan.metadata.name;
  const slots = input.eta ? input.eta(startMs) : input.plan.spec.clusters.map((c) => ({ cluster: c.name, startMs, endMs: window?.endMs ?? startMs }));
  const clusters = slots.map((s) => ({ ...s, uid: uidOf(name, s.cluster, startMs) }));
  const endMs = Math.max(startMs, ...clusters.map((c) => c.endMs));
  return { plan: name, startMs, endMs, ...(window ? { window } : {}), estimated: input.eta !== undefined, clusters, notices: noticesFor(startMs, input.nowMs) };
}

function uidOf(plan: string, cluster: string, startMs: number): string {
  return `${plan}.${cluster}.${new Date(startMs).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '')}@daylight.dev`;
}

/** Whether an excluded range of whole days (in the window's zone) meets [from, to). */
function overlaps(e: { from: string; to: string }, input: PlannedRunsInput, timezone: string): boolean {
  const z = zone(timezone);
  return z.at(dayNumber(e.from), 0) < input.toMs && z.at(dayNumber(e.to) + 1, 0) > input.fromMs;
}

/** Each cluster's stretch of a run the planner scheduled: from its first step's start to its last step's end. */
export function clusterSlots(run: RunPlan): ClusterSlot[] {
  return run.clusters.flatMap((c) => {
    const steps = c.phases.flatMap((p) => p.schedule.steps);
    const first = steps[0];
    if (!first) return [];
    return [{ cluster: c.name, startMs: Math.min(...steps.map((s) => s.startMs)), endMs: Math.max(...steps.map((s) => s.endMs)) }];
  });
}
