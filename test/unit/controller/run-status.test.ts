// A MaintenanceRun's status as the controller writes it: the six conditions for each phase (a run that was not
// a full success never says Succeeded), the progress and waves, and lastTransitionTime kept while a
// condition's status stays.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { drivenBy, runConditions, stateStatus, statusWriter } from '../../../src/cli/controller-run-status.ts';
import type { RunStatusTarget } from '../../../src/cli/controller-run-status.ts';
import type { MaintenanceRun } from '../../../src/cli/maintenance-run.ts';
import { RUN_CONDITIONS } from '../../../src/crd/run-schema.ts';
import { replay } from '../../../src/engine/state.ts';
import type { RunState } from '../../../src/engine/state.ts';
import type { JournalEntry } from '../../../src/engine/events.ts';
import type { KubeApi } from '../../../src/kube/api.ts';

const driver = drivenBy('controller-a');
const truthy = (cs: ReturnType<typeof runConditions>) => cs.filter((c) => c.status === 'True').map((c) => c.type).sort();

test('every write carries all six conditions, once each', () => {
  for (const phase of ['Running', 'Paused', 'WaitingForApproval', 'Succeeded', 'Degraded', 'Failed', 'Aborted']) {
    const cs = runConditions({ phase, driver, message: 'm' });
    assert.deepEqual(cs.map((c) => c.type), [...RUN_CONDITIONS], phase);
    for (const c of cs) assert.match(c.reason, /^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$/, `${phase} ${c.type} reason ${c.reason}`);
  }
});

test('while driven: Progressing says by whom; Paused and WaitingForApproval say why it stands', () => {
  const running = runConditions({ phase: 'Running', driver, reason: 'Resumed', message: 'os-patch eu wave 2 of 3' });
  assert.deepEqual(truthy(running), ['Progressing']);
  const progressing = running.find((c) => c.type === 'Progressing');
  assert.equal(progressing?.message, driver, 'the fencing of the status reads the driver here');
  assert.equal(progressing?.reason, 'Resumed');
  assert.deepEqual(truthy(runConditions({ phase: 'Paused', driver, message: 'paused' })), ['Paused', 'Progressing']);
  const waiting = runConditions({ phase: 'WaitingForApproval', driver, message: 'waiting for approval of phase/os-patch' });
  assert.deepEqual(truthy(waiting), ['Progressing', 'WaitingForApproval']);
  assert.equal(waiting.find((c) => c.type === 'WaitingForApproval')?.message, 'waiting for approval of phase/os-patch');
});

test('a node given up on makes a running run Degraded before it ends', () => {
  const cs = runConditions({ phase: 'Running', driver, message: 'm', notDone: '1 failed so far' });
  assert.deepEqual(truthy(cs), ['Degraded', 'Progressing']);
  assert.equal(cs.find((c) => c.type === 'Degraded')?.message, '1 failed so far');
});

test('at the end exactly one of Succeeded, Degraded, Failed is True, and a degraded run is not Succeeded', () => {
  assert.deepEqual(truthy(runConditions({ phase: 'Succeeded', driver, message: 'done' })), ['Succeeded']);
  const degraded = runConditions({ phase: 'Degraded', driver, message: 'the run finished, but 1 thing was not done as planned' });
  assert.deepEqual(truthy(degraded), ['Degraded']);
  assert.equal(degraded.find((c) => c.type === 'Succeeded')?.status, 'False');
  const aborted = runConditions({ phase: 'Aborted', driver, message: 'aborted by a person' });
  assert.deepEqual(truthy(aborted), ['Failed']);
  assert.equal(aborted.find((c) => c.type === 'Failed')?.reason, 'Aborted');
  const invalid = runConditions({ phase: 'Failed', driver, reason: 'PlanInvalid', message: 'no such plan' });
  assert.deepEqual(truthy(invalid), ['Failed']);
  assert.equal(invalid.find((c) => c.type === 'Failed')?.reason, 'PlanInvalid');
  assert.equal(invalid.find((c) => c.type === 'Progressing')?.message, 'no such plan', 'over: Progressing says why, not who');
});

