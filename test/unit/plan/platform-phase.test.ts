// The `platform` phase as a plan author meets it: the defaults a short phase gets, no node phase rolled
// for it, and each mistake reported at its place with what to write instead.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UserError } from '../../../src/lib/errors.ts';
import { nodePhases } from '../../../src/plan/kubernetes-phase.ts';
import { parsePlan } from '../../../src/plan/load.ts';
import type { PlatformPhase } from '../../../src/plan/schema.ts';

const FILE = 'plans/platform.yaml';

/** A plan with one nodes phase and one platform phase whose body is `phase` (YAML lines at six spaces). */
function planText(phase: readonly string[]): string {
  return [
    'apiVersion: daylight.dev/v1alpha1',
    'kind: MaintenancePlan',
    'metadata: {name: platform}',
    'spec:',
    '  clusters: [{name: eu-central}]',
    '  phases:',
    '    - {name: os-patch, type: nodes}',
    '    - name: stack',
    '      type: platform',
    ...phase.map((l) => `      ${l}`),
    '',
  ].join('\n');
}

function platformPhase(phase: readonly string[]): PlatformPhase {
  const p = parsePlan(FILE, planText(phase)).plan.spec.phases[1];
  assert.ok(p?.type === 'platform');
  return p;
}

function problems(phase: readonly string[]): string {
  try {
    parsePlan(FILE, planText(phase));
  } catch (e: unknown) {
    assert.ok(e instanceof UserError, `expected a UserError, got ${String(e)}`);
    return e.message;
  }
  assert.fail('the plan was accepted');
}

test('a short platform phase rolls forward and halts on failure by default', () => {
  const p = platformPhase(['workspace: {from: ../platform/old.yaml, to: ../platform/new.yaml}']);
  assert.deepEqual(p, { name: 'stack', type: 'platform', workspace: { from: '../platform/old.yaml', to: '../platform/new.yaml' }, rollback: false, onFailure: 'halt', regional: false });
});

test('rollback and a Prometheus can be asked for', () => {
  const p = platformPhase(['workspace: {from: old.yaml, to: new.yaml}', 'rollback: true', 'prometheus: http://prometheus.example:9090']);
  assert.equal(p.rollback, true);
  assert.equal(p.prometheus, 'http://prometheus.example:9090');
});

test('a platform phase rolls no nodes: plan, preflight and the calendar see none of its own', () => {
  const phases = parsePlan(FILE, planText(['workspace: {from: old.yaml, to: new.yaml}'])).plan.spec.phases;
  assert.deepEqual(phases.flatMap(nodePhases).map((p) => p.name), ['os-patch']);
});

test('an unknown field is an error at its line', () => {
  const message = problems(['workspace: {from: old.yaml, to: new.yaml}', 'selector: app=web']);
  assert.match(message, /plans\/platform\.yaml:\d+:\d+/);
  assert.match(message, /selector/);
});

test('both workspace files are required', () => {
  assert.match(problems(['workspace: {to: new.yaml}']), /from/);
  assert.match(problems([]), /workspace/);
});

test('onFailure other than halt says how to fix it', () => {
  assert.match(problems(['workspace: {from: old.yaml, to: new.yaml}', 'onFailure: continue']), /onFailure: halt.*rollback: true/);
});

test('a platform phase cannot be regional', () => {
  assert.match(problems(['workspace: {from: old.yaml, to: new.yaml}', 'regional: true']), /cannot be regional/);
});

test('prometheus must be a URL', () => {
  assert.match(problems(['workspace: {from: old.yaml, to: new.yaml}', 'prometheus: not a url']), /prometheus/);
});
