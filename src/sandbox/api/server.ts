// The HTTPS API server of one sandbox region: bearer-token authentication, discovery, the REST verbs,
// watches, and the sandbox's own endpoints (referee, status, faults, metrics), with the fleet file's API faults.
import { createServer } from 'node:https';
import { parse as parseYaml } from 'yaml';
import type { Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { timingSafeEqual } from 'node:crypto';
import type { ApiFault } from '../faults.ts';
import type { KObject } from '../k8s-types.ts';
import type { SandboxFleet } from '../fleet.ts';
import type { SandboxIngress } from '../ingress.ts';
import type { Region } from '../region.ts';
import type { SandboxTls } from '../tls.ts';
import { coreVersions, group, groupList, resourceList, versionInfo } from './discovery.ts';
import { queryBool } from './request.ts';
import type { ApiReply, ApiRequest } from './request.ts';
import { openApiGroupVersion, openApiRoot } from './openapi.ts';
import { allowed, forbidden, selfSubjectAccessReview, ServiceAccountTokens, tokenRequest, verbOf } from './rbac.ts';
import type { Identity } from './rbac.ts';
import { RestHandler } from './rest.ts';
import { route } from './router.ts';
import type { Route } from './router.ts';
import { SandboxEndpoints } from './sandbox-endpoints.ts';
import * as S from './status.ts';
import { ApiError } from './status.ts';
import { serveWatch } from './watch.ts';

export interface RegionServerOptions {
  readonly fleet: SandboxFleet;
  readonly region: Region;
  readonly tls: SandboxTls;
  readonly token: string;
  readonly port: number;
  readonly fault: ApiFault;
  /** The fleet's HTTP ingress: its faults are set here, its counters shown in /metrics and the status. */
  readonly ingress: SandboxIngress;
  /** Randomness for fault injection; Math.random unless a test fixes it. */
  readonly random?: () => number;
}

export interface RegionServer {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

/** SelfSubjectAccessReviews are answered, not stored. */
const SSAR = 'selfsubjectaccessreviews.authorization.k8s.io';

/** Bodies larger than this are refused: a sandbox object is never this big. */
const MAX_BODY = 8 * 1024 * 1024;

export async function startRegionServer(o: RegionServerOptions): Promise<RegionServer> {
  const rest = new RestHandler(o.region);
  const sandbox = new SandboxEndpoints(o.fleet, o.region, o.ingress);
  const expected = Buffer.from(`Bearer ${o.token}`);
  const tokens = new ServiceAccountTokens();
  const server: Server = createServer({ key: o.tls.keyPem, cert: o.tls.certPem }, (req, res) => {
    handle(req, res).catch((e: unknown) => reply(res, errorReply(e)));
  });
  let address = '';

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const identity = authenticate(req.headers.authorization ?? '');
    if (!identity) return reply(res, errorReply(S.unauthorized()));
    const url = new URL(req.url ?? '/', 'https://sandbox');
    const r = route(url.pathname, o.region.resources);
    const watch = r.kind === 'resource' && req.method === 'GET' && (r.watchPath || isWatch(url.searchParams));
    const review = r.kind === 'resource' && r.target.key === SSAR;
    if (r.kind === 'resource' && !identity.admin && !review) {
      const verb = verbOf(req.method ?? 'GET', r.target, watch);
      if (!allowed(o.region.store, identity.account, verb, r.target)) return reply(res, errorReply(forbidden(identity.account, verb, r.target)));
    } else if (r.kind === 'sandbox' && !identity.admin) {
      return reply(res, errorReply(S.unauthorized()));
    }
    if (r.kind === 'resource' && o.fault.latencyMs > 0) await delay(o.fault.latencyMs);
    if (r.kind === 'resource' && o.fault.errorRate > 0 && (o.random ?? Math.random)() < o.fault.errorRate) {
      return reply(res, errorReply(S.internalError('injected fault: the API server failed this request (faults.api.errorRate)')));
    }
    const body = await readBody(req, /apply-patch\+yaml/i.test(req.headers['content-type'] ?? ''));
    const api: ApiRequest = { method: req.method ?? 'GET', query: url.searchParams, accept: req.headers.accept, contentType: req.headers['content-type'], body };
    if (watch && r.kind === 'resource') {
      serveWatch({ region: o.region, rest, target: r.target, req: api, res });
      return;
    }
    if (r.kind === 'sandbox') return reply(res, sandbox.handle(r.path, api));
    if (r.kind === 'metrics') return replyText(res, o.fleet.metrics(o.region) + o.ingress.metricsText(o.region.name));
    if (r.kind === 'openapi') return reply(res, openApi(r, o.region));
    if (review) {
      if (api.method !== 'POST') return reply(res, errorReply(S.methodNotAllowed()));
      const find = (group: string, resource: string) => o.region.resources.all().find((t) => t.group === group && t.resource === resource);
      return reply(res, { status: 201, body: selfSubjectAccessReview(identity, api.body, find, o.region.store) });
    }
    reply(res, dispatch(r, api));
  }

  function dispatch(r: Route, req: ApiRequest): ApiReply {
    switch (r.kind) {
      case 'discovery':
        return discovery(r, o.region, address);
      case 'resource': {
        const t = r.target;
        if (t.subresource === 'token') return issueToken(t, req);
        if (req.method === 'GET') return t.name ? rest.get(t, req) : rest.list(t, req);
        if (req.method === 'POST' && (!t.name || t.subresource === 'eviction')) return rest.create(t, req);
        if (req.method === 'PUT' && t.name) return rest.update(t, req);
        if (req.method === 'PATCH' && t.name) return rest.patch(t, req);
        if (req.method === 'DELETE') return t.name ? rest.remove(t, req) : rest.deleteCollection(t, req);
        throw S.methodNotAllowed();
      }
      case 'unknown-resource':
        throw S.notFound({ group: r.group, resource: r.resource });
      default:
        throw new ApiError({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'the server could not find the requested resource', reason: 'NotFound', details: {}, code: 404 });
    }
  }

  function authenticate(header: string): Identity | undefined {
    const auth = Buffer.from(header);
    if (auth.length === expected.length && timingSafeEqual(auth, expected)) return { admin: true };
    // A JWT's expiry is wall-clock time, whatever the simulation's speed.
    const account = header.startsWith('Bearer ') ? tokens.lookup(header.slice('Bearer '.length), Date.now()) : undefined;
    return account ? { admin: false, account } : undefined;
  }

  /** TokenRequest (`POST .../serviceaccounts/NAME/token`): a token for the account, 201. */
  function issueToken(t: Extract<Route, { kind: 'resource' }>['target'], req: ApiRequest): ApiReply {
    if (req.method !== 'POST') throw S.methodNotAllowed();
    const sa = rest.get({ ...t, subresource: undefined }, { ...req, accept: 'application/json' }).body as KObject;
    const spec = isRecord(req.body) && isRecord(req.body.spec) ? req.body.spec : {};
    const expirationSeconds = typeof spec.expirationSeconds === 'number' ? spec.expirationSeconds : 3600;
    const now = Date.now();
    const token = tokens.issue({ namespace: sa.metadata.namespace ?? '', name: sa.metadata.name, expiresMs: now + expirationSeconds * 1000 });
    return { status: 201, body: tokenRequest(sa, req.body, token, now, expirationSeconds) };
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  address = `127.0.0.1:${port}`;
  return {
    url: `https://${address}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function discovery(r: Extract<Route, { kind: 'discovery' }>, region: Region, address: string): ApiReply {
  switch (r.doc) {
    case 'health':
      return { status: 200, body: 'ok' };
    case 'version':
      return { status: 200, body: versionInfo(region.kubernetesVersion) };
    case 'api':
      return { status: 200, body: coreVersions(address) };
    case 'apis':
      return { status: 200, body: groupList(region.resources) };
    case 'group': {
      const g = group(region.resources, r.group ?? '');
      if (!g) throw S.notFound({ group: '', resource: 'groups', name: r.group });
      return { status: 200, body: g };
    }
    case 'resources': {
      const list = resourceList(region.resources, r.group ?? '', r.version ?? '');
      if (!list) throw S.notFound({ group: r.group ?? '', resource: 'versions', name: r.version });
      return { status: 200, body: list };
    }
  }
}

function openApi(r: Extract<Route, { kind: 'openapi' }>, region: Region): ApiReply {
  if (r.version === undefined) return { status: 200, body: openApiRoot(region.resources) };
  const doc = openApiGroupVersion(region.resources, r.group ?? '', r.version);
  if (!doc) throw S.notFound({ group: '', resource: 'openapi', name: `${r.group}/${r.version}` });
  return { status: 200, body: doc };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isWatch(q: URLSearchParams): boolean {
  return queryBool(q, 'watch');
}

/** The request's body: JSON, or YAML for a server-side apply (which may send either). */
async function readBody(req: IncomingMessage, yaml = false): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new ApiError({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'the request body is too large', reason: 'RequestEntityTooLarge', code: 413 });
    chunks.push(chunk as Buffer);
  }
  if (size === 0) return undefined;
  const text = Buffer.concat(chunks).toString('utf8');
  try {
    return yaml ? parseYaml(text) : JSON.parse(text);
  } catch {
    throw S.badRequest(`the request body is not valid JSON: ${text.slice(0, 80)}`);
  }
}

function errorReply(e: unknown): ApiReply {
  if (e instanceof ApiError) return { status: e.code, body: e.status };
  const message = e instanceof Error ? e.message : String(e);
  return { status: 500, body: S.internalError(message).status };
}

function reply(res: ServerResponse, r: ApiReply): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  const text = typeof r.body === 'string' ? r.body : JSON.stringify(r.body);
  res.writeHead(r.status, { 'Content-Type': typeof r.body === 'string' ? 'text/plain; charset=utf-8' : 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

function replyText(res: ServerResponse, text: string): void {
  res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
