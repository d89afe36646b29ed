// Counts of findings by severity: what decides preflight's exit code (any blocking finding → 1).
import type { Finding, Severity } from './types.ts';

export type FindingSummary = Record<Severity, number>;

export function summarise(findings: readonly Finding[]): FindingSummary {
  const counts: FindingSummary = { blocking: 0, warning: 0, info: 0 };
  for (const f of findings) counts[f.severity]++;
  return counts;
}
