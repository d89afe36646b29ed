// Unit tests for API errors: each produces the Status object a real API server sends, as it looks on
// the wire.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { conflict, invalid, notFound, tooManyRequests } from '../../../src/sandbox/api/status.ts';
import type { ApiError } from '../../../src/sandbox/api/status.ts';

/** The Status as a client receives it: serialized to JSON and parsed back. */
function wire(e: ApiError): unknown {
  return JSON.parse(JSON.stringify(e.status));
}

test('notFound for a core resource', () => {
  const e = notFound({ group: '', resource: 'pods', name: 'x' });
  assert.ok(e instanceof Error);
  assert.equal(e.code, 404);
  assert.equal(e.message, 'pods "x" not found');
  assert.deepEqual(wire(e), {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: 'pods "x" not found',
    reason: 'NotFound',
    details: { name: 'x', kind: 'pods' },
    code: 404,
  });
});

test('notFound for a grouped resource qualifies it with the group', () => {
  assert.deepEqual(wire(notFound({ group: 'apps', resource: 'deployments', name: 'web' })), {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: 'deployments.apps "web" not found',
    reason: 'NotFound',
    details: { name: 'web', group: 'apps', kind: 'deployments' },
    code: 404,
  });
});

test('conflict carries the optimistic-concurrency message kubectl shows', () => {
  const e = conflict({ group: '', resource: 'pods', name: 'x' });
  assert.equal(e.code, 409);
  assert.deepEqual(wire(e), {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: 'Operation cannot be fulfilled on pods "x": the object has been modified; please apply your changes to the latest version and try again',
    reason: 'Conflict',
    details: { name: 'x', kind: 'pods' },
    code: 409,
  });
});

test('conflict can give its own reason', () => {
  const e = conflict({ group: 'apps', resource: 'deployments', name: 'web' }, 'StorageError: invalid object');
  assert.equal(e.message, 'Operation cannot be fulfilled on deployments.apps "web": StorageError: invalid object');
});

test('invalid lists every cause in the message (in brackets when several, as apimachinery aggregates them) and in details', () => {
  const causes = [
    { reason: 'FieldValueInvalid', message: 'Invalid value: -1: must be greater than or equal to 0', field: 'spec.replicas' },
    { reason: 'FieldValueRequired', message: 'Required value', field: 'spec.selector' },
  ];
  const e = invalid({ group: 'apps', resource: 'deployments', kind: 'Deployment', name: 'web' }, causes);
  assert.equal(e.code, 422);
  assert.deepEqual(wire(e), {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: 'Deployment.apps "web" is invalid: [spec.replicas: Invalid value: -1: must be greater than or equal to 0, spec.selector: Required value]',
    reason: 'Invalid',
    details: { name: 'web', group: 'apps', kind: 'Deployment', causes },
    code: 422,
  });
});

test('invalid for a core kind names the kind without a group', () => {
  const e = invalid({ group: '', resource: 'pods', kind: 'Pod', name: 'x' }, [{ field: 'metadata.name', message: 'Required value' }]);
  assert.equal(e.message, 'Pod "x" is invalid: metadata.name: Required value');
});

test('tooManyRequests is the 429 an eviction blocked by a budget gets', () => {
  const cause = { reason: 'DisruptionBudget', message: 'The disruption budget web needs 3 healthy pods and has 3 currently' };
  const e = tooManyRequests("Cannot evict pod as it would violate the pod's disruption budget.", [cause]);
  assert.equal(e.code, 429);
  assert.deepEqual(wire(e), {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: "Cannot evict pod as it would violate the pod's disruption budget.",
    reason: 'TooManyRequests',
    details: { causes: [cause] },
    code: 429,
  });
});

test('tooManyRequests without causes has no details', () => {
  assert.deepEqual(wire(tooManyRequests('slow down')), {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: 'slow down',
    reason: 'TooManyRequests',
    code: 429,
  });
});
