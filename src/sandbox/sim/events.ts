// Kubernetes Events the simulation records for what a person would look for: reboots, readiness flips.
import type { KObject } from '../k8s-types.ts';
import type { SimContext } from './context.ts';
import { createObject, iso } from './objects.ts';

export interface EventSpec {
  readonly reason: string;
  readonly message: string;
  readonly type?: 'Normal' | 'Warning';
  readonly component: string;
}

export function recordEvent(ctx: SimContext, involved: KObject, e: EventSpec): void {
  const now = iso(ctx.clock.nowMs());
  const namespace = involved.metadata.namespace ?? 'default';
  createObject(ctx, 'events', {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name: `${involved.metadata.name}.${ctx.rng.suffix(16)}`, namespace },
    involvedObject: {
      apiVersion: involved.apiVersion,
      kind: involved.kind,
      name: involved.metadata.name,
      namespace: involved.metadata.namespace,
      uid: involved.metadata.uid,
    },
    reason: e.reason,
    message: e.message,
    type: e.type ?? 'Normal',
    source: { component: e.component },
    firstTimestamp: now,
    lastTimestamp: now,
    count: 1,
    reportingComponent: e.component,
  });
}
