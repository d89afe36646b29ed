// Steering a run from other processes, as an operator would: `daylight pause`, `resume` and `abort` on a
// run executing in another process, `daylight status`, and a second run on the same cluster turned away
// by the Lease, naming the run that holds it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { JournalEntry } from '../../src/engine/events.ts';
import { smallFleet } from '../support/fleets.ts';
import { allPodsReady, startTestSandbox } from '../support/sandbox.ts';
import type { TestSandbox } from '../support/sandbox.ts';
import { tempConfigHome } from '../helpers/journal-key.ts';

// The CLIs this file starts make their journal key in a temporary config directory, not in the home.
tempConfigHome();

const ENTRY = fileURLToPath(new URL('../../src/cli/entry.ts', import.meta.url));

/** `soak` keeps a run going long enough for another terminal to reach it on a loaded machine. */
function planYaml(name: string, soak = '30s'): string {
  return [
    'apiVersion: daylight.dev/v1alpha1',
    'kind: MaintenancePlan',
    `metadata: {name: ${name}}`,
    'spec:',
    '  clusters: [{name: eu-central, context: eu-central}]',
    '  phases:',
    `    - {name: os-patch, type: nodes, maxUnavailable: 1, canary: 1, drain: {timeout: 10m}, ready: {timeout: 10m}, soak: ${soak}}`,
    '',
  ].join('\n');
}

interface Setup {
  readonly ts: TestSandbox;
  readonly dir: string;
  readonly state: string;
  planFile(name: string, soak?: string): Promise<string>;
  done(): Promise<void>;
}

