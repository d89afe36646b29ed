// The workspace file as a user meets it: what a short component gets by default, and for each kind of
// mistake the exact `file:line:column: path: what; fix` line the loader reports.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { parseWorkspace } from '../../../src/platform/load.ts';
import { problems, workspaceText } from './fixtures.ts';

const HEADER = ['apiVersion: daylight.dev/v1alpha1', 'kind: Workspace', 'metadata: {name: prod}', 'spec:', '  components:'];

/** A workspace from literal component lines (after the 5 header lines, so the first is line 6). */
function text(lines: readonly string[]): string {
  return [...HEADER, ...lines, ''].join('\n');
}

test('a short component gets empty lists, no backup, the version as image tag and no rollback', () => {
  const loaded = parseWorkspace('platform/ws.yaml', text(['    - {name: grafana, version: "11.4.0", upgrade: "helm upgrade {{name}} grafana/grafana --version {{version}}", changelog: changelogs/grafana.md}']));
  const c = loaded.workspace.spec.components[0];
  assert.ok(c);
  assert.deepEqual(c.dependsOn, []);
  assert.equal(c.backup, undefined);
  assert.equal(c.rollback, undefined);
  assert.deepEqual(c.silences, []);
  assert.equal(c.checks.imageTag, '{{version}}');
  assert.deepEqual([c.checks.http, c.checks.deployments, c.checks.command, c.checks.prometheus, c.checks.builtin], [[], [], [], [], []]);
  assert.equal(c.changelog, resolve('platform/changelogs/grafana.md'), 'changelog paths are relative to the workspace file');
});

test('a Velero backup is data with Velero defaults: namespace velero, ttl 720h, a 30m wait', () => {
  const loaded = parseWorkspace('ws.yaml', text(['    - name: grafana', '      version: "1.0.0"', '      upgrade: x', '      backup: {type: velero, includedNamespaces: [monitoring]}']));
  const b = loaded.workspace.spec.components[0]?.backup;
  assert.ok(b?.type === 'velero');
  assert.equal(b.namespace, 'velero');
  assert.equal(b.ttl.toString(), '720h');
  assert.equal(b.timeout.toString(), '30m');
});

test('a dependency cycle is named in order, at the dependsOn entry that starts it', () => {
  const lines = [
    '    - {name: cert-manager, version: "1.0.0", upgrade: x, dependsOn: [grafana]}', // 6
    '    - {name: ingress-nginx, version: "1.0.0", upgrade: x, dependsOn: [cert-manager]}', // 7
    '    - {name: grafana, version: "1.0.0", upgrade: x, dependsOn: [ingress-nginx]}', // 8
  ];
  assert.deepEqual(problems(text(lines)), ['ws.yaml:6:70: spec.components[0].dependsOn[0]: dependency cycle: cert-manager → grafana → ingress-nginx → cert-manager; remove one of these dependsOn entries']);
});

test('a component that depends on itself is told so at that entry', () => {
  const lines = ['    - name: grafana', '      version: "1.0.0"', '      upgrade: x', '      dependsOn: [loki, grafana]', '    - {name: loki, version: "1.0.0", upgrade: x}'];
  assert.deepEqual(problems(text(lines)), ['ws.yaml:9:25: spec.components[0].dependsOn[1]: "grafana" depends on itself; remove it from its own dependsOn']);
});

test('an unknown dependsOn name is reported at its position with the closest component, or the list of them', () => {
  const lines = [
    '    - {name: cert-manager, version: "1.0.0", upgrade: x}', // 6
    '    - name: ingress-nginx', // 7
    '      version: "1.0.0"', // 8
    '      upgrade: x', // 9
    '      dependsOn: [cert-manger, vault]', // 10
  ];
  assert.deepEqual(problems(text(lines)), [
    'ws.yaml:10:19: spec.components[1].dependsOn[0]: no component "cert-manger" in this workspace; did you mean "cert-manager"?',
    'ws.yaml:10:32: spec.components[1].dependsOn[1]: no component "vault" in this workspace; components here: cert-manager, ingress-nginx',
  ]);
});

