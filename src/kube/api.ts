// The HTTP side of the adapter: client-node API clients over one kubeconfig context, sharing one
// connection pool, counting every request, carrying the caller's AbortSignal, retrying transient failures.
import {
  AppsV1Api,
  CoordinationV1Api,
  CoreV1Api,
  createConfiguration,
  HttpMethod,
  IsomorphicFetchHttpLibrary,
  PolicyV1Api,
  RequestContext,
  ServerConfiguration,
  VersionApi,
  Watch,
} from '@kubernetes/client-node';
import { KubeConfig } from '@kubernetes/client-node';
import type { ConfigurationOptions, HttpLibrary, Observable, ResponseContext, SecurityAuthentication } from '@kubernetes/client-node';
import { Agent } from 'undici';
import { abortError } from '../lib/clock.ts';
import { isAbortError } from '../lib/errors.ts';
import type { RequestObserver } from '../lib/request-tally.ts';
import { describeApiError } from './api-error.ts';
import { messageWithCauses, retrying } from './retry.ts';
import type { RetryOptions } from './retry.ts';

const USER_AGENT = 'daylight';
/** Connections to one API server at most, besides watches. */
const CONNECTIONS = 64;

type Dispatcher = NonNullable<ReturnType<RequestContext['getDispatcher']>>;
type DispatcherFactory = (cluster: Parameters<KubeConfig['createDispatcherOptions']>[0], agentOptions: Parameters<KubeConfig['createDispatcherOptions']>[1]) => Dispatcher | undefined;

/** One watch event as client-node hands it over: the type and the raw JSON object. */
export type WatchHandler = (type: string, object: unknown) => void;

/**
 * How long watches last. The server closes each at its `timeoutSeconds` (client-go's reflector asks for
 * 5 to 10 minutes, at random so that watches do not all end together) and the watch resumes from where it
 * was. A real API server sends a bookmark about every minute to an idle watch that asked for them, so the
 * idle timer (client-node's is 30 s, which cut every idle watch) waits well beyond that before it takes a
 * silent connection for dead.
 */
export interface WatchTiming {
  /** The `timeoutSeconds` of one watch. */
  readonly timeoutSeconds: () => number;
  /** Silence after which a watch connection is given up (and resumed). */
  readonly idleMs: number;
}

export const WATCH_TIMING: WatchTiming = { timeoutSeconds: () => 300 + Math.floor(Math.random() * 300), idleMs: 150_000 };

export class KubeApi {
  readonly kubeConfig: KubeConfig;
  readonly server: string;
  readonly core: CoreV1Api;
  readonly apps: AppsV1Api;
  readonly policy: PolicyV1Api;
  readonly coordination: CoordinationV1Api;
  readonly version: VersionApi;
  private readonly watcher: Watch;
  private readonly watchTiming: WatchTiming;
  private readonly http = new IsomorphicFetchHttpLibrary();
  private dispatcher: Dispatcher | undefined;
  private readonly onRequest: RequestObserver | undefined;

  constructor(kubeConfig: KubeConfig, o: { watch?: WatchTiming; onRequest?: RequestObserver } = {}) {
    const cluster = kubeConfig.getCurrentCluster();
    if (!cluster) throw new Error(`the kubeconfig context "${kubeConfig.getCurrentContext()}" names no cluster`);
    this.kubeConfig = kubeConfig;
    this.onRequest = o.onRequest;
    this.server = cluster.server.replace(/\/+$/, '');
    const httpApi: HttpLibrary = { send: (ctx) => this.send(ctx, {}) };
    const config = createConfiguration({ baseServer: new ServerConfiguration(this.server, {}), authMethods: { default: this.auth() }, httpApi });
    this.core = new CoreV1Api(config);
    this.apps = new AppsV1Api(config);
    this.policy = new PolicyV1Api(config);
    this.coordination = new CoordinationV1Api(config);
    this.version = new VersionApi(config);
    // Watches hold their connection for as long as they last: they get their own, outside the pool.
    const forWatches = new KubeConfig();
    forWatches.loadFromString(kubeConfig.exportConfig());
    forWatches.setCurrentContext(kubeConfig.getCurrentContext());
    this.watcher = new Watch(forWatches);
    this.watchTiming = o.watch ?? WATCH_TIMING;
    // client-node's timer (a private field, 30 s): the connect timeout, then the longest silence on an open
    // watch. Should a release rename it, fail here rather than cut idle watches again.
    const timer = this.watcher as unknown as { requestTimeoutMs?: number };
    if (typeof timer.requestTimeoutMs !== 'number') throw new Error('@kubernetes/client-node Watch has no requestTimeoutMs: its idle timer cannot be set; check the library version');
    timer.requestTimeoutMs = this.watchTiming.idleMs;
    this.pool(kubeConfig);
  }

