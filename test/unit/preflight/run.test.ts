// Unit tests for runPreflight as a whole: a healthy cluster has no findings, the order is fixed
// (severity, rule, subject), and summarise / renderFindings show what the CLI prints.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderFindings, runPreflight, summarise } from '../../../src/preflight/index.ts';
import type { Finding } from '../../../src/preflight/index.ts';
import { waveSize } from '../../../src/preflight/scope.ts';
import { barePod, daemonPod, node, pdb, phaseOf, plan, pod, snapshot, statefulPod, workload } from './fixtures.ts';

function healthy() {
  const workers = ['node-a1', 'node-a2', 'node-b1'];
  return snapshot({
    pods: [...workers.map((n, i) => pod(`web-${i}`, n, { app: 'web' })), ...workers.map((n) => daemonPod(`agent-${n}`, n, 'agent'))],
    pdbs: [pdb('web', 'web', { maxUnavailable: 1 })],
    workloads: [workload('Deployment', 'web', 3), workload('DaemonSet', 'agent', 3)],
  });
}

function troubled() {
  const base = healthy();
  return {
    ...base,
    nodes: [...base.nodes.filter((n) => n.name !== 'node-b1'), node('node-b1', { unschedulable: true })],
    pods: [...base.pods, barePod('debug', 'node-a1'), statefulPod('db-0', 'node-a2', 'db', { emptyDir: true }), pod('cache-1', 'node-a2', { app: 'cache', hasReadinessProbe: false })],
    pdbs: [...base.pdbs, pdb('db', 'db', { minAvailable: 1, expectedPods: 1, currentHealthy: 1, desiredHealthy: 1, disruptionsAllowed: 0 })],
    workloads: [...base.workloads, workload('StatefulSet', 'db', 1), workload('Deployment', 'cache', 1)],
  };
}

test('a healthy cluster with spread replicas, a budget and ignored DaemonSets has only info findings', () => {
  const p = plan();
  const found = runPreflight({ snapshot: healthy(), plan: p, phase: phaseOf(p) });
  assert.deepEqual(found.map((f) => [f.severity, f.rule, f.subject]), [['info', 'daemonset-pods', 'kube-system/agent']]);
  assert.deepEqual(summarise(found), { blocking: 0, warning: 0, info: 1 });
});

test('findings are sorted by severity, then rule, then subject, the same on every call', () => {
  const p = plan();
  const found = runPreflight({ snapshot: troubled(), plan: p, phase: phaseOf(p) });
  assert.deepEqual(found.map((f) => `${f.severity} ${f.rule} ${f.subject}`), [
    'blocking emptydir-data shop/db',
    'blocking pdb-no-disruption shop/db',
    'blocking pdb-unsatisfiable shop/db',
    'blocking single-replica shop/db',
    'blocking unmanaged-pod default/debug',
    'warning no-readiness-probe shop/cache',
    'warning node-cordoned node-b1',
    'warning single-replica shop/cache',
    'info daemonset-pods kube-system/agent',
  ]);
  const again = runPreflight({ snapshot: { ...troubled(), pods: [...troubled().pods].reverse() }, plan: p, phase: phaseOf(p) });
  assert.deepEqual(again, found);
  assert.deepEqual(summarise(found), { blocking: 5, warning: 3, info: 1 });
});

test('renderFindings groups by cluster, most severe first, with the fix on the next line', () => {
  const f = (cluster: string, severity: Finding['severity'], rule: string, subject: string): Finding => ({ rule, severity, cluster, subject, message: `${rule} about ${subject}`, fix: `fix ${subject}` });
  const text = renderFindings([f('eu-west', 'info', 'daemonset-pods', 'kube-system/agent'), f('eu-central', 'warning', 'node-cordoned', 'node-a1'), f('eu-west', 'blocking', 'unmanaged-pod', 'default/debug')]);
  assert.equal(text, [
    'eu-west: 1 blocking, 0 warning, 1 info',
    '  BLOCKING unmanaged-pod default/debug: unmanaged-pod about default/debug',
    '    fix: fix default/debug',
    '  INFO     daemonset-pods kube-system/agent: daemonset-pods about kube-system/agent',
    '    fix: fix kube-system/agent',
    '',
    'eu-central: 0 blocking, 1 warning, 0 info',
    '  WARNING  node-cordoned node-a1: node-cordoned about node-a1',
    '    fix: fix node-a1',
    '',
  ].join('\n'));
  assert.match(renderFindings([]), /^no findings/);
});

test('the wave size resolves maxUnavailable against the selected nodes, at least 1 and at most all', () => {
  const phase = (maxUnavailable: number | string) => phaseOf(plan({ phase: { maxUnavailable } }));
  assert.equal(waveSize(phase('25%'), 8), 2);
  assert.equal(waveSize(phase('25%'), 3), 1, '25% of 3 rounds down to 0, and a wave is at least one node');
  assert.equal(waveSize(phase(0), 5), 1);
  assert.equal(waveSize(phase(10), 4), 4);
});

test('the phase selector decides the scope: a pool selector leaves other nodes out', () => {
  const snap = snapshot({
    nodes: [node('gpu-1', { labels: { pool: 'gpu' } }), node('node-a1', { labels: { pool: 'general' } })],
    pods: [barePod('debug-gpu', 'gpu-1'), barePod('debug-general', 'node-a1')],
  });
  const p = plan({ phase: { selector: 'pool=general' } });
  const found = runPreflight({ snapshot: snap, plan: p, phase: phaseOf(p) });
  assert.deepEqual(found.map((f) => f.subject), ['default/debug-general']);
});
