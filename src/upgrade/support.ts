// Where a Kubernetes minor stands in its upstream support life on a given day, from the shipped
// releases table: standard support, maintenance mode, or past end of life.
import type { Release } from './data/releases.ts';

export type SupportPhase = 'not-yet-released' | 'standard' | 'maintenance' | 'end-of-life';

export interface SupportCheck {
  readonly minor: string;
  readonly phase: SupportPhase;
  readonly release: Release;
  /** One sentence with the dates, for the plan's output. */
  readonly message: string;
}

/** The support phase of `release` on day `now` (epoch milliseconds; dates are UTC days). */
export function supportOf(release: Release, now: number): SupportCheck {
  const today = new Date(now).toISOString().slice(0, 10);
  const r = release;
  if (today < r.released) return { minor: r.minor, phase: 'not-yet-released', release, message: `${r.minor} is to be released on ${r.released}` };
  if (today < r.endOfStandardSupport) {
    return { minor: r.minor, phase: 'standard', release, message: `${r.minor} is in standard support until ${r.endOfStandardSupport} (end of life ${r.endOfLife})` };
  }
  if (today <= r.endOfLife) {
    return { minor: r.minor, phase: 'maintenance', release, message: `${r.minor} left standard support on ${r.endOfStandardSupport} and reaches end of life on ${r.endOfLife}` };
  }
  return { minor: r.minor, phase: 'end-of-life', release, message: `${r.minor} reached end of life on ${r.endOfLife}: it gets no more patches upstream` };
}
