// The Eviction API's decision, as the API server makes it: budgets hold, unhealthy pods follow
// unhealthyPodEvictionPolicy, several matching budgets are a misconfiguration.
import type { Pod, PodDisruptionBudget } from '../k8s-types.ts';
import type { SimContext } from './context.ts';
import type { DisruptionController } from './disruption.ts';
import { iso, isPodReady } from './objects.ts';
import { deletePod } from './pods.ts';

export type EvictionOutcome =
  | { readonly kind: 'evicted'; readonly pod: Pod }
  | { readonly kind: 'blocked'; readonly message: string; readonly cause: string }
  | { readonly kind: 'misconfigured'; readonly message: string };

export const BLOCKED_MESSAGE = "Cannot evict pod as it would violate the pod's disruption budget.";

export interface EvictionRequest {
  readonly pod: Pod;
  readonly gracePeriodSeconds?: number;
  readonly dryRun?: boolean;
}

export function evict(ctx: SimContext, disruption: DisruptionController, req: EvictionRequest): EvictionOutcome {
  const alreadyGoing = !!req.pod.metadata.deletionTimestamp;
  const outcome = decide(ctx, disruption, req);
  if (req.dryRun) return outcome;
  if (outcome.kind === 'blocked') ctx.referee.evictionRejectedByPdb(ctx.region);
  if (outcome.kind === 'evicted' && !alreadyGoing) ctx.referee.evictionAccepted(ctx.region);
  return outcome;
}

function decide(ctx: SimContext, disruption: DisruptionController, req: EvictionRequest): EvictionOutcome {
  const { pod } = req;
  const phase = pod.status?.phase;
  const remove = (): EvictionOutcome => ({ kind: 'evicted', pod: req.dryRun ? pod : deletePod(ctx, pod, req.gracePeriodSeconds) });
  if (phase === 'Succeeded' || phase === 'Failed' || phase === 'Pending' || pod.metadata.deletionTimestamp) return remove();
  const budgets = disruption.budgetsFor(pod);
  if (budgets.length > 1) {
    return { kind: 'misconfigured', message: 'This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.' };
  }
  if (budgets.length === 0) return remove();
  // The stored status, as the API server reads it: the disruption controller keeps it current, and every
  // accepted eviction lowers disruptionsAllowed at once, so a burst can never take more than it allows.
  const pdb = budgets[0] as PodDisruptionBudget;
  const s = pdb.status;
  // An unhealthy pod, before the budget's own checks (eviction.go): AlwaysAllow, or a budget that is whole
  // and wants some healthy pods, lets it go without spending a disruption.
  if (!isPodReady(pod)) {
    if (pdb.spec.unhealthyPodEvictionPolicy === 'AlwaysAllow') return remove();
    if (s && s.currentHealthy >= s.desiredHealthy && s.desiredHealthy > 0) return remove();
  }
  // checkAndDecrement
  if (!s || (s.observedGeneration ?? 0) < (pdb.metadata.generation ?? 1)) {
    return { kind: 'blocked', message: BLOCKED_MESSAGE, cause: `The disruption budget ${pdb.metadata.name} is still being processed by the server.` };
  }
  if (s.disruptionsAllowed <= 0) return { kind: 'blocked', message: BLOCKED_MESSAGE, cause: blockedCause(pdb) };
  if (!req.dryRun) {
    const disruptedPods = { ...s.disruptedPods, [pod.metadata.name]: iso(ctx.clock.nowMs()) };
    ctx.store.replace('poddisruptionbudgets.policy', { ...pdb, status: { ...s, disruptionsAllowed: s.disruptionsAllowed - 1, disruptedPods } });
  }
  return remove();
}

/** The 429 cause's message, as checkAndDecrement words it. */
function blockedCause(pdb: PodDisruptionBudget): string {
  const s = pdb.status;
  const name = pdb.metadata.name;
  const allowed = s?.conditions?.find((c) => c.type === 'DisruptionAllowed');
  if (allowed?.status === 'False' && allowed.message && allowed.reason === 'SyncFailed') return `The disruption budget ${name} does not allow evicting pods currently because it failed sync: ${allowed.message}`;
  if (s && s.currentHealthy <= s.desiredHealthy) return `The disruption budget ${name} needs ${s.desiredHealthy} healthy pods and has ${s.currentHealthy} currently`;
  if (allowed?.status === 'False' && allowed.message) return `The disruption budget ${name} does not allow evicting pods currently (${allowed.reason}): ${allowed.message}`;
  return `The disruption budget ${name} does not allow evicting pods currently`;
}
