// One node's drain under each `drain.onTimeout` policy (fail, skip, quarantine, force), over an in-memory
// cluster whose disruption budget refuses every eviction until a fake clock passes the drain's timeout:
// what the node's outcome is, what the journal says, and what was done to the node and its pods. The
// clock never really waits, so each case takes milliseconds (the end-to-end ones take a minute).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RunEvent } from '../../../src/engine/events.ts';
import type { NodeContext } from '../../../src/engine/node-context.ts';
import { maintainNode, NodeFailure } from '../../../src/engine/node-pipeline.ts';
import { SharedReads } from '../../../src/engine/shared-reads.ts';
import type { Cluster } from '../../../src/engine/ports/cluster.ts';
import type { NodeView, PodView } from '../../../src/engine/ports/cluster-views.ts';
import { fakeCluster, noBudgets, nodePodsOver, nodeView, workloadView } from '../checks/fakes.ts';
import { barePod, daemonPod, pdb, phaseOf, plan, pod } from '../preflight/fixtures.ts';
import { manualClock, NOW } from './regional-fakes.ts';

const NODE = 'node-a1';
const TIMEOUT_MS = 120_000;
const DEADLINE = NOW + TIMEOUT_MS;

interface FakeNode {
  readonly ctx: NodeContext;
  /** The fake cluster, whose members a test may replace. */
  readonly cluster: Cluster;
  /** Replaces the node's pods (what the next reads and the watch see). */
  setPods(next: readonly PodView[]): void;
  readonly events: RunEvent[];
  /** What was asked of the cluster, in order: `cordon`, `evict shop/web-1`, `delete shop/web-1 grace 0`, `action reboot`, `uncordon`. */
  readonly calls: string[];
  /** The cluster time of each eviction asked for. */
  readonly evictedAt: number[];
  pods(): PodView[];
  node(): NodeView;
  types(): string[];
}

/**
 * A node with two pods of Deployment shop/web, guarded by a budget that keeps both (no disruption allowed
 * until `opensAt` of cluster time), and a node-exporter DaemonSet pod. The agent action reboots the node at
 * once: a new boot id and a new DaemonSet pod, Ready since then.
 */
function fakeNode(drain: Record<string, unknown>, opensAt = DEADLINE + 1, extra: readonly PodView[] = []): FakeNode {
  const clock = manualClock();
  const events: RunEvent[] = [];
  const calls: string[] = [];
  const evictedAt: number[] = [];
  let pods: PodView[] = [pod('web-1', NODE), pod('web-2', NODE), daemonPod('node-exporter-x1', NODE, 'node-exporter'), ...extra];
  let node = nodeView(NODE);
  const open = () => clock.now() >= opensAt;
  const present = (uid: string) => pods.some((p) => p.uid === uid);
  const remove = (uid: string) => (pods = pods.filter((p) => p.uid !== uid));
  const cluster = fakeCluster({
    nodes: {
      cordon: async (_n, runId) => {
        calls.push('cordon');
        node = { ...node, unschedulable: true, cordonedBy: runId };
        return { changed: true };
      },
      uncordon: async () => {
        calls.push('uncordon');
        node = { ...node, unschedulable: false, cordonedBy: undefined };
        return true;
      },
      get: async () => node,
      requestAction: async (_n, a) => {
        calls.push(`action ${a.operation}`);
        node = { ...node, bootId: 'boot-2' };
        pods = pods.map((p) => (p.controller?.kind === 'DaemonSet' ? { ...p, uid: `${p.uid}-2`, lastAlive: clock.now() } : p));
      },
      waitFor: async (_n, done, timeoutMs) => {
        if (done(node)) return node;
        await clock.sleep(timeoutMs);
        return undefined;
      },
    },
    events: { onNode: async () => undefined },
    pods: {
      onNode: async () => [...pods],
      // Pods that are still there stay there: a wait that does not hold lasts its whole timeout of cluster time.
      watchNode: async () => nodePodsOver(() => pods, clock),
      evict: async (p) => {
        calls.push(`evict ${p.namespace}/${p.name}`);
        evictedAt.push(clock.now());
        if (!present(p.uid)) return { kind: 'gone' };
        if (!open()) return { kind: 'blocked', message: "Cannot evict pod as it would violate the pod's disruption budget." };
        remove(p.uid);
        return { kind: 'evicted' };
      },
      delete: async (p, grace) => {
        calls.push(`delete ${p.namespace}/${p.name} grace ${grace}`);
        remove(p.uid);
      },
      waitGone: async (_n, uids, timeoutMs) => {
        if (uids.some(present)) await clock.sleep(timeoutMs);
        return uids.filter(present);
      },
    },
    budgets: { list: async () => [pdb('web', 'web', { currentHealthy: 2, desiredHealthy: 2, expectedPods: 2, disruptionsAllowed: open() ? 1 : 0 })] },
    workloads: { list: async () => [workloadView('Deployment', 'web', 2)] },
  });
  const phase = phaseOf(plan({ phase: { drain: { timeout: '2m', ...drain }, action: { type: 'agent', operation: 'reboot' } } }));
  const ctx: NodeContext = { cluster, clusterName: 'eu-central', node: NODE, runId: 'run-1', phase, clock, record: async (e) => void events.push(e), signal: new AbortController().signal, reads: new SharedReads(cluster), budgets: noBudgets() };
  return { ctx, cluster, setPods: (next) => (pods = [...next]), events, calls, evictedAt, pods: () => pods, node: () => node, types: () => events.map((e) => e.type) };
}