async function setup(): Promise<Setup> {
  const ts = await startTestSandbox(smallFleet({ speed: 60, rebootSeconds: 60 }));
  await ts.until('every pod is Ready', () => allPodsReady(ts.sandbox));
  const dir = await mkdtemp(join(tmpdir(), 'daylight-control-'));
  return {
    ts,
    dir,
    state: join(dir, 'state'),
    planFile: async (name, soak) => {
      const file = join(dir, `${name}.yaml`);
      await writeFile(file, planYaml(name, soak));
      return file;
    },
    done: async () => {
      await ts.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

function startRun(s: Setup, planFile: string): ChildProcess {
  return spawn(process.execPath, [ENTRY, 'run', '-f', planFile, '--kubeconfig', s.ts.kubeconfigPath, '--state-dir', s.state, '-o', 'json'], { stdio: ['ignore', 'pipe', 'pipe'] });
}

/** A daylight command on the run's state dir, run without blocking this process, which serves the sandbox. */
function daylight(s: Setup, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return daylightAsync([...args, '--state-dir', s.state]);
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

function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => (child.exitCode !== null ? resolve(child.exitCode) : child.once('exit', (code) => resolve(code))));
}

/** Nodes cordoned now, through kubectl (asynchronously: the sandbox answers from this very process). */
async function cordoned(s: Setup): Promise<string[]> {
  const r = await s.ts.kubectl(['get', 'nodes', '-o', 'json']);
  const list = JSON.parse(r.stdout) as { items: { metadata: { name: string }; spec: { unschedulable?: boolean } }[] };
  return list.items.filter((n) => n.spec.unschedulable === true).map((n) => n.metadata.name);
}

/** A daylight command that talks to the sandbox: run without blocking this process, which serves it. */
function daylightAsync(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [ENTRY, ...args], { encoding: 'utf8', timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

test('pause from another terminal stops the run where it is; status shows it; resume takes it to the end', { timeout: 120_000 }, async () => {
  const s = await setup();
  const child = startRun(s, await s.planFile('pausable'));
  try {
    // Given a run in its second wave
    await s.ts.until('the second wave started', () => {
      const id = onlyRun(s);
      return id !== undefined && journal(s, id).some((e) => e.event.type === 'wave.started' && e.event.wave === 1);
    }, 60_000);
    const runId = onlyRun(s) as string;
    // When an operator pauses it
    const paused = await daylight(s, ['pause', runId]);
    assert.equal(paused.code, 0, paused.stderr);
    assert.match(paused.stdout, /pause sent to run/);
    // Then the run records the pause, and status says it is paused in a live process
    await s.ts.until('the run paused', () => journal(s, runId).some((e) => e.event.type === 'run.paused'), 60_000);
    const status = JSON.parse((await daylight(s, ['status', runId, '-o', 'json'])).stdout) as { status: string; live: boolean };
    assert.deepEqual({ status: status.status, live: status.live }, { status: 'paused', live: true });
    // And nothing happens while paused: once the cluster's clock has gone past the soak and a reboot (what the
    // run would have done next), a confirm sent to the paused process comes back recorded, proving it went
    // round its loop after that time, and it is the only entry since the pause
    const entries = journal(s, runId).length;
    await new Promise<void>((r) => s.ts.sandbox.fleet.clock.after(3 * 60_000, r));
    assert.equal((await daylightAsync(['confirm', runId, '--state-dir', s.state])).code, 0);
    await s.ts.until('the paused run recorded the confirm', () => journal(s, runId).slice(entries).some((e) => e.event.type === 'control.received'), 30_000);
    assert.deepEqual(journal(s, runId).slice(entries).map((e) => e.event.type), ['control.received'], 'nothing happens while paused');
    // When it is resumed
    assert.equal((await daylightAsync(['resume', runId, '--state-dir', s.state])).code, 0);
    // Then it finishes with every worker maintained
    assert.equal(await exited(child), 0);
    const types = journal(s, runId).map((e) => e.event.type);
    assert.ok(types.includes('run.resumed'));
    assert.equal(types.at(-1), 'run.succeeded');
    assert.equal(types.filter((t) => t === 'node.done').length, 6);
  } finally {
    child.kill('SIGKILL');
    await s.done();
  }
});

test('abort from another terminal stops the run and gives every node back', { timeout: 120_000 }, async () => {
  const s = await setup();
  // A soak of 30 minutes (30 s of real time at this speed): the abort, a CLI started under load, arrives while the run holds nodes
  const child = startRun(s, await s.planFile('abortable', '30m'));
  try {
    // Given a run that holds a cordoned node
    await s.ts.until('a node is cordoned by the run', async () => (await cordoned(s)).length > 0, 60_000);
    const runId = onlyRun(s) as string;
    // When an operator aborts it
    const abort = await daylightAsync(['abort', runId, '--state-dir', s.state]);
    assert.equal(abort.code, 0, abort.stderr);
    // Then the process ends with a non-zero code, the journal says aborted, and no node is left cordoned
    assert.equal(await exited(child), 1);
    assert.equal(journal(s, runId).at(-1)?.event.type, 'run.aborted');
    await s.ts.until('every node is schedulable again', async () => (await cordoned(s)).length === 0, 30_000);
    const status = JSON.parse((await daylight(s, ['status', runId, '-o', 'json'])).stdout) as { status: string };
    assert.equal(status.status, 'aborted');
  } finally {
    child.kill('SIGKILL');
    await s.done();
  }
});

test('a second run on a cluster under maintenance is turned away by the Lease, which names the run that holds it', { timeout: 120_000 }, async () => {
  const s = await setup();
  // A soak of 2h (2 real minutes at speed 60): the first run still holds the lease however long the second takes to start
  const first = startRun(s, await s.planFile('first', '2h'));
  try {
    // Given a run that holds the cluster's lease
    await s.ts.until('the first run holds the lease', () => {
      const id = onlyRun(s);
      return id !== undefined && journal(s, id).some((e) => e.event.type === 'lease.acquired');
    }, 60_000);
    const holder = onlyRun(s) as string;
    // When a second run starts on the same cluster
    const second = await daylightAsync(['run', '-f', await s.planFile('second'), '--kubeconfig', s.ts.kubeconfigPath, '--state-dir', s.state, '--skip-preflight']);
    // Then it fails before touching a node, naming the holder
    assert.equal(second.code, 1, second.stderr);
    assert.match(second.stdout, new RegExp(`cluster eu-central is being maintained by run ${holder}`));
    const secondId = readdirSync(join(s.state, 'runs')).find((d) => d !== holder) as string;
    assert.equal(journal(s, secondId).filter((e) => e.event.type.startsWith('node.')).length, 0);
  } finally {
    first.kill('SIGKILL');
    await s.done();
  }
});
