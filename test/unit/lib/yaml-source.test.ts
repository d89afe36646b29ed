// Unit tests for YAML validation messages, through the fleet file: every mistake comes back as
// `file:line:column: <path>: <what>; <fix>`, all of them at once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UserError } from '../../../src/lib/errors.ts';
import { suggest } from '../../../src/lib/yaml-source.ts';
import { parseFleet } from '../../../src/sandbox/fleet-load.ts';

/** A valid fleet, one line per entry; tests replace or append lines, so line numbers below are these. */
const BASE = [
  'apiVersion: sandbox.daylight.dev/v1alpha1', // 1
  'kind: Fleet', // 2
  'metadata:', // 3
  '  name: test', // 4
  'spec:', // 5
  '  regions:', // 6
  '    - name: eu-central', // 7
  '      zones:', // 8
  '        - name: eu-central-a', // 9
  '          nodesPerRack: 2', // 10
  '    - name: eu-west', // 11
  '      zones:', // 12
  '        - name: eu-west-a', // 13
  '          nodesPerRack: 2', // 14
  '  workloads:', // 15
  '    - name: web', // 16
  '      namespace: shop', // 17
  '      kind: Deployment', // 18
  '      replicas: 3', // 19
] as const;

/** The fleet text with lines replaced (by 1-based number) and lines appended to the first workload. */
function fleetText(replace: Record<number, string> = {}, append: readonly string[] = []): string {
  return [...BASE.map((line, i) => replace[i + 1] ?? line), ...append, ''].join('\n');
}

/** The problems parseFleet reports, one per line; fails when the text is accepted or the error is not a UserError. */
function problems(text: string): string[] {
  try {
    parseFleet('fleet.yaml', text);
  } catch (e: unknown) {
    assert.ok(e instanceof UserError, `expected a UserError, got ${String(e)}`);
    return e.message.split('\n');
  }
  assert.fail('the fleet was accepted');
}

test('the unmodified base fleet is accepted', () => {
  const fleet = parseFleet('fleet.yaml', fleetText());
  assert.deepEqual(fleet.spec.regions.map((r) => r.name), ['eu-central', 'eu-west']);
  assert.equal(fleet.spec.workloads[0]?.replicas, 3);
});

test('an unknown field with a typo points at the key and suggests the right name', () => {
  assert.deepEqual(problems(fleetText({ 10: '          nodesPerRak: 2' })), [
    'fleet.yaml:9:11: spec.regions[0].zones[0].nodesPerRack: required field is missing; add it (number)',
    'fleet.yaml:10:11: spec.regions[0].zones[0].nodesPerRak: unknown field; did you mean "nodesPerRack"?',
  ]);
});

test('an unknown field like no known one says to remove it and lists the fields there are', () => {
  const [only, ...rest] = problems(fleetText({}, ['      colour: red']));
  assert.deepEqual(rest, []);
  assert.match(only ?? '', /^fleet\.yaml:20:7: spec\.workloads\[0\]\.colour: unknown field; remove it \(fields here: name, namespace, kind, replicas, .*\)$/);
});

test('an unknown top-level field is reported at its key', () => {
  assert.deepEqual(problems(fleetText({ 5: 'spek:' })), [
    'fleet.yaml:1:1: spec: required field is missing; add it (object)',
    'fleet.yaml:5:1: spek: unknown field; did you mean "spec"?',
  ]);
});

test('a wrong enum value lists the allowed values', () => {
  assert.deepEqual(problems(fleetText({ 18: '      kind: Deploymnt' })), [
    'fleet.yaml:18:13: spec.workloads[0].kind: "Deploymnt" is not allowed; write one of "Deployment", "StatefulSet", "DaemonSet", "Pod"',
  ]);
});

test('a bad quantity points at the value and shows how to write one', () => {
  assert.deepEqual(problems(fleetText({}, ['      cpu: eight'])), [
    'fleet.yaml:20:12: spec.workloads[0].cpu: "eight" is not a quantity; write it like "500m"',
  ]);
});

test('a value of the wrong type says what was expected and what was written', () => {
  assert.deepEqual(problems(fleetText({ 19: '      replicas: three' })), [
    'fleet.yaml:19:17: spec.workloads[0].replicas: expected a number, got "three"',
  ]);
});

test('a missing required field is reported at the object that lacks it', () => {
  assert.deepEqual(problems(fleetText({ 10: '          racks: 2' })), [
    'fleet.yaml:9:11: spec.regions[0].zones[0].nodesPerRack: required field is missing; add it (number)',
  ]);
});

test('a missing enum field lists the values to choose from', () => {
  assert.deepEqual(problems(fleetText({ 18: '      image: registry.example/web:2.0' })), [
    'fleet.yaml:16:7: spec.workloads[0].kind: required field is missing; add it, one of "Deployment", "StatefulSet", "DaemonSet", "Pod"',
  ]);
});

test('an empty file lists every required top-level field at 1:1', () => {
  assert.deepEqual(problems(''), [
    'fleet.yaml:1:1: apiVersion: required field is missing; add it with the value "sandbox.daylight.dev/v1alpha1"',
    'fleet.yaml:1:1: kind: required field is missing; add it with the value "Fleet"',
    'fleet.yaml:1:1: metadata: required field is missing; add it (object)',
    'fleet.yaml:1:1: spec: required field is missing; add it (object)',
  ]);
});

