// A component's upgrade as the engine and the report will see it: the ordered steps with their commands
// rendered, the Velero Backup object, silences, and the post-checks as gates with their thresholds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TemplateError } from '../../../src/lib/template.ts';
import { changelogBetween, parseChangelog } from '../../../src/platform/changelog.ts';
import { diffWorkspaces } from '../../../src/platform/diff.ts';
import type { UpgradedComponent } from '../../../src/platform/diff.ts';
import { componentSteps, objectName, platformSteps, renderCommand } from '../../../src/platform/steps.ts';
import type { StepContext } from '../../../src/platform/steps.ts';
import { workspace } from './fixtures.ts';
import type { ComponentText } from './fixtures.ts';

const CTX: StepContext = { cluster: 'eu-central', runId: 'run-20260901-0930', prometheusUrl: 'http://127.0.0.1:9090' };

const GRAFANA: readonly string[] = [
  'rollback: helm rollback {{name}} -n monitoring',
  'backup: {type: velero, includedNamespaces: [monitoring], ttl: 168h, storageLocation: default}',
  'silences: [{name: namespace, value: monitoring}, {name: cluster, value: "{{cluster}}"}]',
  'checks:',
  '  http: [{url: "https://grafana.{{cluster}}.example.com/api/health"}]',
  '  deployments: [monitoring/grafana]',
  '  imageTag: "v{{version}}"',
  '  command: ["./smoke.sh {{name}} {{from}} {{version}}"]',
  '  prometheus: [{name: grafana-up, query: "up{job=\\"grafana\\"}", min: 1}]',
  '  builtin: [pod-restarts, apiserver-latency]',
  '  thresholds: {apiserver-latency: 2}',
];

function upgraded(extra: readonly string[] = GRAFANA, from = '11.3.0', to = '11.4.0'): UpgradedComponent {
  const c = (version: string): ComponentText => ({ name: 'grafana', version, extra });
  const u = diffWorkspaces(workspace([c(from)]), workspace([c(to)])).upgraded[0];
  return u ?? assert.fail('grafana should be upgraded');
}

test('renderCommand fills name, version, from and cluster, and names the known ones for anything else', () => {
  const vars = { name: 'grafana', version: '11.4.0', from: '11.3.0', cluster: 'eu-central' };
  assert.equal(renderCommand('helm upgrade {{name}} grafana/grafana --version {{ version }} # from {{from}} in {{cluster}}', vars), 'helm upgrade grafana grafana/grafana --version 11.4.0 # from 11.3.0 in eu-central');
  assert.equal(renderCommand("kubectl get deploy -o go-template='{{.metadata.name}}'", vars), "kubectl get deploy -o go-template='{{.metadata.name}}'", 'go-templates are left as written');
  assert.throws(() => renderCommand('x {{from}}', { name: 'loki', version: '3.1.0', cluster: 'eu' }), (e: unknown) => e instanceof TemplateError && /uses \{\{from\}\}, which is not a known variable; known variables: cluster, name, version/.test(e.message));
});

test('an upgrade is backup, changelog, silence, upgrade, then pods, deployments, endpoint, command, metric and built-in checks', () => {
  const u = { ...upgraded(), changelog: { file: '/ws/changelogs/grafana.md', ...changelogBetween(parseChangelog('## 11.4.0\n- BREAKING: x\n## 11.3.0\n- y\n'), '11.3.0', '11.4.0') } };
  const steps = componentSteps(u, CTX);
  assert.deepEqual(steps.map((s) => [s.phase, s.id]), [
    ['pre', 'grafana/backup'],
    ['pre', 'grafana/changelog'],
    ['pre', 'grafana/silence'],
    ['upgrade', 'grafana/upgrade'],
    ['post', 'grafana/pods-healthy'],
    ['post', 'grafana/deployments'],
    ['post', 'grafana/endpoint/0'],
    ['post', 'grafana/command/0'],
    ['post', 'grafana/prometheus/0'],
    ['post', 'grafana/builtin/pod-restarts'],
    ['post', 'grafana/builtin/apiserver-latency'],
  ]);
  assert.deepEqual(steps.map((s) => s.title), [
    'back up namespaces monitoring with Velero: Backup velero/pre-upgrade-grafana-11.3.0-to-11.4.0-run-20260901-0930, until Completed',
    'changelog 11.3.0 → 11.4.0: 1 entry, 1 breaking',
    'silence alerts matching namespace="monitoring", cluster="eu-central"',
    'upgrade grafana 11.3.0 → 11.4.0: helm upgrade --install grafana charts/grafana --version 11.4.0',
    'pods healthy: every workload of the cluster available',
    'deployments monitoring/grafana available and running image tag v11.4.0',
    'endpoint https://grafana.eu-central.example.com/api/health answers 200',
    'command exits 0: ./smoke.sh grafana 11.3.0 11.4.0',
    'metric grafana-up >= 1',
    'container restarts in the last 30 minutes (not rising) <= 0',
    'API server request latency p99 by verb (GET and writes), seconds <= 2',
  ]);
});