function run(f: FakeNode): ReturnType<typeof maintainNode> {
  return maintainNode({ ctx: f.ctx, state: undefined, evictedWorkloads: [], exec: () => Promise.reject(new Error('an agent action runs no command')) });
}

const BLOCKERS = ['shop/web-1: PDB shop/web needs 2 healthy, has 2 (allows 0 disruptions)', 'shop/web-2: PDB shop/web needs 2 healthy, has 2 (allows 0 disruptions)'];

/** The drain retried the refused evictions with backoff, each asked before the deadline and none after. */
function assertRetriedUntilTimeout(f: FakeNode): void {
  const evictions = f.calls.filter((c) => c.startsWith('evict '));
  assert.ok(evictions.filter((c) => c === 'evict shop/web-1').length >= 3, `web-1 was asked to go only ${evictions.length} time(s): ${evictions.join(', ')}`);
  assert.ok(!evictions.includes('evict kube-system/node-exporter-x1'), 'the DaemonSet pod is left, never evicted');
  assert.ok(f.evictedAt.every((t) => t < DEADLINE), 'no eviction is asked after the drain timed out');
  const timeout = f.events.find((e) => e.type === 'node.drain.timeout');
  assert.deepEqual(timeout && { policy: timeout.policy, blockers: timeout.blockers }, { policy: f.ctx.phase.drain.onTimeout, blockers: BLOCKERS });
}

test('a budget that opens before the timeout lets the drain finish: no policy applies and the node is maintained', async () => {
  // Given a budget that refuses evictions for the first 20 s of a 2 m drain, and onTimeout: fail
  const f = fakeNode({ onTimeout: 'fail' }, NOW + 20_000);
  // When the node is maintained
  const outcome = await run(f);
  // Then both web pods were evicted after retries, the node rebooted, was given back and is maintained
  assert.equal(outcome, 'maintained');
  assert.ok(f.calls.filter((c) => c === 'evict shop/web-1').length >= 2, 'web-1 was retried after its refusal');
  assert.deepEqual(f.calls.filter((c) => !c.startsWith('evict ')), ['cordon', 'action reboot', 'uncordon']);
  assert.deepEqual(f.pods().map((p) => p.name), ['node-exporter-x1']);
  assert.ok(!f.types().includes('node.drain.timeout'));
  assert.deepEqual(f.events.at(-1), { type: 'node.done', cluster: 'eu-central', node: NODE, outcome: 'maintained' });
});

test('onTimeout: fail stops the run at the node, which stays cordoned with its pods and unacted on', async () => {
  // Given a budget that refuses every eviction until after the 2 m timeout, and onTimeout: fail
  const f = fakeNode({ onTimeout: 'fail' });
  // When the node is maintained, then it fails naming each blocking pod and its budget's live numbers
  await assert.rejects(run(f), (e: unknown) => e instanceof NodeFailure && e.node === NODE && e.message === `drain did not finish within 2m: ${BLOCKERS.join('; ')}`);
  assertRetriedUntilTimeout(f);
  // And nothing else was done: no deletion, no action, no uncordon, no outcome for the node
  assert.deepEqual(f.calls.filter((c) => !c.startsWith('evict ')), ['cordon']);
  assert.equal(f.node().cordonedBy, 'run-1');
  assert.equal(f.pods().length, 3);
  assert.ok(!f.types().includes('node.done'));
});

