// The drain's pod filter (`decide`), reason by reason, as kubectl's pkg/drain filters_test.go covers its
// filters: finished pods, mirror pods, DaemonSet pods with and without ignoreDaemonSets (and kubectl's
// orphaned DaemonSet pod, whose controller is gone), pods already terminating, emptyDir data with and
// without deleteEmptyDirData, unmanaged pods with and without force. Pure: no cluster, no clock.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decide, workloadsToWaitFor } from '../../../src/engine/drain.ts';
import type { PodDecision } from '../../../src/engine/events.ts';
import type { PodView } from '../../../src/kube/types.ts';
import type { DrainPolicy } from '../../../src/plan/schema.ts';
import { barePod, daemonPod, phaseOf, plan, pod } from '../preflight/fixtures.ts';

/** The drain policy of a plan whose phase says `drain`, defaults applied by the plan schema. */
function policy(drain: Record<string, unknown> = {}): DrainPolicy {
  return phaseOf(plan({ phase: { drain } })).drain;
}

const NODE = 'node-a1';
const ALL_OFF = { ignoreDaemonSets: false, deleteEmptyDirData: false, force: false };
const ALL_ON = { ignoreDaemonSets: true, deleteEmptyDirData: true, force: true };

interface Case {
  readonly pod: PodView;
  readonly drain: Record<string, unknown>;
  readonly decision: PodDecision['decision'];
  readonly reason: string;
}

const web = pod('web-1', NODE);
const exporter = daemonPod('node-exporter-x1', NODE, 'node-exporter');
const scratch = barePod('debug', NODE);
const mirror = barePod('kube-apiserver-node-a1', NODE, { namespace: 'kube-system', mirror: true, controller: { kind: 'Node', name: NODE, uid: `uid-${NODE}` } });
/** kubectl's orphaned DaemonSet pod: its controller reference names a DaemonSet that was deleted. */
const orphan = daemonPod('gone-agent-x1', NODE, 'gone-agent');

const CASES: Record<string, Case> = {
  // kubectl: a pod of a controller is evicted whatever the flags
  'a Deployment pod is evicted, named by its Deployment': { pod: web, drain: ALL_OFF, decision: 'evict', reason: 'Deployment shop/web' },
  // kubectl TestSkipDeletedFilter / finished phases: a Succeeded or Failed pod holds nothing (Daylight leaves it, kubectl deletes it)
  'a Succeeded pod is skipped': { pod: pod('job-1', NODE, { phase: 'Succeeded' }), drain: ALL_OFF, decision: 'skip', reason: 'finished' },
  'a Failed unmanaged pod with emptyDir is skipped, not refused': { pod: barePod('crash', NODE, { phase: 'Failed', emptyDir: true }), drain: ALL_OFF, decision: 'skip', reason: 'finished' },
  'a finished DaemonSet pod is skipped even without ignoreDaemonSets': { pod: daemonPod('ds-done', NODE, 'node-exporter', { phase: 'Succeeded' }), drain: ALL_OFF, decision: 'skip', reason: 'finished' },
  // kubectl mirrorPodFilter: a static pod cannot be deleted through the API
  'a mirror pod is skipped even with force': { pod: mirror, drain: ALL_ON, decision: 'skip', reason: 'static pod (mirror)' },
  'a mirror pod is skipped without force': { pod: mirror, drain: ALL_OFF, decision: 'skip', reason: 'static pod (mirror)' },
  // kubectl daemonSetFilter: refused without --ignore-daemonsets, left in place with it
  'a DaemonSet pod refuses the drain without ignoreDaemonSets': { pod: exporter, drain: ALL_OFF, decision: 'refuse', reason: 'DaemonSet-managed; set drain.ignoreDaemonSets: true' },
  'a DaemonSet pod is left on the node with ignoreDaemonSets': { pod: exporter, drain: { ignoreDaemonSets: true }, decision: 'skip', reason: 'DaemonSet-managed' },
  'a DaemonSet pod with emptyDir is left, not refused for its data': { pod: daemonPod('fluentd-x1', NODE, 'fluentd', { emptyDir: true }), drain: { ignoreDaemonSets: true, deleteEmptyDirData: false }, decision: 'skip', reason: 'DaemonSet-managed' },
  'force does not make a DaemonSet pod evictable': { pod: exporter, drain: { ...ALL_ON, ignoreDaemonSets: false }, decision: 'refuse', reason: 'DaemonSet-managed; set drain.ignoreDaemonSets: true' },
  // kubectl refuses an orphaned DaemonSet pod without --force; Daylight, which does not look the DaemonSet
  // up, refuses it too without ignoreDaemonSets. With ignoreDaemonSets it leaves it as a live one (kubectl
  // refuses it without --force and deletes it with), and the node then waits for a DaemonSet that is gone
  'an orphaned DaemonSet pod refuses the drain without ignoreDaemonSets and force': { pod: orphan, drain: ALL_OFF, decision: 'refuse', reason: 'DaemonSet-managed; set drain.ignoreDaemonSets: true' },
  // A pod already going: nothing to ask of it but to wait (checked before its data and its owner)
  'a terminating pod is waited for, with no eviction asked': { pod: pod('web-2', NODE, { terminating: true }), drain: ALL_OFF, decision: 'evict', reason: 'already terminating' },
  'a terminating unmanaged pod with emptyDir is waited for without force': { pod: barePod('leaving', NODE, { terminating: true, emptyDir: true }), drain: ALL_OFF, decision: 'evict', reason: 'already terminating' },
  'a terminating DaemonSet pod still refuses without ignoreDaemonSets': { pod: daemonPod('ds-leaving', NODE, 'node-exporter', { terminating: true }), drain: ALL_OFF, decision: 'refuse', reason: 'DaemonSet-managed; set drain.ignoreDaemonSets: true' },
  // kubectl localStorageFilter: emptyDir data is lost, so only with --delete-emptydir-data
  'a pod with emptyDir refuses the drain without deleteEmptyDirData': { pod: pod('cache-1', NODE, { emptyDir: true }), drain: { deleteEmptyDirData: false, force: true }, decision: 'refuse', reason: 'has emptyDir data; set drain.deleteEmptyDirData: true to let its data go' },
  'a pod with emptyDir is evicted with deleteEmptyDirData': { pod: pod('cache-1', NODE, { emptyDir: true }), drain: { deleteEmptyDirData: true }, decision: 'evict', reason: 'Deployment shop/cache' },
  'an unmanaged pod with emptyDir and force is refused for its data first': { pod: barePod('scratch', NODE, { emptyDir: true }), drain: { deleteEmptyDirData: false, force: true }, decision: 'refuse', reason: 'has emptyDir data; set drain.deleteEmptyDirData: true to let its data go' },
  // kubectl unreplicatedFilter: a pod no controller owns does not come back; only with --force
  'an unmanaged pod refuses the drain without force': { pod: scratch, drain: { force: false }, decision: 'refuse', reason: 'no controller owns it, so it will not come back; set drain.force: true to evict it anyway' },
  'an unmanaged pod is evicted with force': { pod: scratch, drain: { force: true }, decision: 'evict', reason: 'unmanaged (drain.force)' },
  'an unmanaged pod with emptyDir is evicted with force and deleteEmptyDirData': { pod: barePod('scratch', NODE, { emptyDir: true }), drain: ALL_ON, decision: 'evict', reason: 'unmanaged (drain.force)' },
};

