// What a MaintenanceRun's spec gives the engine besides its plan: pause, resume and abort (specControl) and the
// parts of a rollout to skip (specSkips), each taken once as the spec changes between looks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { specControl, specSkips } from '../../../src/cli/controller-run-inputs.ts';
import type { MaintenanceRun } from '../../../src/cli/maintenance-run.ts';
import { RunSpecSchema } from '../../../src/crd/run-schema.ts';

test('spec.skip: each stage, group and cluster listed is handed to the run once, in that order, with where it came from', () => {
  let spec: MaintenanceRun['spec'] = { planRef: { name: 'fleet' } };
  const inbox = specSkips(() => spec);
  assert.deepEqual(inbox.poll(), []);
  spec = { ...spec, skip: { clusters: ['prod-us-1'] } };
  assert.deepEqual(inbox.poll(), [{ id: 'spec/cluster/prod-us-1', target: { cluster: 'prod-us-1' }, by: 'spec.skip of the MaintenanceRun', via: 'spec' }]);
  assert.deepEqual(inbox.poll(), [], 'not again at the next look');
  spec = { ...spec, skip: { stages: ['staging'], groups: ['prod/region=ap'], clusters: ['prod-us-1'] } };
  assert.deepEqual(inbox.poll().map((q) => q.id), ['spec/stage/staging', 'spec/group/prod/region=ap']);
});

test('spec.paused and spec.abort: a change is one command; an abort once', () => {
  let spec: MaintenanceRun['spec'] = { planRef: { name: 'fleet' } };
  const control = specControl(() => spec);
  assert.deepEqual(control.poll(), []);
  spec = { ...spec, paused: true };
  assert.deepEqual(control.poll(), ['pause']);
  assert.deepEqual(control.poll(), []);
  spec = { ...spec, paused: false };
  assert.deepEqual(control.poll(), ['resume']);
  spec = { ...spec, abort: true };
  assert.deepEqual(control.poll(), ['abort']);
  assert.deepEqual(control.poll(), []);
});

test('the CRD\'s spec takes skip with its three lists, and refuses another field in it', () => {
  assert.deepEqual(RunSpecSchema.parse({ planRef: { name: 'fleet' }, skip: { clusters: ['prod-us-1'] } }).skip, { stages: [], groups: [], clusters: ['prod-us-1'] });
  assert.equal(RunSpecSchema.safeParse({ planRef: { name: 'fleet' }, skip: { nodes: ['w-1'] } }).success, false);
});
