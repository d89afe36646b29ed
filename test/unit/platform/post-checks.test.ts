// Post-check evaluators over fakes: the deployments check (rollout finished and the image tag asked for)
// and the GitOps judges (Argo CD sync and health, Flux Ready), each result as data with the live status;
// unreadable clusters fail closed, aborts pass through.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkGitops, gitopsMeasurement, judgeArgoApplication, judgeFluxReady } from '../../../src/checks/gitops.ts';
import type { RawCluster } from '../../../src/checks/gitops.ts';
import type { WorkloadView } from '../../../src/kube/types.ts';
import { checkDeployments, deploymentsMeasurement, imageTag } from '../../../src/platform/deployments-check.ts';

function deployment(name: string, o: Partial<WorkloadView> = {}): WorkloadView {
  return { kind: 'Deployment', namespace: 'monitoring', name, replicas: 2, readyReplicas: 2, availableReplicas: 2, updatedReplicas: 2, observedGeneration: 3, generation: 3, owned: false, containers: [{ name, image: `registry.example/${name}:11.4.0` }], ...o };
}

const cluster = (list: () => Promise<WorkloadView[]>) => ({ name: 'eu-central', workloads: { list } });

test('image tags are read past registry ports and digests; an untagged image is latest', () => {
  assert.equal(imageTag('registry.example:5000/grafana/grafana:11.4.0@sha256:abc'), '11.4.0');
  assert.equal(imageTag('grafana/grafana'), 'latest');
  assert.equal(imageTag('registry.example:5000/grafana'), 'latest');
});

test('a finished rollout running the tag asked for passes; "v" prefixes do not matter', async () => {
  const r = await checkDeployments([{ namespace: 'monitoring', name: 'grafana', tag: 'v11.4.0' }], cluster(async () => [deployment('grafana')]));
  assert.deepEqual(r, [{ name: 'monitoring/grafana', passed: true, message: 'monitoring/grafana: 2/2 available, grafana runs registry.example/grafana:11.4.0' }]);
  assert.equal(deploymentsMeasurement(r).passed, true);
});

test('a container on another tag fails and lists every container image', async () => {
  const d = deployment('grafana', { containers: [{ name: 'grafana', image: 'grafana/grafana:11.3.0' }, { name: 'sidecar', image: 'kiwigrid/k8s-sidecar:1.27.0' }] });
  const [r] = await checkDeployments([{ namespace: 'monitoring', name: 'grafana', tag: '11.4.0' }], cluster(async () => [d]));
  assert.deepEqual(r, { name: 'monitoring/grafana', passed: false, message: 'monitoring/grafana: no container runs tag 11.4.0 (grafana=grafana/grafana:11.3.0, sidecar=kiwigrid/k8s-sidecar:1.27.0); 2/2 available' });
});

test('the new tag in the template is not enough: an unfinished rollout fails with its numbers', async () => {
  const d = deployment('grafana', { updatedReplicas: 1, availableReplicas: 1, generation: 4 });
  const [r] = await checkDeployments([{ namespace: 'monitoring', name: 'grafana', tag: '11.4.0' }], cluster(async () => [d]));
  assert.equal(r?.passed, false);
  assert.equal(r?.message, 'monitoring/grafana: grafana runs registry.example/grafana:11.4.0, but the rollout is not finished: generation 4 not yet observed (at 3), 1/2 updated, 1/2 available');
});

