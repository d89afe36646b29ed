// Tests for the sandbox's PATCH semantics: RFC 7386 and RFC 6902 examples, and the strategic merge
// patches kubectl sends (patch, cordon, label, annotate, apply, rollout restart).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  PatchError,
  applyJsonPatch,
  applyMergePatch,
  applyPatch,
  applyStrategicMergePatch,
  patchTypeOf,
} from './patch.ts';

// Frozen inputs turn any accidental in-place edit into a TypeError, so every test below also checks
// that the stored object and the request body are left alone.
function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

function json(text: string): unknown {
  return deepFreeze(JSON.parse(text));
}

function deployment(): Record<string, unknown> {
  return deepFreeze({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'shop', labels: { app: 'web', tier: 'front' }, finalizers: ['a', 'b'] },
    spec: {
      replicas: 2,
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: {
          containers: [
            {
              name: 'app',
              image: 'shop/web:1.0',
              env: [{ name: 'MODE', value: 'prod' }, { name: 'DEBUG', value: '0' }],
              ports: [{ containerPort: 8080, name: 'http' }],
              volumeMounts: [{ name: 'cache', mountPath: '/cache' }],
            },
            { name: 'sidecar', image: 'envoy:1.30' },
            { name: 'logger', image: 'fluent-bit:3' },
          ],
          volumes: [{ name: 'cache', emptyDir: {} }],
          tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'web', effect: 'NoSchedule' }],
        },
      },
    },
  });
}

function node(): Record<string, unknown> {
  return deepFreeze({
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: 'worker-1', labels: { 'kubernetes.io/hostname': 'worker-1', zone: 'a' } },
    spec: { podCIDR: '10.0.1.0/24', taints: [{ key: 'gpu', value: 'true', effect: 'NoSchedule' }] },
    status: {
      conditions: [
        { type: 'Ready', status: 'True', reason: 'KubeletReady' },
        { type: 'MemoryPressure', status: 'False' },
      ],
      addresses: [
        { type: 'InternalIP', address: '10.0.1.5' },
        { type: 'Hostname', address: 'worker-1' },
      ],
    },
  });
}

type Json = Record<string, unknown>;

/** Walks a dotted path through objects and arrays ("spec.template.spec.containers.0.image"). */
function at(value: unknown, path: string): unknown {
  let current = value;
  for (const step of path.split('.')) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Json)[step];
  }
  return current;
}

function containers(result: unknown): Json[] {
  return at(result, 'spec.template.spec.containers') as Json[];
}

function smp(target: unknown, patch: unknown): unknown {
  return applyStrategicMergePatch(target, deepFreeze(patch));
}

describe('patchTypeOf', () => {
  test('maps the three Kubernetes patch content types', () => {
    assert.equal(patchTypeOf('application/merge-patch+json'), 'merge');
    assert.equal(patchTypeOf('application/strategic-merge-patch+json'), 'strategic');
    assert.equal(patchTypeOf('application/json-patch+json'), 'json');
  });

  test('ignores parameters, whitespace and case', () => {
    assert.equal(patchTypeOf('application/merge-patch+json; charset=utf-8'), 'merge');
    assert.equal(patchTypeOf(' Application/JSON-Patch+JSON ;charset=UTF-8'), 'json');
  });

  test('reports server-side apply, plain JSON and a missing header as unsupported', () => {
    assert.equal(patchTypeOf('application/apply-patch+yaml'), undefined);
    assert.equal(patchTypeOf('application/json'), undefined);
    assert.equal(patchTypeOf(''), undefined);
    assert.equal(patchTypeOf(undefined), undefined);
  });
});

describe('applyPatch', () => {
  const target = json('{"items":["a","b"],"meta":{"k":"v"}}');

  test('merge replaces lists wholesale', () => {
    assert.deepEqual(applyPatch(target, json('{"items":["c"]}'), 'merge'), { items: ['c'], meta: { k: 'v' } });
  });

  test('json runs operations', () => {
    const ops = json('[{"op":"add","path":"/items/-","value":"c"}]');
    assert.deepEqual(applyPatch(target, ops, 'json'), { items: ['a', 'b', 'c'], meta: { k: 'v' } });
  });

  test('strategic merges maps and drops nulls', () => {
    assert.deepEqual(applyPatch(target, json('{"meta":{"k":null,"n":"w"}}'), 'strategic'), {
      items: ['a', 'b'],
      meta: { n: 'w' },
    });
  });
});

