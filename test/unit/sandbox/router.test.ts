// Unit tests for request routing: which discovery document, resource, subresource or error a URL path names.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { route } from '../../../src/sandbox/api/router.ts';
import type { Route } from '../../../src/sandbox/api/router.ts';
import { ResourceRegistry } from '../../../src/sandbox/resources.ts';

const registry = new ResourceRegistry();

/** A resource route flattened to what it names, for comparison. */
function target(path: string): { type: string; key: string; namespace?: string; name?: string; subresource?: string; watch: boolean } {
  const r: Route = route(path, registry);
  assert.equal(r.kind, 'resource', `${path} routes to a resource, got ${JSON.stringify(r)}`);
  if (r.kind !== 'resource') throw new Error('unreachable');
  const t = r.target;
  const out: { type: string; key: string; namespace?: string; name?: string; subresource?: string; watch: boolean } = {
    type: `${t.type.group}/${t.type.version}/${t.type.resource}`,
    key: t.key,
    watch: r.watchPath,
  };
  if (t.namespace !== undefined) out.namespace = t.namespace;
  if (t.name !== undefined) out.name = t.name;
  if (t.subresource !== undefined) out.subresource = t.subresource;
  return out;
}

test('/api and /apis are the discovery roots, with or without a trailing slash', () => {
  assert.deepEqual(route('/api', registry), { kind: 'discovery', doc: 'api' });
  assert.deepEqual(route('/api/', registry), { kind: 'discovery', doc: 'api' });
  assert.deepEqual(route('/apis', registry), { kind: 'discovery', doc: 'apis' });
});

test('a group version is its resource list', () => {
  assert.deepEqual(route('/api/v1', registry), { kind: 'discovery', doc: 'resources', group: '', version: 'v1' });
  assert.deepEqual(route('/apis/apps/v1', registry), { kind: 'discovery', doc: 'resources', group: 'apps', version: 'v1' });
});

test('a group without a version is the group document', () => {
  assert.deepEqual(route('/apis/apps', registry), { kind: 'discovery', doc: 'group', group: 'apps' });
});

test('/api/v1/namespaces lists namespaces', () => {
  assert.deepEqual(target('/api/v1/namespaces'), { type: '/v1/namespaces', key: 'namespaces', watch: false });
});

test('/api/v1/namespaces/shop is the namespace object, not a scope', () => {
  assert.deepEqual(target('/api/v1/namespaces/shop'), { type: '/v1/namespaces', key: 'namespaces', name: 'shop', watch: false });
});

test('/api/v1/namespaces/shop/status is the namespace status subresource', () => {
  assert.deepEqual(target('/api/v1/namespaces/shop/status'), { type: '/v1/namespaces', key: 'namespaces', name: 'shop', subresource: 'status', watch: false });
});

test('namespaced collections and objects', () => {
  assert.deepEqual(target('/api/v1/namespaces/shop/pods'), { type: '/v1/pods', key: 'pods', namespace: 'shop', watch: false });
  assert.deepEqual(target('/api/v1/namespaces/shop/pods/web-1'), { type: '/v1/pods', key: 'pods', namespace: 'shop', name: 'web-1', watch: false });
  assert.deepEqual(target('/api/v1/pods'), { type: '/v1/pods', key: 'pods', watch: false });
});

test('a pod eviction', () => {
  assert.deepEqual(target('/api/v1/namespaces/shop/pods/web-1/eviction'), {
    type: '/v1/pods', key: 'pods', namespace: 'shop', name: 'web-1', subresource: 'eviction', watch: false,
  });
});

test('a deployment scale', () => {
  assert.deepEqual(target('/apis/apps/v1/namespaces/shop/deployments/web/scale'), {
    type: 'apps/v1/deployments', key: 'deployments.apps', namespace: 'shop', name: 'web', subresource: 'scale', watch: false,
  });
});

test('cluster-scoped objects and their status', () => {
  assert.deepEqual(target('/api/v1/nodes/node-1/status'), { type: '/v1/nodes', key: 'nodes', name: 'node-1', subresource: 'status', watch: false });
});

test('the legacy /watch/ prefix marks a watch', () => {
  assert.deepEqual(target('/api/v1/watch/pods'), { type: '/v1/pods', key: 'pods', watch: true });
  assert.deepEqual(target('/api/v1/watch/namespaces/shop/pods'), { type: '/v1/pods', key: 'pods', namespace: 'shop', watch: true });
});

test('escaped path segments are decoded', () => {
  assert.equal(target('/api/v1/namespaces/shop/configmaps/a%3Ab').name, 'a:b');
});

test('a resource the registry does not serve is unknown, with what was asked for', () => {
  assert.deepEqual(route('/api/v1/widgets', registry), { kind: 'unknown-resource', group: '', version: 'v1', resource: 'widgets' });
  assert.deepEqual(route('/apis/example.com/v1/namespaces/x/widgets', registry), { kind: 'unknown-resource', group: 'example.com', version: 'v1', resource: 'widgets' });
});

test('a custom resource added to the registry is routed', () => {
  const withCrd = new ResourceRegistry();
  withCrd.add({ group: 'example.com', version: 'v1', resource: 'widgets', singular: 'widget', kind: 'Widget', namespaced: true, custom: true });
  const r = route('/apis/example.com/v1/namespaces/x/widgets/w', withCrd);
  assert.equal(r.kind, 'resource');
  if (r.kind === 'resource') assert.deepEqual([r.target.key, r.target.namespace, r.target.name], ['widgets.example.com', 'x', 'w']);
});

test('unknown subresources, namespaced cluster-scoped types and over-long paths are not found', () => {
  assert.deepEqual(route('/api/v1/namespaces/shop/pods/web-1/exec-me', registry), { kind: 'not-found' });
  assert.deepEqual(route('/api/v1/namespaces/shop/nodes/node-1', registry), { kind: 'not-found' });
  assert.deepEqual(route('/api/v1/namespaces/shop/pods/a/b/c', registry), { kind: 'not-found' });
  assert.deepEqual(route('/apps/v1', registry), { kind: 'not-found' });
});

test('/openapi/v3 is the OpenAPI index, and its group-version paths are documents', () => {
  assert.deepEqual(route('/openapi/v3', registry), { kind: 'openapi' });
  assert.deepEqual(route('/openapi/v3/api/v1', registry), { kind: 'openapi', group: '', version: 'v1' });
  assert.deepEqual(route('/openapi/v3/apis/apps/v1', registry), { kind: 'openapi', group: 'apps', version: 'v1' });
  assert.deepEqual(route('/openapi/v3/apis/apps', registry), { kind: 'not-found' });
});

test('health, version, metrics and sandbox endpoints', () => {
  for (const p of ['/healthz', '/livez', '/readyz']) assert.deepEqual(route(p, registry), { kind: 'discovery', doc: 'health' });
  assert.deepEqual(route('/version', registry), { kind: 'discovery', doc: 'version' });
  assert.deepEqual(route('/metrics', registry), { kind: 'metrics' });
  assert.deepEqual(route('/sandbox/faults/', registry), { kind: 'sandbox', path: '/sandbox/faults' });
});
