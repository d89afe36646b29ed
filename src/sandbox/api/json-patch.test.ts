// RFC 6902 JSON patch as the sandbox applies it: the RFC's examples, pointers and their escapes, and
// the errors a bad document gets.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { PatchError } from './json-values.ts';
import { applyJsonPatch } from './json-patch.ts';
import { json } from './patch-fixtures.ts';
import type { Json } from './patch-fixtures.ts';

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