describe('JSON merge patch (RFC 7386)', () => {
  test('section 3 example', () => {
    const target = json(`{"title":"Goodbye!","author":{"givenName":"John","familyName":"Doe"},
      "tags":["example","sample"],"content":"This will be unchanged"}`);
    const patch = json(`{"title":"Hello!","phoneNumber":"+01-123-456-7890",
      "author":{"familyName":null},"tags":["example"]}`);
    assert.deepEqual(applyMergePatch(target, patch), {
      title: 'Hello!',
      author: { givenName: 'John' },
      tags: ['example'],
      content: 'This will be unchanged',
      phoneNumber: '+01-123-456-7890',
    });
  });

  const appendix: [string, string, string][] = [
    ['{"a":"b"}', '{"a":"c"}', '{"a":"c"}'],
    ['{"a":"b"}', '{"b":"c"}', '{"a":"b","b":"c"}'],
    ['{"a":"b"}', '{"a":null}', '{}'],
    ['{"a":"b","b":"c"}', '{"a":null}', '{"b":"c"}'],
    ['{"a":["b"]}', '{"a":"c"}', '{"a":"c"}'],
    ['{"a":"c"}', '{"a":["b"]}', '{"a":["b"]}'],
    ['{"a":{"b":"c"}}', '{"a":{"b":"d","c":null}}', '{"a":{"b":"d"}}'],
    ['{"a":[{"b":"c"}]}', '{"a":[1]}', '{"a":[1]}'],
    ['["a","b"]', '["c","d"]', '["c","d"]'],
    ['{"a":"b"}', '["c"]', '["c"]'],
    ['{"a":"foo"}', 'null', 'null'],
    ['{"a":"foo"}', '"bar"', '"bar"'],
    ['{"e":null}', '{"a":1}', '{"e":null,"a":1}'],
    ['[1,2]', '{"a":"b","c":null}', '{"a":"b"}'],
    ['{}', '{"a":{"bb":{"ccc":null}}}', '{"a":{"bb":{}}}'],
  ];
  for (const [original, patch, expected] of appendix) {
    test(`appendix A: ${original} + ${patch} = ${expected}`, () => {
      assert.deepEqual(applyMergePatch(json(original), json(patch)), JSON.parse(expected));
    });
  }

  test('the result shares no objects with the target or the patch', () => {
    const target = json('{"keep":{"x":1},"list":[{"y":2}]}');
    const patch = json('{"added":{"z":3}}');
    const result = applyMergePatch(target, patch) as Json;
    assert.notEqual(result.keep, (target as Json).keep);
    assert.notEqual(result.added, (patch as Json).added);
    assert.deepEqual(result, { keep: { x: 1 }, list: [{ y: 2 }], added: { z: 3 } });
  });

  test('a "__proto__" key in the patch is stored as data, not as a prototype', () => {
    const result = applyMergePatch({}, JSON.parse('{"__proto__":{"polluted":true}}')) as Json;
    assert.equal(Object.getPrototypeOf(result), Object.prototype);
    assert.deepEqual(Object.keys(result), ['__proto__']);
    assert.equal(({} as Json).polluted, undefined);
  });
});

