// When maintenance may run: the plan's allowed weekly hours in its time zone (an end before the start runs
// past midnight, an end equal to the start means 24 hours), minus excluded whole days; adjacent hours merge.
import type { MaintenanceWindow } from '../plan/schema.ts';
import type { Zone } from './zoned-time.ts';
import { dayNumber, weekday, zone } from './zoned-time.ts';

export interface OpenInterval {
  readonly startMs: number;
  readonly endMs: number;
}

export interface WindowCalendar {
  readonly zone: Zone;
  /** The open interval holding `t`, else the next one; undefined when none opens within HORIZON_DAYS. */
  openAt(t: number): OpenInterval | undefined;
}

/** How far ahead a window is looked for: long change freezes fit, a window that never opens does not. */
export const HORIZON_DAYS = 731;
const CHUNK_DAYS = 14;
const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'] as const;

export function windowCalendar(window: MaintenanceWindow): WindowCalendar {
  const z = zone(window.timezone);
  const excluded = merge(window.exclude.map((e) => ({ startMs: z.at(dayNumber(e.from), 0), endMs: z.at(dayNumber(e.to) + 1, 0) })));
  // Each day's open hours are worked out once per calendar: a schedule asks about the same days again and again.
  const perDay = new Map<number, OpenInterval[]>();
  const dayIntervals = (day: number): OpenInterval[] => {
    let list = perDay.get(day);
    if (!list) perDay.set(day, (list = allowedOn(window, z, day)));
    return list;
  };
  const days = (first: number, count: number) => cut(merge(Array.from({ length: count }, (_, i) => dayIntervals(first + i)).flat()), excluded);
  return { zone: z, openAt: (t) => openAt(z, days, t) };
}

/** The earliest instant at or after `fromMs` inside the window; undefined when none opens within the horizon. */
export function nextWindowStart(window: MaintenanceWindow, fromMs: number): number | undefined {
  const open = windowCalendar(window).openAt(fromMs);
  return open === undefined ? undefined : Math.max(open.startMs, fromMs);
}

/** Whether work starting at `startMs` and lasting `durationMs` runs inside one open stretch of the window. */
export function fitsInWindow(window: MaintenanceWindow, startMs: number, durationMs: number): boolean {
  const open = windowCalendar(window).openAt(startMs);
  return open !== undefined && open.startMs <= startMs && startMs + durationMs <= open.endMs;
}

type Days = (first: number, count: number) => OpenInterval[];

function openAt(z: Zone, days: Days, t: number): OpenInterval | undefined {
  // A day earlier, for hours that started the evening before and run past midnight.
  const start = z.dayOf(t) - 1;
  for (let first = start; first <= start + HORIZON_DAYS; first += CHUNK_DAYS) {
    const hit = days(first, CHUNK_DAYS + 1).find((i) => i.endMs > t);
    if (hit) return extend(z, days, hit, first + CHUNK_DAYS + 1);
  }
  return undefined;
}

/** Open hours that run into the next chunk of days continue there. */
function extend(z: Zone, days: Days, open: OpenInterval, nextDay: number): OpenInterval {
  let out = open;
  for (let day = nextDay, n = 0; out.endMs >= z.at(day, 0) && n * CHUNK_DAYS < HORIZON_DAYS; day += CHUNK_DAYS, n++) {
    const head = days(day, CHUNK_DAYS)[0];
    if (!head || head.startMs > out.endMs) break;
    out = { startMs: out.startMs, endMs: Math.max(out.endMs, head.endMs) };
  }
  return out;
}

/** The rules that start on `day`; one that ends before it starts runs into the next day. */
function allowedOn(window: MaintenanceWindow, z: Zone, day: number): OpenInterval[] {
  const name = WEEKDAYS[weekday(day)] as (typeof WEEKDAYS)[number];
  return window.allow.filter((rule) => rule.days.includes(name)).map((rule) => {
    const start = minutes(rule.start);
    const end = minutes(rule.end);
    return { startMs: z.at(day, start), endMs: z.at(end <= start ? day + 1 : day, end) };
  });
}

function minutes(clock: string): number {
  const [h, m] = clock.split(':').map(Number);
  return (h ?? 0) * 60 + (m ?? 0);
}

function merge(intervals: readonly OpenInterval[]): OpenInterval[] {
  const sorted = [...intervals].sort((a, b) => a.startMs - b.startMs);
  const out: OpenInterval[] = [];
  for (const i of sorted) {
    const last = out[out.length - 1];
    if (last && i.startMs <= last.endMs) out[out.length - 1] = { startMs: last.startMs, endMs: Math.max(last.endMs, i.endMs) };
    else if (i.endMs > i.startMs) out.push(i);
  }
  return out;
}

/** `open` minus `holes`; both sorted and merged. */
function cut(open: readonly OpenInterval[], holes: readonly OpenInterval[]): OpenInterval[] {
  const out: OpenInterval[] = [];
  for (const i of open) {
    let start = i.startMs;
    for (const h of holes) {
      if (h.endMs <= start || h.startMs >= i.endMs) continue;
      if (h.startMs > start) out.push({ startMs: start, endMs: h.startMs });
      start = Math.max(start, h.endMs);
    }
    if (start < i.endMs) out.push({ startMs: start, endMs: i.endMs });
  }
  return out;
}