test('unknown fields are errors at their key, with a suggestion or the fields allowed there', () => {
  const lines = [
    '    - name: grafana', // 6
    '      version: "1.0.0"', // 7
    '      upgrade: x', // 8
    '      dependOn: [loki]', // 9
    '      backup: {type: velero, includedNamespaces: [monitoring], tll: 24h}', // 10
    '      checks: {colour: red}', // 11
  ];
  assert.deepEqual(problems(text(lines)), [
    'ws.yaml:10:64: spec.components[0].backup.tll: unknown field; did you mean "ttl"?',
    'ws.yaml:11:16: spec.components[0].checks.colour: unknown field; remove it (fields here: http, deployments, imageTag, command, commandTimeout, prometheus, builtin, thresholds)',
    'ws.yaml:9:7: spec.components[0].dependOn: unknown field; did you mean "dependsOn"?',
  ]);
});

test('two components with one name: the second is reported, pointing at the first', () => {
  const lines = ['    - {name: grafana, version: "1.0.0", upgrade: x}', '    - {name: grafana, version: "2.0.0", upgrade: x}'];
  assert.deepEqual(problems(text(lines)), ['ws.yaml:7:14: spec.components[1].name: component "grafana" appears twice (first as components[0]); give each component its own name']);
});

test('an unquoted version YAML reads as a number is refused, with the quoting fix', () => {
  const lines = ['    - name: grafana', '      version: 1.10', '      upgrade: x'];
  assert.deepEqual(problems(text(lines)), ['ws.yaml:7:16: spec.components[0].version: YAML reads this as the number 1.1; quote the version as written, such as version: "1.10" (unquoted, 1.10 is read as 1.1)']);
});

test('a template with an unknown variable names the known ones', () => {
  const lines = ['    - name: grafana', '      version: "1.0.0"', '      upgrade: helm upgrade {{release}} --version {{version}}'];
  assert.deepEqual(problems(text(lines)), ['ws.yaml:8:16: spec.components[0].upgrade: "helm upgrade {{release}} --version {{version}}" uses {{release}}, which is not a known variable; known variables: cluster, from, name, version']);
});

test('an http check URL is checked once its placeholders are filled', () => {
  const ok = parseWorkspace('ws.yaml', text(['    - name: grafana', '      version: "1.0.0"', '      upgrade: x', '      checks: {http: [{url: "https://grafana.{{cluster}}.example.com/api/health"}]}']));
  assert.equal(ok.workspace.spec.components[0]?.checks.http[0]?.expectStatus, 200);
  const lines = ['    - name: grafana', '      version: "1.0.0"', '      upgrade: x', '      checks: {http: [{url: "grafana/api/health"}]}'];
  assert.deepEqual(problems(text(lines)), ['ws.yaml:9:29: spec.components[0].checks.http[0].url: "grafana/api/health" is not a URL; write it in full, such as "https://grafana.example.com/api/health"']);
});

test('metric checks without a Prometheus to ask say where to add one', () => {
  const t = workspaceText([{ name: 'grafana', version: '1.0.0', extra: ['checks: {builtin: [pod-restarts], prometheus: [{query: up, min: 1}]}'] }], { prometheus: false });
  assert.deepEqual(problems(t), [
    'ws.yaml:9:54: spec.components[0].checks.prometheus[0]: a prometheus check needs a Prometheus to ask; add spec.prometheus: {url: "http://prometheus.example:9090"}, or url: on this check',
    'ws.yaml:9:25: spec.components[0].checks.builtin: built-in checks ask Prometheus; add spec.prometheus: {url: "http://prometheus.example:9090"}',
  ]);
});

test('an unknown builtin check lists the built-in ones; a deployment must be namespace/name', () => {
  const t = workspaceText([{ name: 'grafana', version: '1.0.0', extra: ['checks: {builtin: [pod-restart], deployments: [grafana]}'] }]);
  assert.deepEqual(problems(t), [
    'ws.yaml:10:54: spec.components[0].checks.deployments[0]: write a Deployment as "<namespace>/<name>", such as "monitoring/grafana" (got "grafana")',
    'ws.yaml:10:26: spec.components[0].checks.builtin[0]: "pod-restart" is not allowed; write one of "pod-restarts", "pods-healthy", "pvcs-bound", "apiserver-latency", "etcd-latency", "etcd-fsync"',
  ]);
});

test('the kind must be Workspace', () => {
  assert.deepEqual(problems('apiVersion: daylight.dev/v1alpha1\nkind: MaintenancePlan\nmetadata: {name: x}\nspec: {components: [{name: a, version: "1", upgrade: x}]}\n'), [
    'ws.yaml:2:7: kind: "MaintenancePlan" is not allowed; write one of "Workspace"',
  ]);
});
