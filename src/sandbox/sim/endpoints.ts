// The EndpointSlice controller: one slice per Service with the addresses of its pods, ready only while a
// pod is Ready and not terminating; the traffic model reads the ready counts from here.
import type { EndpointSlice, Pod, Service } from '../k8s-types.ts';
import { compileMapSelector } from '../../lib/selectors.ts';
import type { Change } from '../store.ts';
import { objectKey } from '../store.ts';
import type { Controller, SimContext } from './context.ts';
import { createObject, isPodReady, ownerRef, sameJson } from './objects.ts';
import { isHealthy, SelectorIndex } from './selector-index.ts';
import { splitKey } from './workload-queue.ts';

const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';

export class EndpointsController implements Controller {
  readonly name = 'endpoints';
  private readonly ctx: SimContext;
  private readonly index: SelectorIndex;
  private readonly queue = new Set<string>();

  constructor(ctx: SimContext) {
    this.ctx = ctx;
    this.index = new SelectorIndex(ctx.store);
  }

  onChange(change: Change): void {
    if (change.resource === 'services') {
      const svc = change.object as Service;
      const key = objectKey(svc.metadata.namespace, svc.metadata.name);
      if (change.type === 'DELETED') {
        this.index.remove(key);
        return;
      }
      if (change.type === 'ADDED' || !sameJson((change.old as Service).spec.selector, svc.spec.selector)) {
        this.index.set(key, svc.metadata.namespace ?? 'default', compileMapSelector(svc.spec.selector));
      }
      this.queue.add(key);
    } else if (change.resource === 'pods') {
      for (const key of this.index.onPodChange(change)) this.queue.add(key);
    }
  }

  /** Ready endpoints of a Service now: its pods that are Ready and not terminating. */
  readyEndpoints(namespace: string, name: string): number {
    return this.index.healthy(objectKey(namespace, name));
  }

  /** The pods behind the ready endpoints of a Service now: the same pods `readyEndpoints` counts. */
  readyPods(namespace: string, name: string): Pod[] {
    return this.index.pods(objectKey(namespace, name)).filter(isHealthy);
  }

  reconcile(): boolean {
    if (this.queue.size === 0) return false;
    const keys = [...this.queue];
    this.queue.clear();
    for (const key of keys) this.sync(key);
    return true;
  }

  private sync(key: string): void {
    const [namespace, name] = splitKey(key);
    const svc = this.ctx.store.get('services', namespace, name) as Service | undefined;
    if (!svc || !svc.spec.selector) return;
    const pods = this.index.pods(key).filter((p) => p.status?.podIP && p.status.phase !== 'Succeeded' && p.status.phase !== 'Failed');
    pods.sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : 1));
    const endpoints = pods.map((p) => endpoint(p, this.zoneOf(p)));
    const ports = (svc.spec.ports ?? []).map((p) => ({ name: p.name ?? '', port: typeof p.targetPort === 'number' ? p.targetPort : p.port, protocol: p.protocol ?? 'TCP' }));
    this.write(svc, endpoints, ports);
  }

  private zoneOf(p: Pod): string | undefined {
    return this.ctx.store.get('nodes', undefined, p.spec.nodeName ?? '')?.metadata.labels?.['topology.kubernetes.io/zone'];
  }

  private write(svc: Service, endpoints: EndpointSlice['endpoints'], ports: EndpointSlice['ports']): void {
    const name = `${svc.metadata.name}-${stableSuffix(svc.metadata.uid)}`;
    const existing = this.ctx.store.get('endpointslices.discovery.k8s.io', svc.metadata.namespace, name) as EndpointSlice | undefined;
    if (!existing) {
      createObject<EndpointSlice>(this.ctx, 'endpointslices.discovery.k8s.io', {
        apiVersion: 'discovery.k8s.io/v1',
        kind: 'EndpointSlice',
        metadata: {
          name,
          namespace: svc.metadata.namespace,
          labels: { [SERVICE_NAME_LABEL]: svc.metadata.name, 'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io' },
          ownerReferences: [ownerRef(svc)],
          generation: 1,
        },
        addressType: 'IPv4',
        endpoints,
        ports,
      });
    } else {
      // Synced only when a selected pod changed; comparing thousands of endpoints costs more than a write.
      this.ctx.store.replace('endpointslices.discovery.k8s.io', { ...existing, endpoints, ports });
    }
  }
}

function endpoint(p: Pod, zone: string | undefined): EndpointSlice['endpoints'][number] {
  const terminating = !!p.metadata.deletionTimestamp;
  const serving = isPodReady(p);
  return {
    addresses: [p.status.podIP as string],
    conditions: { ready: serving && !terminating, serving, terminating },
    nodeName: p.spec.nodeName,
    ...(zone ? { zone } : {}),
    targetRef: { kind: 'Pod', namespace: p.metadata.namespace ?? 'default', name: p.metadata.name, uid: p.metadata.uid },
  };
}

function stableSuffix(uid: string): string {
  return uid.replace(/-/g, '').slice(0, 5);
}
