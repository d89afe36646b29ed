// What the kubernetes engine's referee counts, decided per observation with the reason why: an audit
// log event (an eviction accepted or refused, a pod killed by a client's delete), a budget's status, a
// node's availability and boot id. Pure, so each rule is tested alone; the watchers only feed it.
import type { Node, Pod, PodDisruptionBudget } from '../k8s-types.ts';

/** The fields of one kube-apiserver audit event (audit.k8s.io/v1, JSON lines) the referee reads. */
export interface AuditEvent {
  readonly stage?: string;
  readonly verb?: string;
  readonly user?: { readonly username?: string };
  readonly objectRef?: { readonly resource?: string; readonly subresource?: string; readonly namespace?: string; readonly name?: string };
  readonly responseStatus?: { readonly code?: number };
  readonly requestURI?: string;
  readonly requestObject?: { readonly deleteOptions?: { readonly dryRun?: readonly string[] }; readonly dryRun?: readonly string[] };
}

export type AuditVerdict =
  | { readonly kind: 'eviction-accepted'; readonly pod: string }
  | { readonly kind: 'eviction-refused'; readonly pod: string }
  | { readonly kind: 'kill'; readonly pod: string; readonly how: string }
  | { readonly kind: 'ignored'; readonly why: string };

/**
 * The identities that act for the cluster itself, not for a client: kwok and the node agent playing the
 * kubelets, the scheduler, and the controllers (with --use-service-account-credentials each controller
 * has its own `system:serviceaccount:kube-system:*` account: garbage collector, node-lifecycle, ...).
 */
export interface SystemIdentities {
  readonly users: ReadonlySet<string>;
}

export function isSystemUser(user: string, ids: SystemIdentities): boolean {
  return ids.users.has(user) || user.startsWith('system:serviceaccount:kube-system:') || user.startsWith('system:node:');
}

const isDryRun = (e: AuditEvent): boolean =>
  /[?&]dryRun=/.test(e.requestURI ?? '') || (e.requestObject?.deleteOptions?.dryRun?.length ?? 0) > 0 || (e.requestObject?.dryRun?.length ?? 0) > 0;

/**
 * One audit event, judged:
 * - `create pods/eviction` answered 201 (or 200) is an accepted eviction, 429 a refusal by a budget;
 *   other answers (404 gone, 500 several budgets, 403) are neither, as in the simulated engine;
 * - `delete pods` answered 200/202 by anyone but the cluster's own identities is a pod killed without
 *   eviction, unless an accepted eviction already took that pod (`evicted`: a client finishing off a pod
 *   that is already terminating kills nothing more);
 * - dry runs, failed calls and the earlier stages of a request count nothing.
 */
export function judgeAuditEvent(e: AuditEvent, ids: SystemIdentities, evicted: ReadonlySet<string>): AuditVerdict {
  if (e.stage !== 'ResponseComplete') return { kind: 'ignored', why: `stage ${e.stage ?? '?'}` };
  const ref = e.objectRef;
  if (ref?.resource !== 'pods') return { kind: 'ignored', why: `not a pod (${ref?.resource ?? '?'})` };
  const pod = `${ref.namespace ?? ''}/${ref.name ?? ''}`;
  const code = e.responseStatus?.code ?? 0;
  if (isDryRun(e)) return { kind: 'ignored', why: 'dry run' };
  if (e.verb === 'create' && ref.subresource === 'eviction') {
    if (code === 200 || code === 201) return { kind: 'eviction-accepted', pod };
    if (code === 429) return { kind: 'eviction-refused', pod };
    return { kind: 'ignored', why: `eviction answered ${code}` };
  }
  if (e.verb !== 'delete' || ref.subresource) return { kind: 'ignored', why: `${e.verb ?? '?'} ${ref.subresource ?? ''}`.trim() };
  if (code !== 200 && code !== 202) return { kind: 'ignored', why: `delete answered ${code}` };
  const user = e.user?.username ?? '';
  if (isSystemUser(user, ids)) return { kind: 'ignored', why: `deleted by the cluster (${user})` };
  if (evicted.has(pod)) return { kind: 'ignored', why: 'already evicted' };
  return { kind: 'kill', pod, how: `deleted by ${user} instead of evicted` };
}

/**
 * A budget is breached when it falls from whole (currentHealthy >= desiredHealthy) to below; counted
 * once per such fall. A budget that has never been whole (no pods expected yet, or its pods still
 * starting) breaches nothing.
 * Returns the new state: `undefined` until first whole.
 */
export function judgeBudget(wasWhole: boolean | undefined, pdb: PodDisruptionBudget): { whole: boolean | undefined; breach: boolean } {
  const s = pdb.status;
  if (!s || s.desiredHealthy === undefined || s.currentHealthy === undefined) return { whole: wasWhole, breach: false };
  // Before its pods exist a budget reads 0 of 0, which is not yet whole.
  if (wasWhole === undefined && !(s.expectedPods > 0)) return { whole: undefined, breach: false };
  const whole = s.currentHealthy >= s.desiredHealthy;
  return { whole: wasWhole === undefined && !whole ? undefined : whole, breach: wasWhole === true && !whole };
}

/** Unavailable: cordoned or not Ready (False or Unknown), the simulated engine's definition. */
export function isUnavailable(node: Node): boolean {
  const ready = node.status?.conditions?.find((c) => c.type === 'Ready');
  return node.spec?.unschedulable === true || ready?.status !== 'True';
}

/**
 * A pod killed by its node going down: the node agent marks the pods of a node whose kubelet stops with
 * `stoppedAnnotation` when they die with it; a running, non-terminating pod that is not a DaemonSet's
 * dies unevicted, as the simulated kubelet counts.
 */
export function killedByNodeDown(pod: Pod, stoppedAnnotation: string): boolean {
  if (!pod.metadata.annotations?.[stoppedAnnotation]) return false;
  if (pod.metadata.deletionTimestamp || pod.status?.phase !== 'Running') return false;
  return !(pod.metadata.ownerReferences ?? []).some((o) => o.kind === 'DaemonSet');
}
