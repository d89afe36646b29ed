// Approval gates on the simulated sandbox, answered from another terminal as an operator would: a run waits
// at the approval before its phase with nothing cordoned, `daylight status` says what it waits for and how to
// answer, `daylight approve` moves it on to success; another run approved for its first wave and rejected before
// its second ends failed with the reason and no node cordoned. The journal and the report name who answered,
// when and with what comment. And in a regional run, each region waits for its own approval before it
// leaves traffic: the first approved goes out and comes back, the second rejected never leaves traffic.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { JournalEntry } from '../../src/engine/events.ts';
import type { Report } from '../../src/report/index.ts';
import { smallFleet } from '../support/fleets.ts';
import { allPodsReady, startTestSandbox } from '../support/sandbox.ts';
import type { TestSandbox } from '../support/sandbox.ts';
import { tempConfigHome, testSigner } from '../helpers/journal-key.ts';
import { runPaths, sendApproval } from '../../src/engine/run-dir.ts';
import { runSession } from '../../src/cli/run-session.ts';
import { parsePlan } from '../../src/plan/load.ts';
import { upFleet } from './roll/fixtures.ts';

// The CLIs this file starts make their journal key in a temporary config directory, not in the home.
tempConfigHome();

const ENTRY = fileURLToPath(new URL('../../src/cli/entry.ts', import.meta.url));

function planYaml(name: string, approvals: string): string {
  return [
    'apiVersion: daylight.dev/v1alpha1',
    'kind: MaintenancePlan',
    `metadata: {name: ${name}}`,
    'spec:',
    '  clusters: [{name: eu-central, context: eu-central}]',
    '  phases:',
    '    - name: os-patch',
    '      type: nodes',
    '      maxUnavailable: 3',
    '      canary: 1',
    '      drain: {timeout: 10m}',
    '      ready: {timeout: 10m}',
    `      ${approvals}`,
    '',
  ].join('\n');
}

interface Setup {
  readonly ts: TestSandbox;
  readonly state: string;
  start(name: string, approvals: string): Promise<ChildProcess>;
  done(): Promise<void>;
}

