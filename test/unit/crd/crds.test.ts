// The CRDs as an operator installs them: deploy/crds/ and charts/daylight/crds/ are what the zod schemas
// render to today, and every schema in them is one the API server takes as structural (no $ref, no const,
// no additionalProperties: false, a type on every node, unions only restricting fields declared outside them).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { parse } from 'yaml';
import { CHART_CRD_DIR, crdFiles } from '../../../scripts/crd-render.ts';
import type { Schema } from '../../../src/crd/structural.ts';
import { structuralProblems } from './structural-rules.ts';

const openAPI = (crd: { spec: { versions: readonly Schema[] } }): Schema => ((crd.spec.versions[0] as Schema).schema as Schema).openAPIV3Schema as Schema;

test('deploy/crds/ and the controller chart\'s crds/ hold the CRDs as npm run crd:render writes them from the schemas', async () => {
  // Given the committed files, When the CRDs are rendered again from the zod schemas
  for (const file of crdFiles()) {
    // Then each file is the fresh rendering: a schema change without a render fails here
    assert.equal(await readFile(file.path, 'utf8'), file.text, `${file.path} differs from the schemas: run npm run crd:render`);
    // And Helm installs the same file from charts/daylight/crds/
    const inChart = join(CHART_CRD_DIR, basename(file.path));
    assert.equal(await readFile(inChart, 'utf8'), file.text, `${inChart} differs from the schemas: run npm run crd:render`);
  }
  // And the chart holds no CRD the schemas do not render
  assert.deepEqual((await readdir(CHART_CRD_DIR)).sort(), crdFiles().map((f) => basename(f.path)).sort());
});

test('kubectl reads the files as the CRDs: words YAML 1.1 takes for booleans (the hooks\' field "on") are quoted', () => {
  for (const file of crdFiles()) {
    // kubectl's YAML is 1.1, where an unquoted on, yes or off is a boolean: a field named on would become true
    assert.deepEqual(parse(file.text, { version: '1.1' }), JSON.parse(JSON.stringify(file.crd)), file.path);
  }
});

test('every schema in both CRDs is structural', () => {
  const files = crdFiles();
  assert.deepEqual(files.map((f) => f.crd.metadata.name), ['maintenanceplans.daylight.dev', 'maintenanceruns.daylight.dev']);
  for (const { crd } of files) assert.deepEqual(structuralProblems(openAPI(crd)), [], crd.metadata.name);
});

test('the structural rules find what the API server refuses', () => {
  // The check above is worth what this one shows: each rule fires on a schema that breaks it.
  const bad: Schema = {
    type: 'object',
    properties: {
      ref: { $ref: '#/$defs/x' },
      fixed: { type: 'string', const: 'a' },
      closed: { type: 'object', additionalProperties: false },
      untyped: {},
      union: { type: 'object', properties: { a: { type: 'string' } }, oneOf: [{ type: 'object' }, { properties: { b: { enum: ['x'] } } }] },
    },
  };
  assert.deepEqual(structuralProblems(bad), [
    '.ref: no type',
    '.ref: $ref',
    '.fixed: const',
    '.closed: additionalProperties: false',
    '.untyped: no type',
    '.union oneOf[0]: type inside a junctor',
    '.union oneOf[1]: field b is not declared outside the junctor',
  ]);
});

test('the MaintenancePlan spec is the plan file spec with schedule and suspend, under the names kubectl uses', () => {
  const [plan] = crdFiles();
  assert.ok(plan);
  assert.deepEqual(plan.crd.spec.names, { kind: 'MaintenancePlan', listKind: 'MaintenancePlanList', plural: 'maintenanceplans', singular: 'maintenanceplan', shortNames: ['mplan'] });
  assert.equal(plan.crd.spec.scope, 'Namespaced');
  const spec = (openAPI(plan.crd).properties as Record<string, Schema>).spec as Schema;
  assert.deepEqual(Object.keys(spec.properties as Schema), ['clusters', 'window', 'traffic', 'phases', 'rollout', 'versionSource', 'gates', 'gateRetry', 'silences', 'lease', 'hooks', 'notify', 'requirements', 'schedule', 'suspend']);
  assert.deepEqual(spec.required, ['clusters', 'phases']);
});

test('the MaintenanceRun has a status subresource and the columns Plan, Phase, Stage and Age', () => {
  const run = crdFiles()[1];
  assert.ok(run);
  const version = run.crd.spec.versions[0] as Schema;
  assert.deepEqual(version.subresources, { status: {} });
  assert.deepEqual((version.additionalPrinterColumns as { name: string; jsonPath: string }[]).map((c) => `${c.name} ${c.jsonPath}`), [
    'Plan .spec.planRef.name',
    'Phase .status.phase',
    'Progress .status.progress',
    'Stage .status.currentStage',
    'Age .metadata.creationTimestamp',
  ]);
});