test('a duplicate key is reported at the second occurrence', () => {
  assert.deepEqual(problems(fleetText({ 19: '      namespace: web' })), [
    'fleet.yaml:19:7: Map keys must be unique; remove or rename the second one',
  ]);
});

test('a tab used for indentation says to indent with spaces', () => {
  assert.deepEqual(problems(fleetText({ 4: '\tname: test' })), [
    'fleet.yaml:4:1: Tabs are not allowed as indentation; indent with spaces',
  ]);
});

test('a YAML syntax error is reported with its position', () => {
  assert.deepEqual(problems(fleetText({ 19: '      replicas: 3: 4' })), [
    'fleet.yaml:19:17: Nested mappings are not allowed in compact mappings',
  ]);
});

test('an unclosed flow collection is reported where the parser gave up', () => {
  assert.deepEqual(problems(fleetText({ 3: 'metadata: {name: test', 4: '' })), [
    'fleet.yaml:5:1: Flow map in block collection must be sufficiently indented and end with a }',
  ]);
});

test('a syntax error is reported alone: the schema is not checked against a broken document', () => {
  const found = problems(fleetText({ 4: '\tname: test', 18: '      kind: Deploymnt' }));
  assert.deepEqual(found, ['fleet.yaml:4:1: Tabs are not allowed as indentation; indent with spaces']);
});

test('a workload region that is not in the fleet is reported at that entry with the regions there are', () => {
  assert.deepEqual(problems(fleetText({}, ['      regions: [eu-central, us-east]'])), [
    'fleet.yaml:20:29: spec.workloads[0].regions[1]: "us-east" is not a region of this fleet; write one of eu-central, eu-west',
  ]);
});

test('a PDB with both minAvailable and maxUnavailable asks for exactly one', () => {
  assert.deepEqual(problems(fleetText({}, ['      pdb:', '        minAvailable: 1', '        maxUnavailable: 1'])), [
    'fleet.yaml:21:9: spec.workloads[0].pdb: set exactly one of minAvailable or maxUnavailable (got {"minAvailable":1,"maxUnavailable":1})',
  ]);
});

test('a PDB with neither minAvailable nor maxUnavailable asks for exactly one', () => {
  assert.deepEqual(problems(fleetText({}, ['      pdb: {}'])), [
    'fleet.yaml:20:12: spec.workloads[0].pdb: set exactly one of minAvailable or maxUnavailable (got {})',
  ]);
  assert.deepEqual(problems(fleetText({}, ['      pdb: {unhealthyPodEvictionPolicy: AlwaysAllow}'])), [
    'fleet.yaml:20:12: spec.workloads[0].pdb: set exactly one of minAvailable or maxUnavailable (got {"unhealthyPodEvictionPolicy":"AlwaysAllow"})',
  ]);
});

test('a percentage written without % says how to write one', () => {
  assert.deepEqual(problems(fleetText({}, ['      strategy: {maxSurge: lots}'])), [
    'fleet.yaml:20:28: spec.workloads[0].strategy.maxSurge: "lots" is neither an integer nor a percentage; use an integer from 0 to 200,000 or a percentage up to 100%, such as "80%"',
  ]);
});

test('a region named twice is reported once', () => {
  assert.deepEqual(problems(fleetText({ 11: '    - name: eu-central' })), [
    'fleet.yaml:7:5: spec.regions: region "eu-central" appears twice; give each region its own name',
  ]);
});

test('several mistakes at once are all reported, in file order', () => {
  const text = fleetText({ 10: '          nodesPerRak: 2', 18: '      kind: Deploymnt' }, ['      cpu: eight', '      regions: [eu-central, us-east]']);
  assert.deepEqual(problems(text), [
    'fleet.yaml:9:11: spec.regions[0].zones[0].nodesPerRack: required field is missing; add it (number)',
    'fleet.yaml:10:11: spec.regions[0].zones[0].nodesPerRak: unknown field; did you mean "nodesPerRack"?',
    'fleet.yaml:18:13: spec.workloads[0].kind: "Deploymnt" is not allowed; write one of "Deployment", "StatefulSet", "DaemonSet", "Pod"',
    'fleet.yaml:20:12: spec.workloads[0].cpu: "eight" is not a quantity; write it like "500m"',
    'fleet.yaml:21:29: spec.workloads[0].regions[1]: "us-east" is not a region of this fleet; write one of eu-central, eu-west',
  ]);
});

test('every schema problem has the form file:line:column: path: what', () => {
  const text = fleetText({ 10: '          nodesPerRak: 2', 18: '      kind: Deploymnt' }, ['      cpu: eight', '      regions: [us-east]']);
  for (const line of problems(text)) assert.match(line, /^fleet\.yaml:\d+:\d+: spec\.[\w.[\]]+: .+; .+$/, line);
});

test('suggest offers the closest name within a small edit distance, ignoring case', () => {
  assert.equal(suggest('nodesPerRak', ['name', 'racks', 'nodesPerRack']), 'nodesPerRack');
  assert.equal(suggest('Replicas', ['replicas', 'image']), 'replicas');
  assert.equal(suggest('colour', ['name', 'kind', 'replicas']), undefined);
  assert.equal(suggest('x', []), undefined);
});
