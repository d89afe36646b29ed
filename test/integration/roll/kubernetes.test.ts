// A full zero-downtime roll on the sandbox's kubernetes engine: the real API server, controllers and
// scheduler with kwok nodes, judged by the engine's referee from the audit log and its watches, never by
// Daylight's own word. The simulated engine's roll.test.ts and faults.test.ts show the same on a simulated
// cluster. The run talks to the API through the engine's fault proxy, which fails 10% of its resource
// requests and delays each by 20 ms (the fleet file's `faults.api`), so the one roll proves both that a
// roll keeps every invariant on real controllers (every worker rebooted once, no budget breached, no pod
// killed, never more than maxUnavailable out, each node given back only once its DaemonSet pod is Ready
// again, the journal's evictions those the API server accepted) and that it does so while retrying the
// failures it meets. 10%, not faults.test.ts's 5%: a run over 4 workers makes only about 150 requests. The
// proxy fails a request before it reaches the API server (fault-proxy.ts), so the audit log holds only the
// requests that were forwarded, and its accepted evictions still equal the journal's.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { assertCleanRoll, cordonedNodes, demoWorkloads, eventsOf, REGION, roll, rollFleet, rollPlan, workers } from './fixtures.ts';
import { fleetWhole, QUICK_NODE_MONITOR, upKubernetesFleet } from './kubernetes-fixtures.ts';
import type { KubernetesFleet } from './kubernetes-fixtures.ts';

/**
 * Longer than the node-monitor grace period plus its monitor period (6 s + 1 s, {@link QUICK_NODE_MONITOR}):
 * each reboot is seen Unknown by the real node-lifecycle controller.
 */
const REBOOT_SECONDS = 9;

/**
 * The demo's workloads, each Ready 2 s after it is scheduled, but the DaemonSet's pod 3 s after: a node given
 * back before its DaemonSet pod is Ready again shows in the whole seconds the pod's Ready transition keeps.
 */
const WORKLOADS = demoWorkloads({ startupSeconds: 1, readinessSeconds: 1 }).map((w) => (w.includes('name: node-agent') ? w.replace('readinessSeconds: 1', 'readinessSeconds: 2') : w));

let k: KubernetesFleet | undefined;

interface AgentPod {
  readonly metadata: { readonly deletionTimestamp?: string };
  readonly spec: { readonly nodeName?: string };
  readonly status: { readonly conditions?: readonly { readonly type: string; readonly status: string; readonly lastTransitionTime?: string }[] };
}

before(async () => {
  // 2 zones × 2 racks × 1 node, the demo's workloads with short delays (real time), a control-plane node,
  // and the region's API behind the fault proxy: 10% of resource requests fail, each waits 20 ms
  k = await upKubernetesFleet(
    rollFleet({ zones: 2, racks: 2, nodesPerRack: 1, rebootSeconds: REBOOT_SECONDS, workloads: WORKLOADS, faults: '{api: {errorRate: 0.1, latencyMs: 20}}' }),
    QUICK_NODE_MONITOR,
  );
}, { timeout: 180_000 });

after(async () => {
  await k?.stop();
});

test('a full roll through an API that fails 10% of requests reboots every worker once, keeps every budget, retries the failures and leaves nothing cordoned', { timeout: 300_000 }, async () => {
  assert.ok(k);
  // Given 4 workers in 2 zones × 2 racks with budgeted, zone-spread Deployments, a StatefulSet with emptyDir and a DaemonSet
  const all = await workers(k);
  assert.equal(all.length, 4);
  const faultsBefore = k.sandbox.apiFaultCounts(REGION);
  assert.ok(faultsBefore, 'the region has a fault proxy');
  // When a plan with maxUnavailable 50% (2 nodes), zone then rack, a canary of 1, runs through a real session
  // (only the run uses the kubeconfig, so only it goes through the proxy; the test reads the API server directly)
  const r = await roll(k, rollPlan({ maxUnavailable: '50%', soak: '1s', ready: '{timeout: 5m}', drain: '{timeout: 5m, onTimeout: fail, ignoreDaemonSets: true, deleteEmptyDirData: true}' }));
  const faultsAfter = k.sandbox.apiFaultCounts(REGION);
  assert.ok(faultsAfter);
  const injected = faultsAfter.injected - faultsBefore.injected;
  const passed = faultsAfter.forwarded - faultsBefore.forwarded;
  console.log(`the roll took ${(r.realMs / 1000).toFixed(1)} s; ${r.requests} requests, of which the proxy failed ${injected} and passed ${passed}`);
  // Then it succeeded, and the referee (audit log and watches) says every worker rebooted exactly once,
  // no pod killed without eviction, no budget breached, never more than 2 nodes out
  await assertCleanRoll(k, r, { workers: all, maxUnavailable: 2 }, k.referee);
  // And the API shows no node unschedulable, every workload whole again
  assert.deepEqual(await cordonedNodes(k), []);
  assert.ok(await fleetWhole(k), 'every workload is whole after the run');
  // And the run met the faults and went on past them: the proxy failed some of its requests, about 10%, and
  // the requests it counted were the run's (each retry is a request of its own; the run's count has its
  // discovery besides, which the proxy passes uncounted)
  assert.ok(injected > 0, `the proxy failed ${injected} of the run's ${injected + passed} resource requests`);
  assert.ok(injected / (injected + passed) < 0.25, `about 10% failed: ${injected} of ${injected + passed}`);
  assert.ok(Math.abs(r.requests - (injected + passed)) <= 10, `the run made ${r.requests} requests, the proxy saw ${injected + passed}`);
  // And each node was given back only once its DaemonSet pod, recreated after the reboot, was Ready:
  // the pod's Ready transition (whole seconds) comes no later than the node's uncordon in the journal
  const agents = ((await k.api(REGION, `/api/v1/namespaces/kube-system/pods?labelSelector=${encodeURIComponent('app.kubernetes.io/name=node-agent')}`)) as { items: AgentPod[] }).items;
  for (const node of all) {
    const entry = r.entries.find((e) => e.event.type === 'node.uncordon.requested' && 'node' in e.event && e.event.node === node);
    const pod = agents.find((p) => p.spec.nodeName === node && !p.metadata.deletionTimestamp);
    const readyAt = Date.parse(pod?.status.conditions?.find((c) => c.type === 'Ready' && c.status === 'True')?.lastTransitionTime ?? '');
    assert.ok(entry && Number.isFinite(readyAt), `${node} has an uncordon in the journal and a Ready DaemonSet pod`);
    assert.ok(readyAt <= Math.ceil(Date.parse(entry.wall) / 1000) * 1000, `${node} was given back at ${entry.wall}, its DaemonSet pod got Ready at ${new Date(readyAt).toISOString()}`);
  }
  // And every eviction the journal records as accepted was accepted by the real API server: the audit log,
  // behind the proxy, saw each eviction the proxy passed, and none it failed
  const report = await k.referee.report();
  const evicted = eventsOf(r, 'node.drained').reduce((n, d) => n + d.event.evicted, 0);
  assert.ok(evicted > 0 && report.evictions.accepted === evicted, `the journal says ${evicted} pods were evicted, the audit log ${report.evictions.accepted}`);
});
