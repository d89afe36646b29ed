// The daylight command as a new user meets it: help, version, exit codes, the demo, and `sandbox up`
// from start to a clean stop on SIGTERM.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempConfigHome } from '../helpers/journal-key.ts';

// The CLIs this file starts make their journal key in a temporary config directory, not in the home.
tempConfigHome();

const BIN = fileURLToPath(new URL('../../bin/daylight.js', import.meta.url));

function daylight(args: string[], timeoutMs = 60_000): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: timeoutMs });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('--help lists the commands and --version prints the version, both exit 0', () => {
  const help = daylight(['--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /Usage: daylight <command>/);
  assert.match(help.stdout, /sandbox\s+serve a simulated Kubernetes fleet/);
  assert.match(help.stdout, /demo\s+/);
  assert.doesNotMatch(help.stdout + help.stderr, /not implemented/i);
  const version = daylight(['--version']);
  assert.equal(version.code, 0);
  assert.match(version.stdout, /^daylight \d+\.\d+\.\d+/);
});

test('an unknown command or flag exits 2 with a message that says what to do, and no stack trace', () => {
  const cmd = daylight(['sandbx']);
  assert.equal(cmd.code, 2);
  assert.match(cmd.stderr, /unknown command "sandbx"; did you mean "sandbox"\?/);
  const flag = daylight(['sandbox', 'up', '--fleat', 'x.yaml']);
  assert.equal(flag.code, 2);
  assert.match(flag.stderr, /Unknown option '--fleat'/);
  assert.match(flag.stderr, /See: daylight sandbox --help/);
  assert.doesNotMatch(cmd.stderr + flag.stderr, /\n\s+at /, 'no stack trace');
});

test('sandbox up with a broken fleet file exits 2 and names file:line:column and the fix', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'daylight-cli-'));
  try {
    const file = join(dir, 'fleet.yaml');
    await writeFile(file, 'apiVersion: sandbox.daylight.dev/v1alpha1\nkind: Fleet\nmetadata: {name: x}\nspec:\n  regions:\n    - name: a\n      zones: [{name: z1, nodesPerRak: 2}]\n');
    const r = daylight(['sandbox', 'up', '--fleet', file, '--port', '0']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:7:26: spec\\.regions\\[0\\]\\.zones\\[0\\]\\.nodesPerRak: unknown field; did you mean "nodesPerRack"\\?`));
    const missing = daylight(['sandbox', 'up', '--fleet', join(dir, 'nope.yaml')]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /no such fleet file/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('the demo runs the demo plan on the embedded fleet and ends with a clean referee and exit 0', { timeout: 180_000 }, () => {
  // When a new user runs the main job with -o json
  const r = daylight(['demo', '-o', 'json'], 170_000);
  // Then every line is a JSON event of the run, and the last one is the outcome with the referee's count
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  const last = lines.at(-1) as { runId: string; status: string; referee: { podsKilledWithoutEviction: number; pdbBreaches: number; maxConcurrentUnavailableNodes: Record<string, number>; reboots: Record<string, number>; traffic: { failed: number } } };
  assert.equal(last.status, 'succeeded');
  assert.match(last.runId, /^weekly-os-patch-/);
  assert.equal(last.referee.podsKilledWithoutEviction, 0);
  assert.equal(last.referee.pdbBreaches, 0);
  assert.equal(last.referee.traffic.failed, 0);
  assert.deepEqual(last.referee.maxConcurrentUnavailableNodes, { 'eu-central': 3, 'eu-west': 3 });
  assert.equal(Object.keys(last.referee.reboots).length, 24, 'every worker rebooted');
  assert.ok(Object.values(last.referee.reboots).every((n) => n === 1), 'and none twice');
  const events = lines.slice(0, -1);
  assert.ok(events.length > 100);
  assert.ok(events.every((e) => e.runId === last.runId), 'every event carries the runId');
  assert.ok(events.some((e) => e.type === 'node.drained'));
});

test('sandbox up serves, writes the kubeconfig, and stops cleanly on SIGTERM', { timeout: 60_000 }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'daylight-cli-'));
  const kubeconfig = join(dir, 'kube.yaml');
  const child = spawn(process.execPath, [BIN, 'sandbox', 'up', '--port', '0', '--kubeconfig', kubeconfig, '-o', 'json'], { stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    const line = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (c: Buffer) => {
        out += c.toString();
        if (out.includes('\n')) resolve(out.split('\n')[0] as string);
      });
      child.once('exit', (code) => reject(new Error(`exited ${code} before listening`)));
    });
    const endpoints = JSON.parse(line) as { regions: Record<string, { api: string }> };
    assert.deepEqual(Object.keys(endpoints.regions), ['eu-central', 'eu-west']);
    const config = await readFile(kubeconfig, 'utf8');
    assert.match(config, /name: eu-central/);
    const get = spawnSync('kubectl', ['--kubeconfig', kubeconfig, '--context', 'eu-west', 'get', 'nodes', '-o', 'name'], { encoding: 'utf8', env: { ...process.env, KUBECACHEDIR: join(dir, 'cache') } });
    assert.equal(get.status, 0, get.stderr);
    assert.equal(get.stdout.trim().split('\n').length, 13);
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    assert.equal(await exited, 0);
  } finally {
    child.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
  }
});
