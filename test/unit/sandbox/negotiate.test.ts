// Unit tests for content negotiation: kubectl's Accept header gets a Table, plain clients get objects.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { negotiate } from '../../../src/sandbox/api/negotiate.ts';

const KUBECTL_GET = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json';

test('kubectl get asks for a Table and gets Table v1', () => {
  assert.deepEqual(negotiate(KUBECTL_GET), { as: 'Table', version: 'v1' });
});

test('plain JSON, any type, or no Accept header gets the object', () => {
  assert.deepEqual(negotiate('application/json'), { as: 'object' });
  assert.deepEqual(negotiate('*/*'), { as: 'object' });
  assert.deepEqual(negotiate(undefined), { as: 'object' });
  assert.deepEqual(negotiate(''), { as: 'object' });
});

test('a client that only takes Table v1beta1 gets it', () => {
  assert.deepEqual(negotiate('application/json;as=Table;v=v1beta1;g=meta.k8s.io'), { as: 'Table', version: 'v1beta1' });
});

test('alternatives this server cannot produce are skipped', () => {
  const protobufFirst = 'application/vnd.kubernetes.protobuf;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1;g=meta.k8s.io,application/json';
  assert.deepEqual(negotiate(protobufFirst), { as: 'Table', version: 'v1' });
  assert.deepEqual(negotiate('application/json;as=Table;v=v2;g=meta.k8s.io,application/json'), { as: 'object' });
  assert.deepEqual(negotiate('application/json;as=Table;v=v1;g=example.com,application/json'), { as: 'object' });
});

test('partial object metadata is recognised in both spellings', () => {
  assert.deepEqual(negotiate('application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io,application/json'), { as: 'PartialObjectMetadata', version: 'v1' });
  assert.deepEqual(negotiate('application/json;as=PartialObjectMetadata;v=v1beta1;g=meta.k8s.io'), { as: 'PartialObjectMetadata', version: 'v1beta1' });
});

test('spaces around parameters do not matter', () => {
  assert.deepEqual(negotiate('application/json; as=Table; v=v1; g=meta.k8s.io, application/json'), { as: 'Table', version: 'v1' });
});
