// The agent's command runner: an argv run without a shell (a `;` is an argument, not a second command), its
// exit code and output tail, a missing command, and a timeout that ends the command.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { argvExec } from '../../../src/agent/exec.ts';

test('an argv runs without a shell: its arguments reach the command as they are', async () => {
  const r = await argvExec(['printf', '%s|', 'a b', '; echo injected', '$(id)'], { timeoutMs: 10_000 });
  assert.deepEqual(r, { code: 0, outputTail: 'a b|; echo injected|$(id)|' });
});

test('the exit code and the output tail come back; a command that does not exist is 127 with its name', async () => {
  assert.deepEqual(await argvExec(['sh', '-c', 'echo out; echo err >&2; exit 3'], { timeoutMs: 10_000 }), { code: 3, outputTail: 'out\nerr' });
  const missing = await argvExec(['/nonexistent/needs-restarting'], { timeoutMs: 10_000 });
  assert.equal(missing.code, 127);
  assert.match(missing.outputTail, /\/nonexistent\/needs-restarting: .*ENOENT/);
});

test('a command past its timeout is killed with what it started, and says so', { timeout: 10_000 }, async () => {
  // (the background sleep holds the output open: only killing the whole group ends it before 30 s)
  const r = await argvExec(['sh', '-c', 'echo started; sleep 30 & wait'], { timeoutMs: 300 });
  assert.equal(r.code, null);
  assert.match(r.outputTail, /started\n+\(killed after 0 s\)/);
});
