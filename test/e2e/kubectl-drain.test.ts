// End-to-end: the real `kubectl drain` against the sandbox, once through to "drained" with DaemonSet and
// emptyDir pods on the node, and once held up by a PodDisruptionBudget until its timeout, judged by kubectl's
// own output and by the referee; the same on both engines, one sandbox per engine for both tests.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { RefereeReport } from '../../src/sandbox/referee.ts';
import { ENGINES, START_TIMEOUT_MS, startEngineSandbox, waitMs } from '../support/engine-sandbox.ts';
import type { EngineSandbox } from '../support/engine-sandbox.ts';
import { smallFleet } from '../support/fleets.ts';
import type { SandboxClient } from '../support/sandbox.ts';
import { ok, podsOnNode, tableRows } from './helpers.ts';

/** A Deployment (budget minAvailable 3 of 4), a StatefulSet with emptyDir scratch space (budget maxUnavailable 1), a DaemonSet on every node. */
const WORKLOADS = [
  '{name: web, namespace: shop, kind: Deployment, replicas: 4, cpu: 500m, memory: 256Mi, pdb: {minAvailable: 3}, spread: zone, service: {rpsPerPod: 100}}',
  '{name: db, namespace: shop, kind: StatefulSet, replicas: 3, cpu: 250m, memory: 256Mi, emptyDir: true, spread: zone, pdb: {maxUnavailable: 1}}',
  '{name: agent, namespace: kube-system, kind: DaemonSet, cpu: 50m, memory: 64Mi}',
];

/** A Deployment of 2 replicas whose budget wants both available: no eviction is ever allowed. */
const TIGHT = `apiVersion: apps/v1
kind: Deployment
metadata: {name: tight, namespace: shop}
spec:
  replicas: 2
  selector: {matchLabels: {app: tight}}
  template:
    metadata: {labels: {app: tight}}
    spec:
      containers:
        - name: tight
          image: registry.example/tight:1.0.0
          resources: {requests: {cpu: 250m, memory: 128Mi}}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: tight, namespace: shop}
spec:
  minAvailable: 2
  selector: {matchLabels: {app: tight}}
`;

/** What the referee counted since `before`. */
function since(before: RefereeReport, now: RefereeReport) {
  return {
    accepted: now.evictions.accepted - before.evictions.accepted,
    rejectedByPdb: now.evictions.rejectedByPdb - before.evictions.rejectedByPdb,
    killed: now.podsKilledWithoutEviction - before.podsKilledWithoutEviction,
    breaches: now.pdbBreaches - before.pdbBreaches,
  };
}

/** The pods `kubectl drain` printed as evicted (gone after an accepted eviction). */
function evictedPods(stdout: string): string[] {
  return [...stdout.matchAll(/^pod\/(\S+) evicted$/gm)].map((m) => m[1] as string);
}

/** The node a pod runs on, as `kubectl get pod -o wide` shows it. */
async function nodeOf(s: SandboxClient, namespace: string, pod: string): Promise<string> {
  const node = tableRows(ok(await s.kubectl(['get', 'pod', pod, '-n', namespace, '-o', 'wide']), `get pod ${pod}`))[0]?.NODE;
  assert.ok(node, `pod ${namespace}/${pod} has a node`);
  return node;
}

async function readyColumn(s: SandboxClient, kind: string, namespace: string, name: string): Promise<string> {
  const r = await s.kubectl(['get', kind, name, '-n', namespace]);
  return r.code === 0 ? (tableRows(r.stdout)[0]?.READY ?? '') : '';
}

for (const engine of ENGINES) describe(`on the ${engine} engine`, () => {
  let s: EngineSandbox;
  const WAIT_MS = waitMs(engine);

  before(async () => {
    s = await startEngineSandbox(smallFleet({ workloads: WORKLOADS }), { engine });
    await s.until('every pod is Ready', () => s.settled(), WAIT_MS);
  }, { timeout: START_TIMEOUT_MS });

  after(async () => {
    await s?.stop();
  });

  test('kubectl drain evicts a node\'s pods, skips its DaemonSet pod and drops emptyDir data, without breaking a budget', async () => {
    // Given a Deployment (budget minAvailable 3 of 4), a StatefulSet with emptyDir scratch space (budget
    // maxUnavailable 1) and a DaemonSet on every node, all Ready
    const counted = await s.referee.report();
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
    // and the referee saw evictions only, one accepted for each pod kubectl says it evicted: nothing killed, no budget breached
    const report = since(counted, await s.referee.report());
    assert.equal(report.accepted, evictedPods(drained.stdout).length, `evictions ${JSON.stringify(report)}\n${drained.stdout}`);
    assert.equal(report.killed, 0);
    assert.equal(report.breaches, 0);
  });

  test('kubectl drain blocked by a PodDisruptionBudget retries until its timeout, exits non-zero and leaves the node cordoned', async () => {
    // Given a Deployment of 2 replicas whose budget wants both available, created by kubectl
    ok(await s.kubectl(['create', '-f', '-'], { input: TIGHT }), 'create tight');
    await s.until('tight is 2/2 and its budget counts both', async () => (await readyColumn(s, 'deployment', 'shop', 'tight')) === '2/2' && ok(await s.kubectl(['get', 'pdb', 'tight', '-n', 'shop', '-o', 'jsonpath={.status.currentHealthy}']), 'get pdb') === '2', WAIT_MS);
    const counted = await s.referee.report();
    const pod = tableRows(ok(await s.kubectl(['get', 'pods', '-n', 'shop', '-l', 'app=tight', '-o', 'wide']), 'get pods'))[0];
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
    // and the referee counted the refusals, and accepted evictions only of the node's other pods: at least those
    // kubectl saw gone, at most those it tried (one accepted just before the timeout may not have finished)
    const evicted = evictedPods(drained.stdout);
    const others = [...output.matchAll(/evicting pod shop\/(\S+)/g)].map((m) => m[1]).filter((n) => n !== pod.NAME);
    assert.ok(!evicted.includes(pod.NAME), evicted.join('\n'));
    const report = since(counted, await s.referee.report());
    assert.ok(report.rejectedByPdb >= 1, `evictions: ${JSON.stringify(report)}`);
    assert.ok(report.accepted >= evicted.length && report.accepted <= new Set(others).size, `evictions ${JSON.stringify(report)}\n${output}`);
    assert.equal(report.killed, 0);
    assert.equal(report.breaches, 0);
  });
});
