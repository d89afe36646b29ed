// Unit tests for the command gate: an injected CommandExec for the verdicts and messages, and the
// real `sh -c` runner for exit codes, output and the kill on timeout.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { shellExec } from '../../../src/lib/command-exec.ts';
import { evaluateGate } from '../../../src/checks/evaluate.ts';
import type { CommandExec, CommandOutcome } from '../../../src/checks/types.ts';
import { context, gate } from './fakes.ts';

function fakeExec(outcome: Partial<CommandOutcome>, calls: { command: string; timeoutMs: number }[] = []): CommandExec {
  return async (command, options) => {
    calls.push({ command, timeoutMs: options.timeoutMs });
    return { exitCode: 0, signal: null, timedOut: false, output: '', durationMs: 1200, ...outcome };
  };
}

test('exit 0 passes; the command and its timeout reach the runner', async () => {
  const calls: { command: string; timeoutMs: number }[] = [];
  const r = await evaluateGate(gate({ type: 'command', run: './smoke.sh eu-central', timeout: '30s' }), context({ exec: fakeExec({ output: 'checking\nall 12 checks passed\n' }, calls) }));
  assert.deepEqual(calls, [{ command: './smoke.sh eu-central', timeoutMs: 30_000 }]);
  assert.equal(r.passed, true);
  assert.equal(r.value, 0);
  assert.equal(r.threshold, 'exit 0');
  assert.equal(r.gate, 'command ./smoke.sh eu-central');
  assert.equal(r.message, './smoke.sh eu-central exited 0 after 1.2s; last output: checking | all 12 checks passed');
});

test('a non-zero exit fails with the last lines of output', async () => {
  const output = ['line 1', 'line 2', 'line 3', 'line 4', 'line 5', 'line 6', 'volume pvc-1 degraded'].join('\n');
  const r = await evaluateGate(gate({ type: 'command', run: 'check-volumes' }), context({ exec: fakeExec({ exitCode: 2, output }) }));
  assert.equal(r.passed, false);
  assert.equal(r.value, 2);
  assert.equal(r.message, 'check-volumes exited 2 after 1.2s; last output: line 3 | line 4 | line 5 | line 6 | volume pvc-1 degraded');
});

test('a command killed on timeout fails and says so', async () => {
  const r = await evaluateGate(gate({ type: 'command', run: 'slow', timeout: '1m' }), context({ exec: fakeExec({ exitCode: null, signal: 'SIGTERM', timedOut: true }) }));
  assert.equal(r.passed, false);
  assert.equal(r.value, 'timeout');
  assert.equal(r.message, 'slow ran past its timeout of 1m and was killed; no output');
});

test('a runner that throws fails the gate closed', async () => {
  const exec: CommandExec = async () => Promise.reject(new Error('could not start sh', { cause: new Error('spawn sh ENOENT') }));
  const r = await evaluateGate(gate({ type: 'command', run: 'true' }), context({ exec }));
  assert.equal(r.passed, false);
  assert.equal(r.message, 'could not be evaluated, so it counts as failed: could not start sh: spawn sh ENOENT');
});

test("real sh: exit 3 fails with the exit code, echo ok passes with its output", async () => {
  const failed = await evaluateGate(gate({ type: 'command', run: 'echo about to fail >&2; exit 3' }), context());
  assert.equal(failed.passed, false);
  assert.equal(failed.value, 3);
  assert.match(failed.message, /^echo about to fail >&2; exit 3 exited 3 after \d+\.\ds; last output: about to fail$/);
  const ok = await evaluateGate(gate({ type: 'command', run: 'echo ok' }), context());
  assert.equal(ok.passed, true);
  assert.match(ok.message, /^echo ok exited 0 after \d+\.\ds; last output: ok$/);
});

test('real sh: a timeout kills the command and the processes it started', async () => {
  const started = Date.now();
  // 2 s: long enough for a shell on a loaded machine to print before the timeout (200 ms was not, at load 6)
  const outcome = await shellExec('echo started; sleep 30 & wait', { timeoutMs: 2_000 });
  assert.equal(outcome.timedOut, true);
  assert.equal(outcome.exitCode, null);
  assert.equal(outcome.signal, 'SIGTERM');
  assert.equal(outcome.output, 'started\n');
  assert.ok(Date.now() - started < 15_000, 'the background sleep (30 s) was killed with the shell, so the pipes closed');
});

test('real sh: an abort kills the command and rejects with an AbortError', async () => {
  const controller = new AbortController();
  setTimeout(() => controller.abort(), 100);
  await assert.rejects(evaluateGate(gate({ type: 'command', run: 'sleep 30' }), context({ signal: controller.signal })), { name: 'AbortError' });
});

test('{{cluster}} in a gate command is the cluster the gate judges (a stage\'s analysis runs on each of its clusters)', async () => {
  const calls: { command: string; timeoutMs: number }[] = [];
  const judged = context({ exec: fakeExec({}, calls) });
  await evaluateGate(gate({ type: 'command', run: './smoke.sh --cluster {{cluster}}' }), judged);
  assert.deepEqual(calls.map((c) => c.command), [`./smoke.sh --cluster ${judged.cluster.name}`]);
});
