// Unit tests for loading fleet files: the demo fleet has the shape the sandbox promises, and a bad path
// is a UserError that names it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UserError } from '../../../src/lib/errors.ts';
import { loadFleetFile, parseFleet } from '../../../src/sandbox/fleet-load.ts';
import type { RegionSpec, WorkloadSpec } from '../../../src/sandbox/fleet-schema.ts';

const DEMO = fileURLToPath(new URL('../../../examples/fleets/demo.yaml', import.meta.url));

function workers(region: RegionSpec): number {
  return region.zones.reduce((sum, z) => sum + z.racks * z.nodesPerRack, 0);
}

function workload(list: readonly WorkloadSpec[], name: string): WorkloadSpec {
  const w = list.find((x) => x.name === name);
  assert.ok(w, `workload ${name} is in the demo fleet`);
  return w;
}

test('the demo fleet parses into two regions of three zones each', () => {
  const fleet = parseFleet(DEMO, readFileSync(DEMO, 'utf8'));
  assert.equal(fleet.metadata.name, 'demo');
  assert.deepEqual(fleet.spec.regions.map((r) => r.name), ['eu-central', 'eu-west']);
  for (const region of fleet.spec.regions) assert.equal(region.zones.length, 3, region.name);
});

test('the demo fleet has 12 workers per region, 24 in all', () => {
  const fleet = parseFleet(DEMO, readFileSync(DEMO, 'utf8'));
  assert.deepEqual(fleet.spec.regions.map(workers), [12, 12]);
  assert.equal(fleet.spec.regions.map(workers).reduce((a, b) => a + b, 0), 24);
});

test('the demo fleet has the workloads a maintenance run meets', () => {
  const { workloads } = parseFleet(DEMO, readFileSync(DEMO, 'utf8')).spec;
  const withPdb = workloads.filter((w) => w.pdb !== undefined).map((w) => w.name);
  assert.ok(withPdb.length >= 2, `PDBs on ${withPdb.join(', ')}`);

  assert.ok(workloads.some((w) => w.kind === 'DaemonSet'), 'a DaemonSet');

  const stateful = workloads.filter((w) => w.kind === 'StatefulSet');
  assert.ok(stateful.some((w) => w.emptyDir), 'a StatefulSet with emptyDir');

  const unmanaged = workloads.filter((w) => w.kind === 'Pod');
  assert.equal(unmanaged.length, 1, 'one unmanaged pod');

  const single = workloads.filter((w) => w.kind === 'Deployment' && w.replicas === 1);
  assert.ok(single.length >= 1, 'a single-replica Deployment');
  assert.ok(single.some((w) => w.pdb === undefined), 'a single-replica Deployment without a budget');
});

test('the demo fleet values come through with their units', () => {
  const fleet = parseFleet(DEMO, readFileSync(DEMO, 'utf8'));
  const region = fleet.spec.regions[0];
  assert.ok(region);
  assert.equal(region.node.cpu.milli, 8000);
  assert.equal(region.node.memory.value, 32 * 2 ** 30);
  const web = workload(fleet.spec.workloads, 'web');
  assert.equal(web.namespace, 'shop');
  assert.equal(web.cpu.milli, 500);
  assert.equal(web.pdb?.minAvailable, '80%');
  assert.equal(workload(fleet.spec.workloads, 'db').pdb?.maxUnavailable, 1);
});

test('loadFleetFile reads the demo fleet from disk', async () => {
  const fleet = await loadFleetFile(DEMO);
  assert.equal(fleet.spec.regions.length, 2);
});

test('loadFleetFile on a missing path is a UserError that names the path', async () => {
  const path = join(tmpdir(), 'daylight-no-such-dir', 'fleet.yaml');
  await assert.rejects(loadFleetFile(path), (e: unknown) => {
    assert.ok(e instanceof UserError);
    assert.equal(e.message, `${path}: no such fleet file; pass a path such as examples/fleets/demo.yaml`);
    return true;
  });
});

test('loadFleetFile on a directory is a UserError that names the path and the reason', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'daylight-fleet-'));
  try {
    await assert.rejects(loadFleetFile(dir), (e: unknown) => {
      assert.ok(e instanceof UserError);
      assert.equal(e.message, `${dir}: cannot read the fleet file (EISDIR)`);
      return true;
    });
  } finally {
    await rm(dir, { recursive: true });
  }
});

test('loadFleetFile reports mistakes with the path it was given', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'daylight-fleet-'));
  try {
    const path = join(dir, 'bad.yaml');
    await writeFile(path, 'apiVersion: sandbox.daylight.dev/v1alpha1\nkind: Fleet\nmetadata: {name: x}\nspec: {regions: []}\n');
    await assert.rejects(loadFleetFile(path), (e: unknown) => {
      assert.ok(e instanceof UserError);
      assert.ok(e.message.startsWith(`${path}:4:17: spec.regions: `), e.message);
      return true;
    });
  } finally {
    await rm(dir, { recursive: true });
  }
});
