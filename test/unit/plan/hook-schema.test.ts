// The hook schema as a user meets it in a plan file: the defaults a short hook gets, and for each kind of
// mistake the `file:line:column: path: what; fix` line the YAML loader reports.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UserError } from '../../../src/lib/errors.ts';
import { loadYaml } from '../../../src/lib/yaml-source.ts';
import { HookSchema } from '../../../src/plan/hook-schema.ts';

const FILE = 'hooks.yaml';

function load(lines: string[]): ReturnType<typeof HookSchema.parse> {
  return loadYaml(FILE, `${lines.join('\n')}\n`, HookSchema);
}

function problem(lines: string[]): string {
  try {
    load(lines);
  } catch (e: unknown) {
    assert.ok(e instanceof UserError, `expected a UserError, got ${String(e)}`);
    return e.message;
  }
  assert.fail('the hook was accepted');
}

test('a command hook defaults to a 5m timeout and failing the run', () => {
  const h = load(['on: run-start', 'type: command', 'run: pgroll start migrations/042_add_column.json']);
  assert.equal(h.type, 'command');
  assert.equal(h.timeout.toString(), '5m');
  assert.equal(h.onFailure, 'fail');
});

test('a webhook defaults to POST, no headers, a 30s timeout and failing the run', () => {
  const h = load(['on: post-restore', 'type: webhook', 'url: https://hooks.example.com/daylight', 'onFailure: continue']);
  assert.ok(h.type === 'webhook');
  assert.equal(h.method, 'POST');
  assert.deepEqual(h.headers, {});
  assert.equal(h.timeout.toString(), '30s');
  assert.equal(h.onFailure, 'continue');
});

test('an unknown field is an error that lists the fields', () => {
  assert.equal(problem(['on: run-start', 'type: command', 'run: ./notify.sh', 'retries: 3']), 'hooks.yaml:4:1: retries: unknown field; remove it (fields here: on, type, run, timeout, onFailure)');
  assert.equal(problem(['on: run-start', 'type: webhook', 'url: https://x.example', 'header: {x-api-key: k}']), 'hooks.yaml:4:1: header: unknown field; did you mean "headers"?');
});

test('a command hook without run is an error', () => {
  assert.equal(problem(['on: run-end', 'type: command']), 'hooks.yaml:1:1: run: required field is missing; add it (string)');
  assert.match(problem(['on: run-end', 'type: command', 'run: ""']), /^hooks\.yaml:3:6: run: /);
});

test('an unknown event is an error that lists the events', () => {
  assert.equal(problem(['on: pre-reboot', 'type: command', 'run: ./notify.sh']), 'hooks.yaml:1:5: on: "pre-reboot" is not allowed; write one of "run-start", "pre-drain", "post-drain", "pre-restore", "post-restore", "run-end"');
});

test('a webhook URL must be http or https, and a timeout needs a unit', () => {
  assert.equal(problem(['on: run-end', 'type: webhook', 'url: ftp://files.example.com/x']), 'hooks.yaml:3:6: url: write an http or https URL, such as https://hooks.example.com/daylight (got "ftp://files.example.com/x")');
  assert.equal(problem(['on: run-end', 'type: command', 'run: ./x', 'timeout: 30']), 'hooks.yaml:4:10: timeout: 30 has no unit; write a duration such as "5m" (units: ms, s, m, h)');
  assert.equal(problem(['on: run-end', 'type: webhook', 'url: https://x.example', 'method: GET']), 'hooks.yaml:4:9: method: "GET" is not allowed; write one of "POST"');
});
