// Steady load for the traffic benchmark: an open loop of keep-alive GETs at a fixed rate on 127.0.0.1 (requests
// start on schedule whether or not earlier ones answered), each answer kept with its start time and region.
import { Agent, request } from 'undici';

/** The header the sandbox's ingress names its region in. */
const REGION_HEADER = 'x-daylight-region';
/** Requests in flight at most; a schedule that would need more counts the rest as not sent. */
const MAX_IN_FLIGHT = 512;
const TICK_MS = 5;

export interface Answer {
  /** performance.now() when the request started, and when its answer (or error) ended. */
  readonly startedAt: number;
  readonly endedAt: number;
  readonly status?: number;
  readonly region?: string;
  readonly error?: string;
}

export interface Load {
  readonly startedAt: number;
  /** Answers so far; grows while the load runs. */
  readonly answers: readonly Answer[];
  /** Requests the schedule asked for while MAX_IN_FLIGHT were already open. */
  readonly notSent: () => number;
  /** Stops starting requests, waits for those in flight, closes the connections; returns every answer. */
  stop(): Promise<Answer[]>;
}

export function startLoad(o: { url: string; rps: number; connections?: number }): Load {
  const agent = new Agent({ connections: o.connections ?? 32, keepAliveTimeout: 4_000, pipelining: 1 });
  const answers: Answer[] = [];
  const inFlight = new Set<Promise<void>>();
  const startedAt = performance.now();
  let issued = 0;
  let skipped = 0;
  const one = async (): Promise<void> => {
    const t0 = performance.now();
    try {
      const res = await request(o.url, { dispatcher: agent, headersTimeout: 10_000, bodyTimeout: 10_000 });
      await res.body.dump();
      const region = res.headers[REGION_HEADER];
      answers.push({ startedAt: t0, endedAt: performance.now(), status: res.statusCode, ...(typeof region === 'string' ? { region } : {}) });
    } catch (e: unknown) {
      answers.push({ startedAt: t0, endedAt: performance.now(), error: e instanceof Error ? e.message : String(e) });
    }
  };
  const tick = (): void => {
    const due = Math.floor(((performance.now() - startedAt) * o.rps) / 1000) - issued;
    for (let i = 0; i < due; i++) {
      issued++;
      if (inFlight.size >= MAX_IN_FLIGHT) {
        skipped++;
        continue;
      }
      const p = one().finally(() => inFlight.delete(p));
      inFlight.add(p);
    }
  };
  const timer = setInterval(tick, TICK_MS);
  return {
    startedAt,
    answers,
    notSent: () => skipped,
    async stop() {
      clearInterval(timer);
      await Promise.all([...inFlight]);
      await agent.close();
      return answers;
    },
  };
}

/** A request failed for its user: an error, or anything but a 2xx. */
export function failed(a: Answer): boolean {
  return a.error !== undefined || a.status === undefined || a.status < 200 || a.status > 299;
}

/** Answers of requests that started in [from, until). */
export function startedBetween(answers: readonly Answer[], from: number, until = Infinity): Answer[] {
  return answers.filter((a) => a.startedAt >= from && a.startedAt < until);
}

/**
 * The client's view of when `region` got its last new request after `from`: ms from `from` to the start of the
 * last request it answered (0 when it answered none that started after `from`).
 */
export function lastAnsweredByMs(answers: readonly Answer[], region: string, from: number, until = Infinity): number {
  let last = from;
  for (const a of startedBetween(answers, from, until)) if (a.region === region && a.startedAt > last) last = a.startedAt;
  return last - from;
}
