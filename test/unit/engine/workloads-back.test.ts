// When a node's DaemonSet pods count as back after its action: only on evidence from after the action
// (the pod created, Ready or a container started since), never on a Ready from before a reboot, which a
// real node keeps showing for the node-monitor grace period. Over a fake cluster, in milliseconds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { V1Pod } from '@kubernetes/client-node';
import type { WatchedNode } from '../../../src/engine/node-context.ts';
import { SharedReads } from '../../../src/engine/shared-reads.ts';
import { waitWorkloadsBack } from '../../../src/engine/workloads-back.ts';
import type { NodePods, PodView } from '../../../src/engine/ports/cluster-views.ts';
import { podView } from '../../../src/kube/views.ts';
import { parsePlan } from '../../../src/plan/load.ts';
import type { NodesPhase } from '../../../src/plan/schema.ts';
import { fakeCluster, noBudgets, nodeView } from '../checks/fakes.ts';
import { manualClock, NOW } from './regional-fakes.ts';

const NODE = 'node-a1';
/** The action was asked for at NOW + 0.4 s: API times have whole seconds. */
const REQUESTED = NOW + 400;
const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');

function phase(): NodesPhase {
  const text = ['apiVersion: daylight.dev/v1alpha1', 'kind: MaintenancePlan', 'metadata: {name: patch}', 'spec:', '  clusters: [{name: eu-central}]', '  phases:', '    - {name: os-patch, type: nodes, action: {type: agent, operation: reboot}}', ''].join('\n');
  const p = parsePlan('plan.yaml', text).plan.spec.phases[0];
  assert.ok(p?.type === 'nodes');
  return p;
}

/** A DaemonSet pod as the API server shows it: created, Ready and started at the given times (epoch ms). */
function daemonPod(o: { created: number; readySince: number; started: number; ready?: boolean }): V1Pod {
  return {
    metadata: { name: 'node-exporter-x1', namespace: 'monitoring', uid: 'u-ne', creationTimestamp: iso(o.created) as unknown as Date, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'node-exporter', uid: 'ds', controller: true }] },
    spec: { nodeName: NODE, containers: [{ name: 'exporter', image: 'prom/node-exporter' }] },
    status: {
      phase: 'Running',
      conditions: [{ type: 'Ready', status: o.ready === false ? 'False' : 'True', lastTransitionTime: iso(o.readySince) as unknown as Date }],
      containerStatuses: [{ name: 'exporter', image: 'prom/node-exporter', imageID: '', ready: o.ready !== false, restartCount: 0, state: { running: { startedAt: iso(o.started) as unknown as Date } } }],
    },
  };
}

/**
 * The node back Ready with `bootId`, and its pods as one watch would show them, unchanging: a wait that
 * is not satisfied now ends at its timeout.
 */
function context(pods: readonly PodView[], bootId: string): WatchedNode {
  const cluster = fakeCluster({
    nodes: {
      waitFor: async (_n, done) => {
        const n = nodeView(NODE, { bootId });
        return done(n) ? n : undefined;
      },
    },
    pods: { onNode: async () => [...pods] },
  });
  const nodePods: NodePods = { pods: async () => [...pods], waitUntil: async (done) => done(pods), close: () => undefined };
  return { cluster, clusterName: 'eu-central', node: NODE, runId: 'run-1', phase: phase(), clock: manualClock(NOW + 90_000), record: () => Promise.resolve(), signal: new AbortController().signal, reads: new SharedReads(cluster), budgets: noBudgets(), nodePods };
}

const action = { requestedAt: REQUESTED, bootIdBefore: 'boot-1' };

test('after a reboot, a DaemonSet pod whose Ready is from before the action does not count as back', async () => {
  // Given a rebooted node whose DaemonSet pod still shows the Ready it had before the reboot
  const stale = podView(daemonPod({ created: NOW - 86_400_000, readySince: NOW - 3_600_000, started: NOW - 3_600_000 }));
  assert.equal(stale.ready, true);
  // When Daylight waits for the node's workloads after the action
  const back = await waitWorkloadsBack(context([stale], 'boot-2'), [], 60_000, action);
  // Then it is not back: the pod is named as not Ready since the reboot
  assert.deepEqual(back, { kind: 'timeout', message: 'not whole again within 60s: DaemonSet pods not Ready on the node since its reboot: monitoring/node-exporter-x1' });
});

test('after a reboot, a DaemonSet pod Ready, started or created after the action counts as back', async () => {
  const old = NOW - 3_600_000;
  const cases = {
    // Its Ready turned True after the action (within two seconds before it counts: clocks differ, and the
    // server's times have whole seconds)
    'Ready since the action': daemonPod({ created: old, readySince: REQUESTED - 2000, started: old }),
    // Its container was started again after the action (the kubelet restarted it on the same pod)
    'restarted after the action': daemonPod({ created: old, readySince: old, started: REQUESTED + 20_000 }),
    // A new pod, created after the action
    'created after the action': daemonPod({ created: REQUESTED + 30_000, readySince: REQUESTED + 31_000, started: REQUESTED + 31_000 }),
  };
  for (const [why, pod] of Object.entries(cases)) {
    // When Daylight waits for the node's workloads after the action, then it is back
    const back = await waitWorkloadsBack(context([podView(pod)], 'boot-2'), [], 60_000, action);
    assert.equal(back.kind, 'ready', `${why}: ${JSON.stringify(back)}`);
  }
  // And a pod with evidence from after the action but not Ready is still not back
  const notReady = podView(daemonPod({ created: REQUESTED + 30_000, readySince: REQUESTED + 30_000, started: REQUESTED + 30_000, ready: false }));
  assert.equal((await waitWorkloadsBack(context([notReady], 'boot-2'), [], 60_000, action)).kind, 'timeout');
});

test('an upgrade that did not reboot the node leaves running pods Ready from before: they count', async () => {
  // Given a kubelet upgraded in place (same boot id): its containers kept running, their Ready is still true
  const running = podView(daemonPod({ created: NOW - 86_400_000, readySince: NOW - 3_600_000, started: NOW - 3_600_000 }));
  // When Daylight waits for the node's workloads after the action, then it is back
  assert.equal((await waitWorkloadsBack(context([running], 'boot-1'), [], 60_000, action)).kind, 'ready');
});