async function setup(): Promise<Setup> {
  const ts = await startTestSandbox(smallFleet({ speed: 60, rebootSeconds: 60 }));
  await ts.until('every pod is Ready', () => allPodsReady(ts.sandbox));
  const dir = await mkdtemp(join(tmpdir(), 'daylight-approvals-'));
  const state = join(dir, 'state');
  return {
    ts,
    state,
    start: async (name, approvals) => {
      const file = join(dir, `${name}.yaml`);
      await writeFile(file, planYaml(name, approvals));
      return spawn(process.execPath, [ENTRY, 'run', '-f', file, '--kubeconfig', ts.kubeconfigPath, '--state-dir', state, '-o', 'json'], { stdio: ['ignore', 'pipe', 'pipe'] });
    },
    done: async () => {
      await ts.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** A daylight command on the run's state dir, run without blocking this process, which serves the sandbox. */
function daylight(s: Setup, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [ENTRY, ...args, '--state-dir', s.state], { encoding: 'utf8', timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

function journal(s: Setup, runId: string): JournalEntry[] {
  const file = join(s.state, 'runs', runId, 'journal.jsonl');
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as JournalEntry);
}

function onlyRun(s: Setup): string | undefined {
  const dir = join(s.state, 'runs');
  return existsSync(dir) ? readdirSync(dir)[0] : undefined;
}

/** The run id once its journal holds `type` (for step, when given). */
async function waitFor(s: Setup, type: string, step?: string): Promise<string> {
  await s.ts.until(`the run journaled ${type}${step ? ` for ${step}` : ''}`, () => {
    const id = onlyRun(s);
    return id !== undefined && journal(s, id).some((e) => e.event.type === type && (step === undefined || ('step' in e.event && e.event.step === step)));
  }, 60_000);
  return onlyRun(s) as string;
}

function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => (child.exitCode !== null ? resolve(child.exitCode) : child.once('exit', (code) => resolve(code))));
}

async function cordoned(s: Setup): Promise<string[]> {
  const r = await s.ts.kubectl(['get', 'nodes', '-o', 'json']);
  const list = JSON.parse(r.stdout) as { items: { metadata: { name: string }; spec: { unschedulable?: boolean } }[] };
  return list.items.filter((n) => n.spec.unschedulable === true).map((n) => n.metadata.name);
}

test('a run waits at the approval before its phase; daylight approve moves it on and it succeeds, the approver in the journal and the report', { timeout: 180_000 }, async () => {
  const s = await setup();
  const child = await s.start('approved', 'before: [{type: approval, name: change board, message: "CAB-1234 signed off?"}]');
  try {
    // Given a run waiting for the approval of its phase
    const runId = await waitFor(s, 'approval.requested');
    // Then status says it waits, for what, and how to answer; no node is cordoned
    const status = await daylight(s, ['status', runId]);
    assert.match(status.stdout, new RegExp(`WaitingForApproval: waiting for approval of phase/os-patch \\(change board: CAB-1234 signed off\\?\\); answer with daylight approve ${runId} --step phase/os-patch`));
    const json = JSON.parse((await daylight(s, ['status', runId, '-o', 'json'])).stdout) as { waitingForApproval: string[]; live: boolean };
    assert.deepEqual([json.waitingForApproval, json.live], [['phase/os-patch'], true]);
    assert.deepEqual(await cordoned(s), []);
    // And it keeps waiting: a minute of cluster time later no node has been touched
    await new Promise<void>((r) => s.ts.sandbox.fleet.clock.after(60_000, r));
    assert.equal(journal(s, runId).filter((e) => e.event.type.startsWith('node.')).length, 0);
    // When alice approves it with a comment
    const approve = await daylight(s, ['approve', runId, '--comment', 'CAB-1234 approved', '--as', 'alice']);
    assert.equal(approve.code, 0, approve.stderr);
    assert.match(approve.stdout, new RegExp(`approved phase/os-patch of run ${runId} as alice`));
    // Then the run goes on and succeeds
    assert.equal(await exited(child), 0);
    const entries = journal(s, runId);
    assert.equal(entries.at(-1)?.event.type, 'run.succeeded');
    // And the journal holds who approved, how, when and with what comment
    const granted = entries.find((e) => e.event.type === 'approval.granted')?.event;
    assert.ok(granted?.type === 'approval.granted');
    assert.deepEqual([granted.step, granted.by, granted.via, granted.comment], ['phase/os-patch', 'alice', 'cli', 'CAB-1234 approved']);
    assert.ok(!Number.isNaN(Date.parse(granted.answeredAt)));
    // And an answer after the run is over is refused, saying so
    const twice = await daylight(s, ['approve', runId, '--step', 'phase/os-patch']);
    assert.equal(twice.code, 2);
    assert.match(twice.stderr, /run .* is over \(succeeded\); there is nothing to approve/);
    // And the report's authorisation row names alice, the time and the comment
    const report = JSON.parse((await daylight(s, ['report', runId, '--format', 'json'])).stdout) as Report;
    const row = report.compliance.find((c) => c.requirement === 'authorisation');
    assert.equal(row?.status, 'evidenced');
    assert.match(row?.evidence ?? '', new RegExp(`phase/os-patch approved by alice \\(cli\\) at ${granted.answeredAt.replace(/\./g, '\\.')}: CAB-1234 approved`));
  } finally {
    child.kill('SIGKILL');
    await s.done();
  }
});

test('a run approved for its first wave and rejected before its second ends failed with the reason, no node cordoned', { timeout: 180_000 }, async () => {
  const s = await setup();
  const child = await s.start('rejected', 'beforeEachWave: [{type: approval}]');
  try {
    // Given a run waiting before its first wave, approved without --as (the OS user answers)
    const runId = await waitFor(s, 'approval.requested', 'phase/os-patch/wave/1');
    const first = await daylight(s, ['approve', runId]);
    assert.equal(first.code, 0, first.stderr);
    // When it waits before its second wave, a rejection without a reason is refused, and one with a reason is taken
    await waitFor(s, 'approval.requested', 'phase/os-patch/wave/2');
    const noReason = await daylight(s, ['reject', runId]);
    assert.equal(noReason.code, 2);
    assert.match(noReason.stderr, /a rejection needs a reason/);
    const wrongStep = await daylight(s, ['reject', runId, '--step', 'phase/os-patch/wave/1', '--comment', 'x']);
    assert.equal(wrongStep.code, 2);
    assert.match(wrongStep.stderr, /phase\/os-patch\/wave\/1 was already approved by .* an answer counts once/);
    const reject = await daylight(s, ['reject', runId, '--comment', 'change freeze starts now', '--as', 'bob']);
    assert.equal(reject.code, 0, reject.stderr);
    // Then the run ends failed with the rejection as its reason
    assert.equal(await exited(child), 1);
    const entries = journal(s, runId);
    const end = entries.at(-1)?.event;
    assert.equal(end?.type, 'run.failed');
    assert.match(end?.type === 'run.failed' ? end.reason : '', /approval of phase\/os-patch\/wave\/2 rejected by bob: change freeze starts now/);
    // And the first wave was maintained, the second never started, and no node is left cordoned
    assert.equal(entries.filter((e) => e.event.type === 'wave.started').length, 1);
    assert.deepEqual(await cordoned(s), []);
    // And the journal and the report name both answers: the OS user for the first, bob for the second
    const answers = entries.flatMap((e) => (e.event.type === 'approval.granted' || e.event.type === 'approval.rejected' ? [[e.event.type, e.event.step, e.event.by, e.event.comment]] : []));
    assert.deepEqual(answers, [['approval.granted', 'phase/os-patch/wave/1', userInfo().username, undefined], ['approval.rejected', 'phase/os-patch/wave/2', 'bob', 'change freeze starts now']]);
    const report = JSON.parse((await daylight(s, ['report', runId, '--format', 'json'])).stdout) as Report;
    assert.deepEqual(report.approvals.map((a) => [a.step, a.status, a.by, a.comment]), [['phase/os-patch/wave/1', 'approved', userInfo().username, undefined], ['phase/os-patch/wave/2', 'rejected', 'bob', 'change freeze starts now']]);
    assert.ok(report.actions.some((a) => a.action === 'approval rejected' && a.actor === 'bob (cli)'));
  } finally {
    child.kill('SIGKILL');
    await s.done();
  }
});

test('a regional phase asks before each region leaves traffic: the first approved is maintained, the second rejected never leaves traffic', { timeout: 180_000 }, async () => {
  // Given two regions behind the sandbox's balancer and a regional phase with an approval before each region
  const ts = await upFleet({ regions: 2, zones: 2, nodesPerRack: 1, rebootSeconds: 30 }, 120);
  const stateDir = await mkdtemp(join(tmpdir(), 'daylight-approvals-regional-'));
  try {
    const plan = parsePlan('regional.yaml', [
      'apiVersion: daylight.dev/v1alpha1',
      'kind: MaintenancePlan',
      'metadata: {name: regional-approved}',
      'spec:',
      '  clusters: [{name: eu-central, context: eu-central}, {name: region-2, context: region-2}]',
      '  traffic: {provider: sandbox, drain: {timeout: 30s}, restore: {steps: [50, 100], interval: 20s, every: 10s}}',
      '  phases:',
      '    - {name: os-patch, type: nodes, regional: true, maxUnavailable: 1, drain: {timeout: 5m}, beforeEachRegion: [{type: approval, message: "region lead agrees?"}]}',
      '',
    ].join('\n'));
    // When the run asks, eu-central's lead approves it and region-2's lead rejects it (answers in the run's control file, as the CLI writes them)
    const answer = (line: string) => {
      const e = JSON.parse(line) as { runId: string; type: string; step?: string };
      if (e.type !== 'approval.requested' || e.step === undefined) return;
      const region2 = e.step.endsWith('/region-2');
      sendApproval(runPaths(stateDir, e.runId), { step: e.step, decision: region2 ? 'reject' : 'approve', by: region2 ? 'lead-2' : 'lead-1', via: 'cli', at: new Date().toISOString(), ...(region2 ? { comment: 'region-2 has a launch today' } : {}) });
    };
    const end = await runSession({ plan, stateDir, kubeconfig: ts.kubeconfigPath, view: 'json', write: (t) => t.split('\n').filter(Boolean).forEach(answer), signer: testSigner() });
    assert.ok(end.status !== 'refused');
    // Then the run failed with region-2's rejection as its reason
    assert.equal(end.status, 'failed');
    assert.match(end.reason ?? '', /approval of phase\/os-patch\/region\/region-2 rejected by lead-2: region-2 has a launch today/);
    const entries = readFileSync(end.paths.journal, 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as JournalEntry).event);
    const index = (pred: (e: JournalEntry['event']) => boolean) => entries.findIndex(pred);
    // And eu-central left traffic only after its approval, was maintained and given its traffic back
    const approved = index((e) => e.type === 'approval.granted' && e.step === 'phase/os-patch/region/eu-central');
    assert.ok(approved >= 0 && approved < index((e) => e.type === 'traffic.drain.requested' && e.cluster === 'eu-central'));
    assert.ok(entries.some((e) => e.type === 'traffic.restored' && e.cluster === 'eu-central'));
    // And region-2 never left traffic, none of its nodes was touched, and no node anywhere is cordoned
    assert.equal(index((e) => e.type === 'traffic.drain.requested' && e.cluster === 'region-2'), -1);
    assert.equal(index((e) => e.type.startsWith('node.') && 'cluster' in e && e.cluster === 'region-2'), -1);
    for (const region of ['eu-central', 'region-2']) {
      const list = (await ts.api(region, '/api/v1/nodes')) as { items: { metadata: { name: string }; spec: { unschedulable?: boolean } }[] };
      assert.deepEqual(list.items.filter((n) => n.spec.unschedulable === true).map((n) => n.metadata.name), [], `${region}: nothing cordoned`);
    }
  } finally {
    await ts.stop();
    await rm(stateDir, { recursive: true, force: true });
  }
});
