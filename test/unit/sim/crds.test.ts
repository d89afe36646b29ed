// Unit tests for the simulated CustomResourceDefinition controller: a created definition makes its
// resource servable and is marked Established; deleting it removes the type and every object of it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Condition } from '../../../src/sandbox/k8s-types.ts';
import { createObject } from '../../../src/sandbox/sim/objects.ts';
import { NS, startFleet, workload } from './fixtures.ts';
import type { SimFleet } from './fixtures.ts';

const CRD = 'customresourcedefinitions.apiextensions.k8s.io';

function defineWidgets(sim: SimFleet): void {
  createObject(sim.region.ctx, CRD, {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: 'widgets.example.com', generation: 1 },
    spec: {
      group: 'example.com',
      scope: 'Namespaced',
      names: { plural: 'widgets', singular: 'widget', kind: 'Widget', shortNames: ['wd'] },
      versions: [
        { name: 'v1', served: true, storage: true, subresources: { status: {} } },
        { name: 'v1beta1', served: false, storage: false },
      ],
    },
  });
}

test('crd controller makes a defined resource servable and marks the definition Established', () => {
  // Given a fleet without the resource
  const sim = startFleet({ workloads: [workload({ name: 'app', kind: 'Pod' })] });
  assert.equal(sim.region.resources.find('example.com', 'v1', 'widgets'), undefined);

  // When a CustomResourceDefinition for it is created
  defineWidgets(sim);
  sim.region.settle();

  // Then its served version is registered as a namespaced type with its subresources, the unserved one is not
  const t = sim.region.resources.find('example.com', 'v1', 'widgets');
  assert.equal(t?.kind, 'Widget');
  assert.equal(t?.namespaced, true);
  assert.deepEqual(t?.subresources, ['status']);
  assert.deepEqual(t?.shortNames, ['wd']);
  assert.equal(sim.region.resources.find('example.com', 'v1beta1', 'widgets'), undefined);

  // And the definition reports Established and NamesAccepted, and its stored version
  const status = sim.region.store.get(CRD, undefined, 'widgets.example.com')?.status as { conditions: Condition[]; storedVersions: string[] };
  assert.deepEqual(status.conditions.map((c) => `${c.type}=${c.status}`), ['NamesAccepted=True', 'Established=True']);
  assert.deepEqual(status.storedVersions, ['v1']);
});

test('crd controller removes the type and its objects when the definition is deleted', () => {
  // Given a defined resource with one object
  const sim = startFleet({ workloads: [workload({ name: 'app', kind: 'Pod' })] });
  defineWidgets(sim);
  sim.region.settle();
  createObject(sim.region.ctx, 'widgets.example.com', { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w1', namespace: NS }, spec: { size: 3 } });
  assert.equal(sim.region.store.list('widgets.example.com').length, 1);

  // When the definition is deleted
  sim.region.store.remove(CRD, undefined, 'widgets.example.com');
  sim.region.settle();

  // Then the type is no longer served and the object is gone
  assert.equal(sim.region.resources.find('example.com', 'v1', 'widgets'), undefined);
  assert.deepEqual(sim.region.store.list('widgets.example.com'), []);
});
