// When a node counts as back after its action: its DaemonSet pods Ready, and every DaemonSet that had a pod
// there before the drain has one again. On a real cluster a reboot takes the node's pods, and the
// DaemonSet controller recreates them only after the node is Ready: a node with none is not back yet.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decide, workloadsToWaitFor } from '../../../src/engine/drain.ts';
import { daemonsNotBack } from '../../../src/engine/workloads-back.ts';
import type { DrainPolicy } from '../../../src/plan/schema.ts';
import { parsePlan } from '../../../src/plan/load.ts';
import { pod } from '../preflight/fixtures.ts';

const NODE = 'eu-central-a-r1-n1';
const agent = (name: string, ready = true) =>
  pod(name, NODE, { namespace: 'kube-system', app: 'node-agent', ready, controller: { kind: 'DaemonSet', name: 'node-agent', uid: 'uid-ds' }, workload: { kind: 'DaemonSet', name: 'node-agent' } });

function drainPolicy(): DrainPolicy {
  const plan = parsePlan('plan.yaml', [
    'apiVersion: daylight.dev/v1alpha1',
    'kind: MaintenancePlan',
    'metadata: {name: p}',
    'spec:',
    '  clusters: [{name: eu-central, context: eu-central}]',
    '  phases:',
    '    - {name: os, type: nodes, maxUnavailable: 1, drain: {timeout: 5m, ignoreDaemonSets: true}, action: {type: agent, operation: reboot}}',
    '',
  ].join('\n'));
  const phase = plan.plan.spec.phases[0];
  assert.ok(phase && phase.type === 'nodes');
  return phase.drain;
}

test('the drain waits for the workloads it evicts and for the DaemonSets it leaves on the node, not for pods it skips otherwise', () => {
  // Given a node with a web pod, a DaemonSet pod and a finished pod, drained with ignoreDaemonSets
  const policy = drainPolicy();
  const decisions = [pod('web-1', NODE), agent('node-agent-x'), pod('job-1', NODE, { app: 'job', phase: 'Succeeded', workload: { kind: 'Job', name: 'job' } })].map((p) => decide(p, policy));
  // Then the DaemonSet pod is skipped, not evicted
  assert.deepEqual(decisions.map((d) => d.decision), ['evict', 'skip', 'skip']);
  // And what must be back before the node is given back is the Deployment and the DaemonSet, not the Job
  assert.deepEqual(workloadsToWaitFor(decisions), ['Deployment shop/web', 'DaemonSet kube-system/node-agent']);
});

test('a node whose DaemonSet pod is gone after its reboot is not back, until the recreated pod is Ready', () => {
  // Given the node-agent DaemonSet had a pod on the node before the drain
  const had = ['kube-system/node-agent'];
  // When the reboot took it and the controller has not recreated it yet
  // Then the node is not back, and the message says which DaemonSet has no pod there
  assert.deepEqual(daemonsNotBack([pod('web-2', NODE)], had), ['DaemonSet kube-system/node-agent has no pod on the node yet']);
  // When its new pod is there but not Ready, then it is named as not Ready
  assert.deepEqual(daemonsNotBack([agent('node-agent-y', false)], had), ['kube-system/node-agent-y']);
  // And a terminating old pod does not count as the DaemonSet's pod
  assert.deepEqual(daemonsNotBack([{ ...agent('node-agent-x'), terminating: true }], had), ['DaemonSet kube-system/node-agent has no pod on the node yet']);
  // When the new pod is Ready, then the node is back
  assert.deepEqual(daemonsNotBack([agent('node-agent-y'), pod('web-2', NODE)], had), []);
});

test('without DaemonSets from before, only the DaemonSet pods on the node are judged', () => {
  assert.deepEqual(daemonsNotBack([]), []);
  assert.deepEqual(daemonsNotBack([agent('node-agent-y', false)]), ['kube-system/node-agent-y']);
});

test('after a reboot, a DaemonSet pod Ready only from before it is named as not back, beside a DaemonSet with no pod', () => {
  // Given two DaemonSets had pods on the node; one pod shows a Ready older than the reboot, the other is gone
  const had = ['kube-system/node-agent', 'kube-system/log-shipper'];
  const since = Date.parse('2026-01-01T10:00:00Z');
  const stale = { ...agent('node-agent-x'), lastAlive: since - 3_600_000 };
  // Then both are named: the stale pod as not Ready since, the other DaemonSet as having no pod yet
  assert.deepEqual(daemonsNotBack([stale], had, since), ['kube-system/node-agent-x', 'DaemonSet kube-system/log-shipper has no pod on the node yet']);
  // And a pod alive since the reboot counts
  assert.deepEqual(daemonsNotBack([{ ...agent('node-agent-y'), lastAlive: since + 5000 }], ['kube-system/node-agent'], since), []);
});
