// Unit tests for field selectors per resource type: the field labels a real API server supports work,
// any other is refused with the API server's message.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileFieldSelector } from '../../../src/sandbox/api/fields.ts';
import { SelectorError, parseFieldSelector } from '../../../src/lib/selectors.ts';
import type { KObject } from '../../../src/sandbox/k8s-types.ts';

function pod(name: string, nodeName: string | undefined, phase: string): KObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'shop', uid: `uid-${name}`, resourceVersion: '1', creationTimestamp: '2024-06-01T00:00:00Z' },
    spec: nodeName === undefined ? {} : { nodeName },
    status: { phase },
  };
}

const PODS = [pod('web-1', 'node-a', 'Running'), pod('web-2', 'node-b', 'Running'), pod('job-1', 'node-a', 'Succeeded'), pod('web-3', undefined, 'Pending')];

function names(resource: string, selector: string, objects: readonly KObject[] = PODS): string[] {
  const match = compileFieldSelector(resource, parseFieldSelector(selector));
  return objects.filter(match).map((o) => o.metadata.name);
}

test('spec.nodeName selects the pods bound to a node', () => {
  assert.deepEqual(names('pods', 'spec.nodeName=node-a'), ['web-1', 'job-1']);
});

test('spec.nodeName= selects unscheduled pods, != all scheduled ones', () => {
  assert.deepEqual(names('pods', 'spec.nodeName='), ['web-3']);
  assert.deepEqual(names('pods', 'spec.nodeName!='), ['web-1', 'web-2', 'job-1']);
});

test('metadata.name selects one object', () => {
  assert.deepEqual(names('pods', 'metadata.name=web-2'), ['web-2']);
  assert.deepEqual(names('pods', 'metadata.namespace=shop').length, 4);
});

test('status.phase with != leaves out finished pods', () => {
  assert.deepEqual(names('pods', 'status.phase!=Succeeded'), ['web-1', 'web-2', 'web-3']);
  assert.deepEqual(names('pods', 'status.phase=Running'), ['web-1', 'web-2']);
});

test('requirements combine: the pods kubectl drain lists for a node', () => {
  assert.deepEqual(names('pods', 'spec.nodeName=node-a,status.phase!=Succeeded'), ['web-1']);
});

test('an empty field selector selects everything', () => {
  assert.deepEqual(names('pods', '').length, PODS.length);
});

test('nodes support spec.unschedulable, read as "false" when unset', () => {
  const node = (name: string, unschedulable?: boolean): KObject => ({
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, uid: name, resourceVersion: '1', creationTimestamp: '2024-06-01T00:00:00Z' },
    spec: unschedulable === undefined ? {} : { unschedulable },
  });
  const nodes = [node('a'), node('b', true), node('c', false)];
  assert.deepEqual(names('nodes', 'spec.unschedulable=true', nodes), ['b']);
  assert.deepEqual(names('nodes', 'spec.unschedulable=false', nodes), ['a', 'c']);
});

test('an unsupported field label is refused as a real API server refuses it', () => {
  assert.throws(() => compileFieldSelector('pods', parseFieldSelector('spec.foo=x')), (e: unknown) => {
    assert.ok(e instanceof SelectorError);
    assert.equal(e.message, 'field label not supported: spec.foo');
    return true;
  });
});

test('field labels are per resource: status.phase is a pod field, not a node field', () => {
  assert.throws(() => compileFieldSelector('nodes', parseFieldSelector('status.phase=Running')), {
    name: 'SelectorError',
    message: 'field label not supported: status.phase',
  });
  assert.throws(() => compileFieldSelector('deployments.apps', parseFieldSelector('spec.nodeName=a')), {
    message: 'field label not supported: spec.nodeName',
  });
});
