// The CRDs of deploy/crds/ judged by the real API server of the kubernetes engine: it takes them as
// structural and establishes them, accepts every example plan as a MaintenancePlan, refuses a bad one with
// the path of the field at fault, and `kubectl get maintenanceruns` prints the run's columns. One sandbox
// of one region and one node, no workloads.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parse, stringify } from 'yaml';
import { CRD_DIR, crdFiles } from '../../scripts/crd-render.ts';
import { ok, tableRows } from '../e2e/helpers.ts';
import { START_TIMEOUT_MS, startEngineSandbox } from '../support/engine-sandbox.ts';
import type { EngineSandbox } from '../support/engine-sandbox.ts';
import { smallFleet } from '../support/fleets.ts';

const EXAMPLES = resolve(import.meta.dirname, '../../examples/plans');
const EXAMPLE_PLANS = ['demo.yaml', 'k8s-upgrade.yaml', 'large.yaml', 'platform-upgrade.yaml'];
const FLEET = () => smallFleet({ workloads: [], zones: 1, nodesPerRack: 1 });

interface PlanObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string };
  spec: Record<string, unknown> & { phases: Record<string, unknown>[] };
}

/** The demo plan as a fresh object, for a test to break one field of. */
async function demoPlan(name: string): Promise<PlanObject> {
  const plan = parse(await readFile(join(EXAMPLES, 'demo.yaml'), 'utf8')) as PlanObject;
  return { ...plan, metadata: { name } };
}

