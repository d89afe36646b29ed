// Strategic merge patch as the sandbox applies it: the patches kubectl sends (patch, cordon, label,
// annotate, apply, rollout restart) and the directives ($patch, $retainKeys, $deleteFromPrimitiveList).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { PatchError } from './json-values.ts';
import { applyStrategicMergePatch } from './strategic-merge.ts';
import { at, containers, deepFreeze, deployment, json, node } from './patch-fixtures.ts';
import type { Json } from './patch-fixtures.ts';

function smp(target: unknown, patch: unknown): unknown {
  return applyStrategicMergePatch(target, deepFreeze(patch));
}

describe('strategic merge patch', () => {
  test('kubectl set image: one container changes, its siblings and fields stay', () => {
    const result = smp(deployment(), {
      spec: { template: { spec: { containers: [{ name: 'sidecar', image: 'envoy:1.31' }] } } },
    });
    assert.deepEqual(
      containers(result).map((c) => [c.name, c.image]),
      [['app', 'shop/web:1.0'], ['sidecar', 'envoy:1.31'], ['logger', 'fluent-bit:3']],
    );
    assert.deepEqual(containers(result)[0], containers(deployment())[0]);
    assert.deepEqual(at(result, 'spec.template.spec.volumes'), [{ name: 'cache', emptyDir: {} }]);
  });

  test('a container the live object lacks is added, placed first as Kubernetes does', () => {
    const result = smp(deployment(), {
      spec: { template: { spec: { containers: [{ name: 'debug', image: 'busybox' }] } } },
    });
    assert.deepEqual(containers(result).map((c) => c.name), ['debug', 'app', 'sidecar', 'logger']);
  });

  test('env is merged by name inside a container', () => {
    const result = smp(deployment(), {
      spec: {
        template: {
          spec: { containers: [{ name: 'app', env: [{ name: 'DEBUG', value: '1' }, { name: 'REGION', value: 'eu' }] }] },
        },
      },
    });
    const app = containers(result)[0];
    assert.equal(app?.image, 'shop/web:1.0');
    // Kubernetes' order: REGION follows DEBUG because it does in the patch.
    assert.deepEqual(app?.env, [
      { name: 'MODE', value: 'prod' },
      { name: 'DEBUG', value: '1' },
      { name: 'REGION', value: 'eu' },
    ]);
  });

  test('container ports merge by containerPort and volumeMounts by mountPath', () => {
    const result = smp(deployment(), {
      spec: {
        template: {
          spec: {
            containers: [
              {
                name: 'app',
                ports: [{ containerPort: 8080, protocol: 'TCP' }],
                volumeMounts: [{ mountPath: '/cache', readOnly: true }],
              },
            ],
          },
        },
      },
    });
    const app = containers(result)[0];
    assert.deepEqual(app?.ports, [{ containerPort: 8080, name: 'http', protocol: 'TCP' }]);
    assert.deepEqual(app?.volumeMounts, [{ name: 'cache', mountPath: '/cache', readOnly: true }]);
  });

  test('$patch: delete removes the list item with that key', () => {
    const result = smp(deployment(), {
      spec: { template: { spec: { containers: [{ name: 'sidecar', $patch: 'delete' }] } } },
    });
    assert.deepEqual(containers(result).map((c) => c.name), ['app', 'logger']);
  });

  test('$patch: delete of an item that does not exist changes nothing', () => {
    const result = smp(deployment(), {
      spec: { template: { spec: { containers: [{ name: 'ghost', $patch: 'delete' }] } } },
    });
    assert.deepEqual(result, deployment());
  });

  test('$patch: replace on a list replaces it with the other items', () => {
    const result = smp(deployment(), {
      spec: { template: { spec: { containers: [{ $patch: 'replace' }, { name: 'only', image: 'nginx' }] } } },
    });
    assert.deepEqual(containers(result), [{ name: 'only', image: 'nginx' }]);
  });

  test('$patch: replace on a map replaces it instead of merging', () => {
    const result = smp(deployment(), { metadata: { labels: { $patch: 'replace', owner: 'team-a' } } });
    assert.deepEqual(at(result, 'metadata.labels'), { owner: 'team-a' });
    assert.equal(at(result, 'metadata.name'), 'web');
  });

  test('$patch: delete on a map empties it, and never creates a missing one', () => {
    const result = smp(deployment(), { metadata: { labels: { $patch: 'delete' }, annotations: { $patch: 'delete' } } });
    assert.deepEqual(at(result, 'metadata.labels'), {});
    assert.equal(Object.hasOwn(at(result, 'metadata') as Json, 'annotations'), false);
  });

  test('kubectl label app- removes a label with null, keeps the others', () => {
    const result = smp(deployment(), { metadata: { labels: { app: null, tier: 'back', release: 'v2' } } });
    assert.deepEqual(at(result, 'metadata.labels'), { tier: 'back', release: 'v2' });
  });

  test('kubectl annotate adds annotations to an object without any', () => {
    const result = smp(deployment(), { metadata: { annotations: { 'example.com/owner': 'team-a', gone: null } } });
    assert.deepEqual(at(result, 'metadata.annotations'), { 'example.com/owner': 'team-a' });
  });

  test('kubectl cordon and uncordon', () => {
    const cordoned = smp(node(), { spec: { unschedulable: true } });
    assert.equal(at(cordoned, 'spec.unschedulable'), true);
    assert.equal(at(cordoned, 'spec.podCIDR'), '10.0.1.0/24');
    assert.deepEqual(at(cordoned, 'spec.taints'), at(node(), 'spec.taints'));
    const uncordoned = smp(cordoned, { spec: { unschedulable: null } });
    assert.deepEqual(uncordoned, node());
  });

  test('tolerations are replaced wholesale, as Kubernetes has no merge key for them', () => {
    const tolerations = [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' }];
    const result = smp(deployment(), { spec: { template: { spec: { tolerations } } } });
    assert.deepEqual(at(result, 'spec.template.spec.tolerations'), tolerations);
  });

  test('node taints are replaced wholesale (NodeSpec.Taints has no patch strategy)', () => {
    const result = smp(node(), { spec: { taints: [{ key: 'maintenance', effect: 'NoSchedule' }] } });
    assert.deepEqual(at(result, 'spec.taints'), [{ key: 'maintenance', effect: 'NoSchedule' }]);
  });

  test('metadata.finalizers merge as a set of strings', () => {
    const result = smp(deployment(), { metadata: { finalizers: ['b', 'c'] } });
    assert.deepEqual(at(result, 'metadata.finalizers'), ['a', 'b', 'c']);
  });

  test('$deleteFromPrimitiveList removes finalizers and is not stored', () => {
    const result = smp(deployment(), { metadata: { '$deleteFromPrimitiveList/finalizers': ['a', 'zzz'] } });
    assert.deepEqual(at(result, 'metadata'), { ...(at(deployment(), 'metadata') as Json), finalizers: ['b'] });
  });

  test('a Namespace spec.finalizers list is atomic, unlike metadata.finalizers', () => {
    const namespace = json('{"kind":"Namespace","spec":{"finalizers":["kubernetes"]},"metadata":{"finalizers":["x"]}}');
    const result = smp(namespace, { spec: { finalizers: [] }, metadata: { finalizers: ['y'] } });
    assert.deepEqual(result, { kind: 'Namespace', spec: { finalizers: [] }, metadata: { finalizers: ['y', 'x'] } });
  });

  test('status conditions and node addresses merge by type', () => {
    const result = smp(node(), {
      status: {
        conditions: [{ type: 'Ready', status: 'False', reason: 'KubeletNotReady' }],
        addresses: [{ type: 'ExternalIP', address: '203.0.113.5' }],
      },
    });
    assert.deepEqual(at(result, 'status.conditions'), [
      { type: 'Ready', status: 'False', reason: 'KubeletNotReady' },
      { type: 'MemoryPressure', status: 'False' },
    ]);
    assert.deepEqual(
      (at(result, 'status.addresses') as Json[]).map((a) => a.type),
      ['ExternalIP', 'InternalIP', 'Hostname'],
    );
  });

  test('Service spec.ports merge by port', () => {
    const service = json('{"kind":"Service","spec":{"ports":[{"port":80,"targetPort":8080},{"port":443}]}}');
    const result = smp(service, { spec: { ports: [{ port: 80, targetPort: 9090 }] } });
    assert.deepEqual(at(result, 'spec.ports'), [{ port: 80, targetPort: 9090 }, { port: 443 }]);
  });

  test('ownerReferences merge by uid', () => {
    const pod = json('{"metadata":{"ownerReferences":[{"uid":"u1","kind":"ReplicaSet","controller":true}]}}');
    const result = smp(pod, { metadata: { ownerReferences: [{ uid: 'u1', controller: false }, { uid: 'u2', kind: 'Job' }] } });
    assert.deepEqual(at(result, 'metadata.ownerReferences'), [
      { uid: 'u1', kind: 'ReplicaSet', controller: false },
      { uid: 'u2', kind: 'Job' },
    ]);
  });

  test('lists without a merge key in Kubernetes (args) are replaced', () => {
    const pod = json('{"spec":{"containers":[{"name":"c","args":["--a","--b"]}]}}');
    const result = smp(pod, { spec: { containers: [{ name: 'c', args: ['--c'] }] } });
    assert.deepEqual(result, { spec: { containers: [{ name: 'c', args: ['--c'] }] } });
  });

  test('kubectl apply: $setElementOrder and $retainKeys are honoured and never stored', () => {
    const result = smp(deployment(), {
      metadata: { annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{}' } },
      spec: {
        strategy: { $retainKeys: ['type'], type: 'Recreate' },
        template: {
          spec: {
            '$setElementOrder/containers': [{ name: 'app' }, { name: 'sidecar' }, { name: 'logger' }],
            containers: [{ name: 'app', image: 'shop/web:1.1' }],
          },
        },
      },
    });
    assert.deepEqual(at(result, 'spec.strategy'), { type: 'Recreate' });
    assert.deepEqual(containers(result).map((c) => c.image), ['shop/web:1.1', 'envoy:1.30', 'fluent-bit:3']);
    assert.equal(JSON.stringify(result).includes('$'), false);
    assert.deepEqual(at(result, 'metadata.annotations'), { 'kubectl.kubernetes.io/last-applied-configuration': '{}' });
  });

  test('kubectl rollout restart adds a pod template annotation only', () => {
    const result = smp(deployment(), {
      spec: { template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': '2025-01-01T00:00:00Z' } } } },
    });
    assert.deepEqual(at(result, 'spec.template.metadata'), {
      labels: { app: 'web' },
      annotations: { 'kubectl.kubernetes.io/restartedAt': '2025-01-01T00:00:00Z' },
    });
    assert.deepEqual(containers(result), containers(deployment()));
  });

  test('unknown $-directives and nulls inside new fields are not stored', () => {
    const result = smp({ spec: {} }, {
      $whatever: 1,
      spec: { $note: 'x', extra: { keep: 1, drop: null, $hint: true }, list: [{ $patch: 'delete', name: 'x' }, { a: 1 }] },
    });
    assert.deepEqual(result, { spec: { extra: { keep: 1 }, list: [{ a: 1 }] } });
  });

  test('the result can be edited without touching the stored object', () => {
    const stored = deployment();
    const result = smp(stored, { spec: { replicas: 3 } }) as Json;
    (at(result, 'metadata.labels') as Json).app = 'changed';
    assert.equal(at(stored, 'metadata.labels.app'), 'web');
    assert.equal(at(result, 'spec.replicas'), 3);
  });

  const errors: [string, unknown, RegExp][] = [
    ['a patch that is not an object', ['x'], /must be a JSON object at the document root/],
    [
      'a merge-keyed item without its key',
      { spec: { template: { spec: { containers: [{ image: 'x' }] } } } },
      /no merge key "name" at "\/spec\/template\/spec\/containers\/0"/,
    ],
    [
      'an unknown $patch value on a list item',
      { spec: { template: { spec: { containers: [{ name: 'app', $patch: 'merge' }] } } } },
      /unknown \$patch directive "merge".*"\/spec\/template\/spec\/containers\/0"/,
    ],
    ['an unknown $patch value on a map', { metadata: { $patch: 'zap' } }, /unknown \$patch directive "zap".*"\/metadata"/],
    ['a field missing from $retainKeys', { spec: { strategy: { $retainKeys: ['type'], rollingUpdate: {} } } }, /"rollingUpdate".*"\/spec\/strategy"/],
    ['$retainKeys that is not a list', { spec: { $retainKeys: 'type' } }, /\$retainKeys must be a list/],
    ['$deleteFromPrimitiveList with a non-list', { metadata: { '$deleteFromPrimitiveList/finalizers': 'a' } }, /must be a list/],
  ];
  for (const [name, patch, message] of errors) {
    test(`rejects ${name}`, () => {
      assert.throws(() => smp(deployment(), patch), (error: unknown) => {
        assert.ok(error instanceof PatchError);
        assert.match(error.message, message);
        return true;
      });
    });
  }
});
