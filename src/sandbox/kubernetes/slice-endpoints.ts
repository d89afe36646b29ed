// The ready endpoints of one region's Services on the kubernetes engine, from the real EndpointSlices
// (discovery.k8s.io/v1) the endpointslice controller writes, followed through the region's API server:
// what the region's HTTP ingress answers from (round-robin) and what the traffic balancer counts.
import type { IngressEndpoint, ServiceRef } from '../ingress-endpoints.ts';
import type { ApiTarget } from './api-create.ts';
import { follow } from './api-request.ts';

export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';
const SLICES_PATH = '/apis/discovery.k8s.io/v1/endpointslices';

export interface EndpointSlice {
  readonly metadata: { readonly name: string; readonly namespace?: string; readonly labels?: Record<string, string> };
  readonly endpoints?: readonly {
    readonly conditions?: { readonly ready?: boolean | null };
    readonly nodeName?: string;
    readonly targetRef?: { readonly kind?: string; readonly name?: string; readonly namespace?: string };
  }[];
}

interface SliceEntry {
  readonly service: string;
  /** `<namespace>/<pod>` and node of each ready endpoint. */
  readonly ready: readonly { pod: string; node: string }[];
}

export interface SliceEndpointsOptions {
  readonly region: string;
  /** Read-only use of an identity allowed to list and watch EndpointSlices. */
  readonly target: ApiTarget;
  /** The Services that take traffic in this region (those with `service:` in the fleet file). */
  readonly services: readonly ServiceRef[];
  readonly log?: (line: string) => void;
}

export class SliceEndpoints {
  private readonly region: string;
  private readonly wanted: ReadonlySet<string>;
  private readonly slices = new Map<string, SliceEntry>();
  private readonly abort = new AbortController();
  private readonly loop: Promise<void>;
  private list: readonly IngressEndpoint[] = [];
  private counts = new Map<string, number>();
  private cursor = 0;
  private stale = true;
  private synced = false;
  private readonly syncWaiters: (() => void)[] = [];

  constructor(o: SliceEndpointsOptions) {
    this.region = o.region;
    this.wanted = new Set(o.services.map((s) => `${s.namespace}/${s.name}`));
    const log = o.log ?? (() => {});
    this.loop = follow<EndpointSlice>({
      target: o.target,
      path: SLICES_PATH,
      listed: (items) => {
        this.slices.clear();
        for (const s of items) this.seen(s, false);
        this.stale = true;
        this.synced = true;
        this.syncWaiters.splice(0).forEach((f) => f());
      },
      event: (s, deleted) => this.seen(s, deleted),
      signal: this.abort.signal,
      log: (line) => log(`ingress ${o.region}: ${line}`),
    });
  }

  /** Resolves once the slices have been listed a first time. */
  whenSynced(): Promise<void> {
    return this.synced ? Promise.resolve() : new Promise((resolve) => this.syncWaiters.push(resolve));
  }

  /** The next ready endpoint, round-robin; undefined when the region's Services have none. */
  next(): IngressEndpoint | undefined {
    this.refresh();
    if (this.list.length === 0) return undefined;
    if (this.cursor >= this.list.length) this.cursor = 0;
    return this.list[this.cursor++];
  }

  /** Ready endpoints of the region's Services, as the ingress sees them now. */
  size(): number {
    this.refresh();
    return this.list.length;
  }

  /** Ready endpoints of one Service. */
  readyEndpoints(namespace: string, name: string): number {
    this.refresh();
    return this.counts.get(`${namespace}/${name}`) ?? 0;
  }

  async close(): Promise<void> {
    this.abort.abort();
    await this.loop;
  }

  private seen(slice: EndpointSlice, deleted: boolean): void {
    const namespace = slice.metadata.namespace ?? 'default';
    const service = `${namespace}/${slice.metadata.labels?.[SERVICE_NAME_LABEL] ?? ''}`;
    if (!this.wanted.has(service)) return;
    const key = `${namespace}/${slice.metadata.name}`;
    this.stale = true;
    if (deleted) return void this.slices.delete(key);
    // A nil `ready` means unknown, which consumers take as ready (the API's documented meaning).
    const ready = (slice.endpoints ?? [])
      .filter((e) => e.conditions?.ready !== false && e.targetRef?.kind === 'Pod' && e.targetRef.name)
      .map((e) => ({ pod: `${e.targetRef?.namespace ?? namespace}/${e.targetRef?.name ?? ''}`, node: e.nodeName ?? '' }));
    this.slices.set(key, { service, ready });
  }

  private refresh(): void {
    if (!this.stale) return;
    this.stale = false;
    const counts = new Map<string, number>();
    const byPod = new Map<string, IngressEndpoint>();
    for (const s of this.slices.values()) {
      counts.set(s.service, (counts.get(s.service) ?? 0) + s.ready.length);
      // Two Services may select the same pod; it is one endpoint to the ingress.
      for (const { pod, node } of s.ready) if (!byPod.has(pod)) byPod.set(pod, { pod, node, body: Buffer.from(JSON.stringify({ region: this.region, pod, node })) });
    }
    this.counts = counts;
    this.list = [...byPod.values()].sort((a, b) => (a.pod < b.pod ? -1 : a.pod > b.pod ? 1 : 0));
  }
}