describe('JSON patch (RFC 6902)', () => {
  function run(target: string, ops: string): unknown {
    return applyJsonPatch(json(target), json(ops));
  }

  test('A.1 adding an object member', () => {
    assert.deepEqual(run('{"foo":"bar"}', '[{"op":"add","path":"/baz","value":"qux"}]'), { foo: 'bar', baz: 'qux' });
  });

  test('A.2 adding an array element', () => {
    assert.deepEqual(run('{"foo":["bar","baz"]}', '[{"op":"add","path":"/foo/1","value":"qux"}]'), {
      foo: ['bar', 'qux', 'baz'],
    });
  });

  test('A.3 removing an object member', () => {
    assert.deepEqual(run('{"baz":"qux","foo":"bar"}', '[{"op":"remove","path":"/baz"}]'), { foo: 'bar' });
  });

  test('A.4 removing an array element', () => {
    assert.deepEqual(run('{"foo":["bar","qux","baz"]}', '[{"op":"remove","path":"/foo/1"}]'), { foo: ['bar', 'baz'] });
  });

  test('A.5 replacing a value keeps the member in place', () => {
    const result = run('{"baz":"qux","foo":"bar"}', '[{"op":"replace","path":"/baz","value":"boo"}]');
    assert.deepEqual(result, { baz: 'boo', foo: 'bar' });
    assert.deepEqual(Object.keys(result as Json), ['baz', 'foo']);
  });

  test('A.6 moving a value', () => {
    const result = run(
      '{"foo":{"bar":"baz","waldo":"fred"},"qux":{"corge":"grault"}}',
      '[{"op":"move","from":"/foo/waldo","path":"/qux/thud"}]',
    );
    assert.deepEqual(result, { foo: { bar: 'baz' }, qux: { corge: 'grault', thud: 'fred' } });
  });

  test('A.7 moving an array element', () => {
    const result = run('{"foo":["all","grass","cows","eat"]}', '[{"op":"move","from":"/foo/1","path":"/foo/3"}]');
    assert.deepEqual(result, { foo: ['all', 'cows', 'eat', 'grass'] });
  });

  test('A.8 testing a value: success', () => {
    const ops = '[{"op":"test","path":"/baz","value":"qux"},{"op":"test","path":"/foo/1","value":2}]';
    assert.deepEqual(run('{"baz":"qux","foo":["a",2,"c"]}', ops), { baz: 'qux', foo: ['a', 2, 'c'] });
  });

  test('A.9 testing a value: error', () => {
    assert.throws(() => run('{"baz":"qux"}', '[{"op":"test","path":"/baz","value":"bar"}]'), {
      name: 'PatchError',
      message: /operation 0 \(test\).*"\/baz"/,
    });
  });

  test('A.10 adding a nested member object', () => {
    assert.deepEqual(run('{"foo":"bar"}', '[{"op":"add","path":"/child","value":{"grandchild":{}}}]'), {
      foo: 'bar',
      child: { grandchild: {} },
    });
  });

  test('A.11 ignoring unrecognized elements', () => {
    assert.deepEqual(run('{"foo":"bar"}', '[{"op":"add","path":"/baz","value":"qux","xyz":123}]'), {
      foo: 'bar',
      baz: 'qux',
    });
  });

  test('A.12 adding to a nonexistent target', () => {
    assert.throws(() => run('{"foo":"bar"}', '[{"op":"add","path":"/baz/bat","value":"qux"}]'), {
      name: 'PatchError',
      message: /"\/baz" does not exist/,
    });
  });

  test('A.14 ~ escape ordering', () => {
    const result = run('{"/":9,"~1":10}', '[{"op":"test","path":"/~01","value":10},{"op":"add","path":"/~1","value":1}]');
    assert.deepEqual(result, { '/': 1, '~1': 10 });
  });

  test('A.15 comparing strings and numbers', () => {
    assert.throws(() => run('{"/":9,"~1":10}', '[{"op":"test","path":"/~01","value":"10"}]'), PatchError);
  });

  test('A.16 adding an array value', () => {
    assert.deepEqual(run('{"foo":["bar"]}', '[{"op":"add","path":"/foo/-","value":["abc","def"]}]'), {
      foo: ['bar', ['abc', 'def']],
    });
  });

  test('"-" appends, and the whole document can be added or replaced at ""', () => {
    assert.deepEqual(run('{"l":[1]}', '[{"op":"add","path":"/l/-","value":2},{"op":"add","path":"/l/-","value":3}]'), {
      l: [1, 2, 3],
    });
    assert.deepEqual(run('{"a":1}', '[{"op":"replace","path":"","value":{"b":2}}]'), { b: 2 });
    assert.deepEqual(run('{"a":1}', '[{"op":"add","path":"","value":[1]}]'), [1]);
  });

  test('label keys with "/" are addressed with ~1', () => {
    const target = '{"metadata":{"labels":{"app.kubernetes.io/name":"web","a~b":"x"}}}';
    const ops = `[{"op":"remove","path":"/metadata/labels/app.kubernetes.io~1name"},
      {"op":"replace","path":"/metadata/labels/a~0b","value":"y"}]`;
    assert.deepEqual(run(target, ops), { metadata: { labels: { 'a~b': 'y' } } });
  });

  test('copy duplicates a value without sharing it', () => {
    const result = run('{"a":{"x":[1]}}', '[{"op":"copy","from":"/a","path":"/b"},{"op":"add","path":"/b/x/-","value":2}]');
    assert.deepEqual(result, { a: { x: [1] }, b: { x: [1, 2] } });
  });

  test('test compares objects structurally, ignoring key order', () => {
    const ops = '[{"op":"test","path":"/o","value":{"b":[1,{"c":null}],"a":1}}]';
    assert.deepEqual(run('{"o":{"a":1,"b":[1,{"c":null}]}}', ops), { o: { a: 1, b: [1, { c: null }] } });
  });

  test('a failing operation leaves no partial result and the target untouched', () => {
    const target = json('{"replicas":1}');
    const ops = json('[{"op":"replace","path":"/replicas","value":3},{"op":"test","path":"/replicas","value":1}]');
    assert.throws(() => applyJsonPatch(target, ops), PatchError);
    assert.deepEqual(target, { replicas: 1 });
  });

  const errors: [string, string, string, RegExp][] = [
    ['remove of a missing member', '{"a":1}', '[{"op":"remove","path":"/b"}]', /path "\/b" does not exist/],
    ['remove past the end of an array', '{"a":[1]}', '[{"op":"remove","path":"/a/1"}]', /path "\/a\/1" does not exist/],
    ['replace of a missing member', '{"a":1}', '[{"op":"replace","path":"/b","value":2}]', /path "\/b" does not exist/],
    ['move from a missing member', '{"a":1}', '[{"op":"move","from":"/x","path":"/y"}]', /path "\/x" does not exist/],
    ['move into its own child', '{"a":{"b":1}}', '[{"op":"move","from":"/a","path":"/a/b/c"}]', /own child/],
    ['pointer without a leading slash', '{"a":1}', '[{"op":"remove","path":"a"}]', /must be empty or start with "\/"/],
    ['bad ~ escape', '{"a":1}', '[{"op":"remove","path":"/a~2"}]', /"~" not followed by 0 or 1/],
    ['array index with a leading zero', '{"a":[1,2]}', '[{"op":"remove","path":"/a/01"}]', /"01" is not a valid array index/],
    ['add beyond the end of an array', '{"a":[1]}', '[{"op":"add","path":"/a/5","value":2}]', /index 5 is out of bounds/],
    ['remove of the root', '{"a":1}', '[{"op":"remove","path":""}]', /cannot remove the document root/],
    ['unknown op', '{"a":1}', '[{"op":"merge","path":"/a"}]', /"op" must be one of/],
    ['missing value', '{"a":1}', '[{"op":"add","path":"/b"}]', /"value" is required/],
    ['missing from', '{"a":1}', '[{"op":"copy","path":"/b"}]', /"from" must be a JSON pointer/],
    ['an operation that is not an object', '{"a":1}', '["add"]', /operation 0: must be an object/],
    ['a document that is not an array', '{"a":1}', '{"op":"add","path":"/b","value":1}', /must be an array/],
  ];
  for (const [name, target, ops, message] of errors) {
    test(`rejects ${name}`, () => {
      assert.throws(() => run(target, ops), (error: unknown) => {
        assert.ok(error instanceof PatchError);
        assert.match(error.message, message);
        return true;
      });
    });
  }
});

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
