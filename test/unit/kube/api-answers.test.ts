// How the adapter reads a real API server's refusals, over a fake server that answers as kube-apiserver
// does: a 403 from RBAC is a missing permission named by verb, resource and identity, and is never retried;
// a 403 or 429 from a disruption budget stays a budget's refusal; a 429 from flow control (Retry-After, no
// budget cause) is throttling, whose Retry-After a retried call waits for.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { denialText, PermissionDenied } from '../../../src/kube/api-error.ts';
import { cordon } from '../../../src/kube/cordon.ts';
import { evict } from '../../../src/kube/eviction.ts';
import { readNode } from '../../../src/kube/reads.ts';
import { fakeApi, json, status } from './fake-api.ts';
import type { FakeApi } from './fake-api.ts';

const POD = { namespace: 'shop', name: 'web-1', uid: 'u-1' };
const SA = 'system:serviceaccount:ops:daylight';
const open: FakeApi[] = [];
after(async () => {
  for (const f of open) await f.close();
});

async function serve(handle: Parameters<typeof fakeApi>[0]): Promise<FakeApi> {
  const f = await fakeApi(handle);
  open.push(f);
  return f;
}

const evictions = (f: FakeApi) => f.seen.filter((s) => s.method === 'POST' && s.url.endsWith('/eviction')).length;

test('an eviction refused by RBAC is forbidden at once, naming the verb, the resource with its subresource and the identity', async () => {
  // Given an API server whose RBAC lets the service account do anything but create pods/eviction
  const message = `pods "web-1" is forbidden: User "${SA}" cannot create resource "pods/eviction" in API group "" in the namespace "shop"`;
  const f = await serve((_req, res) => json(res, 403, status(403, 'Forbidden', message, { name: 'web-1', kind: 'pods' })));
  // When Daylight evicts a pod
  const answer = await evict(f.api, POD, undefined);
  // Then the answer is forbidden, with who lacked what, where
  assert.deepEqual(answer, { kind: 'forbidden', denial: { user: SA, verb: 'create', resource: 'pods/eviction', namespace: 'shop', message } });
  // And it was asked once: no retry cures a missing permission
  assert.equal(evictions(f), 1);
});

test('a 403 from a disruption budget (its allowed disruptions negative) is the budget\'s refusal, not a missing permission', async () => {
  // Given the eviction's 403 that kube-apiserver gives for a budget whose disruptionsAllowed is negative
  const f = await serve((_req, res) =>
    json(res, 403, status(403, 'Forbidden', 'poddisruptionbudgets.policy "web" is forbidden: pdb disruptions allowed is negative', { name: 'web', group: 'policy', kind: 'poddisruptionbudgets', causes: [{ reason: 'DisruptionBudget', message: 'The disruption budget web does not allow evicting pods currently: pdb disruptions allowed is negative' }] })),
  );
  // When Daylight evicts a pod, then it is blocked by the budget
  const answer = await evict(f.api, POD, undefined);
  assert.equal(answer.kind, 'blocked');
});

test('a 429 from flow control (Retry-After, no DisruptionBudget cause) is throttling with its Retry-After; a budget\'s 429 stays blocked', async () => {
  // Given an API server whose priority and fairness turns the eviction away
  const apf = await serve((_req, res) => json(res, 429, status(429, 'TooManyRequests', 'Too many requests, please try again later.', { retryAfterSeconds: 3 }), { 'Retry-After': '3' }));
  // When Daylight evicts a pod
  const throttled = await evict(apf.api, POD, undefined);
  // Then the answer is throttling with the server's Retry-After, asked once: the drain waits, within its deadline
  assert.deepEqual(throttled, { kind: 'throttled', retryAfterSeconds: 3, message: 'Too many requests, please try again later.' });
  assert.equal(evictions(apf), 1);
  // Given a budget that refuses, and one the server is still processing (Retry-After 10, with the budget cause)
  const refuse = await serve((_req, res) => json(res, 429, status(429, 'TooManyRequests', "Cannot evict pod as it would violate the pod's disruption budget.", { causes: [{ reason: 'DisruptionBudget', message: 'The disruption budget web needs 2 healthy pods and has 2 currently' }] })));
  const processing = await serve((_req, res) =>
    json(res, 429, status(429, 'TooManyRequests', "Cannot evict pod as it would violate the pod's disruption budget.", { retryAfterSeconds: 10, causes: [{ reason: 'DisruptionBudget', message: 'The disruption budget web is still being processed by the server.' }] }), { 'Retry-After': '10' }),
  );
  // Then both are the budget's refusals
  assert.deepEqual(await evict(refuse.api, POD, undefined), { kind: 'blocked', message: "Cannot evict pod as it would violate the pod's disruption budget. The disruption budget web needs 2 healthy pods and has 2 currently" });
  assert.equal((await evict(processing.api, POD, undefined)).kind, 'blocked');
});

