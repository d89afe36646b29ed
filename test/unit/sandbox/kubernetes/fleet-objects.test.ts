// Unit tests for what the kubernetes engine creates from a fleet file: the simulated engine's nodes (names,
// labels, capacity) handed to kwok, the workloads with kwok's delays, and how create answers are read.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'yaml';
import { SandboxFleet } from '../../../../src/sandbox/fleet.ts';
import type { Node } from '../../../../src/sandbox/k8s-types.ts';
import { classify, collectionPath } from '../../../../src/sandbox/kubernetes/api-create.ts';
import { regionObjects } from '../../../../src/sandbox/kubernetes/fleet-objects.ts';
import { KWOK_NODE_ANNOTATION } from '../../../../src/sandbox/kubernetes/kwok.ts';
import { KUBELET_STOPPED_ANNOTATION, KWOK_DELAY, kwokStagesYaml } from '../../../../src/sandbox/kubernetes/kwok-stages.ts';
import { smallFleet } from '../../../support/fleets.ts';

const fleet = () =>
  smallFleet({
    zones: 2,
    workloads: [
      '{name: web, namespace: shop, kind: Deployment, replicas: 4, startupSeconds: 20, readinessSeconds: 10, shutdownSeconds: 40, terminationGracePeriodSeconds: 30, pdb: {minAvailable: 3}, service: {}}',
      '{name: shell, kind: Pod, replicas: 2}',
    ],
  });

const objectsOf = () => {
  const f = fleet();
  return regionObjects(f.spec, f.spec.regions[0] as (typeof f.spec.regions)[number], 0);
};

test('the nodes are the simulated engine\'s, same names, labels and capacity, each annotated for kwok and without conditions', () => {
  const byName = (a: Node, b: Node) => a.metadata.name.localeCompare(b.metadata.name);
  const simulated = (new SandboxFleet(fleet()).regions[0]?.store.list('nodes') as Node[]).sort(byName);
  const real = objectsOf().filter((o) => o.resource === 'nodes').map((o) => o.object as unknown as Node).sort(byName);
  assert.deepEqual(real.map((n) => n.metadata.name), simulated.map((n) => n.metadata.name));
  assert.equal(real.length, 5);
  for (const [i, n] of real.entries()) {
    assert.deepEqual(n.metadata.labels, simulated[i]?.metadata.labels);
    assert.deepEqual(n.status.capacity, simulated[i]?.status.capacity);
    assert.equal(n.metadata.annotations?.[KWOK_NODE_ANNOTATION.key], KWOK_NODE_ANNOTATION.value);
    assert.equal(n.status.conditions, undefined, 'kwok registers the conditions');
    assert.equal(n.metadata.uid, undefined, 'the API server assigns the uid');
  }
});

test('pod templates and bare pods carry kwok\'s delays from the fleet file, shutdown capped by the grace period', () => {
  const objects = objectsOf();
  const deployment = objects.find((o) => o.resource === 'deployments.apps')?.object as unknown as { spec: { template: { metadata: { annotations: Record<string, string> } } } };
  assert.deepEqual(
    [KWOK_DELAY.start, KWOK_DELAY.ready, KWOK_DELAY.stop].map((k) => deployment.spec.template.metadata.annotations[k]),
    ['20000ms', '10000ms', '30000ms'],
  );
  const pods = objects.filter((o) => o.resource === 'pods').map((o) => `${o.object.metadata.namespace}/${o.object.metadata.name}`);
  assert.deepEqual(pods, ['default/shell-0', 'default/shell-1']);
  const service = objects.find((o) => o.resource === 'services')?.object as unknown as { spec: Record<string, unknown> };
  assert.equal(service.spec.clusterIP, undefined, 'the API server allocates the Service address');
});

test('objects come namespaces first, then nodes, then workloads, each POSTed to its collection', () => {
  const objects = objectsOf();
  const kinds = objects.map((o) => o.resource);
  assert.ok(kinds.lastIndexOf('namespaces') < kinds.indexOf('nodes') && kinds.lastIndexOf('nodes') < kinds.indexOf('deployments.apps'));
  assert.deepEqual(
    ['namespaces', 'nodes', 'deployments.apps', 'poddisruptionbudgets.policy', 'pods'].map((r) => collectionPath(objects.find((o) => o.resource === r) as (typeof objects)[number])),
    ['/api/v1/namespaces', '/api/v1/nodes', '/apis/apps/v1/namespaces/shop/deployments', '/apis/policy/v1/namespaces/shop/poddisruptionbudgets', '/api/v1/namespaces/default/pods'],
  );
});

test('create answers: 201 created, 409 AlreadyExists done, a missing ServiceAccount and 5xx retried, anything else fails', () => {
  assert.equal(classify(201, '{}').kind, 'created');
  assert.equal(classify(409, '{"reason":"AlreadyExists"}').kind, 'exists');
  assert.equal(classify(403, 'pods "x" is forbidden: error looking up service account shop/default: serviceaccount "default" not found').kind, 'retry');
  assert.equal(classify(503, 'etcd').kind, 'retry');
  assert.equal(classify(422, 'Invalid').kind, 'failed');
  assert.equal(classify(409, '{"reason":"Conflict"}').kind, 'failed');
});

test('every stage waits while the kubelet is stopped, and the heartbeat is a quarter of the grace period', () => {
  const stages = kwokStagesYaml(40).split('---\n').map((d) => parse(d) as { metadata: { name: string }; spec: { selector: { matchExpressions: { key: string }[] }; delay: { durationMilliseconds: number } } });
  const stopped = `.metadata.annotations["${KUBELET_STOPPED_ANNOTATION}"]`;
  assert.deepEqual(stages.filter((s) => !s.spec.selector.matchExpressions.some((e) => e.key === stopped)).map((s) => s.metadata.name), []);
  assert.equal(stages.find((s) => s.metadata.name === 'daylight-node-heartbeat')?.spec.delay.durationMilliseconds, 10_000);
});