function entries(events: readonly object[]): JournalEntry[] {
  return events.map((event, i) => ({ runId: 'r', seq: i + 1, at: 1_000 * (i + 1), event }) as unknown as JournalEntry);
}

function stateOf(events: readonly object[]): RunState {
  return replay('r', entries(events));
}

test('stateStatus: progress counts every planned node, waves say where the phase is, failures make it Degraded', () => {
  const waves = [
    { index: 0, nodes: ['w-1', 'w-2'] },
    { index: 1, nodes: ['w-3'] },
  ];
  const s = stateOf([
    { type: 'phase.planned', phase: 'os-patch', cluster: 'eu', budget: 2, waves, excluded: [] },
    { type: 'node.done', cluster: 'eu', node: 'w-1', outcome: 'maintained' },
    { type: 'node.done', cluster: 'eu', node: 'w-2', outcome: 'failed', message: 'patch failed' },
  ]);
  if (s.phases.length === 0) assert.fail(`phase.planned did not plan a phase: ${JSON.stringify(s)}`);
  const st = stateStatus(s, driver);
  assert.equal(st.progress, '2/3 nodes');
  assert.deepEqual(st.waves, { phase: 'os-patch', cluster: 'eu', done: s.phases[0]?.wavesDone, total: 2 });
  assert.equal(st.phase, 'Running');
  const cs = st.conditions as ReturnType<typeof runConditions>;
  assert.deepEqual(truthy(cs), ['Degraded', 'Progressing']);
  assert.match(cs.find((c) => c.type === 'Degraded')?.message ?? '', /1 failed/);
});

interface Patch {
  readonly path: string;
  readonly body: { status: { conditions: { type: string; status: string; lastTransitionTime: string }[] } };
}

function fakeApi(patches: Patch[]): KubeApi {
  let rv = 1;
  return {
    raw: async (method: string, path: string, body: unknown) => {
      assert.equal(method, 'PATCH');
      patches.push({ path, body: body as Patch['body'] });
      rv += 1;
      return { status: 200, body: JSON.stringify({ metadata: { name: 'r', resourceVersion: String(rv) } }) };
    },
  } as unknown as KubeApi;
}

test('statusWriter keeps a condition lastTransitionTime while its status stays, and starts from the run as read (a takeover)', async (t) => {
  t.mock.timers.enable({ apis: ['Date'], now: Date.parse('2026-12-06T10:00:00Z') });
  const patches: Patch[] = [];
  const target: RunStatusTarget = { api: fakeApi(patches), namespace: 'daylight-system', identity: 'controller-a' };
  const earlier = '2026-12-06T09:00:00Z';
  const run: MaintenanceRun = {
    metadata: { name: 'r', resourceVersion: '1' },
    spec: { planRef: { name: 'p' } },
    status: { phase: 'Running', conditions: [{ type: 'Progressing', status: 'True', reason: 'Started', message: drivenBy('controller-old'), lastTransitionTime: earlier }] },
  };
  const write = statusWriter(target, run, new AbortController().signal);
  await write({ phase: 'Running', conditions: runConditions({ phase: 'Running', driver, message: 'm' }) });
  t.mock.timers.setTime(Date.parse('2026-12-06T10:05:00Z'));
  await write({ phase: 'Paused', conditions: runConditions({ phase: 'Paused', driver, message: 'paused' }) });
  const at = (i: number, type: string) => patches[i]?.body.status.conditions.find((c) => c.type === type)?.lastTransitionTime;
  assert.equal(at(0, 'Progressing'), earlier, 'Progressing was True before the takeover and still is');
  assert.equal(at(0, 'Paused'), '2026-12-06T10:00:00Z');
  assert.equal(at(1, 'Progressing'), earlier);
  assert.equal(at(1, 'Paused'), '2026-12-06T10:05:00Z', 'Paused changed to True');
  assert.equal(at(1, 'Succeeded'), '2026-12-06T10:00:00Z', 'Succeeded stayed False');
  assert.match(patches[0]?.path ?? '', /maintenanceruns\/r\/status$/);
});