test('a call throttled with Retry-After is tried again only after the seconds the server asked for', async () => {
  // Given an API server that throttles the first read of a node with Retry-After: 1, then answers
  let calls = 0;
  const f = await serve((_req, res) => {
    calls++;
    if (calls === 1) return json(res, 429, status(429, 'TooManyRequests', 'Too many requests, please try again later.', { retryAfterSeconds: 1 }), { 'Retry-After': '1' });
    json(res, 200, { apiVersion: 'v1', kind: 'Node', metadata: { name: 'a', resourceVersion: '7' } });
  });
  // When Daylight reads the node
  const node = await readNode(f.api, 'a');
  // Then it got it, on the second try, a second or more after the first (the backoff alone is 50-100 ms)
  assert.equal(node?.metadata?.name, 'a');
  assert.equal(f.seen.length, 2);
  const [first, second] = f.seen;
  assert.ok(first && second && second.at - first.at >= 950, `tried again after ${second && first ? second.at - first.at : '?'} ms`);
});

test('a cordon refused by RBAC throws PermissionDenied naming "patch nodes" at the cluster scope, after one try', async () => {
  // Given an API server that lets the identity read nodes but not patch them
  const message = `nodes "a" is forbidden: User "${SA}" cannot patch resource "nodes" in API group "" at the cluster scope`;
  const f = await serve((req, res) => {
    if (req.method === 'GET') return json(res, 200, { apiVersion: 'v1', kind: 'Node', metadata: { name: 'a', resourceVersion: '7' }, spec: {} });
    json(res, 403, status(403, 'Forbidden', message, { name: 'a', kind: 'nodes' }));
  });
  // When Daylight cordons the node
  const e = await cordon(f.api, 'a', 'run-1').then(() => undefined, (err: unknown) => err);
  // Then it fails with the denial: verb patch, resource nodes, the identity, no namespace
  assert.ok(e instanceof PermissionDenied, String(e));
  assert.deepEqual(e.denial, { user: SA, verb: 'patch', resource: 'nodes', message });
  assert.equal(e.what, 'cordon node a');
  // And the patch was sent once
  assert.equal(f.seen.filter((s) => s.method === 'PATCH').length, 1);
});

test('a 403 in other words than RBAC\'s (an admission webhook\'s policy) is still refused at once, in the server\'s own words', async () => {
  // Given an admission webhook that denies every node patch with a 403
  const message = 'admission webhook "nodes.policy.example" denied the request: nodes are frozen this week';
  const f = await serve((req, res) => {
    if (req.method === 'GET') return json(res, 200, { apiVersion: 'v1', kind: 'Node', metadata: { name: 'a', resourceVersion: '7' }, spec: {} });
    json(res, 403, status(403, 'Forbidden', message));
  });
  // When Daylight cordons the node
  const e = await cordon(f.api, 'a', 'run-1').then(() => undefined, (err: unknown) => err);
  // Then the refusal keeps the server's message and claims no identity it was not told
  assert.ok(e instanceof PermissionDenied, String(e));
  assert.deepEqual(e.denial, { verb: '', resource: '', user: '', message });
  assert.equal(denialText(e.denial), `"${message}"`);
});

test('an eviction in a namespace being deleted is its own answer, not a missing permission, and is asked once', async () => {
  // Given an API server that answers as kube-apiserver does in a terminating namespace: 403 with cause NamespaceTerminating
  const message = 'pods "web-1" is forbidden: unable to create new content in namespace shop because it is being terminated';
  const f = await serve((_req, res) => json(res, 403, status(403, 'Forbidden', message, { name: 'web-1', kind: 'pods', causes: [{ reason: 'NamespaceTerminating', message: 'namespace shop is being terminated', field: 'metadata.namespace' }] })));
  // When Daylight evicts a pod there, then the answer says so, and names no identity
  assert.deepEqual(await evict(f.api, POD, undefined), { kind: 'namespace-terminating', message });
  assert.equal(evictions(f), 1);
});