  /**
   * One bounded connection pool for all requests but watches. client-node builds a new undici agent for
   * every request; a burst of a thousand evictions then opens a thousand TLS connections at once, and
   * the handshakes, not the API server, set the pace. Reused connections, at most CONNECTIONS of them,
   * keep a burst to the server's own speed.
   */
  private pool(kc: KubeConfig): void {
    const config = kc as unknown as { createDispatcher: DispatcherFactory };
    const own = config.createDispatcher.bind(kc);
    config.createDispatcher = (cluster, agentOptions) => {
      if (this.dispatcher) return this.dispatcher;
      const opts = kc.createDispatcherOptions(cluster, agentOptions);
      this.dispatcher = opts.type === 'agent' ? new Agent({ connect: opts.connect, connections: CONNECTIONS }) : own(cluster, agentOptions);
      return this.dispatcher;
    };
  }

  /** Tells the observer given at construction (benchmarks, tests) of one request, watches and raw ones included. */
  private count(method: string, url: string): void {
    this.onRequest?.(`${method} ${requestKind(url)}`);
  }

  /**
   * Runs one API call, retrying transient failures; `what` names the call in errors ("cordon node a").
   * An API error answer is thrown as a KubeApiError, an abort as an AbortError.
   */
  async call<T>(what: string, fn: (options: ConfigurationOptions) => Promise<T>, o: RetryOptions & { contentType?: string } = {}): Promise<T> {
    const options = this.options(o.signal, o.contentType);
    try {
      return await retrying(() => fn(options), o);
    } catch (e: unknown) {
      if (o.signal?.aborted || isAbortError(e)) throw isAbortError(e) ? e : abortError();
      const described = describeApiError(what, e);
      if (described !== e) throw described;
      throw new Error(`${what}: ${messageWithCauses(e)}`, { cause: e });
    }
  }

  /** Per-call options: the caller's signal on the request and, for patches, the content type. */
  options(signal?: AbortSignal, contentType?: string): ConfigurationOptions {
    return { httpApi: { send: (ctx) => this.send(ctx, { signal, contentType }) } };
  }

  /** Every request of the generated clients passes here: counted, with the signal and headers set. */
  private send(ctx: RequestContext, o: { signal?: AbortSignal; contentType?: string }): Observable<ResponseContext> {
    this.count(ctx.getHttpMethod(), ctx.getUrl());
    ctx.setHeaderParam('User-Agent', USER_AGENT);
    if (o.contentType) ctx.setHeaderParam('Content-Type', o.contentType);
    if (o.signal) ctx.setSignal(o.signal);
    return this.http.send(ctx);
  }

  /** A GET outside the generated clients (sandbox endpoints), with the same authentication and TLS. */
  rawGet(path: string, signal?: AbortSignal): Promise<{ status: number; body: string }> {
    return this.raw('GET', path, undefined, signal);
  }

  /** A request outside the generated clients with a JSON body, with the same authentication and TLS. */
  async raw(method: 'GET' | 'PUT' | 'POST' | 'PATCH' | 'DELETE', path: string, body: unknown, signal?: AbortSignal): Promise<{ status: number; body: string }> {
    const ctx = new RequestContext(`${this.server}${path}`, HttpMethod[method]);
    ctx.setHeaderParam('Accept', 'application/json');
    if (body !== undefined) {
      ctx.setHeaderParam('Content-Type', method === 'PATCH' ? 'application/merge-patch+json' : 'application/json');
      ctx.setBody(JSON.stringify(body));
    }
    await this.auth().applySecurityAuthentication(ctx);
    const res = await this.send(ctx, { signal }).toPromise();
    return { status: res.httpStatusCode, body: await res.body.text() };
  }

  /** Starts a watch; resolves once connected with the controller that stops it. */
  watch(path: string, query: Record<string, string | boolean | number | undefined>, onEvent: WatchHandler, onDone: (err: unknown) => void): Promise<AbortController> {
    this.count('WATCH', path);
    const q = { timeoutSeconds: this.watchTiming.timeoutSeconds(), ...query };
    return this.watcher.watch(path, q, (type: string, object: unknown) => onEvent(type, object), (err: unknown) => onDone(err));
  }

  /** Closes the shared connection pool. */
  async close(): Promise<void> {
    const d = this.dispatcher;
    this.dispatcher = undefined;
    await d?.close();
  }

  /** The kubeconfig's authentication, on the pool (see `pool`). */
  private auth(): SecurityAuthentication {
    return {
      getName: () => 'daylight kubeconfig',
      applySecurityAuthentication: async (ctx: RequestContext) => {
        await this.kubeConfig.applySecurityAuthentication(ctx);
        if (this.dispatcher) ctx.setDispatcher(this.dispatcher);
      },
    };
  }
}

/** The resource of a request path, names elided: `/api/v1/namespaces/a/pods/b/eviction` is `pods/eviction`. */
export function requestKind(url: string): string {
  const path = url.replace(/^[a-z]+:\/\/[^/]+/, '').split('?')[0] ?? '';
  const parts = path.split('/').filter(Boolean);
  if (parts[0] !== 'api' && parts[0] !== 'apis') return path;
  let rest = parts.slice(parts[0] === 'api' ? 2 : 3);
  if (rest[0] === 'namespaces' && rest.length > 2) rest = rest.slice(2);
  return rest.length >= 3 ? `${rest[0]}/${rest[2]}` : (rest[0] ?? path);
}
