// The CLI's edges as a user meets them: a run that is not there, a run id that is a path, a missing
// subcommand, extra arguments, a bad -o and --state-dir on any command: each exits 2 with what to do,
// before any cluster is read (the kubeconfig points at a listener that counts connections), no stack trace.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { Server } from 'node:net';
import { join } from 'node:path';
import { main } from '../../../src/cli/main.ts';
import { regionalRunEvents, tempState, writeRun } from '../report/fixtures.ts';

interface Result {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

async function daylight(args: string[]): Promise<Result> {
  let out = '';
  let err = '';
  const code = await main(args, { out: (t) => (out += `${t}\n`), err: (t) => (err += `${t}\n`), isTty: false });
  return { code, out, err };
}

/** A "cluster" that counts the connections made to it and drops each at once. */
async function countingCluster(): Promise<{ server: Server; port: number; connections: () => number }> {
  let n = 0;
  const server = createServer((socket) => {
    n++;
    socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return { server, port: typeof address === 'object' && address ? address.port : 0, connections: () => n };
}

interface Given {
  readonly dir: string;
  /** The state directory: one run, run-1. */
  readonly state: string;
  readonly plan: string;
  readonly kubeconfig: string;
  readonly connections: () => number;
  done(): Promise<void>;
}

/** A state dir with run-1, a plan, a kubeconfig at a counting listener, and a run outside the state dir. */
async function given(): Promise<Given> {
  const t = tempState();
  const state = join(t.dir, 'state');
  writeRun(state, 'run-1', regionalRunEvents({ upTo: 4 }));
  // a journal outside the state dir, at state/runs/../../outside/runs/secret
  writeRun(join(t.dir, 'outside'), 'secret', regionalRunEvents({ upTo: 4 }));
  const cluster = await countingCluster();
  const kubeconfig = join(t.dir, 'kubeconfig');
  writeFileSync(kubeconfig, [
    'apiVersion: v1',
    'kind: Config',
    `clusters: [{name: c, cluster: {server: 'https://127.0.0.1:${cluster.port}', insecure-skip-tls-verify: true}}]`,
    'users: [{name: u, user: {token: t}}]',
    'contexts: [{name: eu-central, context: {cluster: c, user: u}}]',
    'current-context: eu-central',
    '',
  ].join('\n'));
  const plan = join(t.dir, 'plan.yaml');
  writeFileSync(plan, [
    'apiVersion: daylight.dev/v1alpha1',
    'kind: MaintenancePlan',
    'metadata: {name: weekly}',
    'spec:',
    '  clusters: [{name: eu-central, context: eu-central}]',
    '  phases:',
    '    - {name: os-patch, type: nodes, maxUnavailable: 1, drain: {timeout: 10m}, ready: {timeout: 10m}}',
    '',
  ].join('\n'));
  return {
    dir: t.dir,
    state,
    plan,
    kubeconfig,
    connections: cluster.connections,
    done: async () => {
      await new Promise<void>((resolve) => cluster.server.close(() => resolve()));
      t.done();
    },
  };
}

function assertUserError(r: Result, message: RegExp, what: string): void {
  assert.equal(r.code, 2, `${what}: exit code (stderr: ${r.err})`);
  assert.match(r.err, message, what);
  assert.doesNotMatch(r.err, /internal error|\n\s+at /, `${what}: no internal error, no stack trace`);
}

test('run --resume with a run that is not there: exit 2 saying how to list the runs, and no cluster is read', async () => {
  const g = await given();
  try {
    const r = await daylight(['run', '-f', g.plan, '--kubeconfig', g.kubeconfig, '--state-dir', g.state, '--resume', 'weekly-20260901-090000-ab12']);
    assertUserError(r, /no run "weekly-20260901-090000-ab12" in .*state; runs there: run-1\. List the runs with daylight status --state-dir .*another --state-dir/, 'run --resume');
    assert.equal(g.connections(), 0, 'no connection to the cluster');
  } finally {
    await g.done();
  }
});

test('status, pause, resume, abort, report and audit verify with a run that is not there: exit 2 saying how to list the runs', async () => {
  const g = await given();
  try {
    for (const args of [['status', 'nope'], ['pause', 'nope'], ['resume', 'nope'], ['abort', 'nope'], ['report', 'nope'], ['audit', 'verify', 'nope']]) {
      const r = await daylight([...args, '--state-dir', g.state]);
      assertUserError(r, /no run "nope" in .*; runs there: run-1\. List the runs with daylight status --state-dir /, args.join(' '));
    }
  } finally {
    await g.done();
  }
});

test('a run id that leaves the state dir is refused by every command that takes RUN, naming it, before anything is read', async () => {
  const g = await given();
  const bad = '../../outside/runs/secret';
  try {
    const commands = [['status', bad], ['pause', bad], ['resume', bad], ['abort', bad], ['confirm', bad], ['report', bad], ['audit', 'verify', bad], ['run', '-f', g.plan, '--kubeconfig', g.kubeconfig, '--resume', bad]];
    for (const args of commands) {
      const r = await daylight([...args, '--state-dir', g.state]);
      assertUserError(r, /"\.\.\/\.\.\/outside\/runs\/secret" is not a run id: run ids are lower-case letters, digits and "-"/, args[0] as string);
      assert.equal(r.out, '', `${args[0]}: nothing of the run outside was printed`);
    }
    for (const id of ['.', '..', 'a/b', 'Run-1', 'run-1/../run-1', `${'a'.repeat(85)}`, 'run-1\n']) {
      assertUserError(await daylight(['status', id, '--state-dir', g.state]), /is not a run id/, JSON.stringify(id));
    }
    assert.equal(g.connections(), 0);
  } finally {
    await g.done();
  }
});

test('upgrade without a subcommand: exit 2 with the usage; upgrade --help still exits 0', async () => {
  assertUserError(await daylight(['upgrade']), /missing the subcommand; use: daylight upgrade plan --to v1\.31\nSee: daylight upgrade --help/, 'upgrade');
  assertUserError(await daylight(['upgrade', '--to', 'v1.31']), /missing the subcommand/, 'upgrade --to');
  const help = await daylight(['upgrade', '--help']);
  assert.equal(help.code, 0);
  assert.match(help.out, /Usage: daylight upgrade <subcommand>/);
});

test('an extra argument on any command: exit 2 naming it and the usage, before any cluster is read', async () => {
  const g = await given();
  try {
    const commands = [
      ['preflight', '-f', g.plan, '--kubeconfig', g.kubeconfig, 'extra'],
      ['plan', '-f', g.plan, '--kubeconfig', g.kubeconfig, 'extra'],
      ['calendar', '-f', g.plan, '--eta', '--kubeconfig', g.kubeconfig, 'extra'],
      ['run', '-f', g.plan, '--kubeconfig', g.kubeconfig, 'extra'],
      ['status', 'run-1', 'extra'],
      ['pause', 'run-1', 'extra'],
      ['abort', 'run-1', 'extra'],
      ['report', 'run-1', 'extra'],
      ['audit', 'verify', 'run-1', 'extra'],
      ['upgrade', 'plan', '--to', 'v1.31', 'extra'],
      ['recover', '--kubeconfig', g.kubeconfig, 'extra'],
    ];
    for (const args of commands) {
      const r = await daylight([...args, '--state-dir', g.state]);
      assertUserError(r, /unexpected argument "extra"|takes no arguments, got "extra"/, args.join(' '));
    }
    assert.equal(g.connections(), 0, 'no connection to the cluster');
  } finally {
    await g.done();
  }
});

test('-o with a bad value: exit 2 before the plan\'s clusters are read', async () => {
  const g = await given();
  try {
    for (const command of ['preflight', 'plan', 'run']) {
      const r = await daylight([command, '-f', g.plan, '--kubeconfig', g.kubeconfig, '-o', 'yaml2', '--state-dir', g.state]);
      assertUserError(r, /-o yaml2: expected "json" or "text"/, command);
    }
    assertUserError(await daylight(['recover', '--kubeconfig', g.kubeconfig, '-o', 'yaml2', '--state-dir', g.state]), /-o yaml2/, 'recover');
    assertUserError(await daylight(['calendar', '-f', g.plan, '--eta', '--kubeconfig', g.kubeconfig, '-o', 'yaml2']), /-o yaml2/, 'calendar');
    assertUserError(await daylight(['audit', 'verify', 'run-1', '-o', 'yaml2', '--state-dir', g.state]), /-o yaml2/, 'audit');
    assert.equal(g.connections(), 0, 'no connection to the cluster');
  } finally {
    await g.done();
  }
});

test('--state-dir is accepted by every command, and before the command as a global flag', async () => {
  const g = await given();
  try {
    const missing = join(g.dir, 'nope.yaml');
    const commands = [
      ['preflight', '-f', missing],
      ['plan', '-f', missing],
      ['calendar', '-f', missing],
      ['platform', 'diff', missing, missing],
      ['upgrade', 'plan', '--to', 'v1.31', '--from', 'v1.30', '--manifests', join(g.dir, 'no-manifests')],
      ['sandbox', 'up', '--fleet', missing],
      ['demo', '--fleet', missing],
    ];
    for (const args of commands) {
      const r = await daylight([...args, '--state-dir', g.state]);
      assert.doesNotMatch(r.err, /Unknown option '--state-dir'/, args[0]);
      assertUserError(r, /nope\.yaml|no-manifests/, args[0] as string);
    }
    mkdirSync(join(g.dir, 'no-manifests'));
    const upgrade = await daylight(['upgrade', '--state-dir', g.state, 'plan', '--to', 'v1.31', '--from', 'v1.30', '--manifests', join(g.dir, 'no-manifests')]);
    assert.equal(upgrade.code, 0, upgrade.err);
    const status = await daylight(['--state-dir', g.state, 'status']);
    assert.equal(status.code, 0, status.err);
    assert.match(status.out, /^run-1 /);
    const joined = await daylight([`--state-dir=${g.state}`, 'status', 'run-1', '-o', 'json']);
    assert.equal(joined.code, 0, joined.err);
    assert.equal((JSON.parse(joined.out) as { runId: string }).runId, 'run-1');
  } finally {
    await g.done();
  }
});
