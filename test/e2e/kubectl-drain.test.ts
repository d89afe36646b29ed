// End-to-end: the real `kubectl drain` against the sandbox, once through to "drained" with DaemonSet and
// emptyDir pods on the node, and once held up by a PodDisruptionBudget until its timeout, judged by kubectl's
// own output and by the referee.
import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { smallFleet } from '../support/fleets.ts';
import { allPodsReady, startTestSandbox } from '../support/sandbox.ts';
import type { TestSandbox } from '../support/sandbox.ts';
import { ok, podsOnNode, referee, tableRows, WAIT_MS } from './helpers.ts';

let ts: TestSandbox | undefined;

afterEach(async () => {
  await ts?.stop();
  ts = undefined;
});

async function start(workloads: string[]): Promise<TestSandbox> {
  ts = await startTestSandbox(smallFleet({ workloads }));
  const s = ts;
  await s.until('every pod is Ready', () => allPodsReady(s.sandbox), WAIT_MS);
  return s;
}

/** The node a pod runs on, as `kubectl get pod -o wide` shows it. */
async function nodeOf(s: TestSandbox, namespace: string, pod: string): Promise<string> {
  const node = tableRows(ok(await s.kubectl(['get', 'pod', pod, '-n', namespace, '-o', 'wide']), `get pod ${pod}`))[0]?.NODE;
  assert.ok(node, `pod ${namespace}/${pod} has a node`);
  return node;
}

async function readyColumn(s: TestSandbox, kind: string, namespace: string, name: string): Promise<string> {
  const r = await s.kubectl(['get', kind, name, '-n', namespace]);
  return r.code === 0 ? (tableRows(r.stdout)[0]?.READY ?? '') : '';
}

test('kubectl drain evicts a node\'s pods, skips its DaemonSet pod and drops emptyDir data, without breaking a budget', async () => {
  // Given a Deployment (budget minAvailable 3 of 4), a StatefulSet with emptyDir scratch space (budget
  // maxUnavailable 1) and a DaemonSet on every node, all Ready
  const s = await start([
    '{name: web, namespace: shop, kind: Deployment, replicas: 4, cpu: 500m, memory: 256Mi, pdb: {minAvailable: 3}, spread: zone, service: {rpsPerPod: 100}}',
    '{name: db, namespace: shop, kind: StatefulSet, replicas: 3, cpu: 250m, memory: 256Mi, emptyDir: true, spread: zone, pdb: {maxUnavailable: 1}}',
    '{name: agent, namespace: kube-system, kind: DaemonSet, cpu: 50m, memory: 64Mi}',
  ]);
  const node = await nodeOf(s, 'shop', 'db-0');
  const before = await podsOnNode(s, node);
  assert.ok(before.some((p) => p.owner === 'DaemonSet'), `a DaemonSet pod on ${node}`);
  assert.ok(before.some((p) => p.name === 'shop/db-0'), `the emptyDir pod db-0 on ${node}`);

  // When drained without the flags, kubectl refuses and names both kinds of pod
  const refused = await s.kubectl(['drain', node, '--timeout=30s']);
  assert.notEqual(refused.code, 0);
  assert.match(refused.stderr, /cannot delete DaemonSet-managed Pods \(use --ignore-daemonsets to ignore\): kube-system\/agent-/);
  assert.match(refused.stderr, /cannot delete Pods with local storage \(use --delete-emptydir-data to override\): shop\/db-0/);

  // When drained with them
  const drained = await s.kubectl(['drain', node, '--ignore-daemonsets', '--delete-emptydir-data', '--timeout=60s'], { timeoutMs: 90_000 });

  // Then kubectl evicts, reports the node drained and exits 0
  assert.equal(drained.code, 0, `drain exited ${drained.code}\n${drained.stdout}\n${drained.stderr}`);
  assert.match(drained.stdout, /evicting pod shop\/db-0/);
  assert.match(drained.stdout, /pod\/db-0 evicted/);
  assert.match(drained.stdout, new RegExp(`node/${node} drained`));
  assert.match(drained.stderr, /Warning: ignoring DaemonSet-managed Pods: kube-system\/agent-/);
  // and only the DaemonSet pod is left on the node, which stays cordoned
  const leftovers = await podsOnNode(s, node);
  assert.deepEqual(leftovers.filter((p) => p.owner !== 'DaemonSet'), [], `nothing but DaemonSet pods on ${node}`);
  assert.equal(leftovers.length, 1);
  assert.equal(tableRows(ok(await s.kubectl(['get', 'node', node]), 'get node'))[0]?.STATUS, 'Ready,SchedulingDisabled');
  // and the workloads come back to full strength on other nodes
  await s.until('web is 4/4 and db is 3/3', async () => (await readyColumn(s, 'deployment', 'shop', 'web')) === '4/4' && (await readyColumn(s, 'statefulset', 'shop', 'db')) === '3/3', WAIT_MS);
  assert.notEqual(await nodeOf(s, 'shop', 'db-0'), node);
  // and the referee saw evictions only: nothing killed, no budget breached
  const report = await referee(s);
  assert.ok(report.evictions.accepted >= 1, `evictions accepted: ${JSON.stringify(report.evictions)}`);
  assert.equal(report.podsKilledWithoutEviction, 0);
  assert.equal(report.pdbBreaches, 0);
});

test('kubectl drain blocked by a PodDisruptionBudget retries until its timeout, exits non-zero and leaves the node cordoned', async () => {
  // Given a Deployment of 2 replicas whose budget wants both available
  const s = await start(['{name: tight, namespace: shop, kind: Deployment, replicas: 2, cpu: 250m, memory: 128Mi, pdb: {minAvailable: 2}}']);
  const pod = tableRows(ok(await s.kubectl(['get', 'pods', '-n', 'shop', '-o', 'wide']), 'get pods'))[0];
  assert.ok(pod?.NAME && pod.NODE, 'a tight pod with a node');
  const node = pod.NODE;

  // When its node is drained with a short timeout
  const drained = await s.kubectl(['drain', node, '--ignore-daemonsets', '--delete-emptydir-data', '--timeout=8s'], { timeoutMs: 60_000 });

  // Then kubectl says the eviction would violate the budget, gives up at the timeout and exits non-zero
  const output = drained.stdout + drained.stderr;
  assert.notEqual(drained.code, 0, output);
  assert.match(output, new RegExp(`evicting pod shop/${pod.NAME}`));
  assert.match(output, /Cannot evict pod as it would violate the pod's disruption budget/);
  assert.match(output, /global timeout reached: 8s/);
  assert.match(output, new RegExp(`unable to drain node "${node}"`));
  // and the node stays cordoned with the pod still running on it
  assert.equal(tableRows(ok(await s.kubectl(['get', 'node', node]), 'get node'))[0]?.STATUS, 'Ready,SchedulingDisabled');
  const still = tableRows(ok(await s.kubectl(['get', 'pod', pod.NAME, '-n', 'shop', '-o', 'wide']), 'get pod'))[0];
  assert.equal(still?.STATUS, 'Running');
  assert.equal(still?.NODE, node);
  // and the referee counted the refusals, and nothing broken
  const report = await referee(s);
  assert.ok(report.evictions.rejectedByPdb >= 1, `evictions: ${JSON.stringify(report.evictions)}`);
  assert.equal(report.evictions.accepted, 0);
  assert.equal(report.podsKilledWithoutEviction, 0);
  assert.equal(report.pdbBreaches, 0);
});