test('the Velero backup is the object to create, named by component, versions and run, labelled for recovery', () => {
  const [backup] = componentSteps(upgraded(), CTX);
  assert.ok(backup?.kind === 'backup-velero');
  assert.equal(backup.waitFor, 'Completed');
  assert.equal(backup.timeout.toString(), '30m');
  assert.deepEqual(backup.backup, {
    apiVersion: 'velero.io/v1',
    kind: 'Backup',
    metadata: { name: 'pre-upgrade-grafana-11.3.0-to-11.4.0-run-20260901-0930', namespace: 'velero', labels: { 'app.kubernetes.io/managed-by': 'daylight', 'daylight.dev/component': 'grafana', 'daylight.dev/run': 'run-20260901-0930' } },
    spec: { includedNamespaces: ['monitoring'], ttl: '168h', storageLocation: 'default' },
  });
});

test('object names stay valid and deterministic: lower case, no "+", at most 63 characters with a hash when cut', () => {
  assert.equal(objectName('pre-upgrade-Vault-1.18.0+ent-to-1.19.0'), 'pre-upgrade-vault-1.18.0-ent-to-1.19.0');
  const long = objectName(`pre-upgrade-${'a'.repeat(40)}-1.0.0-to-2.0.0-run-0123456789`);
  assert.equal(long.length, 63);
  assert.match(long, /^pre-upgrade-a{40}-1-[0-9a-f]{8}$/);
  assert.equal(long, objectName(`pre-upgrade-${'a'.repeat(40)}-1.0.0-to-2.0.0-run-0123456789`));
});

test('a backup command is rendered like the upgrade', () => {
  const steps = componentSteps(upgraded(['backup: {type: command, run: "velero backup create {{name}}-{{from}} --include-namespaces monitoring --wait"}']), CTX);
  assert.deepEqual(steps[0] && { kind: steps[0].kind, title: steps[0].title }, { kind: 'backup-command', title: 'back up: velero backup create grafana-11.3.0 --include-namespaces monitoring --wait' });
});

test('the rollback command is carried only when the plan asks for rollback', () => {
  const forward = componentSteps(upgraded(), CTX).find((s) => s.kind === 'upgrade');
  assert.ok(forward?.kind === 'upgrade');
  assert.equal(forward.rollback, undefined, 'roll forward by default, as the runbooks prefer');
  const back = componentSteps(upgraded(), { ...CTX, rollback: true }).find((s) => s.kind === 'upgrade');
  assert.ok(back?.kind === 'upgrade');
  assert.equal(back.rollback, 'helm rollback grafana -n monitoring');
});

test('post-checks are gates the plan already knows, with the component thresholds and the workspace Prometheus', () => {
  const steps = componentSteps(upgraded(), CTX);
  const gates = steps.flatMap((s) => (s.kind === 'gate' ? [s.gate] : []));
  assert.deepEqual(gates.map((g) => g.type), ['kube', 'http', 'command', 'prometheus', 'prometheus', 'prometheus']);
  const latency = gates.find((g) => g.name === 'grafana: apiserver-latency');
  assert.ok(latency?.type === 'prometheus');
  assert.equal(latency.url, 'http://127.0.0.1:9090');
  assert.equal(latency.max, 2, 'the component override wins over the default 1 s');
  const restarts = gates.find((g) => g.name === 'grafana: pod-restarts');
  assert.ok(restarts?.type === 'prometheus');
  assert.equal(restarts.max, 0);
  assert.equal(restarts.query, 'sum(increase(kube_pod_container_status_restarts_total[30m]))');
  const deployments = steps.find((s) => s.kind === 'deployments');
  assert.ok(deployments?.kind === 'deployments');
  assert.deepEqual(deployments.expect, [{ namespace: 'monitoring', name: 'grafana', tag: 'v11.4.0' }]);
});

test('an added component is installed: no {{from}}, no changelog step, and the same post-checks', () => {
  const d = diffWorkspaces(workspace([{ name: 'cert-manager', version: 'v1.15.3' }]), workspace([{ name: 'cert-manager', version: 'v1.15.3' }, { name: 'loki', version: '3.1.0', dependsOn: ['cert-manager'], extra: ['checks: {deployments: [monitoring/loki-gateway]}'] }]));
  const [plan] = platformSteps(d, CTX);
  assert.equal(plan?.component, 'loki');
  assert.deepEqual(plan?.steps.map((s) => s.title), ['install loki 3.1.0: helm upgrade --install loki charts/loki --version 3.1.0', 'pods healthy: every workload of the cluster available', 'deployments monitoring/loki-gateway available and running image tag 3.1.0']);
});

test('platformSteps lists every changed component in upgrade order', () => {
  const w = (v: string) => workspace([{ name: 'grafana', version: v, dependsOn: ['ingress-nginx'] }, { name: 'ingress-nginx', version: v, dependsOn: ['cert-manager'] }, { name: 'cert-manager', version: v }]);
  const plan = platformSteps(diffWorkspaces(w('1.0.0'), w('1.1.0')), CTX);
  assert.deepEqual(plan.map((p) => [p.component, p.steps.find((s) => s.kind === 'upgrade')?.title]), [
    ['cert-manager', 'upgrade cert-manager 1.0.0 → 1.1.0: helm upgrade --install cert-manager charts/cert-manager --version 1.1.0'],
    ['ingress-nginx', 'upgrade ingress-nginx 1.0.0 → 1.1.0: helm upgrade --install ingress-nginx charts/ingress-nginx --version 1.1.0'],
    ['grafana', 'upgrade grafana 1.0.0 → 1.1.0: helm upgrade --install grafana charts/grafana --version 1.1.0'],
  ]);
});
