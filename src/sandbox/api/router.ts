// Maps a request path to what it names: a discovery document, a sandbox endpoint, or a resource target.
import type { ResourceRegistry } from '../resources.ts';
import { resourceKey } from '../resources.ts';
import type { ApiTarget } from './request.ts';

export type Route =
  | { readonly kind: 'discovery'; readonly doc: 'api' | 'apis' | 'version' | 'group' | 'resources' | 'health'; readonly group?: string; readonly version?: string }
  | { readonly kind: 'sandbox'; readonly path: string }
  | { readonly kind: 'metrics' }
  | { readonly kind: 'openapi'; readonly group?: string; readonly version?: string }
  | { readonly kind: 'resource'; readonly target: ApiTarget; readonly watchPath: boolean }
  | { readonly kind: 'unknown-resource'; readonly group: string; readonly version: string; readonly resource: string }
  | { readonly kind: 'not-found' };

const HEALTH = new Set(['/healthz', '/livez', '/readyz']);
const NAMESPACE_SUBRESOURCES = new Set(['status', 'finalize']);

export function route(path: string, registry: ResourceRegistry): Route {
  const clean = path.length > 1 ? path.replace(/\/+$/, '') : path;
  if (HEALTH.has(clean)) return { kind: 'discovery', doc: 'health' };
  if (clean === '/version') return { kind: 'discovery', doc: 'version' };
  if (clean === '/metrics') return { kind: 'metrics' };
  if (clean === '/openapi/v3') return { kind: 'openapi' };
  if (clean.startsWith('/openapi/v3/')) return openApiRoute(clean.slice('/openapi/v3/'.length));
  if (clean.startsWith('/sandbox/')) return { kind: 'sandbox', path: clean };
  if (clean === '/api') return { kind: 'discovery', doc: 'api' };
  if (clean === '/apis') return { kind: 'discovery', doc: 'apis' };
  const segs = clean.split('/').slice(1).map(decodeURIComponent);
  let group: string;
  let version: string;
  let rest: string[];
  if (segs[0] === 'api' && segs[1]) {
    group = '';
    version = segs[1];
    rest = segs.slice(2);
  } else if (segs[0] === 'apis' && segs[1]) {
    if (!segs[2]) return { kind: 'discovery', doc: 'group', group: segs[1] };
    group = segs[1];
    version = segs[2];
    rest = segs.slice(3);
  } else {
    return { kind: 'not-found' };
  }
  if (rest.length === 0) return { kind: 'discovery', doc: 'resources', group, version };
  return resourceRoute(registry, group, version, rest);
}

function openApiRoute(rest: string): Route {
  const segs = rest.split('/');
  if (segs[0] === 'api' && segs.length === 2) return { kind: 'openapi', group: '', version: segs[1] };
  if (segs[0] === 'apis' && segs.length === 3) return { kind: 'openapi', group: segs[1], version: segs[2] };
  return { kind: 'not-found' };
}

function resourceRoute(registry: ResourceRegistry, group: string, version: string, segments: string[]): Route {
  let rest = segments;
  const watchPath = rest[0] === 'watch';
  if (watchPath) rest = rest.slice(1);
  let namespace: string | undefined;
  if (rest[0] === 'namespaces' && rest.length >= 3 && !(rest.length === 3 && NAMESPACE_SUBRESOURCES.has(rest[2] as string))) {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  const [resource, name, subresource] = rest as [string, string | undefined, string | undefined];
  if (rest.length > 3) return { kind: 'not-found' };
  const type = registry.find(group, version, resource);
  if (!type) return { kind: 'unknown-resource', group, version, resource };
  if (subresource && !type.subresources?.includes(subresource)) return { kind: 'not-found' };
  if (!type.namespaced && namespace) return { kind: 'not-found' };
  const target: ApiTarget = { type, key: resourceKey(type), namespace, name, subresource };
  return { kind: 'resource', target, watchPath };
}
