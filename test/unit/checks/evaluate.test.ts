// Unit tests for evaluateGate itself: display names, failing closed on anything thrown, and the
// caller's abort passing through untouched.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluateGate, gateName } from '../../../src/checks/evaluate.ts';
import { context, fakeCluster, gate } from './fakes.ts';

test('display names say what each gate looks at', () => {
  assert.equal(gateName(gate({ type: 'kube', check: 'workloads-available' })), 'kube workloads-available');
  assert.equal(gateName(gate({ type: 'http', url: 'http://127.0.0.1:8080/healthz' })), 'http http://127.0.0.1:8080/healthz');
  assert.equal(gateName(gate({ type: 'prometheus', url: 'http://127.0.0.1:9090', query: 'up', min: 1 })), 'prometheus up');
  assert.equal(gateName(gate({ type: 'command', run: './smoke.sh' })), 'command ./smoke.sh');
});

test('a check that throws something that is not an Error still fails closed with a reason', async () => {
  const cluster = fakeCluster({ workloads: { list: async () => Promise.reject('the API server said no') } });
  const r = await evaluateGate(gate({ type: 'kube', check: 'workloads-available' }), context({ cluster }));
  assert.equal(r.passed, false);
  assert.equal(r.type, 'kube');
  assert.equal(r.message, 'could not be evaluated, so it counts as failed: could not list the workloads of eu-central: the API server said no');
});

test('an already aborted signal rejects with an AbortError before anything is asked', async () => {
  let asked = false;
  const cluster = fakeCluster({ nodes: { list: async () => { asked = true; return []; } } });
  await assert.rejects(evaluateGate(gate({ type: 'kube', check: 'nodes-ready' }), context({ cluster, signal: AbortSignal.abort() })), { name: 'AbortError' });
  assert.equal(asked, false);
});

test('an abort while the check runs is not turned into a failed result', async () => {
  const controller = new AbortController();
  const cluster = fakeCluster({
    nodes: { list: async () => {
      controller.abort();
      throw new Error('watch closed');
    } },
  });
  await assert.rejects(evaluateGate(gate({ type: 'kube', check: 'nodes-ready' }), context({ cluster, signal: controller.signal })), { name: 'AbortError' });
});

test('an empty cluster does not pass nodes-ready', async () => {
  const r = await evaluateGate(gate({ type: 'kube', check: 'nodes-ready' }), context({ cluster: fakeCluster({ nodes: { list: async () => [] } }) }));
  assert.equal(r.passed, false);
  assert.equal(r.message, 'the cluster lists no nodes');
});
