// Unit tests for label selectors from query strings and from objects, and for field selector parsing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SelectorError, compileLabelSelector, compileMapSelector, parseFieldSelector, parseLabelSelector } from '../../../src/lib/selectors.ts';
import type { Labels } from '../../../src/lib/selectors.ts';

const WEB: Labels = { app: 'web', tier: 'front', 'example.com/team': 'shop' };
const API: Labels = { app: 'api', tier: 'back' };
const BARE: Labels = {};

/** Which of the sample label sets the selector text matches. */
function matching(text: string): string[] {
  const m = parseLabelSelector(text);
  return Object.entries({ WEB, API, BARE, none: undefined }).filter(([, l]) => m(l)).map(([n]) => n);
}

test('= and == match the exact value', () => {
  assert.deepEqual(matching('app=web'), ['WEB']);
  assert.deepEqual(matching('app==web'), ['WEB']);
  assert.deepEqual(matching('app = web'), ['WEB']);
  assert.deepEqual(matching('example.com/team=shop'), ['WEB']);
});

test('!= matches other values and objects without the label', () => {
  assert.deepEqual(matching('app!=web'), ['API', 'BARE', 'none']);
});

test('in matches any listed value', () => {
  assert.deepEqual(matching('app in (web, api)'), ['WEB', 'API']);
  assert.deepEqual(matching('app in (web)'), ['WEB']);
});

test('notin matches unlisted values and objects without the label', () => {
  assert.deepEqual(matching('app notin (api)'), ['WEB', 'BARE', 'none']);
  assert.deepEqual(matching('app notin (web,api)'), ['BARE', 'none']);
});

test('a bare key means the label exists, !key that it does not', () => {
  assert.deepEqual(matching('tier'), ['WEB', 'API']);
  assert.deepEqual(matching('!tier'), ['BARE', 'none']);
});

test('comma-separated requirements must all hold', () => {
  assert.deepEqual(matching('app in (web,api),tier=back'), ['API']);
  assert.deepEqual(matching('tier, !example.com/team'), ['API']);
  assert.deepEqual(matching('app=web,tier=back'), []);
});

test('an empty selector matches everything', () => {
  assert.deepEqual(matching(''), ['WEB', 'API', 'BARE', 'none']);
  assert.deepEqual(matching('  '), ['WEB', 'API', 'BARE', 'none']);
});

for (const [text, key] of [['-bad=x', '-bad'], ['a/b/c=d', 'a/b/c'], ['app=web,=x', '=x'], ['!', ''], ['app in (x', 'app in (x']] as const) {
  test(`an invalid label key in ${JSON.stringify(text)} raises a SelectorError naming it`, () => {
    assert.throws(() => parseLabelSelector(text), (e: unknown) => {
      assert.ok(e instanceof SelectorError);
      assert.match(e.message, /^unable to parse requirement ".*": invalid label key ".*"$/);
      assert.ok(e.message.includes(`invalid label key "${key}"`), e.message);
      return true;
    });
  });
}

test('compileLabelSelector with matchLabels requires every label', () => {
  const m = compileLabelSelector({ matchLabels: { app: 'web', tier: 'front' } });
  assert.equal(m(WEB), true);
  assert.equal(m({ app: 'web' }), false);
  assert.equal(m(API), false);
  assert.equal(m(undefined), false);
});

test('compileLabelSelector with matchExpressions supports In, NotIn, Exists and DoesNotExist', () => {
  const inSel = compileLabelSelector({ matchExpressions: [{ key: 'app', operator: 'In', values: ['web', 'api'] }] });
  assert.deepEqual([inSel(WEB), inSel(API), inSel(BARE)], [true, true, false]);
  const notIn = compileLabelSelector({ matchExpressions: [{ key: 'app', operator: 'NotIn', values: ['web'] }] });
  assert.deepEqual([notIn(WEB), notIn(API), notIn(BARE)], [false, true, true]);
  const exists = compileLabelSelector({ matchExpressions: [{ key: 'example.com/team', operator: 'Exists' }] });
  assert.deepEqual([exists(WEB), exists(API), exists(BARE)], [true, false, false]);
  const absent = compileLabelSelector({ matchExpressions: [{ key: 'example.com/team', operator: 'DoesNotExist' }] });
  assert.deepEqual([absent(WEB), absent(API), absent(BARE)], [false, true, true]);
});

test('compileLabelSelector combines matchLabels and matchExpressions', () => {
  const m = compileLabelSelector({ matchLabels: { tier: 'back' }, matchExpressions: [{ key: 'app', operator: 'In', values: ['api', 'web'] }] });
  assert.deepEqual([m(WEB), m(API), m(BARE)], [false, true, false]);
});

test('a missing selector matches nothing, an empty one everything', () => {
  for (const missing of [undefined, null]) {
    const m = compileLabelSelector(missing);
    assert.deepEqual([m(WEB), m(BARE), m(undefined)], [false, false, false]);
  }
  const all = compileLabelSelector({});
  assert.deepEqual([all(WEB), all(BARE), all(undefined)], [true, true, true]);
  const alsoAll = compileLabelSelector({ matchLabels: {}, matchExpressions: [] });
  assert.equal(alsoAll(API), true);
});

test('compileMapSelector matches when every pair is present, and an empty or missing map matches nothing', () => {
  const m = compileMapSelector({ app: 'web' });
  assert.deepEqual([m(WEB), m(API), m(BARE), m(undefined)], [true, false, false, false]);
  const two = compileMapSelector({ app: 'web', tier: 'back' });
  assert.equal(two(WEB), false);
  assert.equal(compileMapSelector({})(WEB), false);
  assert.equal(compileMapSelector(undefined)(WEB), false);
});

test('parseFieldSelector reads =, == and != requirements', () => {
  assert.deepEqual(parseFieldSelector('spec.nodeName=node-1,status.phase!=Succeeded, metadata.name==web-1'), [
    { field: 'spec.nodeName', op: '=', value: 'node-1' },
    { field: 'status.phase', op: '!=', value: 'Succeeded' },
    { field: 'metadata.name', op: '=', value: 'web-1' },
  ]);
});

test('parseFieldSelector allows an empty value and an empty selector', () => {
  assert.deepEqual(parseFieldSelector('spec.nodeName='), [{ field: 'spec.nodeName', op: '=', value: '' }]);
  assert.deepEqual(parseFieldSelector(''), []);
});

test('parseFieldSelector rejects a requirement without an operator', () => {
  assert.throws(() => parseFieldSelector('spec.nodeName'), (e: unknown) => {
    assert.ok(e instanceof SelectorError);
    assert.equal(e.message, 'invalid field selector "spec.nodeName": expected field=value or field!=value');
    return true;
  });
});
