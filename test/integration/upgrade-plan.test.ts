// `daylight upgrade plan` against the sandbox, as a user runs it: given a region at v1.28 with objects
// written with removed APIs, when planning to v1.31, then the path goes one minor at a time, every
// such object is named, and the exit code is 1; and with only manifests, the findings carry file:line.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Fleet } from '../../src/sandbox/fleet-schema.ts';
import { indexRemovedApis } from '../../src/upgrade/api-index.ts';
import { LAST_APPLIED } from '../../src/upgrade/cluster-objects.ts';
import { smallFleet } from '../support/fleets.ts';
import { startTestSandbox } from '../support/sandbox.ts';
import type { TestSandbox } from '../support/sandbox.ts';

const ENTRY = fileURLToPath(new URL('../../src/cli/entry.ts', import.meta.url));
const NODE = fileURLToPath(new URL('../../node_modules/.bin/node', import.meta.url));
const REGION = 'eu-central';

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the CLI as a child process without blocking this process, where the sandbox serves. */
function daylight(args: readonly string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(NODE, [ENTRY, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, KUBECONFIG: '' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** The small test fleet with its region at `version`, no workloads. */
function fleetAt(version: string): Fleet {
  const base = smallFleet({ zones: 2, nodesPerRack: 1, workloads: [] });
  return { ...base, spec: { ...base.spec, regions: base.spec.regions.map((r) => ({ ...r, kubernetesVersion: version })) } };
}

/** How each object was written, as `kubectl apply` keeps it in the last-applied-configuration annotation. */
const WRITTEN: readonly { resource: string; name: string; manifest: Record<string, unknown> }[] = [
  { resource: 'poddisruptionbudget', name: 'legacy-pdb', manifest: { apiVersion: 'policy/v1beta1', kind: 'PodDisruptionBudget', metadata: { name: 'legacy-pdb', namespace: 'shop' }, spec: { minAvailable: 1, selector: { matchLabels: { app: 'legacy' } } } } },
  { resource: 'deployment', name: 'legacy-web', manifest: { apiVersion: 'extensions/v1beta1', kind: 'Deployment', metadata: { name: 'legacy-web', namespace: 'shop' }, spec: { replicas: 0 } } },
  { resource: 'deployment', name: 'current-web', manifest: { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'current-web', namespace: 'shop' }, spec: { replicas: 0 } } },
];

/**
 * The sandbox serves policy/v1 and apps/v1 only, as a v1.25+ server does: objects written with removed
 * versions are represented the way a real cluster keeps them, with the old apiVersion in the
 * last-applied-configuration annotation (set with kubectl annotate: kubectl create rewrites it). FlowSchema and PriorityLevelConfiguration are not served at all,
 * so custom resource definitions stand in for flowcontrol.apiserver.k8s.io/v1beta2 and v1beta3, and their
 * objects are read through the served version (no annotation).
 */
const OBJECTS = `
apiVersion: v1
kind: Namespace
metadata: {name: shop}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: legacy-pdb
  namespace: shop
spec:
  minAvailable: 1
  selector: {matchLabels: {app: legacy}}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: legacy-web
  namespace: shop
spec:
  replicas: 0
  selector: {matchLabels: {app: legacy-web}}
  template:
    metadata: {labels: {app: legacy-web}}
    spec: {containers: [{name: web, image: nginx}]}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: current-web
  namespace: shop
spec:
  replicas: 0
  selector: {matchLabels: {app: current-web}}
  template:
    metadata: {labels: {app: current-web}}
    spec: {containers: [{name: web, image: nginx}]}
---
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: flowschemas.flowcontrol.apiserver.k8s.io}
spec:
  group: flowcontrol.apiserver.k8s.io
  scope: Cluster
  names: {plural: flowschemas, singular: flowschema, kind: FlowSchema}
  versions: [{name: v1beta2, served: true, storage: true, schema: {openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}}}]
---
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: prioritylevelconfigurations.flowcontrol.apiserver.k8s.io}
spec:
  group: flowcontrol.apiserver.k8s.io
  scope: Cluster
  names: {plural: prioritylevelconfigurations, singular: prioritylevelconfiguration, kind: PriorityLevelConfiguration}
  versions: [{name: v1beta3, served: true, storage: true, schema: {openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}}}]
`;

const CUSTOM_OBJECTS = `
apiVersion: flowcontrol.apiserver.k8s.io/v1beta2
kind: FlowSchema
metadata: {name: legacy-flows}
spec: {priorityLevelConfiguration: {name: workload-low}}
---
apiVersion: flowcontrol.apiserver.k8s.io/v1beta3
kind: PriorityLevelConfiguration
metadata: {name: workload-low}
spec: {type: Limited}
`;

const MANIFEST = [
  'apiVersion: apps/v1', // 1
  'kind: Deployment', // 2
  'metadata: {name: api, namespace: shop}', // 3
  '---', // 4
  'apiVersion: batch/v1beta1', // 5
  'kind: CronJob', // 6
  'metadata: {name: nightly, namespace: ops}', // 7
  '',
].join('\n');

interface JsonReport {
  path: { current: string; steps: { kind: string; from?: string; to: string; nodes: unknown[] }[]; problems: { severity: string; code: string }[] };
  findings: { object: { kind: string; name: string; namespace?: string; apiVersion: string; source: { type: string; read?: string; file?: string; line?: number } }; blocking: boolean; status: string; api: { replacement: string | null } }[];
  clusterScan: { requests: number; servedOnly: number; listed: unknown[] };
  blocked: boolean;
}

describe('daylight upgrade plan against a sandbox region at v1.28', () => {
  let ts: TestSandbox | undefined;
  let dir = '';
  before(async () => {
    ts = await startTestSandbox(fleetAt('v1.28.15'));
    dir = await mkdtemp(join(tmpdir(), 'daylight-upgrade-'));
    // kubectl 1.32 validates against /openapi/v2 when the server says v1.28, which the sandbox does not serve
    const created = await ts.kubectl(['--context', REGION, 'create', '--validate=false', '-f', '-'], { input: OBJECTS });
    assert.equal(created.code, 0, created.stderr);
    for (const w of WRITTEN) {
      const annotated = await ts.kubectl(['--context', REGION, 'annotate', '--overwrite', '-n', 'shop', w.resource, w.name, `${LAST_APPLIED}=${JSON.stringify(w.manifest)}`]);
      assert.equal(annotated.code, 0, annotated.stderr);
    }
    await ts.until('the custom resources are served', async () => {
      const r = (await ts?.api(REGION, '/apis/flowcontrol.apiserver.k8s.io/v1beta3')) as { resources?: unknown[] };
      return Array.isArray(r.resources);
    });
    const custom = await ts.kubectl(['--context', REGION, 'create', '--validate=false', '-f', '-'], { input: CUSTOM_OBJECTS });
    assert.equal(custom.code, 0, custom.stderr);
    await mkdir(join(dir, 'apps'), { recursive: true });
    await writeFile(join(dir, 'apps', 'batch.yaml'), MANIFEST);
  });
  after(async () => {
    await ts?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  test('the path goes one minor at a time, each object written with a removed API is named, exit 1', async () => {
    const t = ts as TestSandbox;
    const run = await daylight(['upgrade', 'plan', '--to', 'v1.31', '--kubeconfig', t.kubeconfigPath, '--context', REGION]);
    assert.equal(run.code, 1, run.stderr);
    const out = run.stdout;
    assert.match(out, /Kubernetes upgrade plan \(cluster eu-central\): 1\.28 → 1\.31 \(v1\.31\.14\)/);
    assert.match(out, /kube-apiserver {2}v1\.28\.15 {2}\(GET \/version\)/);
    assert.match(out, /1\. control plane 1\.28 → 1\.29 \(v1\.29\.15\)/);
    assert.match(out, /2\. control plane 1\.29 → 1\.30 \(v1\.30\.14\)/);
    assert.match(out, /3\. control plane 1\.30 → 1\.31 \(v1\.31\.14\)/);
    assert.match(out, /4\. kubelets 1\.28 → 1\.31 \(v1\.31\.14\) on nodes /);
    assert.match(out, /kubelet 1\.28 on nodes .* is two minors behind the control plane's 1\.30 when it moves to 1\.31/);
    assert.match(out, /BLOCKING +PodDisruptionBudget shop\/legacy-pdb {2}at cluster eu-central \(last-applied-configuration\)\n +policy\/v1beta1 → policy\/v1: removed in 1\.25/);
    assert.match(out, /BLOCKING +Deployment shop\/legacy-web {2}at cluster eu-central \(last-applied-configuration\)\n +extensions\/v1beta1 → apps\/v1: removed in 1\.16/);
    assert.match(out, /BLOCKING +FlowSchema legacy-flows {2}at cluster eu-central \(served as flowcontrol\.apiserver\.k8s\.io\/v1beta2\)\n +flowcontrol\.apiserver\.k8s\.io\/v1beta2 → flowcontrol\.apiserver\.k8s\.io\/v1: removed in 1\.29, on the way to 1\.31/);
    assert.match(out, /later +PriorityLevelConfiguration workload-low .*\n +flowcontrol\.apiserver\.k8s\.io\/v1beta3 → flowcontrol\.apiserver\.k8s\.io\/v1: removed in 1\.32, after the target 1\.31/);
    assert.doesNotMatch(out, /current-web/);
    assert.match(out, /only their served version was checked, which cannot show how they were written/);
    assert.match(out, /\nblocked: 3 removed APIs in use\n?$/);
  });

  test('the same as JSON: steps, the skew warning, the findings with their sources, few requests', async () => {
    const t = ts as TestSandbox;
    const run = await daylight(['upgrade', 'plan', '--to', 'v1.31', '--kubeconfig', t.kubeconfigPath, '--context', REGION, '-o', 'json']);
    assert.equal(run.code, 1, run.stderr);
    const r = JSON.parse(run.stdout) as JsonReport;
    assert.equal(r.path.current, '1.28');
    assert.deepEqual(r.path.steps.map((s) => (s.kind === 'control-plane' ? `cp ${s.from}→${s.to}` : `kubelets ${s.nodes.length} → ${s.to}`)), ['cp 1.28→1.29', 'cp 1.29→1.30', 'cp 1.30→1.31', 'kubelets 2 → 1.31']);
    assert.ok(r.path.problems.some((p) => p.code === 'kubelet-two-behind' && p.severity === 'warning'));
    assert.ok(!r.path.problems.some((p) => p.severity === 'error'));
    const named = r.findings.map((f) => `${f.object.kind} ${f.object.namespace ?? ''}/${f.object.name} ${f.object.apiVersion} ${f.object.source.read} ${f.blocking ? 'blocking' : f.status}`).sort();
    assert.deepEqual(named, [
      'Deployment shop/legacy-web extensions/v1beta1 last-applied blocking',
      'FlowSchema /legacy-flows flowcontrol.apiserver.k8s.io/v1beta2 served blocking',
      'PodDisruptionBudget shop/legacy-pdb policy/v1beta1 last-applied blocking',
      'PriorityLevelConfiguration /workload-low flowcontrol.apiserver.k8s.io/v1beta3 served removed-later',
    ]);
    assert.equal(r.blocked, true);
    // one discovery of the groups, at most one per served version of the table's groups, one list per
    // resource type (each fits in one page here)
    const groups = ((await t.api(REGION, '/apis')) as { groups: { name: string; versions: unknown[] }[] }).groups;
    const tableGroups = new Set(indexRemovedApis().kindsByGroup.keys());
    const versions = groups.filter((g) => tableGroups.has(g.name)).reduce((n, g) => n + g.versions.length, 0);
    assert.ok(r.clusterScan.requests <= 1 + versions + r.clusterScan.listed.length, `${r.clusterScan.requests} requests for ${versions} group versions and ${r.clusterScan.listed.length} resource types`);
  });

  test('the cluster and a manifest directory together: the manifest finding carries file:line', async () => {
    const t = ts as TestSandbox;
    const run = await daylight(['upgrade', 'plan', '--to', 'v1.31', '--kubeconfig', t.kubeconfigPath, '--context', REGION, '--manifests', dir, '-o', 'json']);
    assert.equal(run.code, 1, run.stderr);
    const r = JSON.parse(run.stdout) as JsonReport;
    const fromFiles = r.findings.filter((f) => f.object.source.type === 'file');
    assert.deepEqual(fromFiles.map((f) => `${f.object.kind} ${f.object.namespace}/${f.object.name} ${f.object.source.file}:${f.object.source.line} ${f.api.replacement}`), [`CronJob ops/nightly ${join(dir, 'apps', 'batch.yaml')}:5 batch/v1`]);
    assert.equal(r.findings.length, 5);
  });

  test('only manifests, planned from a given version: findings with file:line, exit 1; a clean directory exits 0', async () => {
    const run = await daylight(['upgrade', 'plan', '--to', 'v1.31', '--from', 'v1.28.15', '--manifests', dir]);
    assert.equal(run.code, 1, run.stderr);
    assert.match(run.stdout, /BLOCKING +CronJob ops\/nightly {2}at .*apps\/batch\.yaml:5\n +batch\/v1beta1 → batch\/v1: removed in 1\.25, before the current 1\.28/);
    assert.match(run.stdout, /manifests: 2 objects in 1 file\n/);
    assert.match(run.stdout, /\nblocked: 1 removed API in use\n?$/);
    const clean = join(dir, 'clean');
    await mkdir(clean);
    await writeFile(join(clean, 'web.yaml'), MANIFEST.split('---')[0] ?? '');
    const ok = await daylight(['upgrade', 'plan', '--to', 'v1.36', '--from', 'v1.35.8', '--manifests', clean]);
    assert.equal(ok.code, 0, ok.stdout + ok.stderr);
    assert.match(ok.stdout, /\nready: no removed API in use\n?$/);
  });

  test('bad input exits 2 with a message and no stack: a bad --to, a target below the control plane, a missing directory', async () => {
    const t = ts as TestSandbox;
    const bad = await daylight(['upgrade', 'plan', '--to', 'v1.3x', '--kubeconfig', t.kubeconfigPath, '--context', REGION]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--to v1\.3x: not a Kubernetes version; write one like v1\.31 or v1\.31\.2/);
    const below = await daylight(['upgrade', 'plan', '--to', 'v1.27', '--kubeconfig', t.kubeconfigPath, '--context', REGION]);
    assert.equal(below.code, 2);
    assert.match(below.stderr, /target v1\.27 is below the control plane's 1\.28/);
    const missing = await daylight(['upgrade', 'plan', '--to', 'v1.31', '--kubeconfig', t.kubeconfigPath, '--context', REGION, '--manifests', join(dir, 'nope')]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /--manifests .*nope: no such directory/);
    for (const r of [bad, below, missing]) assert.doesNotMatch(r.stderr, /\n\s+at /);
    const help = await daylight(['upgrade', '--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /plan +the upgrade path/);
  });
});
