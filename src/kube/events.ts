// Kubernetes Events on a node for the transitions Daylight makes, so `kubectl describe node` and
// `kubectl get events` tell the story next to the kubelet's own events.
import { randomBytes } from 'node:crypto';
import type { CoreV1Event } from '@kubernetes/client-node';
import type { NodeEvent } from '../engine/ports/cluster.ts';
import type { Clock } from '../lib/clock.ts';
import type { KubeApi } from './api.ts';
import { statusCode } from './api-error.ts';

export const EVENT_NAMESPACE = 'default';
export const COMPONENT = 'daylight';


/**
 * `reporter`: who reports it: Daylight (the default), or the node agent, which reports as
 * `daylight-agent` from its node, as the kubelet reports as `kubelet` from its own.
 */
export async function recordNodeEvent(c: { api: KubeApi; clock: Clock }, node: { name: string; uid: string }, e: NodeEvent, signal?: AbortSignal, reporter: { component: string; instance: string } = { component: COMPONENT, instance: COMPONENT }): Promise<void> {
  const now = new Date(c.clock.now());
  const body: CoreV1Event = {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name: `${node.name}.${randomBytes(8).toString('hex')}`, namespace: EVENT_NAMESPACE },
    involvedObject: { kind: 'Node', name: node.name, uid: node.uid, apiVersion: 'v1' },
    reason: e.reason,
    message: e.message,
    type: e.type ?? 'Normal',
    source: { component: reporter.component, ...(reporter.instance !== reporter.component ? { host: reporter.instance } : {}) },
    reportingComponent: reporter.component,
    reportingInstance: reporter.instance,
    firstTimestamp: now,
    lastTimestamp: now,
    count: 1,
  };
  try {
    await c.api.call(`record event ${e.reason} on node ${node.name}`, (o) => c.api.core.createNamespacedEvent({ namespace: EVENT_NAMESPACE, body }, o), { signal });
  } catch (err: unknown) {
    // The name is random: AlreadyExists means a retried create had gone through before its answer was lost.
    if (statusCode(err) !== 409) throw err;
  }
}
