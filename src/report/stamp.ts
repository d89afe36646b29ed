// The time of a journal entry as the report shows it: its seq, the wall clock and the cluster clock.
import type { JournalEntry } from '../engine/events.ts';
import type { Stamp } from './types.ts';

export function stampOf(e: JournalEntry): Stamp {
  return { seq: e.seq, wall: e.wall, cluster: isoOf(e.at), at: e.at };
}

/** An epoch-ms time as ISO 8601, or the number as text when it is out of Date's range. */
export function isoOf(ms: number): string {
  const d = new Date(ms);
  return Number.isNaN(d.getTime()) ? String(ms) : d.toISOString();
}

/** Milliseconds between two stamps on the cluster clock. */
export function between(from: Stamp | undefined, to: Stamp | undefined): number | undefined {
  return from && to ? Math.max(0, to.at - from.at) : undefined;
}
