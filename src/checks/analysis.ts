// Canary analysis while a region gets its traffic back: each measurement is success, failure or no
// data, as data with the value and the threshold. No data is never a success: too little traffic, a
// query without series, an unreachable Prometheus all count as inconclusive, and a step has a limit.
import { renderTemplate } from '../lib/template.ts';
import type { Analysis } from '../plan/schema.ts';
import type { RegionTraffic } from '../lib/traffic-reading.ts';
import { checkPrometheus } from './prometheus.ts';
import { describeError, rethrowIfAborted } from './signals.ts';
import type { GateContext } from './types.ts';

export type { AnalysisRecord, Verdict } from '../engine/ports/gates.ts';
import type { AnalysisRecord, Verdict } from '../engine/ports/gates.ts';

export interface AnalysisContext extends Omit<GateContext, 'cluster' | 'runId'> {
  readonly region: string;
  /** The region at the start of the step and now, for counter deltas of the balancer's statistics. */
  readonly since?: RegionTraffic | undefined;
  readonly now?: RegionTraffic | undefined;
}

export function analysisName(a: Analysis): string {
  if (a.name) return a.name;
  return a.type === 'prometheus' ? `prometheus ${a.query}` : `proxy ${a.metric}`;
}

export async function measureAnalysis(a: Analysis, ctx: AnalysisContext): Promise<AnalysisRecord> {
  const base = { analysis: analysisName(a), type: a.type };
  try {
    const m = a.type === 'prometheus' ? await prometheus(a, ctx) : proxy(a, ctx);
    return { ...base, ...m, measuredAt: ctx.clock.now() };
  } catch (e: unknown) {
    rethrowIfAborted(e, ctx.signal);
    return { ...base, verdict: 'inconclusive', message: `could not be measured: ${describeError(e)}`, measuredAt: ctx.clock.now() };
  }
}

type Measured = Omit<AnalysisRecord, 'analysis' | 'type' | 'measuredAt'>;

async function prometheus(a: Extract<Analysis, { type: 'prometheus' }>, ctx: AnalysisContext): Promise<Measured> {
  const query = renderTemplate(a.query, { region: ctx.region });
  const m = await checkPrometheus({ ...a, query }, ctx);
  const verdict: Verdict = m.passed ? 'success' : m.inconclusive ? 'inconclusive' : 'failure';
  return { verdict, message: m.message, ...(m.value !== undefined ? { value: m.value } : {}), ...(m.threshold ? { threshold: m.threshold } : {}) };
}

/** The balancer's own counters for the region between the start of the step and now. */
function proxy(a: Extract<Analysis, { type: 'proxy' }>, ctx: AnalysisContext): Measured {
  const threshold = `<= ${a.max}`;
  const before = ctx.since?.requests;
  const after = ctx.now?.requests;
  if (!before || !after) return { verdict: 'inconclusive', threshold, message: `the balancer keeps no request counters for ${ctx.region}; use a prometheus analysis` };
  const total = after.total - before.total;
  const errors = after.errors - before.errors;
  if (total < 0 || errors < 0) return { verdict: 'inconclusive', threshold, message: `the balancer's counters for ${ctx.region} went back (restarted?): ${before.total} → ${after.total} answered` };
  if (total < a.minRequests) return { verdict: 'inconclusive', threshold, value: total, message: `only ${total} requests answered by ${ctx.region} since the step began; at least ${a.minRequests} are needed to judge (no data is never a success)` };
  const rate = errors / total;
  const shown = Number(rate.toFixed(4));
  if (rate > a.max) return { verdict: 'failure', threshold, value: shown, message: `error rate of ${ctx.region} = ${shown} (${errors} of ${total} answered with 5xx), above the maximum ${a.max}` };
  return { verdict: 'success', threshold, value: shown, message: `error rate of ${ctx.region} = ${shown} (${errors} of ${total}), within ${threshold}` };
}
