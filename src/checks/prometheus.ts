// Prometheus gate: one instant query against /api/v1/query, held against max and/or min. No data,
// NaN, an error status or an unreachable server fail the gate: absence of evidence is not success.
import type { Gate } from '../plan/schema.ts';
import { describeError, isTimeout, rethrowIfAborted, timeoutSignal } from './signals.ts';
import type { GateContext, Measurement } from './types.ts';

type PrometheusGate = Extract<Gate, { type: 'prometheus' }>;

interface Sample {
  readonly labels: string;
  readonly value: number;
}

/** What an instant query's answer can be, classified once. */
type QueryAnswer = { readonly kind: 'samples'; readonly samples: readonly Sample[] } | { readonly kind: 'failed'; readonly reason: string };

interface ApiBody {
  status?: string;
  error?: string;
  errorType?: string;
  data?: { resultType?: string; result?: unknown };
}

export async function checkPrometheus(gate: PrometheusGate, ctx: Pick<GateContext, 'fetch' | 'signal'>): Promise<Measurement> {
  const threshold = describeThreshold(gate);
  const answer = await query(gate, ctx);
  if (answer.kind === 'failed') return { passed: false, threshold, message: `${gate.query}: ${answer.reason}`, inconclusive: true };
  if (answer.samples.length === 0) return { passed: false, inconclusive: true, threshold, message: `${gate.query}: no data (the query returned no series; a gate never takes that as success)` };
  const nan = answer.samples.find((s) => Number.isNaN(s.value));
  if (nan) {
    const what = answer.samples.length > 1 ? `series ${nan.labels} (of ${answer.samples.length})` : 'the value';
    return { passed: false, inconclusive: true, value: 'NaN', threshold, message: `${gate.query}: ${what} is NaN, which no threshold can pass` };
  }
  return judge(gate, answer.samples, threshold);
}

export function queryUrl(base: string, promql: string): string {
  const url = new URL('api/v1/query', base.endsWith('/') ? base : `${base}/`);
  url.searchParams.set('query', promql);
  return url.toString();
}

async function query(gate: PrometheusGate, ctx: Pick<GateContext, 'fetch' | 'signal'>): Promise<QueryAnswer> {
  const doFetch = ctx.fetch ?? fetch;
  const url = queryUrl(gate.url, gate.query);
  try {
    const res = await doFetch(url, { signal: timeoutSignal(gate.timeout.ms, ctx.signal), headers: { accept: 'application/json' } });
    const text = await res.text();
    return classify(res.status, text);
  } catch (e: unknown) {
    rethrowIfAborted(e, ctx.signal);
    const why = isTimeout(e) ? `no answer within ${gate.timeout.toString()}` : describeError(e);
    return { kind: 'failed', reason: `Prometheus at ${gate.url} could not be queried: ${why}` };
  }
}

function classify(status: number, text: string): QueryAnswer {
  const body = parseBody(text);
  if (status < 200 || status >= 300 || body?.status !== 'success') {
    const detail = body?.error ? `${body.errorType ? `${body.errorType}: ` : ''}${body.error}` : text.slice(0, 200).trim();
    return { kind: 'failed', reason: `Prometheus answered ${status}${detail ? ` (${detail})` : ''}` };
  }
  return samplesOf(body.data?.resultType, body.data?.result);
}

function parseBody(text: string): ApiBody | undefined {
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === 'object' && parsed !== null ? (parsed as ApiBody) : undefined;
  } catch {
    return undefined;
  }
}

function samplesOf(resultType: string | undefined, result: unknown): QueryAnswer {
  if (resultType === 'scalar' && Array.isArray(result)) return { kind: 'samples', samples: [{ labels: '', value: parseValue(result[1]) }] };
  if (resultType !== 'vector' || !Array.isArray(result)) {
    return { kind: 'failed', reason: `the query returned a ${resultType ?? 'malformed'} result; a gate needs an instant vector or a scalar` };
  }
  const samples = result.map((r: unknown): Sample => {
    const entry = (typeof r === 'object' && r !== null ? r : {}) as { metric?: Record<string, string>; value?: unknown };
    return { labels: formatLabels(entry.metric ?? {}), value: parseValue(Array.isArray(entry.value) ? entry.value[1] : undefined) };
  });
  return { kind: 'samples', samples };
}

/** Prometheus writes sample values as strings, with "+Inf", "-Inf" and "NaN". */
function parseValue(v: unknown): number {
  if (v === '+Inf' || v === 'Inf') return Infinity;
  if (v === '-Inf') return -Infinity;
  return typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
}

function formatLabels(metric: Readonly<Record<string, string>>): string {
  const entries = Object.entries(metric).sort(([a], [b]) => a.localeCompare(b));
  return `{${entries.map(([k, v]) => `${k}="${v}"`).join(', ')}}`;
}

/** With several series, the highest is held against max and the lowest against min. */
function judge(gate: PrometheusGate, samples: readonly Sample[], threshold: string): Measurement {
  const highest = samples.reduce((a, b) => (b.value > a.value ? b : a));
  const lowest = samples.reduce((a, b) => (b.value < a.value ? b : a));
  if (gate.max !== undefined && highest.value > gate.max) {
    return { passed: false, value: highest.value, threshold, message: `${gate.query} = ${highest.value}${seriesNote(highest, samples, 'highest')}, above the maximum ${gate.max}` };
  }
  if (gate.min !== undefined && lowest.value < gate.min) {
    return { passed: false, value: lowest.value, threshold, message: `${gate.query} = ${lowest.value}${seriesNote(lowest, samples, 'lowest')}, below the minimum ${gate.min}` };
  }
  const shown = gate.max !== undefined ? highest : lowest;
  const which = gate.max !== undefined ? 'highest' : 'lowest';
  return { passed: true, value: shown.value, threshold, message: `${gate.query} = ${shown.value}${seriesNote(shown, samples, which)}, within ${threshold}` };
}

function seriesNote(s: Sample, all: readonly Sample[], which: 'highest' | 'lowest'): string {
  return all.length < 2 ? '' : ` (the ${which} of ${all.length} series, ${s.labels})`;
}

export function describeThreshold(gate: { readonly max?: number; readonly min?: number }): string {
  const parts: string[] = [];
  if (gate.min !== undefined) parts.push(`>= ${gate.min}`);
  if (gate.max !== undefined) parts.push(`<= ${gate.max}`);
  return parts.join(' and ');
}
