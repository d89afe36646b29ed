// Places steps (waves) one after another on the calendar: a step that cannot finish before its window
// closes does not start, it waits for the next window; without a window every step starts at once.
import { Duration } from '../lib/duration.ts';
import type { MaintenanceWindow } from '../plan/schema.ts';
import type { OpenInterval, WindowCalendar } from './window.ts';
import { HORIZON_DAYS, windowCalendar } from './window.ts';

export interface ScheduleStep {
  /** "wave 3", "traffic out": named in problems. */
  readonly id: string;
  readonly durationMs: number;
}

export interface PlacedStep {
  readonly id: string;
  readonly startMs: number;
  readonly endMs: number;
  /** Time waited for a window before it starts. */
  readonly waitMs: number;
  /** The open stretch of the window it runs in; absent without a window. */
  readonly window?: OpenInterval;
  /** False when no window within the horizon is long enough: it is placed at the next opening anyway. */
  readonly fits: boolean;
}

export interface Schedule {
  readonly startMs: number;
  readonly endMs: number;
  /** endMs − startMs, waiting included. */
  readonly makespanMs: number;
  readonly workMs: number;
  readonly waitMs: number;
  readonly steps: readonly PlacedStep[];
  /** Sentences for steps no window can hold, with the fix. */
  readonly problems: readonly string[];
}

const HORIZON_MS = HORIZON_DAYS * 86_400_000;

export function schedule(steps: readonly ScheduleStep[], window: MaintenanceWindow | WindowCalendar | undefined, startMs: number): Schedule {
  const calendar = window === undefined || 'openAt' in window ? window : windowCalendar(window);
  const placed: PlacedStep[] = [];
  const problems: string[] = [];
  let t = startMs;
  let tooLong = Infinity;
  for (const step of steps) {
    const at = calendar ? place(calendar, t, { durationMs: step.durationMs, knownTooLong: step.durationMs >= tooLong }) : { startMs: t, fits: true };
    if (!at.fits) {
      tooLong = Math.min(tooLong, step.durationMs);
      problems.push(at.window ? noFit(step) : `${step.id}: the window does not open within ${HORIZON_DAYS} days; check spec.window.allow and spec.window.exclude`);
    }
    const endMs = at.startMs + step.durationMs;
    placed.push({ id: step.id, startMs: at.startMs, endMs, waitMs: at.startMs - t, fits: at.fits, ...(at.window ? { window: at.window } : {}) });
    t = endMs;
  }
  const workMs = steps.reduce((sum, s) => sum + s.durationMs, 0);
  return { startMs, endMs: t, makespanMs: t - startMs, workMs, waitMs: t - startMs - workMs, steps: placed, problems };
}

/** The first open stretch, from `t` on, long enough for the step; else the next opening, marked as not fitting. */
function place(calendar: WindowCalendar, t: number, step: { durationMs: number; knownTooLong: boolean }): { startMs: number; window?: OpenInterval; fits: boolean } {
  const { durationMs } = step;
  const first = calendar.openAt(t);
  if (!first) return { startMs: t, fits: false };
  let open: OpenInterval | undefined = step.knownTooLong ? undefined : first;
  while (open && open.startMs - t <= HORIZON_MS) {
    const start = Math.max(open.startMs, t);
    if (start + durationMs <= open.endMs) return { startMs: start, window: open, fits: true };
    open = calendar.openAt(open.endMs);
  }
  return { startMs: Math.max(first.startMs, t), window: first, fits: false };
}

function noFit(step: ScheduleStep): string {
  return `${step.id} needs ${Duration.ofMs(step.durationMs).toString()}, longer than any stretch of the window in the next ${HORIZON_DAYS} days; lengthen spec.window.allow so one stretch holds it, or shorten the phase's soak`;
}
