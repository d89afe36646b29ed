// When a MaintenancePlan's next run starts: its recurrence (`every Tuesday 09:00 Europe/Berlin`,
// `every Monday, Thursday 22:30 UTC`, `every day 03:00 Asia/Tokyo`) read in its time zone, so a run keeps
// its local hour across daylight-saving changes; or its window's next opening (`windows: true`).
import { weekday, zone } from '../planner/zoned-time.ts';
import { nextWindowStart } from '../planner/window.ts';
import type { MaintenanceWindow } from '../plan/schema.ts';

const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

/** The first start strictly after `afterMs`; the recurrence is the schema's (resource-schema.ts), checked there. */
export function nextRecurrence(recurrence: string, afterMs: number): number {
  const m = /^every (.+) (\d\d):(\d\d) (\S+)$/.exec(recurrence);
  if (!m) throw new RangeError(`"${recurrence}" is not a recurrence like "every Tuesday 09:00 Europe/Berlin"`);
  const days = m[1] === 'day' ? [0, 1, 2, 3, 4, 5, 6] : (m[1] ?? '').split(',').map((d) => DAYS.indexOf(d.trim()));
  if (days.some((d) => d < 0)) throw new RangeError(`"${recurrence}" names a day that is not one`);
  const minutes = Number(m[2]) * 60 + Number(m[3]);
  const z = zone(m[4] ?? 'UTC');
  const first = z.dayOf(afterMs);
  for (let day = first; day <= first + 8; day++) {
    if (!days.includes(weekday(day))) continue;
    const at = z.at(day, minutes);
    if (at > afterMs) return at;
  }
  throw new RangeError(`"${recurrence}" has no start within a week of ${new Date(afterMs).toISOString()}`);
}

/** When a plan scheduled by `schedule` next starts after `afterMs`; undefined for a manual plan or a window that never opens. */
export function nextScheduledStart(schedule: { readonly recurrence?: string; readonly windows?: boolean }, window: MaintenanceWindow | undefined, afterMs: number): number | undefined {
  if (schedule.recurrence) return nextRecurrence(schedule.recurrence, afterMs);
  if (schedule.windows && window) return nextWindowStart(window, afterMs + 1);
  return undefined;
}

