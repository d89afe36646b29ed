// Platform post-checks against the sandbox through the real Kubernetes adapter: GitOps drift gates over
// Argo CD Applications and Flux Kustomizations / HelmReleases stored as custom resources (CRDs created
// first, status written through /status as the controllers do), and the deployments check following a
// real rolling update to a new image tag.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluateGate } from '../../src/checks/evaluate.ts';
import { checkGitops, gitopsMeasurement } from '../../src/checks/gitops.ts';
import { GateSchema } from '../../src/plan/schema.ts';
import type { KubeCluster } from '../../src/kube/adapter.ts';
import { connect } from '../../src/kube/client.ts';
import { checkDeployments } from '../../src/platform/deployments-check.ts';
import { WAIT_MS } from '../e2e/helpers.ts';
import { smallFleet } from '../support/fleets.ts';
import { allPodsReady, startTestSandbox } from '../support/sandbox.ts';
import type { TestSandbox } from '../support/sandbox.ts';

const REGION = 'eu-central';

interface Fixture {
  readonly ts: TestSandbox;
  readonly cluster: KubeCluster;
}

/** A namespaced CRD with a status subresource, as Argo CD and Flux install theirs. */
function crd(group: string, version: string, kind: string, plural: string): unknown {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${plural}.${group}` },
    spec: {
      group,
      scope: 'Namespaced',
      names: { plural, singular: kind.toLowerCase(), kind, listKind: `${kind}List` },
      versions: [{ name: version, served: true, storage: true, subresources: { status: {} }, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } }],
    },
  };
}

async function call(f: Fixture, method: 'GET' | 'POST' | 'PUT', path: string, body?: unknown): Promise<Record<string, unknown>> {
  const r = await f.cluster.raw(method, path, body);
  assert.ok(r.status >= 200 && r.status < 300, `${method} ${path}: HTTP ${r.status} ${r.body}`);
  return JSON.parse(r.body) as Record<string, unknown>;
}

async function installCrd(f: Fixture, group: string, version: string, kind: string, plural: string): Promise<void> {
  await call(f, 'POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', crd(group, version, kind, plural));
  await f.ts.until(`${plural}.${group} is served`, async () => (await f.cluster.raw('GET', `/apis/${group}/${version}/${plural}`)).status === 200, WAIT_MS);
}

async function ensureNamespace(f: Fixture, name: string): Promise<void> {
  const r = await f.cluster.raw('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  assert.ok(r.status === 201 || r.status === 409, `create namespace ${name}: HTTP ${r.status}`);
}

/** Creates a custom object, then writes its status through /status (when given), as a controller would. */
async function putObject(f: Fixture, o: { group: string; version: string; plural: string; kind: string; namespace: string; name: string; spec?: unknown; status?: unknown }): Promise<void> {
  const base = `/apis/${o.group}/${o.version}/namespaces/${o.namespace}/${o.plural}`;
  const created = await call(f, 'POST', base, { apiVersion: `${o.group}/${o.version}`, kind: o.kind, metadata: { name: o.name, namespace: o.namespace }, spec: o.spec ?? {} });
  if (o.status !== undefined) await setStatus(f, `${base}/${o.name}`, created, o.status);
}

async function setStatus(f: Fixture, path: string, current: Record<string, unknown>, status: unknown): Promise<void> {
  await call(f, 'PUT', `${path}/status`, { ...current, status });
}

const ARGO = { group: 'argoproj.io', version: 'v1alpha1', plural: 'applications', kind: 'Application', namespace: 'argocd' };
const HELM = { group: 'helm.toolkit.fluxcd.io', version: 'v2', plural: 'helmreleases', kind: 'HelmRelease' };
const KUSTOMIZE = { group: 'kustomize.toolkit.fluxcd.io', version: 'v1', plural: 'kustomizations', kind: 'Kustomization', namespace: 'flux-system' };

describe('platform post-checks on a live cluster', () => {
  let f: Fixture | undefined;
  const fx = () => f as Fixture;
  before(async () => {
    const ts = await startTestSandbox(smallFleet({ workloads: ['{name: grafana, namespace: monitoring, kind: Deployment, replicas: 2, image: "grafana/grafana:11.3.0", startupSeconds: 5, readinessSeconds: 5}'] }));
    await ts.until('every pod is Ready', () => allPodsReady(ts.sandbox), WAIT_MS);
    f = { ts, cluster: await connect({ name: REGION, kubeconfig: ts.kubeconfigPath, context: REGION }) };
  });
  after(async () => {
    await f?.cluster.close();
    await f?.ts.stop();
  });

  test('given no Argo CD in the cluster, the argocd gate fails closed and says what is missing', async () => {
    const results = await checkGitops('argocd', fx().cluster);
    assert.deepEqual(results, [{ name: 'Applications', passed: false, message: 'eu-central does not serve applications.argoproj.io/v1alpha1, so there is nothing to judge and the gate fails closed; install Argo CD there, or remove the gate' }]);
  });

  test('given Applications synced, drifted and not yet reconciled, each gets its verdict with the live status', async () => {
    await installCrd(fx(), ARGO.group, ARGO.version, ARGO.kind, ARGO.plural);
    await ensureNamespace(fx(), 'argocd');
    await putObject(fx(), { ...ARGO, name: 'guestbook', status: { sync: { status: 'Synced', revision: '9d3e1f0c2b7a44e1' }, health: { status: 'Healthy' } } });
    await putObject(fx(), { ...ARGO, name: 'shop', status: { sync: { status: 'OutOfSync', revision: '9d3e1f0c2b7a44e1' }, health: { status: 'Degraded', message: 'Deployment "web" exceeded its progress deadline' } } });
    await putObject(fx(), { ...ARGO, name: 'new-app' });

    const results = await checkGitops('argocd', fx().cluster);

    assert.deepEqual(results, [
      { name: 'Application argocd/guestbook', passed: true, message: 'sync Synced, health Healthy at revision 9d3e1f0c2b7a' },
      { name: 'Application argocd/new-app', passed: false, message: 'no sync or health status yet (the Argo CD application controller has not reconciled it)' },
      { name: 'Application argocd/shop', passed: false, message: 'sync OutOfSync, health Degraded at revision 9d3e1f0c2b7a; Deployment "web" exceeded its progress deadline' },
    ]);
    const m = gitopsMeasurement(results);
    assert.equal(m.passed, false);
    assert.equal(m.value, 2);
    assert.match(m.message, /^2 of 3 not in sync: Application argocd\/new-app: no sync or health status yet/);
    // and as a plan's gate, evaluated the way every gate is, it fails with the same words
    const gate = await evaluateGate(GateSchema.parse({ type: 'gitops', tool: 'argocd' }), { cluster: fx().cluster, customResources: fx().cluster, runId: 'r', clock: { now: () => 0 } });
    assert.deepEqual([gate.gate, gate.passed, gate.message], ['gitops argocd', false, m.message]);
  });

  test('when the drifted Applications are synced again, the argocd gate passes', async () => {
    for (const name of ['shop', 'new-app']) {
      const path = `/apis/${ARGO.group}/${ARGO.version}/namespaces/argocd/${ARGO.plural}/${name}`;
      await setStatus(fx(), path, await call(fx(), 'GET', path), { sync: { status: 'Synced', revision: 'aa11bb22cc33dd44' }, health: { status: 'Healthy' } });
    }
    const m = gitopsMeasurement(await checkGitops('argocd', fx().cluster));
    assert.deepEqual(m, { passed: true, value: 0, threshold: '0', message: 'all 3 in sync: Application argocd/guestbook, Application argocd/new-app, Application argocd/shop' });
    const gate = await evaluateGate(GateSchema.parse({ type: 'gitops', tool: 'argocd' }), { cluster: fx().cluster, customResources: fx().cluster, runId: 'r', clock: { now: () => 0 } });
    assert.equal(gate.passed, true, gate.message);
  });

  test('given Flux HelmReleases and a Kustomization, Ready=True passes and a failed upgrade fails with its reason', async () => {
    await installCrd(fx(), HELM.group, HELM.version, HELM.kind, HELM.plural);
    await installCrd(fx(), KUSTOMIZE.group, KUSTOMIZE.version, KUSTOMIZE.kind, KUSTOMIZE.plural);
    await ensureNamespace(fx(), 'flux-system');
    const ready = (reason: string, message: string) => ({ observedGeneration: 1, conditions: [{ type: 'Ready', status: 'True', reason, message, lastTransitionTime: '2026-09-01T09:30:00Z' }] });
    await putObject(fx(), { ...HELM, namespace: 'monitoring', name: 'grafana', spec: { chart: { spec: { chart: 'grafana', version: '8.5.1' } } }, status: ready('UpgradeSucceeded', 'Helm upgrade succeeded for release monitoring/grafana.v7 with chart grafana@8.5.1') });
    await putObject(fx(), {
      ...HELM,
      namespace: 'monitoring',
      name: 'loki',
      spec: { chart: { spec: { chart: 'loki', version: '6.16.0' } } },
      status: { observedGeneration: 1, conditions: [{ type: 'Ready', status: 'False', reason: 'UpgradeFailed', message: 'Helm upgrade failed for release monitoring/loki with chart loki@6.16.0: context deadline exceeded', lastTransitionTime: '2026-09-01T09:31:00Z' }] },
    });
    await putObject(fx(), { ...KUSTOMIZE, name: 'apps', spec: { path: './apps', prune: true }, status: ready('ReconciliationSucceeded', 'Applied revision: main@sha1:5c2d9e1') });

    const results = await checkGitops('flux', fx().cluster);

    assert.deepEqual(results, [
      { name: 'HelmRelease monitoring/grafana', passed: true, message: 'Ready=True (UpgradeSucceeded): Helm upgrade succeeded for release monitoring/grafana.v7 with chart grafana@8.5.1' },
      { name: 'HelmRelease monitoring/loki', passed: false, message: 'Ready=False (UpgradeFailed): Helm upgrade failed for release monitoring/loki with chart loki@6.16.0: context deadline exceeded' },
      { name: 'Kustomization flux-system/apps', passed: true, message: 'Ready=True (ReconciliationSucceeded): Applied revision: main@sha1:5c2d9e1' },
    ]);
    assert.equal(gitopsMeasurement(results).passed, false);
  });

  test('a HelmRelease whose spec changed after its last reconcile is not taken as Ready', async () => {
    const path = `/apis/${HELM.group}/${HELM.version}/namespaces/monitoring/${HELM.plural}/grafana`;
    const current = await call(fx(), 'GET', path);
    await call(fx(), 'PUT', path, { ...current, spec: { chart: { spec: { chart: 'grafana', version: '8.6.0' } } } });
    const results = await checkGitops('flux', fx().cluster);
    assert.deepEqual(results.find((r) => r.name === 'HelmRelease monitoring/grafana'), {
      name: 'HelmRelease monitoring/grafana',
      passed: false,
      message: 'Ready=True (UpgradeSucceeded): Helm upgrade succeeded for release monitoring/grafana.v7 with chart grafana@8.5.1; generation 2 not yet reconciled (observed 1)',
    });
  });

  test('the deployments check follows a rolling update: the old tag passes, then only the new one once the rollout is done', async () => {
    const before = await checkDeployments([{ namespace: 'monitoring', name: 'grafana', tag: '11.3.0' }], fx().cluster);
    assert.deepEqual(before, [{ name: 'monitoring/grafana', passed: true, message: 'monitoring/grafana: 2/2 available, grafana runs grafana/grafana:11.3.0' }]);
    const [notYet] = await checkDeployments([{ namespace: 'monitoring', name: 'grafana', tag: 'v11.4.0' }], fx().cluster);
    assert.equal(notYet?.passed, false);
    assert.equal(notYet?.message, 'monitoring/grafana: no container runs tag v11.4.0 (grafana=grafana/grafana:11.3.0); 2/2 available');

    const path = '/apis/apps/v1/namespaces/monitoring/deployments/grafana';
    const d = (await call(fx(), 'GET', path)) as { spec: { template: { spec: { containers: { name: string; image: string }[] } } } };
    d.spec.template.spec.containers = d.spec.template.spec.containers.map((c) => ({ ...c, image: 'grafana/grafana:11.4.0' }));
    await call(fx(), 'PUT', path, d);

    const want = [{ namespace: 'monitoring', name: 'grafana', tag: 'v11.4.0' }];
    await fx().ts.until('grafana runs 11.4.0 everywhere', async () => (await checkDeployments(want, fx().cluster))[0]?.passed === true, WAIT_MS);
    const [done] = await checkDeployments(want, fx().cluster);
    assert.equal(done?.message, 'monitoring/grafana: 2/2 available, grafana runs grafana/grafana:11.4.0');
    const [old] = await checkDeployments([{ namespace: 'monitoring', name: 'grafana', tag: '11.3.0' }], fx().cluster);
    assert.equal(old?.passed, false);
  });
});