test('each pod on the node is evicted, skipped or refuses the drain for the reason kubectl would give', () => {
  for (const [name, c] of Object.entries(CASES)) {
    // Given a pod on the node and the plan's drain policy
    // When the drain decides what to do with it
    const d = decide(c.pod, policy(c.drain));
    // Then the decision and its reason are the expected ones, and it names the pod and its workload
    const workload = c.pod.workload ? `${c.pod.workload.kind} ${c.pod.namespace}/${c.pod.workload.name}` : undefined;
    assert.deepEqual(d, { pod: `${c.pod.namespace}/${c.pod.name}`, uid: c.pod.uid, decision: c.decision, reason: c.reason, ...(workload ? { workload } : {}) }, name);
  }
});

test('the defaults of the plan schema leave DaemonSet pods, refuse emptyDir data and unmanaged pods', () => {
  // Given a plan that says nothing of the drain
  const p = policy();
  // When the drain decides on one pod of each kind, then the defaults are kubectl's with --ignore-daemonsets
  assert.deepEqual([web, exporter, pod('cache-1', NODE, { emptyDir: true }), scratch].map((x) => decide(x, p).decision), ['evict', 'skip', 'refuse', 'refuse']);
});

test('the drain waits for the workloads it evicts and the DaemonSets it leaves, not for finished or mirror pods', () => {
  // Given the decisions on a node with a Deployment pod, a DaemonSet pod left in place, a finished Job pod,
  // a mirror pod and two more pods of the same Deployment
  const p = policy({ ignoreDaemonSets: true });
  const job = pod('report-1', NODE, { phase: 'Succeeded', controller: { kind: 'Job', name: 'report', uid: 'j' }, workload: { kind: 'Job', name: 'report' } });
  const decisions = [web, pod('web-2', NODE), pod('web-3', NODE, { terminating: true }), exporter, job, mirror].map((x) => decide(x, p));
  // When it lists what must be whole again before the node is given back
  // Then it is the Deployment once and the DaemonSet, not the finished Job
  assert.deepEqual(workloadsToWaitFor(decisions), ['Deployment shop/web', 'DaemonSet kube-system/node-exporter']);
});
