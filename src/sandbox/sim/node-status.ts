// Node readiness as the kubelet and the node lifecycle controller write it: the Ready condition and the
// taints that go with it (not-ready, unreachable, unschedulable).
import type { Node, Taint } from '../k8s-types.ts';
import { conditionTrue, iso, setCondition } from './objects.ts';

export const TAINT = {
  notReady: 'node.kubernetes.io/not-ready',
  unreachable: 'node.kubernetes.io/unreachable',
  unschedulable: 'node.kubernetes.io/unschedulable',
} as const;

export const ACTION_ANNOTATION = 'daylight.dev/action';
export const ACTION_STATUS_ANNOTATION = 'daylight.dev/action-status';

export function isNodeReady(n: Node): boolean {
  return conditionTrue(n.status?.conditions, 'Ready');
}

/** Not Ready or cordoned: what maxUnavailable counts. */
export function isNodeUnavailable(n: Node): boolean {
  return !isNodeReady(n) || n.spec?.unschedulable === true;
}

export type Readiness =
  | { readonly state: 'ready' }
  | { readonly state: 'not-ready'; readonly message: string }
  | { readonly state: 'unreachable' };

/** The node with its Ready condition and readiness taints set for `r`. */
export function withReadiness(n: Node, r: Readiness, nowMs: number): Node {
  const condition =
    r.state === 'ready'
      ? { type: 'Ready', status: 'True' as const, reason: 'KubeletReady', message: 'kubelet is posting ready status' }
      : r.state === 'not-ready'
        ? { type: 'Ready', status: 'False' as const, reason: 'KubeletNotReady', message: r.message }
        : { type: 'Ready', status: 'Unknown' as const, reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.' };
  const conditions = setCondition(n.status.conditions, { ...condition, lastHeartbeatTime: iso(nowMs) }, nowMs);
  const keep = (n.spec.taints ?? []).filter((t) => t.key !== TAINT.notReady && t.key !== TAINT.unreachable);
  const key = r.state === 'not-ready' ? TAINT.notReady : r.state === 'unreachable' ? TAINT.unreachable : undefined;
  const added: Taint[] = key
    ? [
        { key, effect: 'NoSchedule', timeAdded: iso(nowMs) },
        { key, effect: 'NoExecute', timeAdded: iso(nowMs) },
      ]
    : [];
  const taints = [...keep, ...added];
  return { ...n, spec: { ...n.spec, taints: taints.length ? taints : undefined }, status: { ...n.status, conditions } };
}

export interface NodeAction {
  readonly id: string;
  readonly operation: string;
  readonly version?: string;
}

export interface NodeActionStatus {
  readonly id: string;
  readonly phase: 'running' | 'done' | 'failed';
  readonly message?: string;
}

/** The action requested on a node, or an error text when the annotation is not valid. */
export function readAction(n: Node): NodeAction | { readonly error: string; readonly raw: string } | undefined {
  const raw = n.metadata.annotations?.[ACTION_ANNOTATION];
  if (raw === undefined) return undefined;
  try {
    const v: unknown = JSON.parse(raw);
    if (typeof v === 'object' && v !== null && 'id' in v && 'operation' in v && typeof v.id === 'string' && typeof v.operation === 'string') {
      const version = 'version' in v && typeof v.version === 'string' ? v.version : undefined;
      return { id: v.id, operation: v.operation, version };
    }
    return { error: 'the action needs string fields "id" and "operation"', raw };
  } catch {
    return { error: 'the action is not valid JSON', raw };
  }
}

export function readActionStatus(n: Node): NodeActionStatus | undefined {
  const raw = n.metadata.annotations?.[ACTION_STATUS_ANNOTATION];
  if (raw === undefined) return undefined;
  try {
    return JSON.parse(raw) as NodeActionStatus;
  } catch {
    return undefined;
  }
}

export function withActionStatus(n: Node, s: NodeActionStatus): Node {
  return { ...n, metadata: { ...n.metadata, annotations: { ...n.metadata.annotations, [ACTION_STATUS_ANNOTATION]: JSON.stringify(s) } } };
}
