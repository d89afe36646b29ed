// `daylight agent` as the DaemonSet runs it, against the sandbox: the node from NODE_NAME, it publishes the
// host's reboot-required sentinel on its own Node (label and condition) and follows the file as it appears,
// logs structured lines, and SIGTERM ends it with exit 0. No action is written, so it asks nothing of this
// host. Its /metrics follow. (Carrying out actions is the loop's, proven over fakes in test/unit/agent/.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { smallFleet } from '../support/fleets.ts';
import { startTestSandbox } from '../support/sandbox.ts';
import { ok } from './helpers.ts';

const ENTRY = fileURLToPath(new URL('../../src/cli/entry.ts', import.meta.url));
const NODE = 'eu-central-b-r1-n1';

test('daylight agent publishes reboot-required on its own node as the sentinel file comes, and stops on SIGTERM', { timeout: 60_000 }, async (t) => {
  const ts = await startTestSandbox(smallFleet({ workloads: [] }));
  t.after(() => ts.stop());
  const sentinel = join(dirname(ts.kubeconfigPath), 'reboot-required');
  const child = spawn(process.execPath, [ENTRY, 'agent', '--kubeconfig', ts.kubeconfigPath, '--context', 'eu-central', '--sentinel-file', sentinel, '--sentinel-period', '1s', '--metrics-port', '0', '--metrics-host', '127.0.0.1'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NODE_NAME: NODE },
  });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  try {
    const labelled = async (value: string) => ok(await ts.kubectl(['get', 'nodes', '-l', `daylight.dev/reboot-required=${value}`, '-o', 'name']), 'get -l').trim() === `node/${NODE}`;
    // Given no sentinel: the node says no reboot is needed
    await ts.until('the node is labelled reboot-required=false', () => labelled('false'), 20_000);
    // When the host's sentinel appears, then the label and the condition follow
    await writeFile(sentinel, '');
    await ts.until('the node is labelled reboot-required=true', () => labelled('true'), 20_000);
    // And its metrics say so, on the port its log names
    const url = /metrics on (http:\/\/127\.0\.0\.1:\d+\/metrics)/.exec(stderr)?.[1];
    assert.ok(url, stderr);
    const metrics = await (await fetch(url)).text();
    assert.match(metrics, /^daylight_agent_reboot_required\{node="eu-central-b-r1-n1"\} 1$/m);
    assert.match(metrics, /^daylight_agent_action_in_progress\{node="eu-central-b-r1-n1"\} 0$/m);
    assert.equal((await fetch(url.replace('/metrics', '/other'))).status, 404);
    const node = JSON.parse(ok(await ts.kubectl(['get', 'node', NODE, '-o', 'json']), 'get node')) as { status: { conditions: { type: string; status: string }[] } };
    assert.equal(node.status.conditions.find((c) => c.type === 'daylight.dev/RebootRequired')?.status, 'True');
    // And no other node was touched
    assert.equal(ok(await ts.kubectl(['get', 'nodes', '-l', 'daylight.dev/reboot-required', '-o', 'name']), 'get -l').trim(), `node/${NODE}`);
  } finally {
    child.kill('SIGTERM');
  }
  // Then SIGTERM ends it cleanly, and its log lines are JSON naming the node
  assert.equal(await exited, 0, stderr);
  const lines = stderr.trim().split('\n').map((l) => JSON.parse(l) as { node: string; msg: string });
  assert.ok(lines.every((l) => l.node === NODE), stderr);
  assert.ok(lines.some((l) => /looking after node eu-central-b-r1-n1 \(reboot by signal\)/.test(l.msg)), stderr);
  assert.equal(lines.at(-1)?.msg, 'stopped');
});
