// Unit tests for hooks: real `sh -c` commands (exit codes, the kill on timeout, variables as templates and
// as DAYLIGHT_* environment) and a local HTTP server as the webhook (2xx, 500, unreachable, slow). A failed
// hook is a result with ok: false and the reason, never an exception; only an abort propagates.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { CommandExec } from '../../../src/lib/command-exec.ts';
import { errnoCode, isAbortError } from '../../../src/lib/errors.ts';
import { HookSchema } from '../../../src/plan/hook-schema.ts';
import type { Hook } from '../../../src/plan/hook-schema.ts';
import { runHook } from '../../../src/notify/hooks.ts';
import type { HookContext } from '../../../src/notify/hooks.ts';
import { closedPort, startServer } from './local-server.ts';

const AT = new Date('2026-09-01T10:00:00Z');

function hook(fields: Record<string, unknown>): Hook {
  return HookSchema.parse(fields);
}

function context(o: Partial<HookContext> = {}): HookContext {
  return { vars: { run: 'r-7', cluster: 'eu-west', phase: 'os-patch' }, now: () => AT, ...o };
}

/** Alive and not a zombie (a killed grandchild waits for init to reap it, which a container may never do). */
async function isRunning(pid: number): Promise<boolean> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) [ZX]/.test(stat);
  } catch (e: unknown) {
    if (errnoCode(e) === 'ENOENT') return false;
    throw e;
  }
}

test('a command that exits 0 is ok, with its output', async () => {
  const r = await runHook(hook({ on: 'run-start', type: 'command', run: 'echo migration started' }), context());
  assert.equal(r.ok, true);
  assert.equal(r.on, 'run-start');
  assert.equal(r.type, 'command');
  assert.equal(r.target, 'echo migration started');
  assert.equal(r.exitCode, 0);
  assert.equal(r.timedOut, false);
  assert.equal(r.output, 'migration started\n');
  assert.equal(r.onFailure, 'fail');
  assert.match(r.message, /^run-start hook: echo migration started exited 0 after \d+\.\ds; last output: migration started$/);
});

test('a command that exits 3 is not ok, and the result says why with its last output', async () => {
  const r = await runHook(hook({ on: 'post-drain', type: 'command', run: 'echo checking; echo "replica lag 40s" >&2; exit 3', onFailure: 'continue' }), context());
  assert.equal(r.ok, false);
  assert.equal(r.exitCode, 3);
  assert.equal(r.onFailure, 'continue');
  assert.match(r.message, /^post-drain hook: echo checking; echo "replica lag 40s" >&2; exit 3 exited 3 after \d+\.\ds; last output: checking \| replica lag 40s$/);
});

