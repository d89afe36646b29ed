// The ready endpoints a region's HTTP ingress picks from, round-robin: the Ready pods behind the region's
// Services (the same pods the EndpointSlices and the global load balancer count), kept as a cached list
// so a request never scans pods; the list is rebuilt after a pod change, at most every `refreshMs`.
import type { Pod } from './k8s-types.ts';
import type { Region } from './region.ts';

export interface IngressEndpoint {
  /** `<namespace>/<name>` of the pod. */
  readonly pod: string;
  readonly node: string;
  /** The answer's body, encoded once per list rather than once per request. */
  readonly body: Buffer;
}

export interface ServiceRef {
  readonly namespace: string;
  readonly name: string;
}

export interface ReadyEndpointsOptions {
  readonly region: Region;
  /** The Services that take traffic in this region (those with `service:` in the fleet file). */
  readonly services: readonly ServiceRef[];
  /** Least real time between two rebuilds of the list. */
  readonly refreshMs?: number;
  /** Real time in milliseconds; performance.now unless a test fixes it. */
  readonly now?: () => number;
}

export class ReadyEndpoints {
  private readonly region: Region;
  private readonly services: readonly ServiceRef[];
  private readonly namespaces: ReadonlySet<string>;
  private readonly refreshMs: number;
  private readonly now: () => number;
  private readonly unsubscribe: () => void;
  private list: readonly IngressEndpoint[] = [];
  private cursor = 0;
  private stale = true;
  private builtAt = Number.NEGATIVE_INFINITY;

  constructor(o: ReadyEndpointsOptions) {
    this.region = o.region;
    this.services = o.services;
    this.namespaces = new Set(o.services.map((s) => s.namespace));
    this.refreshMs = o.refreshMs ?? 50;
    this.now = o.now ?? (() => performance.now());
    this.unsubscribe = o.region.store.subscribe((change) => {
      if (!this.stale && (change.resource === 'pods' || change.resource === 'services') && this.namespaces.has(change.object.metadata.namespace ?? '')) this.stale = true;
    });
  }

  /** The next ready endpoint, round-robin; undefined when the region has none. */
  next(): IngressEndpoint | undefined {
    this.refresh();
    if (this.list.length === 0) return undefined;
    if (this.cursor >= this.list.length) this.cursor = 0;
    return this.list[this.cursor++];
  }

  /** How many ready endpoints the region has, as the ingress sees them now. */
  size(): number {
    this.refresh();
    return this.list.length;
  }

  close(): void {
    this.unsubscribe();
  }

  private refresh(): void {
    const now = this.now();
    if (!this.stale || now - this.builtAt < this.refreshMs) return;
    this.stale = false;
    this.builtAt = now;
    const pods = this.services.flatMap((s) => this.region.endpoints.readyPods(s.namespace, s.name));
    const seen = new Set<string>();
    const list: IngressEndpoint[] = [];
    for (const p of pods.sort(byKey)) {
      const pod = `${p.metadata.namespace ?? 'default'}/${p.metadata.name}`;
      // Two Services may select the same pod; it is one endpoint to the ingress.
      if (seen.has(pod)) continue;
      seen.add(pod);
      const node = p.spec.nodeName ?? '';
      list.push({ pod, node, body: Buffer.from(JSON.stringify({ region: this.region.name, pod, node })) });
    }
    this.list = list;
  }
}

function byKey(a: Pod, b: Pod): number {
  const ka = `${a.metadata.namespace ?? ''}/${a.metadata.name}`;
  const kb = `${b.metadata.namespace ?? ''}/${b.metadata.name}`;
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}
