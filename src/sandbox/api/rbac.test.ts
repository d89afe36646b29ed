// Tests for the sandbox's RBAC: which bound rules allow a ServiceAccount a request, and the 403 it gets.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ResourceRegistry, resourceKey } from '../resources.ts';
import { ObjectStore } from '../store.ts';
import { allowed, forbidden } from './rbac.ts';
import type { ApiTarget } from './request.ts';

const registry = new ResourceRegistry();
const target = (group: string, resource: string, o: { namespace?: string; name?: string; subresource?: string } = {}): ApiTarget => {
  const type = registry.find(group, 'v1', resource);
  assert.ok(type, resource);
  return { type, key: resourceKey(type), ...o };
};
const account = { namespace: 'ns', name: 'sa', expiresMs: Infinity };
const meta = (name: string, namespace?: string) => ({ name, ...(namespace ? { namespace } : {}), uid: name, resourceVersion: '', creationTimestamp: '' });

function storeWith(rules: unknown[], binding: 'RoleBinding' | 'ClusterRoleBinding', subject: Record<string, string>): ObjectStore {
  const s = new ObjectStore();
  const rbac = 'rbac.authorization.k8s.io';
  if (binding === 'RoleBinding') {
    s.create(`roles.${rbac}`, { apiVersion: `${rbac}/v1`, kind: 'Role', metadata: meta('r', 'ns'), rules } as never);
    s.create(`rolebindings.${rbac}`, { apiVersion: `${rbac}/v1`, kind: 'RoleBinding', metadata: meta('b', 'ns'), roleRef: { kind: 'Role', name: 'r' }, subjects: [subject] } as never);
  } else {
    s.create(`clusterroles.${rbac}`, { apiVersion: `${rbac}/v1`, kind: 'ClusterRole', metadata: meta('r'), rules } as never);
    s.create(`clusterrolebindings.${rbac}`, { apiVersion: `${rbac}/v1`, kind: 'ClusterRoleBinding', metadata: meta('b'), roleRef: { kind: 'ClusterRole', name: 'r' }, subjects: [subject] } as never);
  }
  return s;
}

test('a Role bound to the account allows its verbs on its resources in its namespace only', () => {
  const s = storeWith([{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] }], 'RoleBinding', { kind: 'ServiceAccount', name: 'sa', namespace: 'ns' });
  assert.equal(allowed(s, account, 'get', target('', 'pods', { namespace: 'ns', name: 'p' })), true);
  assert.equal(allowed(s, account, 'get', target('', 'pods', { namespace: 'other', name: 'p' })), false);
  assert.equal(allowed(s, account, 'delete', target('', 'pods', { namespace: 'ns', name: 'p' })), false);
  // A subresource needs its own rule
  assert.equal(allowed(s, account, 'create', target('', 'pods', { namespace: 'ns', name: 'p', subresource: 'eviction' })), false);
});

test('a ClusterRole bound to a group of the account allows everywhere; resourceNames limit it to named objects', () => {
  const s = storeWith([{ apiGroups: ['*'], resources: ['pods/eviction', 'nodes'], verbs: ['*'], resourceNames: ['n1', 'p'] }], 'ClusterRoleBinding', { kind: 'Group', name: 'system:serviceaccounts:ns' });
  assert.equal(allowed(s, account, 'create', target('', 'pods', { namespace: 'any', name: 'p', subresource: 'eviction' })), true);
  assert.equal(allowed(s, account, 'patch', target('', 'nodes', { name: 'n1' })), true);
  assert.equal(allowed(s, account, 'list', target('', 'nodes')), false);
});

test("a 403 names the user, the verb, the resource with its subresource, and the request's scope", () => {
  assert.equal(forbidden(account, 'create', target('', 'pods', { namespace: 'ns', name: 'p', subresource: 'eviction' })).status.message, 'pods "p" is forbidden: User "system:serviceaccount:ns:sa" cannot create resource "pods/eviction" in API group "" in the namespace "ns"');
  const e = forbidden(account, 'list', target('policy', 'poddisruptionbudgets'));
  assert.equal(e.status.message, 'poddisruptionbudgets.policy is forbidden: User "system:serviceaccount:ns:sa" cannot list resource "poddisruptionbudgets" in API group "policy" at the cluster scope');
  assert.deepEqual([e.code, e.status.reason, e.status.details], [403, 'Forbidden', { group: 'policy', kind: 'poddisruptionbudgets' }]);
});
