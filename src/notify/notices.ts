// Advance notice of a planned maintenance: 4 weeks, 1 week and 24 hours before it starts. No standard
// mandates offsets (reference §11); these follow the usual announce-early, remind-close cadence.

export interface NoticeOffset {
  readonly before: '4 weeks' | '1 week' | '24 hours';
  readonly ms: number;
  /** The VALARM trigger relative to the event's start (RFC 5545 §3.8.6.3). */
  readonly trigger: string;
}

const HOUR_MS = 3_600_000;

export const NOTICE_OFFSETS: readonly NoticeOffset[] = [
  { before: '4 weeks', ms: 28 * 24 * HOUR_MS, trigger: '-P4W' },
  { before: '1 week', ms: 7 * 24 * HOUR_MS, trigger: '-P1W' },
  { before: '24 hours', ms: 24 * HOUR_MS, trigger: '-PT24H' },
];

export interface Notice {
  readonly before: NoticeOffset['before'];
  /** When to send it, ISO 8601 UTC. */
  readonly at: string;
  readonly trigger: string;
  /** Already due at the time of the export: send it now, the maintenance is closer than the offset. */
  readonly due: boolean;
}

export function noticesFor(startMs: number, nowMs: number): Notice[] {
  return NOTICE_OFFSETS.map((o) => ({ before: o.before, at: new Date(startMs - o.ms).toISOString(), trigger: o.trigger, due: startMs - o.ms <= nowMs }));
}
