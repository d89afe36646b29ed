// The Eviction API and plain DELETE for one pod, guarded by its UID, with the answer classified once:
// evicted, gone, blocked by a budget, misconfigured budgets, throttled by the API server's flow control,
// forbidden (a missing permission), or an error with its status.
import type { V1Eviction } from '@kubernetes/client-node';
import type { KubeApi } from './api.ts';
import { apiStatus, denial, NAMESPACE_TERMINATING, retryAfterSeconds } from './api-error.ts';
import type { ApiStatus } from './api-error.ts';
import { isTransient } from './retry.ts';
import type { EvictionAnswer, PodRef } from './types.ts';

const SEVERAL_BUDGETS = /more than one PodDisruptionBudget/i;

/** POST pods/eviction. Never throws for an API answer; throws for transport failures and aborts. */
export async function evict(api: KubeApi, pod: PodRef, gracePeriodSeconds: number | undefined, signal?: AbortSignal): Promise<EvictionAnswer> {
  const body: V1Eviction = {
    apiVersion: 'policy/v1',
    kind: 'Eviction',
    metadata: { name: pod.name, namespace: pod.namespace },
    deleteOptions: { ...(gracePeriodSeconds !== undefined ? { gracePeriodSeconds } : {}), preconditions: { uid: pod.uid } },
  };
  try {
    await api.call(`evict pod ${pod.namespace}/${pod.name}`, (o) => api.core.createNamespacedPodEviction({ name: pod.name, namespace: pod.namespace, body }, o), { signal, transient: evictionTransient });
    return { kind: 'evicted' };
  } catch (e: unknown) {
    const status = apiStatus(e);
    if (!status) throw e;
    const refused = denial(e);
    return refused ? { kind: 'forbidden', denial: refused } : classify(status);
  }
}

/** Plain DELETE (the `force` policy): bypasses budgets. A pod already gone, or replaced, counts as done. */
export async function deletePod(api: KubeApi, pod: PodRef, gracePeriodSeconds: number | undefined, signal?: AbortSignal): Promise<void> {
  try {
    await api.call(
      `delete pod ${pod.namespace}/${pod.name}`,
      (o) => api.core.deleteNamespacedPod({ name: pod.name, namespace: pod.namespace, ...(gracePeriodSeconds !== undefined ? { gracePeriodSeconds } : {}), body: { preconditions: { uid: pod.uid } } }, o),
      { signal },
    );
  } catch (e: unknown) {
    const code = apiStatus(e)?.code;
    if (code === 404 || code === 409) return;
    throw e;
  }
}

export function classify(status: ApiStatus): EvictionAnswer {
  if (status.code === 404 || status.code === 409) return { kind: 'gone' };
  if (status.code === 429 && isThrottling(status)) return { kind: 'throttled', retryAfterSeconds: retryAfterSeconds(status) ?? 1, message: status.message };
  // 403 with a DisruptionBudget cause: the budget allows a negative number of disruptions, or too many evictions wait for its controller.
  if (status.code === 429 || (status.code === 403 && budgetCause(status))) return { kind: 'blocked', message: blockedMessage(status) };
  // kubectl drain deletes such a pod instead (the namespace's deletion takes it anyway): see drain.ts.
  if (status.code === 403 && status.causes.some((c) => c.reason === NAMESPACE_TERMINATING)) return { kind: 'namespace-terminating', message: status.message };
  if (status.code === 500 && SEVERAL_BUDGETS.test(status.message)) return { kind: 'misconfigured', message: status.message };
  return { kind: 'error', status: status.code, message: status.message };
}

/**
 * A 429 from the API server's flow control (API Priority and Fairness, max-in-flight): it carries
 * Retry-After and no DisruptionBudget cause. A budget's 429 carries that cause (Kubernetes 1.26 on) or,
 * from older servers, says "disruption budget" in its message; one whose budget the server is still
 * processing also carries Retry-After: 10, and stays a budget's refusal.
 */
function isThrottling(status: ApiStatus): boolean {
  return retryAfterSeconds(status) !== undefined && !budgetCause(status) && !/disruption budget/i.test(status.message);
}

function budgetCause(status: ApiStatus): boolean {
  return status.causes.some((c) => c.reason === 'DisruptionBudget');
}

/** The Status message and each cause: "Cannot evict pod ... budget. The disruption budget web needs 5 healthy pods and has 5 currently". */
function blockedMessage(status: ApiStatus): string {
  const causes = status.causes.map((c) => c.message).filter((m): m is string => !!m && !status.message.includes(m));
  return [status.message, ...causes].join(' ').trim();
}

/**
 * Retry what is transient for any call, except the answers that mean something for an eviction: every
 * 429 (a budget's refusal, or flow control whose Retry-After the drain honours within its deadline) and
 * a 500 about several budgets.
 */
function evictionTransient(e: unknown): boolean {
  const status = apiStatus(e);
  if (status?.code === 429) return false;
  if (status?.code === 500 && SEVERAL_BUDGETS.test(status.message)) return false;
  return isTransient(e);
}
