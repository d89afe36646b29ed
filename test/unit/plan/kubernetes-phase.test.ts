// The `kubernetes` phase as a plan author meets it: the defaults a short phase gets, the node phases it
// rolls, and each mistake reported at its place with what to write instead.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UserError } from '../../../src/lib/errors.ts';
import { controlPlanePhase, nodePhases, workersPhase } from '../../../src/plan/kubernetes-phase.ts';
import { parsePlan } from '../../../src/plan/load.ts';
import type { KubernetesPhase } from '../../../src/plan/schema.ts';

const FILE = 'plans/k8s.yaml';

/** A plan with one nodes phase and one kubernetes phase whose body is `phase` (YAML lines at six spaces). */
function planText(phase: readonly string[]): string {
  return [
    'apiVersion: daylight.dev/v1alpha1',
    'kind: MaintenancePlan',
    'metadata: {name: k8s}',
    'spec:',
    '  clusters: [{name: eu-central}]',
    '  phases:',
    '    - {name: os-patch, type: nodes}',
    '    - name: k8s-131',
    '      type: kubernetes',
    ...phase.map((l) => `      ${l}`),
    '',
  ].join('\n');
}

function kubePhase(phase: readonly string[]): KubernetesPhase {
  const p = parsePlan(FILE, planText(phase)).plan.spec.phases[1];
  assert.ok(p?.type === 'kubernetes');
  return p;
}

function problems(phase: readonly string[]): string[] {
  try {
    parsePlan(FILE, planText(phase));
  } catch (e: unknown) {
    assert.ok(e instanceof UserError, `expected a UserError, got ${String(e)}`);
    return e.message.split('\n');
  }
  assert.fail('the plan was accepted');
}

test('a kubernetes phase with only a version gets agent upgrades, one control-plane node at a time, one worker at a time, no backup', () => {
  const k = kubePhase(['to: v1.31.2']);
  assert.equal(k.to, 'v1.31.2');
  assert.equal(k.regional, false);
  assert.equal(k.controlPlane.selector, 'node-role.kubernetes.io/control-plane');
  assert.deepEqual(k.controlPlane.action, { type: 'agent' });
  assert.equal(k.controlPlane.ready.timeout.toString(), '10m');
  assert.equal(k.workers.selector, '!node-role.kubernetes.io/control-plane');
  assert.equal(k.workers.maxUnavailable, 1);
  assert.equal(k.workers.canary, 1);
  assert.equal(k.workers.drain.onTimeout, 'fail');
  assert.deepEqual(k.workers.action, { type: 'agent' });
  assert.equal(k.backup, undefined);
  // And the nodes phase beside it keeps its own defaults
  const nodes = parsePlan(FILE, planText(['to: v1.31.2'])).plan.spec.phases[0];
  assert.ok(nodes?.type === 'nodes');
  assert.deepEqual(nodes.action, { type: 'agent', operation: 'reboot' });
});

test('a velero backup defaults to the velero namespace, every namespace, 30 days kept and 30 minutes to complete', () => {
  const k = kubePhase(['to: v1.31.2', 'backup: {type: velero}']);
  assert.ok(k.backup?.type === 'velero');
  assert.equal(k.backup.namespace, 'velero');
  assert.deepEqual(k.backup.includedNamespaces, ['*']);
  assert.equal(k.backup.ttl.toString(), '720h');
  assert.equal(k.backup.timeout.toString(), '30m');
  const c = kubePhase(['to: v1.31.2', 'backup: {type: command, run: "etcdctl snapshot save /backup/{{run.id}}.db"}']);
  assert.ok(c.backup?.type === 'command');
  assert.equal(c.backup.timeout.toString(), '30m');
});

test('the phase rolls its control plane then its workers as nodes phases with the upgrade action to the version', () => {
  const k = kubePhase([
    'to: v1.31.2',
    'controlPlane: {action: {type: command, run: "ssh {{node.name}} sudo kubeadm upgrade apply {{version}} -y", runOthers: "ssh {{node.name}} sudo kubeadm upgrade node"}}',
    'workers: {maxUnavailable: 25%, topology: {key: topology.kubernetes.io/zone}, soak: 1m, rolling: true}',
  ]);
  const [cp, workers] = nodePhases(k);
  assert.equal(cp?.name, 'k8s-131-control-plane');
  assert.equal(cp?.maxUnavailable, 1);
  assert.deepEqual(cp?.action.type === 'command' ? [cp.action.run, cp.action.operation, cp.action.version] : [], ['ssh {{node.name}} sudo kubeadm upgrade apply {{version}} -y', 'upgrade', 'v1.31.2']);
  const other = controlPlanePhase(k, { first: false }).action;
  assert.equal(other.type === 'command' ? other.run : '', 'ssh {{node.name}} sudo kubeadm upgrade node');
  assert.equal(workers?.name, 'k8s-131-workers');
  assert.equal(workers?.selector, '!node-role.kubernetes.io/control-plane');
  assert.equal(workers?.maxUnavailable, '25%');
  assert.equal(workers?.rolling, true);
  assert.equal(workers?.soak.toString(), '1m');
  assert.deepEqual(workersPhase(k).action, { type: 'agent', operation: 'upgrade', version: 'v1.31.2' });
});

test('mistakes are reported at their place with what to write', () => {
  assert.deepEqual(problems(['to: v1.31']), ['plans/k8s.yaml:10:11: spec.phases[1].to: v1.31 names a minor: its newest patch comes from spec.versionSource; set it ({type: file, path: versions.json} or {type: http, url: ...}), or write the full version, such as v1.31.2']);
  assert.deepEqual(problems(['to: "1.31.2"']), ['plans/k8s.yaml:10:11: spec.phases[1].to: write the version to install: the full version like "v1.31.2", or a minor like "v1.31" for its newest patch from spec.versionSource (one phase per minor: the control plane goes one minor at a time) (got "1.31.2")']);
  assert.deepEqual(problems(['to: v1.31.2', 'backup: {type: restic}']), ['plans/k8s.yaml:11:22: spec.phases[1].backup.type: "restic" is not allowed; write one of "velero", "command"']);
  assert.deepEqual(problems(['to: v1.31.2', 'workers: {maxUnavailable: 1, surge: 2}']).length, 1);
  assert.match(problems(['to: v1.31.2', 'workers: {maxUnavailable: 1, surge: 2}'])[0] ?? '', /^plans\/k8s\.yaml:11:\d+: spec\.phases\[1\]\.workers.*surge/);
  assert.match(problems(['to: v1.31.2', 'workers: {rolling: true, topology: {maxPerDomain: 1}}'])[0] ?? '', /spec\.phases\[1\]\.workers\.rolling: rolling workers .* remove maxPerDomain, or set rolling: false$/);
  assert.match(problems(['to: v1.31.2', 'controlPlane: {action: {type: command}}'])[0] ?? '', /spec\.phases\[1\]\.controlPlane\.action\.run/);
});
