// A full zero-downtime roll on the sandbox's kubernetes engine: the real API server, controllers and
// scheduler with kwok nodes, judged by the engine's referee from the audit log and its watches, never by
// Daylight's own word. The simulated engine's roll.test.ts shows the same on a simulated cluster.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { assertCleanRoll, cordonedNodes, demoWorkloads, eventsOf, REGION, roll, rollFleet, rollPlan, workers } from './fixtures.ts';
import { fleetWhole, upKubernetesFleet } from './kubernetes-fixtures.ts';
import type { KubernetesFleet } from './kubernetes-fixtures.ts';

/** Longer than the node-monitor grace period and its monitor period: each reboot is seen Unknown. */
const REBOOT_SECONDS = 16;

let k: KubernetesFleet | undefined;

interface AgentPod {
  readonly metadata: { readonly deletionTimestamp?: string };
  readonly spec: { readonly nodeName?: string };
  readonly status: { readonly conditions?: readonly { readonly type: string; readonly status: string; readonly lastTransitionTime?: string }[] };
}

before(async () => {
  // 2 zones × 2 racks × 1 node, the demo's workloads with short delays (real time), and a control-plane node
  k = await upKubernetesFleet(rollFleet({ zones: 2, racks: 2, nodesPerRack: 1, rebootSeconds: REBOOT_SECONDS, workloads: demoWorkloads({ startupSeconds: 1, readinessSeconds: 2 }) }));
}, { timeout: 180_000 });

after(async () => {
  await k?.stop();
});

test('a full roll on the kubernetes engine reboots every worker once, keeps every budget and leaves nothing cordoned', { timeout: 300_000 }, async () => {
  assert.ok(k);
  // Given 4 workers in 2 zones × 2 racks with budgeted, zone-spread Deployments, a StatefulSet with emptyDir and a DaemonSet
  const all = await workers(k);
  assert.equal(all.length, 4);
  // When a plan with maxUnavailable 50% (2 nodes), zone then rack, a canary of 1, runs through a real session
  const r = await roll(k, rollPlan({ maxUnavailable: '50%', soak: '2s', ready: '{timeout: 5m}', drain: '{timeout: 5m, onTimeout: fail, ignoreDaemonSets: true, deleteEmptyDirData: true}' }));
  console.log(`the roll took ${(r.realMs / 1000).toFixed(1)} s`);
  // Then it succeeded, and the referee (audit log and watches) says every worker rebooted exactly once,
  // no pod killed without eviction, no budget breached, never more than 2 nodes out
  await assertCleanRoll(k, r, { workers: all, maxUnavailable: 2 }, k.referee);
  // And the API shows no node unschedulable, every workload whole again
  assert.deepEqual(await cordonedNodes(k), []);
  assert.ok(await fleetWhole(k), 'every workload is whole after the run');
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
  // And every eviction the journal records as accepted was accepted by the real API server
  const report = await k.referee.report();
  const evicted = eventsOf(r, 'node.drained').reduce((n, d) => n + d.event.evicted, 0);
  assert.ok(evicted > 0 && report.evictions.accepted === evicted, `the journal says ${evicted} pods were evicted, the audit log ${report.evictions.accepted}`);
});
