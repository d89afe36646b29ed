// The per-node step durations an ETA is built from: measured medians of earlier runs first, then the
// plan's `estimates`, then defaults (action 3m for reboot and patch, 1m for upgrade; ready 1m).
import type { NodesPhase } from '../plan/schema.ts';
import type { DurationSource, MeasuredDurations, StepDurations } from './types.ts';

const MINUTE = 60_000;
/** Gates are evaluated before each wave; a typical round of kube and HTTP checks. */
export const DEFAULT_GATE_MS = 5_000;

export interface DurationOptions {
  /** Gate time per wave; 0 when the plan has no gates. */
  readonly gateMs?: number;
  /** An evicted pod's replacement-to-Ready time (S), when known better than the default. */
  readonly replacementMs?: number;
}

export function resolveSteps(phase: NodesPhase, history?: MeasuredDurations, options: DurationOptions = {}): StepDurations {
  const action = pick(history?.actionMs, phase.estimates.action?.ms, phase.action.operation === 'upgrade' ? MINUTE : 3 * MINUTE);
  const ready = pick(history?.readyMs, phase.estimates.ready?.ms, MINUTE);
  const replacement = options.replacementMs !== undefined
    ? { ms: options.replacementMs, source: 'estimate' as const }
    : pick(history?.replacementMs, phase.estimates.ready?.ms, MINUTE);
  const drain = history?.drainMs !== undefined
    ? { ms: history.drainMs, source: 'history' as const }
    : phase.estimates.drain !== undefined ? { ms: phase.estimates.drain.ms, source: 'estimate' as const } : { ms: undefined, source: 'pods' as const };
  return {
    drainMs: drain.ms,
    drainTimeoutMs: phase.drain.timeout.ms,
    actionMs: action.ms,
    readyMs: ready.ms,
    soakMs: phase.soak.ms,
    gateMs: options.gateMs ?? DEFAULT_GATE_MS,
    replacementMs: replacement.ms,
    sources: { drain: drain.source, action: action.source, ready: ready.source, replacement: replacement.source },
  };
}

function pick(measured: number | undefined, estimate: number | undefined, fallback: number): { ms: number; source: DurationSource } {
  if (measured !== undefined) return { ms: measured, source: 'history' };
  if (estimate !== undefined) return { ms: estimate, source: 'estimate' };
  return { ms: fallback, source: 'default' };
}
