// A budget's arithmetic as the disruption controller does it: percentages of the expected pods round
// up for both minAvailable and maxUnavailable.
import type { PdbView } from '../kube/types.ts';

export interface HealthyBudget {
  /** Pods the budget expects (its controllers' scale). */
  readonly expected: number;
  /** Healthy pods it requires. */
  readonly desired: number;
  /** Disruptions it allows when every expected pod is healthy. */
  readonly allowed: number;
  /** The spec as written, with what it resolves to: "minAvailable 80% (= 4)". */
  readonly spec: string;
  readonly field: 'minAvailable' | 'maxUnavailable' | 'status';
}

/** What the budget allows at full health: 0 means no pod it selects can ever be evicted. */
export function healthyBudget(pdb: PdbView, expectedFallback: number): HealthyBudget {
  const expected = pdb.expectedPods > 0 ? pdb.expectedPods : expectedFallback;
  if (pdb.minAvailable !== undefined) {
    const desired = scaledUp(pdb.minAvailable, expected);
    return { expected, desired, allowed: Math.max(0, expected - desired), spec: specText('minAvailable', pdb.minAvailable, desired), field: 'minAvailable' };
  }
  if (pdb.maxUnavailable !== undefined) {
    const allowed = Math.min(expected, scaledUp(pdb.maxUnavailable, expected));
    return { expected, desired: expected - allowed, allowed, spec: specText('maxUnavailable', pdb.maxUnavailable, allowed), field: 'maxUnavailable' };
  }
  return { expected, desired: pdb.desiredHealthy, allowed: Math.max(0, expected - pdb.desiredHealthy), spec: `desiredHealthy ${pdb.desiredHealthy}`, field: 'status' };
}

function scaledUp(v: number | string, total: number): number {
  if (typeof v === 'number') return v;
  const m = /^(\d+)%$/.exec(v.trim());
  return m ? Math.ceil((Number(m[1]) * total) / 100) : Number(v);
}

function specText(field: string, v: number | string, resolved: number): string {
  return typeof v === 'number' ? `${field} ${v}` : `${field} ${v} (= ${resolved})`;
}
