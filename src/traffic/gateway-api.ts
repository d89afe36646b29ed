// The `gateway-api` traffic adapter: the weights of one HTTPRoute rule's backendRefs, one backendRef per
// region, in a chosen cluster. Weight 0 is the drain (Gateway API has no drain verb). A change counts as
// applied once every Gateway implementation that reports on the route has accepted its new generation;
// the weights from before Daylight's first change are kept in an annotation on the route.
import type { DrainOptions, DrainResult, RegionTraffic, TrafficPort, TrafficSnapshot } from './types.ts';
import { TrafficError } from './types.ts';

export type KubeCall = (method: 'GET' | 'PUT', path: string, body?: unknown, signal?: AbortSignal) => Promise<{ status: number; body: string }>;

export interface GatewayApiTrafficOptions {
  readonly namespace: string;
  readonly route: string;
  /** Index of the rule in spec.rules whose backendRefs are the regions. */
  readonly rule: number;
  /** Region (plan cluster name) -> backendRef name. */
  readonly servers: Readonly<Record<string, string>>;
  readonly call: KubeCall;
  /** Real ms a change may take to be accepted by the implementations. Default 30 s. */
  readonly verifyTimeoutMs?: number;
  readonly pollMs?: number;
}

interface BackendRef {
  name: string;
  weight?: number;
  [k: string]: unknown;
}

interface Condition {
  type: string;
  status: string;
  observedGeneration?: number;
  message?: string;
}

interface HttpRoute {
  metadata: { resourceVersion?: string; generation?: number; annotations?: Record<string, string> };
  spec: { rules?: { backendRefs?: BackendRef[] }[] };
  status?: { parents?: { parentRef?: { name?: string }; conditions?: Condition[] }[] };
}

export const INITIAL_WEIGHTS_ANNOTATION = 'daylight.dev/initial-weights';
const CONFLICT_RETRIES = 5;

export class GatewayApiTraffic implements TrafficPort {
  readonly provider = 'gateway-api';
  readonly regions: readonly string[];
  private readonly o: GatewayApiTrafficOptions;

  constructor(o: GatewayApiTrafficOptions) {
    this.o = o;
    this.regions = Object.keys(o.servers);
  }

  private get path(): string {
    return `/apis/gateway.networking.k8s.io/v1/namespaces/${encodeURIComponent(this.o.namespace)}/httproutes/${encodeURIComponent(this.o.route)}`;
  }

  private get where(): string {
    return `HTTPRoute ${this.o.namespace}/${this.o.route} rule ${this.o.rule}`;
  }

  async snapshot(signal?: AbortSignal): Promise<TrafficSnapshot> {
    const route = await this.read(signal);
    const initial = initialWeights(route);
    const health = acceptance(route);
    const regions: Record<string, RegionTraffic> = {};
    for (const r of this.regions) {
      const weight = this.ref(route, r).weight ?? 1;
      regions[r] = { weight, initialWeight: initial[r] ?? weight, state: weight > 0 ? 'ready' : 'drain', health };
    }
    return { at: Date.now(), regions };
  }

  async drain(region: string, o: DrainOptions): Promise<DrainResult> {
    const started = performance.now();
    await this.update((route) => {
      const others = this.regions.filter((r) => r !== region && (this.ref(route, r).weight ?? 1) > 0);
      if (others.length === 0) throw new TrafficError(`will not drain ${region}: it is the last backend with weight above 0 in ${this.where}`);
      this.ref(route, region).weight = 0;
    }, o.signal);
    const ms = performance.now() - started;
    // Gateway API exposes no session counts: the implementation drains existing connections on its own.
    return { newTrafficStoppedMs: ms, sessionsGoneMs: ms, sessionsShut: 0 };
  }

  async setShare(region: string, percent: number, signal?: AbortSignal): Promise<void> {
    await this.update((route) => {
      const initial = initialWeights(route)[region] ?? 1;
      // A share above 0 never rounds to no traffic at all.
      this.ref(route, region).weight = percent > 0 ? Math.max(1, Math.round((initial * percent) / 100)) : 0;
    }, signal);
  }