describe('deploy/crds/ on the kubernetes engine', () => {
  let sandbox: EngineSandbox;
  before(async () => {
    sandbox = await startEngineSandbox(FLEET(), { engine: 'kubernetes' });
    // Given both CRDs applied as an operator installs them, and established by the API server
    const applied = ok(await sandbox.kubectl(['apply', '--server-side', '-f', CRD_DIR]), 'apply the CRDs');
    assert.deepEqual(applied.trim().split('\n').sort(), ['customresourcedefinition.apiextensions.k8s.io/maintenanceplans.daylight.dev serverside-applied', 'customresourcedefinition.apiextensions.k8s.io/maintenanceruns.daylight.dev serverside-applied']);
    ok(await sandbox.kubectl(['wait', '--for=condition=Established', '--timeout=60s', ...crdFiles().map((f) => `crd/${f.crd.metadata.name}`)]), 'wait until established');
  }, { timeout: START_TIMEOUT_MS });
  after(async () => {
    await sandbox?.stop();
  });

  /** A server dry run of one plan: the API server validates it against the CRD's schema and stores nothing. */
  const dryRun = (plan: PlanObject | string) => sandbox.kubectl(['apply', '--dry-run=server', '-n', 'default', '-f', '-'], { input: typeof plan === 'string' ? plan : stringify(plan) });

  test('the API server takes both schemas as structural: no NonStructuralSchema condition', async () => {
    for (const { crd } of crdFiles()) {
      const got = JSON.parse(ok(await sandbox.kubectl(['get', 'crd', crd.metadata.name, '-o', 'json']), 'get crd')) as { status: { conditions: { type: string; status: string; message: string }[] } };
      const conditions = Object.fromEntries(got.status.conditions.map((c) => [c.type, c.status]));
      assert.equal(conditions.Established, 'True', crd.metadata.name);
      assert.equal(conditions.NamesAccepted, 'True', crd.metadata.name);
      assert.equal(conditions.NonStructuralSchema, undefined, `${crd.metadata.name}: ${JSON.stringify(got.status.conditions)}`);
    }
  });

  test('every example plan file is accepted as a MaintenancePlan, as written', async () => {
    for (const file of EXAMPLE_PLANS) {
      // Given the example file itself (apiVersion daylight.dev/v1alpha1, kind MaintenancePlan)
      const text = await readFile(join(EXAMPLES, file), 'utf8');
      const name = (parse(text) as PlanObject).metadata.name;
      // When the API server validates it, Then it would create it
      assert.equal(ok(await dryRun(text), file).trim(), `maintenanceplan.daylight.dev/${name} created (server dry run)`, file);
      // And it would store the spec as written: nothing pruned, no default filled in (the plan's parse applies those)
      const stored = JSON.parse(ok(await sandbox.kubectl(['create', '--dry-run=server', '-n', 'default', '-o', 'json', '-f', '-'], { input: text }), file)) as PlanObject;
      assert.deepEqual(stored.spec, (parse(text) as PlanObject).spec, file);
    }
  });

  test('fields no example uses are accepted: schedule, suspend, hooks (a field named on) and a window with YAML dates', async () => {
    const plan = await demoPlan('scheduled');
    for (const schedule of [{ recurrence: 'every Tuesday 09:00 Europe/Berlin' }, { manual: true }]) {
      ok(await dryRun({ ...plan, spec: { ...plan.spec, schedule, suspend: true } }), JSON.stringify(schedule));
    }
    const hooks = [{ on: 'run-start', type: 'command', run: 'echo {{run}}' }, { on: 'run-end', type: 'webhook', url: 'https://hooks.example.com/daylight', headers: { 'x-team': 'platform' } }];
    const withHooks = { ...plan, spec: { ...plan.spec, hooks } };
    // kubectl reads YAML 1.1, where an unquoted on is the boolean true: written as YAML 1.1 writes it, "on" is quoted
    const stored = JSON.parse(ok(await sandbox.kubectl(['create', '--dry-run=server', '-n', 'default', '-o', 'json', '-f', '-'], { input: stringify(withHooks, { version: '1.1' }) }), 'hooks')) as PlanObject;
    assert.deepEqual(stored.spec.hooks, hooks);
    // and left unquoted it is refused, under the name kubectl turned it into
    const unquoted = await dryRun(stringify(withHooks));
    assert.match(unquoted.stderr, /unknown field "spec\.hooks\[0\]\.true"/);
    const windowed = `${stringify({ ...plan, spec: { ...plan.spec, schedule: { windows: true } } })}  window:\n    timezone: Europe/Berlin\n    allow: [{days: [Tue], start: "09:00", end: "12:00"}]\n    exclude: [{from: 2026-12-24, to: 2027-01-02, reason: holidays}]\n`;
    ok(await dryRun(windowed), 'a window with excluded dates');
  });

  test('a bad plan is refused with the path of the field at fault', async () => {
    const cases: { what: string; change: (spec: PlanObject['spec']) => void; says: RegExp }[] = [
      { what: 'an unknown action type', change: (s) => void ((s.phases[0] as { action: { type: string } }).action.type = 'reboot-now'), says: /spec\.phases\[0\]\.action\.type: Unsupported value: "reboot-now": supported values: "agent", "command", "external"/ },
      // An int-or-string declares no fields, so the field inside is what is unknown
      { what: 'an object for maxUnavailable', change: (s) => void ((s.phases[0] as Record<string, unknown>).maxUnavailable = { a: 1 }), says: /unknown field "spec\.phases\[0\]\.maxUnavailable\.a"/ },
      { what: 'a list for maxUnavailable', change: (s) => void ((s.phases[0] as Record<string, unknown>).maxUnavailable = [25]), says: /spec\.phases\[0\]\.maxUnavailable: Invalid value: "array": spec\.phases\[0\]\.maxUnavailable in body must be of type integer,string/ },
      { what: 'a percentage over 100%', change: (s) => void ((s.phases[0] as Record<string, unknown>).maxUnavailable = '120%'), says: /spec\.phases\[0\]\.maxUnavailable: Invalid value: "120%": spec\.phases\[0\]\.maxUnavailable in body should match/ },
      { what: 'a duration without a unit', change: (s) => void ((s.phases[0] as Record<string, unknown>).soak = 30), says: /spec\.phases\[0\]\.soak: Invalid value: "integer": spec\.phases\[0\]\.soak in body must be of type string/ },
      { what: 'a misspelt field', change: (s) => void ((s.phases[0] as { drain: Record<string, unknown> }).drain.timout = '1m'), says: /unknown field "spec\.phases\[0\]\.drain\.timout"/ },
      { what: 'a field of another action type', change: (s) => void ((s.phases[0] as { action: Record<string, unknown> }).action.run = 'reboot'), says: /"spec\.phases\[0\]\.action" must not validate the schema \(not\)/ },
      { what: 'two schedules at once', change: (s) => void (s.schedule = { manual: true, recurrence: 'every day 03:00 UTC' }), says: /"spec\.schedule" must validate one and only one schema \(oneOf\)/ },
    ];
    for (const c of cases) {
      // Given the demo plan with one field broken
      const plan = await demoPlan('broken');
      c.change(plan.spec);
      // When the API server validates it
      const r = await dryRun(plan);
      // Then it refuses it, and says which field
      assert.notEqual(r.code, 0, `${c.what}: accepted`);
      assert.match(r.stderr, c.says, c.what);
    }
  });

  test('kubectl get maintenanceruns shows the plan, phase, progress and stage of a run', async () => {
    // Given a MaintenanceRun created by a person, and its status as the controller would write it
    const run = { apiVersion: 'daylight.dev/v1alpha1', kind: 'MaintenanceRun', metadata: { name: 'weekly-os-patch-1', namespace: 'default' }, spec: { planRef: { name: 'weekly-os-patch' } } };
    ok(await sandbox.kubectl(['create', '-f', '-'], { input: JSON.stringify(run) }), 'create the run');
    const status = { status: { phase: 'Running', currentStage: 'os-patch eu-central wave 2', progress: '3/12 nodes', nodeCounts: { done: 3, pending: 9 }, conditions: [{ type: 'Progressing', status: 'True', reason: 'WaveStarted', message: 'wave 2 of 4', lastTransitionTime: '2026-12-06T08:00:00Z' }] } };
    ok(await sandbox.kubectl(['patch', 'maintenancerun', 'weekly-os-patch-1', '-n', 'default', '--subresource=status', '--type=merge', '-p', JSON.stringify(status)]), 'write the status');
    // When kubectl lists the runs
    const out = ok(await sandbox.kubectl(['get', 'maintenanceruns', '-n', 'default']), 'get maintenanceruns');
    // Then the columns are the run's plan, phase, progress and stage
    const rows = tableRows(out);
    assert.deepEqual(Object.keys(rows[0] ?? {}), ['NAME', 'PLAN', 'PHASE', 'PROGRESS', 'STAGE', 'AGE'], out);
    assert.deepEqual({ ...rows[0], AGE: undefined }, { NAME: 'weekly-os-patch-1', PLAN: 'weekly-os-patch', PHASE: 'Running', PROGRESS: '3/12 nodes', STAGE: 'os-patch eu-central wave 2', AGE: undefined });
    // And the short name works, and the spec update cannot write the status (its own subresource)
    ok(await sandbox.kubectl(['patch', 'mrun', 'weekly-os-patch-1', '-n', 'default', '--type=merge', '-p', JSON.stringify({ spec: { paused: true }, status: { phase: 'Failed' } })]), 'patch the spec');
    const after = JSON.parse(ok(await sandbox.kubectl(['get', 'mrun', 'weekly-os-patch-1', '-n', 'default', '-o', 'json']), 'get run')) as { spec: { paused: boolean }; status: { phase: string } };
    assert.deepEqual([after.spec.paused, after.status.phase], [true, 'Running']);
    // And a status with a phase the CRD does not know is refused with its path
    const bad = await sandbox.kubectl(['patch', 'mrun', 'weekly-os-patch-1', '-n', 'default', '--subresource=status', '--type=merge', '-p', JSON.stringify({ status: { phase: 'Exploded' } })]);
    assert.match(bad.stderr, /status\.phase: Unsupported value: "Exploded"/);
  });
});
