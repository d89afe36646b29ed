// Tests for the sandbox's server-side apply: field ownership per manager, conflicts, force, co-ownership
// and removal, as kube-apiserver answers them (the differential suite compares the same on both engines).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KObject } from '../k8s-types.ts';
import { leaves, serverSideApply } from './apply.ts';

const NOW = '2026-12-05T19:00:00Z';
const cm = (data: Record<string, string>) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg' }, data });

function applied(current: KObject | undefined, manager: string, data: Record<string, string>, force = false): KObject {
  const outcome = serverSideApply(current, cm(data), manager, force, NOW);
  assert.equal(outcome.kind, 'applied', JSON.stringify(outcome));
  return (outcome as { object: KObject }).object;
}

test('the fields of an applied configuration are its leaves; identity fields and lists are not split', () => {
  const fields = leaves({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', labels: { a: '1' } }, spec: { containers: [{ name: 'c' }], nodeName: 'n' } });
  assert.deepEqual(fields.map((f) => f.join('.')), ['metadata.labels.a', 'spec.containers', 'spec.nodeName']);
});

test('a first apply records its manager and fields as FieldsV1', () => {
  const o = applied(undefined, 'alpha', { a: '1', b: '1' });
  assert.deepEqual(o.metadata.managedFields, [{ manager: 'alpha', operation: 'Apply', apiVersion: 'v1', time: NOW, fieldsType: 'FieldsV1', fieldsV1: { 'f:data': { 'f:a': {}, 'f:b': {} } } }]);
});

test('another manager applying a different value conflicts, one cause per field; the same value is shared', () => {
  // Given alpha owns a and b
  const o = applied(undefined, 'alpha', { a: '1', b: '1' });
  // When beta applies other values for both
  const conflict = serverSideApply(o, cm({ a: '2', b: '2' }), 'beta', false, NOW);
  // Then it conflicts on both, naming alpha
  assert.equal(conflict.kind, 'conflict');
  assert.deepEqual(conflict.kind === 'conflict' && conflict.causes.map((c) => c.field), ['.data.a', '.data.b']);
  assert.match(conflict.kind === 'conflict' ? conflict.message : '', /^Apply failed with 2 conflicts: conflict with "alpha": \.data\.a\nconflict with "alpha": \.data\.b$/);
  // And the same value is no conflict: both own it
  const shared = applied(o, 'beta', { a: '1' });
  const owners = (shared.metadata.managedFields as { manager: string; fieldsV1: unknown }[]).map((e) => [e.manager, e.fieldsV1]);
  assert.deepEqual(owners, [['alpha', { 'f:data': { 'f:a': {}, 'f:b': {} } }], ['beta', { 'f:data': { 'f:a': {} } }]]);
});

test('force takes a field over, and a field its only owner stops applying is removed', () => {
  // Given alpha owns a and b, and beta forced a
  const forced = applied(applied(undefined, 'alpha', { a: '1', b: '1' }), 'beta', { a: '2' }, true);
  assert.deepEqual((forced as unknown as { data: unknown }).data, { a: '2', b: '1' });
  // When alpha applies only c
  const after = applied(forced, 'alpha', { c: '3' });
  // Then b (alpha's alone) is gone, a (beta's now) stays
  assert.deepEqual((after as unknown as { data: unknown }).data, { a: '2', c: '3' });
});