test('onTimeout: skip gives the node back unacted on, its pods in place, and names why it was skipped', async () => {
  // Given a budget that refuses every eviction until after the timeout, and onTimeout: skip
  const f = fakeNode({ onTimeout: 'skip' });
  // When the node is maintained
  const outcome = await run(f);
  // Then it is skipped: uncordoned, never acted on, no pod deleted
  assert.equal(outcome, 'skipped');
  assertRetriedUntilTimeout(f);
  assert.deepEqual(f.calls.filter((c) => !c.startsWith('evict ')), ['cordon', 'uncordon']);
  assert.equal(f.node().unschedulable, false);
  assert.equal(f.pods().length, 3);
  assert.deepEqual(f.events.at(-1), { type: 'node.done', cluster: 'eu-central', node: NODE, outcome: 'skipped', message: `drain did not finish within 2m: ${BLOCKERS.join('; ')}` });
});

test('onTimeout: quarantine leaves the node cordoned and unacted on, and the run goes on', async () => {
  // Given a budget that refuses every eviction until after the timeout, and onTimeout: quarantine
  const f = fakeNode({ onTimeout: 'quarantine' });
  // When the node is maintained
  const outcome = await run(f);
  // Then it is quarantined: still cordoned by this run, never acted on, no pod deleted
  assert.equal(outcome, 'quarantined');
  assertRetriedUntilTimeout(f);
  assert.deepEqual(f.calls.filter((c) => !c.startsWith('evict ')), ['cordon']);
  assert.equal(f.node().cordonedBy, 'run-1');
  assert.equal(f.pods().length, 3);
  assert.deepEqual(f.events.at(-1), { type: 'node.done', cluster: 'eu-central', node: NODE, outcome: 'quarantined', message: `drain did not finish within 2m: ${BLOCKERS.join('; ')}` });
});

test('onTimeout: force deletes the blocked pods (never the DaemonSet pod), journals the budget it breached, and maintains the node', async () => {
  // Given a budget that refuses every eviction until after the timeout, and onTimeout: force
  const f = fakeNode({ onTimeout: 'force' });
  // When the node is maintained
  const outcome = await run(f);
  // Then the two web pods are deleted with no grace period, after the timeout, and the DaemonSet pod is not
  assert.equal(outcome, 'maintained');
  assertRetriedUntilTimeout(f);
  assert.deepEqual(f.calls.filter((c) => !c.startsWith('evict ')), ['cordon', 'delete shop/web-1 grace 0', 'delete shop/web-2 grace 0', 'action reboot', 'uncordon']);
  // And the journal names both pods and the budget they took below its minimum, before the deletions
  const deleted = f.events.find((e) => e.type === 'node.pods.deleted');
  assert.deepEqual(deleted, { type: 'node.pods.deleted', cluster: 'eu-central', node: NODE, pods: ['shop/web-1', 'shop/web-2'], budgets: [{ pdb: 'shop/web', desiredHealthy: 2, healthyBefore: 2, deleted: 2 }] });
  const order = f.types();
  assert.ok(order.indexOf('node.drain.timeout') < order.indexOf('node.pods.deleted') && order.indexOf('node.pods.deleted') < order.indexOf('node.action.requested'));
  assert.deepEqual(f.events.at(-1), { type: 'node.done', cluster: 'eu-central', node: NODE, outcome: 'maintained' });
});

test('a drain refused by the filter applies its policy at once, without asking for any eviction', async () => {
  // Given an unmanaged pod on the node, a plan without drain.force, and onTimeout: skip
  const f = fakeNode({ onTimeout: 'skip', force: false }, DEADLINE + 1, [barePod('debug', NODE, { namespace: 'shop' })]);
  // When the node is maintained
  const outcome = await run(f);
  // Then it is skipped with the filter's reason, no eviction was asked and no cluster time passed
  assert.equal(outcome, 'skipped');
  assert.deepEqual(f.calls, ['cordon', 'uncordon']);
  assert.equal(f.ctx.clock.now(), NOW);
  const timeout = f.events.find((e) => e.type === 'node.drain.timeout');
  assert.deepEqual(timeout?.blockers, ['shop/debug: no controller owns it, so it will not come back; set drain.force: true to evict it anyway']);
});

