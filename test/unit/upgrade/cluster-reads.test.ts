// Reading a cluster for the upgrade plan, without a cluster: which kube-apiserver versions the answers
// add up to, and which resources discovery leads the scan to list (few requests, one list per kind).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { V1Pod } from '@kubernetes/client-node';
import { indexRemovedApis } from '../../../src/upgrade/api-index.ts';
import { servedResources } from '../../../src/upgrade/cluster-objects.ts';
import { apiserverVersions } from '../../../src/upgrade/cluster-versions.ts';

function apiserverPod(name: string, image: string): V1Pod {
  return { metadata: { name, namespace: 'kube-system' }, spec: { containers: [{ name: 'kube-apiserver', image }] } };
}

test('HA apiservers are read from the kube-apiserver pods; GET /version alone when there are none', () => {
  const pods = [apiserverPod('kube-apiserver-cp-1', 'registry.k8s.io/kube-apiserver:v1.29.4'), apiserverPod('kube-apiserver-cp-2', 'registry.k8s.io/kube-apiserver:v1.28.15@sha256:abc')];
  assert.deepEqual(apiserverVersions('v1.29.4', pods), [
    { version: 'v1.29.4', source: 'pod kube-system/kube-apiserver-cp-1' },
    { version: 'v1.28.15', source: 'pod kube-system/kube-apiserver-cp-2' },
  ]);
  assert.deepEqual(apiserverVersions('v1.30.2-eks-1a2b', []), [{ version: 'v1.30.2-eks-1a2b', source: 'GET /version' }]);
  // /version answered by an instance none of the visible pods runs: it counts too
  assert.deepEqual(apiserverVersions('v1.30.1', [apiserverPod('kube-apiserver-cp-1', 'registry.k8s.io/kube-apiserver:v1.29.4')]).map((a) => a.version), ['v1.29.4', 'v1.30.1']);
  // an image without a version tag tells nothing
  assert.deepEqual(apiserverVersions('v1.30.1', [apiserverPod('x', 'example/kube-apiserver@sha256:abc')]).map((a) => a.source), ['GET /version']);
});

/** A fake discovery: answers by path and records what was asked. */
function discovery(answers: Record<string, unknown>): { get: (what: string, path: string) => Promise<unknown>; asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    get: (_what, path) => {
      asked.push(path);
      if (!(path in answers)) return Promise.reject(new Error(`unexpected request ${path}`));
      return Promise.resolve(answers[path]);
    },
  };
}

function resources(...list: [name: string, kind: string][]): unknown {
  return { resources: list.map(([name, kind]) => ({ name, kind, verbs: ['get', 'list', 'watch'] })).concat([{ name: 'deployments/scale', kind: 'Scale', verbs: ['get'] }]) };
}

test('discovery: the table groups the server serves, the preferred version first, other versions only for kinds it lacks, one resource per kind', async () => {
  const d = discovery({
    '/apis': {
      groups: [
        { name: 'apps', versions: [{ version: 'v1' }], preferredVersion: { version: 'v1' } },
        { name: 'example.com', versions: [{ version: 'v1' }], preferredVersion: { version: 'v1' } },
        { name: 'flowcontrol.apiserver.k8s.io', versions: [{ version: 'v1beta3' }, { version: 'v1beta2' }], preferredVersion: { version: 'v1beta3' } },
        { name: 'networking.k8s.io', versions: [{ version: 'v1' }], preferredVersion: { version: 'v1' } },
        { name: 'extensions', versions: [{ version: 'v1beta1' }], preferredVersion: { version: 'v1beta1' } },
      ],
    },
    '/apis/apps/v1': resources(['deployments', 'Deployment'], ['replicasets', 'ReplicaSet'], ['controllerrevisions', 'ControllerRevision']),
    '/apis/flowcontrol.apiserver.k8s.io/v1beta3': resources(['prioritylevelconfigurations', 'PriorityLevelConfiguration']),
    '/apis/flowcontrol.apiserver.k8s.io/v1beta2': resources(['flowschemas', 'FlowSchema'], ['prioritylevelconfigurations', 'PriorityLevelConfiguration']),
    '/apis/networking.k8s.io/v1': resources(['ingresses', 'Ingress'], ['networkpolicies', 'NetworkPolicy']),
    '/apis/extensions/v1beta1': resources(['ingresses', 'Ingress']),
  });
  const found = await servedResources(d.get, indexRemovedApis());
  const listed = found.map((r) => `${r.group}/${r.version}/${r.resource}`).sort();
  assert.deepEqual(listed, [
    'apps/v1/deployments',
    'apps/v1/replicasets',
    'flowcontrol.apiserver.k8s.io/v1beta2/flowschemas',
    'flowcontrol.apiserver.k8s.io/v1beta3/prioritylevelconfigurations',
    'networking.k8s.io/v1/ingresses',
    'networking.k8s.io/v1/networkpolicies',
  ], 'Ingress through networking.k8s.io/v1, not the old extensions/v1beta1 view of the same objects');
  assert.ok(!d.asked.includes('/apis/example.com/v1'), 'groups the table does not name are not asked');
  assert.equal(d.asked.length, 6);
});
