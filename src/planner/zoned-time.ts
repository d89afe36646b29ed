// Wall-clock time in an IANA time zone with Intl.DateTimeFormat alone: which calendar day an instant falls
// on there, and the instant of a wall-clock time on a day (a time a DST gap skips moves forward by the gap;
// a time a DST change repeats means its first occurrence).

const DAY_MS = 86_400_000;

export interface Zone {
  readonly name: string;
  /** The civil day (days since 1970-01-01) an instant falls on in this zone. */
  dayOf(epochMs: number): number;
  /** The instant at `minutes` after midnight of civil day `day` in this zone. */
  at(day: number, minutes: number): number;
  /** Wall clock minus UTC at an instant. */
  offsetMs(epochMs: number): number;
}

export function zone(timeZone: string): Zone {
  const format = new Intl.DateTimeFormat('en-US', {
    timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric',
  });
  const wall = (epochMs: number): number => {
    const p: Record<string, number> = {};
    for (const part of format.formatToParts(epochMs)) if (part.type !== 'literal') p[part.type] = Number(part.value);
    return Date.UTC(p.year ?? 1970, (p.month ?? 1) - 1, p.day ?? 1, p.hour ?? 0, p.minute ?? 0, p.second ?? 0);
  };
  const offsetMs = (epochMs: number): number => wall(epochMs) - Math.floor(epochMs / 1000) * 1000;
  return {
    name: timeZone,
    offsetMs,
    dayOf: (epochMs) => Math.floor(wall(epochMs) / DAY_MS),
    at: (day, minutes) => instantOf(day * DAY_MS + minutes * 60_000, offsetMs),
  };
}

/** Tries the offsets in force a day before and a day after; a wall time neither gives back lies in a gap. */
function instantOf(wallMs: number, offsetMs: (epochMs: number) => number): number {
  const before = wallMs - offsetMs(wallMs - DAY_MS);
  const after = wallMs - offsetMs(wallMs + DAY_MS);
  const valid = [before, after].filter((t) => t + offsetMs(t) === wallMs);
  return valid.length > 0 ? Math.min(...valid) : before;
}

/** "2026-03-29" as a civil day number. */
export function dayNumber(isoDate: string): number {
  const [y, m, d] = isoDate.split('-').map(Number);
  return Math.floor(Date.UTC(y ?? 1970, (m ?? 1) - 1, d ?? 1) / DAY_MS);
}

/** 0 = Sunday … 6 = Saturday, as Date.getUTCDay. */
export function weekday(day: number): number {
  return (((day + 4) % 7) + 7) % 7;
}

/** "Mon 2026-03-30 09:00" in the zone. */
export function wallText(z: Zone, epochMs: number): string {
  const w = new Date(epochMs + z.offsetMs(epochMs));
  const names = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
  return `${names[w.getUTCDay()]} ${w.toISOString().slice(0, 10)} ${w.toISOString().slice(11, 16)}`;
}