  async cut(region: string, signal?: AbortSignal): Promise<void> {
    await this.update((route) => {
      this.ref(route, region).weight = 0;
    }, signal);
  }

  async putBack(region: string, before: RegionTraffic, signal?: AbortSignal): Promise<void> {
    await this.update((route) => {
      this.ref(route, region).weight = before.weight;
    }, signal);
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  private ref(route: HttpRoute, region: string): BackendRef {
    const name = this.o.servers[region];
    const refs = route.spec.rules?.[this.o.rule]?.backendRefs;
    if (!refs) throw new TrafficError(`${this.where} does not exist or has no backendRefs`);
    const ref = refs.find((b) => b.name === name);
    if (!ref) throw new TrafficError(`${this.where} has no backendRef "${name}" for region ${region}; it has ${refs.map((b) => b.name).join(', ')}`);
    return ref;
  }

  /** Read, change, write with the resourceVersion (retried on conflicts), then wait for acceptance. */
  private async update(change: (route: HttpRoute) => void, signal?: AbortSignal): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      const route = await this.read(signal);
      const annotations = (route.metadata.annotations ??= {});
      if (!annotations[INITIAL_WEIGHTS_ANNOTATION]) annotations[INITIAL_WEIGHTS_ANNOTATION] = JSON.stringify(Object.fromEntries(this.regions.map((r) => [r, this.ref(route, r).weight ?? 1])));
      change(route);
      const res = await this.o.call('PUT', this.path, route, signal);
      if (res.status === 409 && attempt < CONFLICT_RETRIES) continue;
      if (res.status !== 200) throw new TrafficError(`updating ${this.where} failed: ${res.status} ${res.body.slice(0, 300)}`);
      const written = JSON.parse(res.body) as HttpRoute;
      await this.accepted(written.metadata.generation ?? 0, signal);
      return;
    }
  }

  /** Every implementation reporting on the route accepted this generation; none reporting is not proof. */
  private async accepted(generation: number, signal?: AbortSignal): Promise<void> {
    const deadline = performance.now() + (this.o.verifyTimeoutMs ?? 30_000);
    let seen: string;
    for (;;) {
      const route = await this.read(signal);
      const parents = route.status?.parents ?? [];
      const conditions = parents.map((p) => p.conditions?.find((c) => c.type === 'Accepted'));
      if (parents.length > 0 && conditions.every((c) => c?.status === 'True' && (c.observedGeneration ?? 0) >= generation)) return;
      seen = parents.length === 0 ? 'no Gateway reports on the route (status.parents is empty)' : conditions.map((c, i) => `${parents[i]?.parentRef?.name ?? '?'}: Accepted=${c?.status ?? '?'} at generation ${c?.observedGeneration ?? '?'}`).join(', ');
      if (performance.now() >= deadline) break;
      await new Promise((r) => setTimeout(r, this.o.pollMs ?? 200));
    }
    throw new TrafficError(`${this.where}: generation ${generation} was not accepted within ${this.o.verifyTimeoutMs ?? 30_000} ms (${seen}); check the Gateway controller`);
  }

  private async read(signal?: AbortSignal): Promise<HttpRoute> {
    const res = await this.o.call('GET', this.path, undefined, signal);
    if (res.status === 404) throw new TrafficError(`${this.where} does not exist; check spec.traffic.gatewayApi`);
    if (res.status !== 200) throw new TrafficError(`reading ${this.where} failed: ${res.status} ${res.body.slice(0, 300)}`);
    return JSON.parse(res.body) as HttpRoute;
  }
}

function initialWeights(route: HttpRoute): Record<string, number> {
  const text = route.metadata.annotations?.[INITIAL_WEIGHTS_ANNOTATION];
  if (!text) return {};
  try {
    return JSON.parse(text) as Record<string, number>;
  } catch {
    return {};
  }
}

function acceptance(route: HttpRoute): string {
  const parents = route.status?.parents ?? [];
  if (parents.length === 0) return 'UNKNOWN';
  return parents.every((p) => p.conditions?.some((c) => c.type === 'Accepted' && c.status === 'True')) ? 'UP' : 'DOWN';
}
