// Gates and canary analysis of a run with their measured values and thresholds: gates before each wave
// and after each phase, a region's preconditions and validation, and each analysis measurement.
import type { JournalEntry } from '../engine/events.ts';
import { stampOf } from './stamp.ts';
import type { AnalysisStep, GateEvaluation } from './types.ts';

export function buildGates(entries: readonly JournalEntry[]): GateEvaluation[] {
  const out: GateEvaluation[] = [];
  for (const entry of entries) {
    const e = entry.event;
    const at = stampOf(entry);
    if (e.type === 'gates.evaluated') {
      const context = e.when === 'before-wave' ? `before wave ${e.wave !== undefined ? e.wave + 1 : '?'} of ${e.phase}` : `after phase ${e.phase}`;
      out.push({ at, cluster: e.cluster, context, passed: e.passed, results: e.results });
    } else if (e.type === 'region.preconditions') {
      out.push({ at, cluster: e.cluster, context: 'region preconditions (before it leaves traffic)', passed: e.passed, results: e.results });
    } else if (e.type === 'region.validated') {
      out.push({ at, cluster: e.cluster, context: 'region validation (before it gets traffic back)', passed: e.passed, results: e.results });
    }
  }
  return out;
}

export function buildAnalysis(entries: readonly JournalEntry[]): AnalysisStep[] {
  const percents = new Map<string, number>();
  const out: AnalysisStep[] = [];
  for (const entry of entries) {
    const e = entry.event;
    if (e.type === 'traffic.step.requested' || e.type === 'traffic.step.set') percents.set(`${e.cluster}/${e.step}`, e.percent);
    if (e.type !== 'analysis.measured') continue;
    const percent = percents.get(`${e.cluster}/${e.step}`);
    out.push({
      at: stampOf(entry), cluster: e.cluster, step: e.step + 1, ...(percent !== undefined ? { percent } : {}),
      records: e.records, failures: e.failures, inconclusive: e.inconclusive, successes: e.successes,
    });
  }
  return out;
}