test('a missing Deployment, a StatefulSet of that name, and an unreadable cluster all fail', async () => {
  const sts = { ...deployment('loki'), kind: 'StatefulSet' as const };
  const [missing] = await checkDeployments([{ namespace: 'monitoring', name: 'loki', tag: '3.1.0' }], cluster(async () => [sts]));
  assert.deepEqual(missing, { name: 'monitoring/loki', passed: false, message: 'Deployment monitoring/loki not found in eu-central' });
  const down = await checkDeployments([{ namespace: 'monitoring', name: 'grafana', tag: '1' }], cluster(async () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:6443'))));
  assert.deepEqual(down, [{ name: 'monitoring/grafana', passed: false, message: 'could not list the workloads of eu-central, so it counts as failed: connect ECONNREFUSED 127.0.0.1:6443' }]);
  const m = deploymentsMeasurement([...down, { name: 'monitoring/x', passed: true, message: 'ok' }]);
  assert.equal(m.passed, false);
  assert.equal(m.value, 1);
});

test('an abort passes through the deployments check', async () => {
  const ac = new AbortController();
  ac.abort();
  await assert.rejects(checkDeployments([{ namespace: 'a', name: 'b', tag: '1' }], cluster(async () => Promise.reject(new DOMException('aborted', 'AbortError'))), ac.signal), { name: 'AbortError' });
});

test('Argo CD: Synced and Healthy passes; anything else fails with sync, health, revision and the reason', () => {
  assert.deepEqual(judgeArgoApplication({ status: { sync: { status: 'Synced', revision: '4f1c2e9a7b3d5f60' }, health: { status: 'Healthy' } } }), { passed: true, message: 'sync Synced, health Healthy at revision 4f1c2e9a7b3d' });
  assert.deepEqual(judgeArgoApplication({ status: { sync: { status: 'OutOfSync' }, health: { status: 'Degraded', message: 'Deployment "grafana" exceeded its progress deadline' }, operationState: { phase: 'Failed', message: 'one or more objects failed to apply' } } }), {
    passed: false,
    message: 'sync OutOfSync, health Degraded; Deployment "grafana" exceeded its progress deadline; last operation Failed: one or more objects failed to apply',
  });
  assert.equal(judgeArgoApplication({ status: { sync: { status: 'Synced' }, health: { status: 'Progressing' } } }).passed, false);
  assert.deepEqual(judgeArgoApplication({}), { passed: false, message: 'no sync or health status yet (the Argo CD application controller has not reconciled it)' });
});

test('Flux: Ready=True at the current generation passes; False, missing or stale fails', () => {
  assert.deepEqual(judgeFluxReady({ metadata: { generation: 2 }, status: { observedGeneration: 2, conditions: [{ type: 'Ready', status: 'True', reason: 'ReconciliationSucceeded', message: 'Applied revision: main@sha1:abc' }] } }), {
    passed: true,
    message: 'Ready=True (ReconciliationSucceeded): Applied revision: main@sha1:abc',
  });
  assert.deepEqual(judgeFluxReady({ status: { conditions: [{ type: 'Ready', status: 'False', reason: 'UpgradeFailed', message: 'Helm upgrade failed: timed out waiting for the condition' }] } }), {
    passed: false,
    message: 'Ready=False (UpgradeFailed): Helm upgrade failed: timed out waiting for the condition',
  });
  assert.deepEqual(judgeFluxReady({ metadata: { generation: 3 }, status: { observedGeneration: 2, conditions: [{ type: 'Ready', status: 'True', reason: 'ReconciliationSucceeded' }] } }), {
    passed: false,
    message: 'Ready=True (ReconciliationSucceeded); generation 3 not yet reconciled (observed 2)',
  });
  assert.equal(judgeFluxReady({ spec: { suspend: true }, status: {} }).message, 'no Ready condition yet (the Flux controller has not reconciled it) (suspended: not reconciling)');
});

function rawCluster(answers: Record<string, { status: number; body: unknown } | Error>): RawCluster & { paths: string[] } {
  const paths: string[] = [];
  return {
    name: 'eu-central',
    paths,
    raw: async (_method, path) => {
      paths.push(path);
      const a = answers[path.split('?')[0] as string];
      if (a instanceof Error) throw a;
      return a ? { status: a.status, body: JSON.stringify(a.body) } : { status: 404, body: JSON.stringify({ kind: 'Status', message: 'the server could not find the requested resource' }) };
    },
  };
}

test('without the custom resources, the gate fails closed and asks whether the tool is installed', async () => {
  assert.deepEqual(await checkGitops('argocd', rawCluster({})), [{ name: 'Applications', passed: false, message: 'eu-central does not serve applications.argoproj.io/v1alpha1, so there is nothing to judge and the gate fails closed; install Argo CD there, or remove the gate' }]);
  const flux = await checkGitops('flux', rawCluster({ '/apis/kustomize.toolkit.fluxcd.io/v1/kustomizations': { status: 200, body: { items: [] } } }));
  assert.deepEqual(flux, [{ name: 'Kustomizations or HelmReleases', passed: false, message: 'eu-central has no Flux Kustomizations or HelmReleases, so there is nothing to judge and the gate fails closed' }]);
  assert.equal(gitopsMeasurement(flux).passed, false);
});

test('a list that fails is a failed result with the status; a list is followed page by page', async () => {
  const failing = await checkGitops('argocd', rawCluster({ '/apis/argoproj.io/v1alpha1/applications': { status: 403, body: { kind: 'Status', message: 'applications.argoproj.io is forbidden: User "daylight" cannot list resource "applications"' } } }));
  assert.deepEqual(failing, [{ name: 'Application', passed: false, message: 'could not list applications.argoproj.io in eu-central, so it counts as failed: HTTP 403 applications.argoproj.io is forbidden: User "daylight" cannot list resource "applications"' }]);
  const app = (name: string) => ({ metadata: { namespace: 'argocd', name }, status: { sync: { status: 'Synced' }, health: { status: 'Healthy' } } });
  const pages: RawCluster = {
    name: 'eu-central',
    raw: async (_m, path) => ({ status: 200, body: JSON.stringify(path.includes('continue=') ? { items: [app('b')], metadata: {} } : { items: [app('a')], metadata: { continue: 'next' } }) }),
  };
  assert.deepEqual((await checkGitops('argocd', pages)).map((r) => r.name), ['Application argocd/a', 'Application argocd/b']);
});