test('a command past its timeout is killed with what it started, and is not ok', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'daylight-hook-'));
  try {
    const pidFile = join(dir, 'pids');
    const started = performance.now();
    const r = await runHook(hook({ on: 'pre-restore', type: 'command', run: `sleep 30 & echo "$$ $!" > ${pidFile}; wait`, timeout: '300ms' }), context());
    assert.ok(performance.now() - started < 5000, 'the hook was not stopped within the grace period');
    assert.equal(r.ok, false);
    assert.equal(r.timedOut, true);
    assert.match(r.message, /^pre-restore hook: .* ran past its timeout of 300ms and was killed$/);
    const pids = (await readFile(pidFile, 'utf8')).trim().split(' ').map(Number);
    assert.equal(pids.length, 2);
    for (const pid of pids) assert.equal(await isRunning(pid), false, `process ${pid} still runs`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('variables reach the command as templates and as DAYLIGHT_* environment variables', async () => {
  const run = 'printf "%s|%s|%s|%s|%s" "$DAYLIGHT_RUN" "$DAYLIGHT_CLUSTER" "$DAYLIGHT_PHASE" "$DAYLIGHT_HOOK" "$DAYLIGHT_EVENT"; echo " {{cluster}}/{{phase}}/{{event}}"';
  const r = await runHook(hook({ on: 'pre-drain', type: 'command', run }), context());
  assert.equal(r.ok, true, r.message);
  assert.equal(r.output, 'r-7|eu-west|os-patch|pre-drain|pre-drain eu-west/os-patch/pre-drain\n');
  assert.equal(r.target, 'printf "%s|%s|%s|%s|%s" "$DAYLIGHT_RUN" "$DAYLIGHT_CLUSTER" "$DAYLIGHT_PHASE" "$DAYLIGHT_HOOK" "$DAYLIGHT_EVENT"; echo " eu-west/os-patch/pre-drain"');
});

test('a template with an unknown variable is not run, and the result names the variable', async () => {
  const calls: string[] = [];
  const exec: CommandExec = async (command) => {
    calls.push(command);
    return { exitCode: 0, signal: null, timedOut: false, output: '', durationMs: 1 };
  };
  const r = await runHook(hook({ on: 'run-end', type: 'command', run: 'notify {{region}}' }), context({ exec }));
  assert.deepEqual(calls, []);
  assert.equal(r.ok, false);
  assert.equal(r.target, 'notify {{region}}');
  assert.equal(r.message, 'run-end hook: not run: "notify {{region}}" uses {{region}}, which is not a known variable; known variables: cluster, event, phase, run');
});

test("the caller's abort stops the command and propagates", async () => {
  const ac = new AbortController();
  const pending = runHook(hook({ on: 'run-start', type: 'command', run: 'sleep 30' }), context({ signal: ac.signal }));
  await sleep(100);
  ac.abort();
  await assert.rejects(pending, (e: unknown) => isAbortError(e));
});

test('a webhook answered 2xx is ok; it received the event as JSON with the headers, and the result shows no secrets', async () => {
  const s = await startServer((_req, res) => res.end('thanks'));
  try {
    const host = new URL(s.url).host;
    const h = hook({ on: 'post-restore', type: 'webhook', url: `http://daylight:pa55word@${host}/hooks/{{cluster}}?token=abc123`, headers: { 'x-api-key': 'k-secret' } });
    const r = await runHook(h, context());
    assert.equal(r.ok, true, r.message);
    assert.equal(r.status, 200);
    assert.equal(r.output, 'thanks');
    assert.equal(r.target, `http://${host}/hooks/eu-west?token=…`);
    assert.equal(r.message, `post-restore hook: POST http://${host}/hooks/eu-west?token=… answered 200`);
    assert.doesNotMatch(JSON.stringify(r), /pa55word|abc123|k-secret/);
    const [req] = s.requests;
    assert.equal(req?.method, 'POST');
    assert.equal(req?.url, '/hooks/eu-west?token=abc123');
    assert.equal(req?.headers['content-type'], 'application/json');
    assert.equal(req?.headers['x-api-key'], 'k-secret');
    assert.equal(req?.headers.authorization, `Basic ${Buffer.from('daylight:pa55word').toString('base64')}`);
    assert.deepEqual(JSON.parse(req?.body ?? ''), { event: 'post-restore', run: 'r-7', cluster: 'eu-west', phase: 'os-patch', at: '2026-09-01T10:00:00.000Z' });
  } finally {
    await s.close();
  }
});

test('a run-end webhook carries the outcome', async () => {
  const s = await startServer((_req, res) => {
    res.statusCode = 204;
    res.end();
  });
  try {
    const r = await runHook(hook({ on: 'run-end', type: 'webhook', url: s.url }), { vars: { run: 'r-7', outcome: 'succeeded' }, now: () => AT });
    assert.equal(r.ok, true);
    assert.equal(r.status, 204);
    assert.deepEqual(JSON.parse(s.requests[0]?.body ?? ''), { event: 'run-end', run: 'r-7', outcome: 'succeeded', at: '2026-09-01T10:00:00.000Z' });
  } finally {
    await s.close();
  }
});

test('a webhook answered 500 is not ok, with the status and the start of the answer', async () => {
  const s = await startServer((_req, res) => {
    res.statusCode = 500;
    res.end('database\n  unavailable');
  });
  try {
    const r = await runHook(hook({ on: 'pre-drain', type: 'webhook', url: `${s.url}/notify` }), context());
    assert.equal(r.ok, false);
    assert.equal(r.status, 500);
    assert.equal(r.timedOut, false);
    assert.equal(r.message, `pre-drain hook: POST ${s.url}/notify answered 500, expected 2xx: database unavailable`);
  } finally {
    await s.close();
  }
});

test('an unreachable webhook is not ok, with the connection error', async () => {
  const port = await closedPort();
  const r = await runHook(hook({ on: 'run-start', type: 'webhook', url: `http://127.0.0.1:${port}/notify` }), context());
  assert.equal(r.ok, false);
  assert.equal(r.status, undefined);
  assert.match(r.message, new RegExp(`^run-start hook: POST http://127\\.0\\.0\\.1:${port}/notify failed: fetch failed: connect ECONNREFUSED 127\\.0\\.0\\.1:${port}`));
});

test('a webhook slower than its timeout is not ok and says so', async () => {
  const s = await startServer(() => undefined);
  try {
    const r = await runHook(hook({ on: 'post-drain', type: 'webhook', url: s.url, timeout: '200ms' }), context());
    assert.equal(r.ok, false);
    assert.equal(r.timedOut, true);
    assert.equal(r.message, `post-drain hook: POST ${s.url}/ failed: no answer within 200ms`);
  } finally {
    await s.close();
  }
});

test('a webhook that redirects is not followed (a POST would turn into a GET) and the result says where it points', async () => {
  const s = await startServer((_req, res) => {
    res.statusCode = 302;
    res.setHeader('location', '/login?next=x');
    res.end();
  });
  try {
    const r = await runHook(hook({ on: 'post-drain', type: 'webhook', url: `${s.url}/notify` }), context());
    assert.equal(r.ok, false);
    assert.equal(r.status, 302);
    assert.equal(r.message, `post-drain hook: POST ${s.url}/notify answered 302, expected 2xx (a redirect to ${s.url}/login?next=…; set the hook's url to where it points)`);
    assert.equal(s.requests.length, 1);
  } finally {
    await s.close();
  }
});
