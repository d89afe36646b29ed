// Go-style durations ("30s", "10m", "1h30m", "250ms") as a value type, as plan and fleet files write them.

const UNIT_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const PART = /(\d+(?:\.\d+)?|\.\d+)(ns|us|µs|ms|s|m|h)/y;

/** What `Duration.parse` accepts, as a regular expression in the syntax JSON Schema and Go's RE2 share (for generated schemas). */
export const DURATION_PATTERN = '^(0|(([0-9]+(\\.[0-9]+)?|\\.[0-9]+)(ns|us|µs|ms|s|m|h))+)$';

/**
 * The longest wait a file may write: 24 days (576h). Node fires a timer set beyond 2^31 ms (about 24.8 days)
 * at once, so a longer timeout would not wait at all (`99999999999999999999h` would end every wait at
 * once); no maintenance step waits weeks anyway.
 */
export const MAX_DURATION_MS = 24 * 24 * 3_600_000;

/** The longest retention (a backup's ttl): never a timer of ours, so it may exceed MAX_DURATION_MS; one year. */
export const MAX_RETENTION_MS = 365 * 24 * 3_600_000;

export class Duration {
  readonly ms: number;

  private constructor(ms: number) {
    this.ms = ms;
  }

  static ofMs(ms: number): Duration {
    return new Duration(ms);
  }

  static ofSeconds(s: number): Duration {
    return new Duration(s * 1000);
  }

  /** Parses "1h30m", "10m", "30s", "250ms" or "0", up to `maxMs`; throws a RangeError that says what to write instead. */
  static parse(text: string, maxMs: number = MAX_DURATION_MS): Duration {
    const s = text.trim();
    if (s === '0') return new Duration(0);
    let total = 0;
    PART.lastIndex = 0;
    let matched = 0;
    while (PART.lastIndex < s.length) {
      const start = PART.lastIndex;
      const m = PART.exec(s);
      if (!m || m.index !== start) {
        throw new RangeError(`"${text}" is not a duration; write a number with a unit, such as 30s, 10m or 1h30m (units: ms, s, m, h)`);
      }
      total += Number(m[1]) * (UNIT_MS[m[2] as string] as number);
      matched++;
    }
    if (matched === 0) throw new RangeError(`"${text}" is not a duration; write a number with a unit, such as 30s, 10m or 1h30m`);
    if (!(total <= maxMs)) {
      const limit = new Duration(maxMs).toString();
      throw new RangeError(`"${text}" is longer than ${Math.round(maxMs / 86_400_000)} days; write a duration up to ${limit}`);
    }
    return new Duration(total);
  }

  get seconds(): number {
    return this.ms / 1000;
  }

  /** The shortest Go-style text for this duration ("1h30m", "45s", "250ms"). */
  toString(): string {
    if (this.ms === 0) return '0s';
    if (this.ms < 1000) return `${this.ms}ms`;
    let rest = Math.round(this.ms);
    const h = Math.floor(rest / 3_600_000);
    rest -= h * 3_600_000;
    const m = Math.floor(rest / 60_000);
    rest -= m * 60_000;
    const s = rest / 1000;
    return `${h ? `${h}h` : ''}${m ? `${m}m` : ''}${s ? `${s}s` : ''}`;
  }

  toJSON(): string {
    return this.toString();
  }
}
