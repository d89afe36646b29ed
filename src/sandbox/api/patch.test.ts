// The sandbox's PATCH entry: which content type is which patch, applyPatch's dispatch, and RFC 7386
// JSON merge patch with the RFC's examples.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { applyMergePatch, applyPatch, patchTypeOf } from './patch.ts';
import { json } from './patch-fixtures.ts';
import type { Json } from './patch-fixtures.ts';

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
