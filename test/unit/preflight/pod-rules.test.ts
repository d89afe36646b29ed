// Unit tests for the per-pod rules a drain applies (unmanaged-pod, emptydir-data, daemonset-pods) and
// for no-readiness-probe: severity follows the phase's drain policy.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { barePod, daemonPod, findings, only, plan, pod, snapshot, statefulPod } from './fixtures.ts';

test('unmanaged-pod: a pod with no controller blocks without drain.force', () => {
  const snap = snapshot({ pods: [barePod('debug', 'node-a2')] });
  const f = only(findings('unmanaged-pod', snap));
  assert.equal(f.severity, 'blocking');
  assert.equal(f.subject, 'default/debug');
  assert.equal(f.message, 'pod default/debug on node-a2 has no controller: it would not come back after an eviction, so the drain refuses its node');
  assert.match(f.fix, /set drain.force: true to accept that it is removed/);
});

test('unmanaged-pod: with drain.force it is a warning that the pod is gone for good', () => {
  const snap = snapshot({ pods: [barePod('debug', 'node-a2')] });
  const f = only(findings('unmanaged-pod', snap, plan({ phase: { drain: { force: true } } })));
  assert.equal(f.severity, 'warning');
  assert.match(f.message, /drain.force removes it and nothing brings it back/);
});

test('unmanaged-pod: absent for managed, mirror, finished and out-of-scope pods', () => {
  const snap = snapshot({
    pods: [
      pod('web-1', 'node-a1'),
      barePod('kube-proxy-node-a1', 'node-a1', { mirror: true }),
      barePod('migrate-once', 'node-a1', { phase: 'Succeeded' }),
      barePod('leaving', 'node-a1', { terminating: true }),
      barePod('etcd-cp-1', 'cp-1'),
    ],
  });
  assert.deepEqual(findings('unmanaged-pod', snap), []);
});

test('emptydir-data: pods with emptyDir block without deleteEmptyDirData, grouped by workload', () => {
  const snap = snapshot({ pods: [statefulPod('db-0', 'node-a1', 'db', { emptyDir: true }), statefulPod('db-1', 'node-b1', 'db', { emptyDir: true }), pod('web-1', 'node-a1')] });
  const f = only(findings('emptydir-data', snap));
  assert.equal(f.severity, 'blocking');
  assert.equal(f.subject, 'shop/db');
  assert.equal(f.message, '2 pods of StatefulSet shop/db on nodes in scope use emptyDir volumes (db-0 on node-a1, db-1 on node-b1): that data is lost on eviction, so the drain refuses their nodes');
  assert.match(f.fix, /set drain.deleteEmptyDirData: true/);
});

test('emptydir-data: a warning once deleteEmptyDirData is set', () => {
  const snap = snapshot({ pods: [statefulPod('db-0', 'node-a1', 'db', { emptyDir: true })] });
  const f = only(findings('emptydir-data', snap, plan({ phase: { drain: { deleteEmptyDirData: true } } })));
  assert.equal(f.severity, 'warning');
  assert.match(f.message, /drain.deleteEmptyDirData is set, so that data is lost on eviction/);
});

test('emptydir-data: absent without emptyDir, and for ignored DaemonSet pods that stay on the node', () => {
  const snap = snapshot({ pods: [pod('web-1', 'node-a1'), daemonPod('fluentbit-x1', 'node-a1', 'fluentbit', { emptyDir: true })] });
  assert.deepEqual(findings('emptydir-data', snap), []);
});

test('daemonset-pods: info by default (ignoreDaemonSets), one finding per DaemonSet', () => {
  const snap = snapshot({ pods: ['node-a1', 'node-a2', 'node-b1', 'cp-1'].map((n) => daemonPod(`node-agent-${n}`, n, 'node-agent')) });
  const f = only(findings('daemonset-pods', snap));
  assert.equal(f.severity, 'info');
  assert.equal(f.subject, 'kube-system/node-agent');
  assert.match(f.message, /^DaemonSet kube-system\/node-agent has pods on 3 nodes in scope: they stay on their nodes/);
});

test('daemonset-pods: blocking when ignoreDaemonSets is false', () => {
  const snap = snapshot({ pods: [daemonPod('node-agent-a1', 'node-a1', 'node-agent')] });
  const f = only(findings('daemonset-pods', snap, plan({ phase: { drain: { ignoreDaemonSets: false } } })));
  assert.equal(f.severity, 'blocking');
  assert.match(f.message, /has pods on 1 node in scope and drain.ignoreDaemonSets is false/);
  assert.match(f.fix, /set drain.ignoreDaemonSets: true/);
});

test('daemonset-pods: absent when no DaemonSet pod runs in scope', () => {
  assert.deepEqual(findings('daemonset-pods', snapshot({ pods: [daemonPod('node-agent-cp', 'cp-1', 'node-agent'), pod('web-1', 'node-a1')] })), []);
});

test('no-readiness-probe: pods Ready at once are a warning per workload', () => {
  const snap = snapshot({ pods: [pod('api-1', 'node-a1', { hasReadinessProbe: false }), pod('api-2', 'node-b1', { hasReadinessProbe: false }), pod('web-1', 'node-a1')] });
  const f = only(findings('no-readiness-probe', snap));
  assert.equal(f.severity, 'warning');
  assert.equal(f.subject, 'shop/api');
  assert.match(f.message, /^2 pods of Deployment shop\/api on nodes in scope have no readiness probe \(api-1 on node-a1, api-2 on node-b1\): a replacement is Ready as soon as it starts/);
  assert.match(f.fix, /add a readinessProbe to the pod template of Deployment shop\/api/);
});

test('no-readiness-probe: absent for pods with a probe, Job pods and mirror pods', () => {
  const snap = snapshot({
    pods: [
      pod('web-1', 'node-a1'),
      pod('report-1', 'node-a1', { hasReadinessProbe: false, controller: { kind: 'Job', name: 'report', uid: 'j' }, workload: { kind: 'Job', name: 'report' } }),
      barePod('static-web', 'node-a1', { hasReadinessProbe: false, mirror: true }),
    ],
  });
  assert.deepEqual(findings('no-readiness-probe', snap), []);
});
