// The kubernetes engine's referee rules, each decision alone: which audit events are evictions or kills,
// when a budget is breached, when a node is unavailable, which pods die with their node.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Node, Pod, PodDisruptionBudget } from '../../../../src/sandbox/k8s-types.ts';
import type { AuditEvent } from '../../../../src/sandbox/kubernetes/referee-rules.ts';
import { isUnavailable, judgeAuditEvent, judgeBudget, killedByNodeDown } from '../../../../src/sandbox/kubernetes/referee-rules.ts';

const ids = () => ({ users: new Set(['kwok', 'system:kube-controller-manager', 'system:kube-scheduler']) });
const event = (o: { verb: string; user?: string; code: number; subresource?: string; stage?: string; uri?: string }): AuditEvent => ({
  stage: o.stage ?? 'ResponseComplete',
  verb: o.verb,
  user: { username: o.user ?? 'daylight-admin' },
  objectRef: { resource: 'pods', subresource: o.subresource, namespace: 'shop', name: 'web-1' },
  responseStatus: { code: o.code },
  requestURI: o.uri ?? '/api/v1/namespaces/shop/pods/web-1',
});

test('an eviction answered 201 is accepted, 429 refused by a budget, anything else neither', () => {
  assert.deepEqual(judgeAuditEvent(event({ verb: 'create', subresource: 'eviction', code: 201 }), ids(), new Set()), { kind: 'eviction-accepted', pod: 'shop/web-1' });
  assert.deepEqual(judgeAuditEvent(event({ verb: 'create', subresource: 'eviction', code: 429 }), ids(), new Set()), { kind: 'eviction-refused', pod: 'shop/web-1' });
  assert.equal(judgeAuditEvent(event({ verb: 'create', subresource: 'eviction', code: 500 }), ids(), new Set()).kind, 'ignored');
  assert.equal(judgeAuditEvent(event({ verb: 'create', subresource: 'eviction', code: 201, stage: 'ResponseStarted' }), ids(), new Set()).kind, 'ignored');
});

test('a client deleting a pod kills it; the cluster\'s own identities, dry runs, failed deletes and evicted pods do not', () => {
  assert.deepEqual(judgeAuditEvent(event({ verb: 'delete', code: 200 }), ids(), new Set()), { kind: 'kill', pod: 'shop/web-1', how: 'deleted by daylight-admin instead of evicted' });
  assert.equal(judgeAuditEvent(event({ verb: 'delete', code: 200, user: 'system:serviceaccount:shop:deployer' }), ids(), new Set()).kind, 'kill');
  for (const user of ['kwok', 'system:kube-controller-manager', 'system:serviceaccount:kube-system:generic-garbage-collector', 'system:serviceaccount:kube-system:node-controller', 'system:node:node-a1']) {
    assert.equal(judgeAuditEvent(event({ verb: 'delete', code: 200, user }), ids(), new Set()).kind, 'ignored', user);
  }
  assert.equal(judgeAuditEvent(event({ verb: 'delete', code: 200, uri: '/api/v1/namespaces/shop/pods/web-1?dryRun=All' }), ids(), new Set()).kind, 'ignored');
  assert.equal(judgeAuditEvent(event({ verb: 'delete', code: 404 }), ids(), new Set()).kind, 'ignored');
  assert.equal(judgeAuditEvent(event({ verb: 'delete', code: 200 }), ids(), new Set(['shop/web-1'])).kind, 'ignored');
});

const pdb = (currentHealthy: number, desiredHealthy: number, expectedPods = 4) => ({ status: { currentHealthy, desiredHealthy, expectedPods } }) as unknown as PodDisruptionBudget;

test('a budget breaches once per fall from whole, never while its pods first start', () => {
  let whole: boolean | undefined;
  const breaches: boolean[] = [];
  for (const [current, desired] of [[0, 3], [2, 3], [4, 3], [3, 3], [2, 3], [1, 3], [3, 3], [2, 3]] as const) {
    const r = judgeBudget(whole, pdb(current, desired));
    whole = r.whole;
    breaches.push(r.breach);
  }
  assert.deepEqual(breaches, [false, false, false, false, true, false, false, true]);
});

test('a budget over no pods yet (0 of 0) is not whole, so its pods starting breach nothing', () => {
  const first = judgeBudget(undefined, pdb(0, 0, 0));
  assert.equal(first.whole, undefined);
  assert.equal(judgeBudget(first.whole, pdb(0, 3)).breach, false);
});

test('a node is unavailable when cordoned or not Ready', () => {
  const node = (unschedulable: boolean, ready: string) => ({ spec: { unschedulable }, status: { conditions: [{ type: 'Ready', status: ready }] } }) as unknown as Node;
  assert.equal(isUnavailable(node(false, 'True')), false);
  assert.equal(isUnavailable(node(true, 'True')), true);
  assert.equal(isUnavailable(node(false, 'Unknown')), true);
});

test('a running pod marked by its stopped kubelet dies unevicted, unless it is a DaemonSet\'s or already terminating', () => {
  const pod = (kind: string, extra: Record<string, unknown> = {}) => ({ metadata: { name: 'p', annotations: { stopped: 'a1' }, ownerReferences: [{ kind }], ...extra }, spec: {}, status: { phase: 'Running' } }) as unknown as Pod;
  assert.equal(killedByNodeDown(pod('ReplicaSet'), 'stopped'), true);
  assert.equal(killedByNodeDown(pod('DaemonSet'), 'stopped'), false);
  assert.equal(killedByNodeDown(pod('ReplicaSet', { deletionTimestamp: '2026-01-01T00:00:00Z' }), 'stopped'), false);
  assert.equal(killedByNodeDown(pod('ReplicaSet', { annotations: {} }), 'stopped'), false);
});
