// rolling-update-max-unavailable: the plan can require that no Deployment rolls out with more pods
// unavailable than a limit (0 for zero-downtime); unset rolling parameters default to 25%/25%.
import type { WorkloadView } from '../kube/types.ts';
import { resolveIntOrPercent } from '../plan/values.ts';
import { finding } from './rule.ts';
import type { Rule } from './rule.ts';
import type { Scope } from './scope.ts';
import type { Finding } from './types.ts';

const DEFAULT_SURGE_AND_UNAVAILABLE = '25%';

export const rollingUpdateMaxUnavailable: Rule = {
  id: 'rolling-update-max-unavailable',
  check: (scope) => {
    const limit = scope.plan.spec.requirements.rollingUpdateMaxUnavailable;
    if (limit === undefined) return [];
    return scope.snapshot.workloads.flatMap((w) => (w.kind === 'Deployment' && !w.owned ? check(scope, w, limit) : []));
  },
};

function check(scope: Scope, w: WorkloadView, limit: number): Finding[] {
  const subject = `${w.namespace}/${w.name}`;
  const base = { rule: 'rolling-update-max-unavailable', severity: 'blocking', subject } as const;
  if (w.strategy?.type === 'Recreate') {
    if (w.replicas <= limit) return [];
    return [finding(scope, {
      ...base,
      message: `Deployment ${subject} uses strategy Recreate: a rollout takes all ${w.replicas} pods down at once, above the plan's requirement of ${limit} unavailable`,
      fix: `switch ${subject} to strategy RollingUpdate with maxUnavailable: ${limit} and maxSurge: 1`,
    })];
  }
  const written = w.strategy?.maxUnavailable;
  const unavailable = effectiveMaxUnavailable(w);
  if (unavailable <= limit) return [];
  const how = written === undefined ? `${DEFAULT_SURGE_AND_UNAVAILABLE} (the default, as it is not set)` : String(written);
  return [finding(scope, {
    ...base,
    message: `Deployment ${subject} rolls out with maxUnavailable ${how} = ${unavailable} of ${w.replicas} pods, above the plan's requirement of ${limit}`,
    fix: `set spec.strategy.rollingUpdate.maxUnavailable: ${limit} on ${subject}${limit === 0 ? ' and maxSurge to at least 1' : ''}`,
  })];
}

/**
 * As the Deployment controller resolves it: maxUnavailable percentages round down, maxSurge up, and
 * when both come to 0 one pod may be unavailable.
 */
export function effectiveMaxUnavailable(w: WorkloadView): number {
  const unavailable = resolveIntOrPercent(w.strategy?.maxUnavailable ?? DEFAULT_SURGE_AND_UNAVAILABLE, w.replicas);
  const surge = surgeOf(w.strategy?.maxSurge ?? DEFAULT_SURGE_AND_UNAVAILABLE, w.replicas);
  return unavailable === 0 && surge === 0 ? 1 : unavailable;
}

function surgeOf(v: number | string, replicas: number): number {
  if (typeof v === 'number') return v;
  return Math.ceil((Number(v.replace('%', '')) * replicas) / 100);
}
