// Tests for the sandbox's discovery: the verbs each resource lists are the ones a client may use, as
// kube-apiserver lists them, so a client that lists every listable resource (`daylight upgrade plan`'s
// scan) skips a review or a token request instead of getting 405.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ResourceRegistry } from '../resources.ts';
import { resourceList } from './discovery.ts';

type Entry = { name: string; verbs: string[] };
const entries = (group: string, version: string): Entry[] => {
  const list = resourceList(new ResourceRegistry(), group, version) as { resources: Entry[] } | undefined;
  assert.ok(list, `${group}/${version} is served`);
  return list.resources;
};
const verbsOf = (group: string, version: string, name: string) => entries(group, version).find((e) => e.name === name)?.verbs;

test('a SelfSubjectAccessReview and a ServiceAccount token are only created, never listed, as kube-apiserver lists them', () => {
  assert.deepEqual(verbsOf('authorization.k8s.io', 'v1', 'selfsubjectaccessreviews'), ['create']);
  assert.deepEqual(verbsOf('', 'v1', 'serviceaccounts/token'), ['create']);
});

test('ordinary resources keep every verb, list and watch included', () => {
  const pods = verbsOf('', 'v1', 'pods') ?? [];
  for (const v of ['get', 'list', 'watch', 'create', 'delete', 'patch', 'update']) assert.ok(pods.includes(v), v);
  assert.deepEqual(verbsOf('', 'v1', 'pods/eviction'), ['create']);
});
