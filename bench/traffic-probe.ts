// The traffic benchmark's own look at the data plane, independent of the adapter's verification: HAProxy's
// per-server counters sampled fast over the runtime API, and when a server was last picked for a new request.
import { setTimeout as sleep } from 'node:timers/promises';

/** One server's row of `show stat` as the probe reads it (by the header line, not by position). */
export interface ServerCounters {
  readonly status: string;
  /** Effective weight (0 while drained or cut). */
  readonly weight: number;
  /** Times the balancer picked this server for a new request. */
  readonly lbtot: number;
  readonly stot: number;
  readonly scur: number;
  readonly hrsp5xx: number;
  /** Every HTTP response the server gave (hrsp_1xx … hrsp_other). */
  readonly responses: number;
}

/** The backend's servers as one `show stat` saw them, between `sentAt` and `at` (performance.now()). */
export interface StatSample {
  readonly sentAt: number;
  readonly at: number;
  readonly servers: Readonly<Record<string, ServerCounters>>;
}

export interface StatSampler {
  readonly samples: readonly StatSample[];
  /** The first sample sent at or after `from` that satisfies `ok`; fails after `timeoutMs`. */
  waitFor(what: string, ok: (s: StatSample) => boolean, o: { from?: number; timeoutMs: number }): Promise<StatSample>;
  /** Drops samples older than `before` (keeps the one just before it as a baseline). */
  trim(before: number): void;
  stop(): Promise<void>;
}

/** Samples `show stat <backend> 4 -1` back to back, at most every `everyMs`, until stopped. */
export function startStatSampler(command: (line: string) => Promise<string>, backend: string, everyMs: number): StatSampler {
  const samples: StatSample[] = [];
  const state = { running: true, error: undefined as Error | undefined };
  const loop = (async () => {
    while (state.running) {
      const sentAt = performance.now();
      try {
        const servers = parseServers(await command(`show stat ${backend} 4 -1`), backend);
        samples.push({ sentAt, at: performance.now(), servers });
      } catch (e: unknown) {
        state.error = e instanceof Error ? e : new Error(String(e));
      }
      const left = everyMs - (performance.now() - sentAt);
      if (left > 0) await sleep(left);
    }
  })();
  return {
    samples,
    async waitFor(what, ok, o) {
      const from = o.from ?? performance.now();
      const end = performance.now() + o.timeoutMs;
      for (let seen = 0; ; ) {
        for (; seen < samples.length; seen++) {
          const s = samples[seen] as StatSample;
          if (s.sentAt >= from && ok(s)) return s;
        }
        if (performance.now() > end) {
          const last = samples.at(-1);
          throw new Error(`HAProxy's statistics did not show ${what} within ${o.timeoutMs} ms${state.error ? ` (last probe error: ${state.error.message})` : ''}; last sample ${JSON.stringify(last?.servers)}`);
        }
        await sleep(everyMs);
      }
    },
    trim(before) {
      const keep = samples.findIndex((s) => s.sentAt >= before);
      if (keep > 1) samples.splice(0, keep - 1);
    },
    async stop() {
      state.running = false;
      await loop;
    },
  };
}

/**
 * When the balancer picked `server` for the last time after `from`, as an upper bound: the receive time of the
 * first sample that shows its final `lbtot` (the sampling interval is the resolution). Samples up to `until`
 * must cover enough time after the change for "final" to mean something. Undefined when no sample was sent
 * after `from`.
 */
export function lastPickMs(samples: readonly StatSample[], server: string, from: number, until = Infinity): number | undefined {
  const window = samples.filter((s) => s.at <= until);
  const after = window.filter((s) => s.sentAt >= from);
  const last = after.at(-1)?.servers[server]?.lbtot;
  if (last === undefined) return undefined;
  // the first sample (sent after `from`) already at the final count: nothing was picked after it was read
  const first = after.find((s) => s.servers[server]?.lbtot === last);
  return (first as StatSample).at - from;
}

/** How many new requests the balancer gave `server` between the first sample sent at or after `from` and the last before `until`. */
export function picksBetween(samples: readonly StatSample[], server: string, from: number, until: number): number {
  const window = samples.filter((s) => s.sentAt >= from && s.at <= until);
  const a = window[0]?.servers[server]?.lbtot ?? 0;
  const b = window.at(-1)?.servers[server]?.lbtot ?? 0;
  return b - a;
}

/** The servers of one backend in `show stat` CSV; only the columns the probe needs. */
export function parseServers(csv: string, backend: string): Record<string, ServerCounters> {
  const lines = csv.split('\n').filter((l) => l.trim() !== '');
  const header = (lines[0] ?? '').replace(/^# /, '').split(',');
  if (!header.includes('lbtot')) throw new Error(`not a \`show stat\` table: ${csv.slice(0, 120)}`);
  const out: Record<string, ServerCounters> = {};
  for (const line of lines.slice(1)) {
    const f = line.split(',');
    const get = (name: string) => f[header.indexOf(name)] ?? '';
    const n = (name: string) => Number(get(name) || 0);
    const name = get('svname');
    if (get('pxname') !== backend || name === 'BACKEND' || name === 'FRONTEND') continue;
    const responses = ['hrsp_1xx', 'hrsp_2xx', 'hrsp_3xx', 'hrsp_4xx', 'hrsp_5xx', 'hrsp_other'].reduce((sum, c) => sum + n(c), 0);
    out[name] = { status: get('status'), weight: n('weight'), lbtot: n('lbtot'), stot: n('stot'), scur: n('scur'), hrsp5xx: n('hrsp_5xx'), responses };
  }
  return out;
}

/** Nearest-rank percentile (p99 of 20 values is the largest). */
export function percentile(xs: readonly number[], p: number): number {
  if (xs.length === 0) return NaN;
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] as number;
}