test('onTimeout: force after a drain the filter refused deletes what it may, never the DaemonSet or mirror pod', async () => {
  // Given a DaemonSet pod that refuses the drain (ignoreDaemonSets: false), a mirror pod, and onTimeout: force
  const mirror = { ...pod('kube-proxy-node-a1', NODE), namespace: 'kube-system', mirror: true, controller: { kind: 'Node', name: NODE, uid: 'n' }, workload: undefined };
  const f = fakeNode({ onTimeout: 'force', ignoreDaemonSets: false }, DEADLINE + 1, [mirror]);
  // When the node is maintained
  const outcome = await run(f);
  // Then no eviction was asked, the two web pods were deleted and the DaemonSet and mirror pods were not
  assert.equal(outcome, 'maintained');
  assert.deepEqual(f.calls, ['cordon', 'delete shop/web-1 grace 0', 'delete shop/web-2 grace 0', 'action reboot', 'uncordon']);
  const deleted = f.events.find((e) => e.type === 'node.pods.deleted');
  assert.deepEqual(deleted?.type === 'node.pods.deleted' && deleted.pods, ['shop/web-1', 'shop/web-2']);
  assert.deepEqual(f.pods().map((p) => p.name), ['node-exporter-x1', 'kube-proxy-node-a1']);
});

test('a pod in a namespace being deleted is deleted instead of evicted, as kubectl drain does, and the run says so', async () => {
  // Given an API server that answers every eviction with 403 NamespaceTerminating (the namespace is being deleted)
  const f = fakeNode({ onTimeout: 'fail' });
  f.cluster.pods.evict = async (p) => {
    f.calls.push(`evict ${p.namespace}/${p.name}`);
    return { kind: 'namespace-terminating', message: `pods "${p.name}" is forbidden: unable to create new content in namespace shop because it is being terminated` };
  };
  // When the node is maintained
  const outcome = await run(f);
  // Then each web pod was asked to go once, then deleted with the plan's grace, and the node maintained
  assert.equal(outcome, 'maintained');
  for (const name of ['web-1', 'web-2']) assert.deepEqual(f.calls.filter((c) => c.includes(`shop/${name}`)), [`evict shop/${name}`, `delete shop/${name} grace undefined`]);
  assert.deepEqual(f.pods().map((p) => p.name).filter((n) => n.startsWith('web')), []);
  // And the journal says which pods were deleted instead of evicted, and why; no permission is blamed
  const warnings = f.events.flatMap((e) => (e.type === 'warning' ? [e.message] : [])).sort();
  assert.deepEqual(warnings, [
    `${NODE}: pod shop/web-1 deleted instead of evicted: its namespace is being deleted, and the API server evicts nothing there`,
    `${NODE}: pod shop/web-2 deleted instead of evicted: its namespace is being deleted, and the API server evicts nothing there`,
  ]);
});

test('after the reboot, a DaemonSet pod whose DaemonSet is gone (orphaned) is not waited for; one whose DaemonSet exists is', async () => {
  // Given the reboot takes the node-exporter pod and nothing recreates it
  const orphaned = fakeNode({ onTimeout: 'fail' }, NOW);
  const dropDaemonPods = (f: FakeNode) => {
    const before = f.cluster.nodes.requestAction;
    f.cluster.nodes.requestAction = async (n, a, s) => {
      await before(n, a, s);
      // a node without its DaemonSet pod is what the next reads and the watch see
      f.setPods(f.pods().filter((p) => p.controller?.kind !== 'DaemonSet'));
    };
  };
  dropDaemonPods(orphaned);
  // When its DaemonSet no longer exists (the fake cluster lists only Deployment shop/web)
  // Then the node is maintained without waiting for a pod that will never come
  assert.equal(await run(orphaned), 'maintained');
  assert.deepEqual(orphaned.pods().map((p) => p.name), []);
  // When the DaemonSet does exist, its missing pod keeps the node from counting as back until ready.timeout
  const live = fakeNode({ onTimeout: 'fail' }, NOW);
  live.cluster.workloads.list = async () => [workloadView('Deployment', 'web', 2), workloadView('DaemonSet', 'node-exporter', 1, { namespace: 'kube-system' })];
  dropDaemonPods(live);
  await assert.rejects(run(live), (e: unknown) => e instanceof NodeFailure && /DaemonSet kube-system\/node-exporter has no pod on the node yet/.test(e.message));
});
