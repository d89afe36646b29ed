// End-to-end: `kubectl get pods -w` against the sandbox keeps its watch open and prints a line for every pod
// that changes while it runs, as it does against a real API server; the same on both engines.
// Registered by kubectl.test.ts on the sandbox it shares with the other kubectl groups.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { waitMs } from '../support/engine-sandbox.ts';
import type { EngineName, EngineSandbox } from '../support/engine-sandbox.ts';
import { ok, tableRows } from './helpers.ts';

export function kubectlWatchTests(sandbox: () => EngineSandbox, engine: EngineName): void {
  let ts: EngineSandbox;
  const WAIT_MS = waitMs(engine);

  before(async () => {
    ts = sandbox();
    await ts.until('every pod is Ready', () => ts.settled(), WAIT_MS);
  });

  /** A running `kubectl get pods -w`: what it printed so far, and a way to end it. */
  function watchPods(namespace: string) {
    const child = spawn('kubectl', ['--kubeconfig', ts.kubeconfigPath, 'get', 'pods', '-n', namespace, '-w'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    return {
      get stdout() {
        return stdout;
      },
      get stderr() {
        return stderr;
      },
      get running() {
        return child.exitCode === null && child.signalCode === null;
      },
      /** Pod names at the start of each complete line after the first `skip` lines. */
      namesAfter(skip: number): string[] {
        return stdout.split('\n').slice(0, -1).slice(skip).map((l) => l.split(/\s+/)[0] ?? '');
      },
      stop: async () => {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
        await exited;
      },
    };
  }

  test('kubectl get pods -w prints a new line for a pod deleted while it watches, and for its replacement', async () => {
    // Given the four web pods, and kubectl watching them
    const initial = tableRows(ok(await ts.kubectl(['get', 'pods', '-n', 'shop']), 'get pods')).map((r) => r.NAME ?? '');
    assert.equal(initial.length, 4);
    const watch = watchPods('shop');
    try {
      await ts.until('the watch lists the four pods', () => initial.every((n) => watch.stdout.includes(n)), WAIT_MS);
      const listed = watch.stdout.split('\n').length - 1;
      assert.match(watch.stdout, /^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\n/);

      // When one pod is deleted by another kubectl
      const victim = initial[0] as string;
      const deleted = ok(await ts.kubectl(['delete', 'pod', victim, '-n', 'shop']), 'delete pod');
      assert.match(deleted, new RegExp(`pod "${victim}" deleted`));

      // Then the watch, still running, prints lines for the deleted pod and for a new pod that replaces it
      await ts.until('the watch shows the deleted pod and a new one', () => {
        const names = watch.namesAfter(listed);
        return names.includes(victim) && names.some((n) => n.startsWith('web-') && !initial.includes(n));
      }, WAIT_MS);
      assert.ok(watch.running, `the watch is still running; stderr: ${watch.stderr}`);
      const changed = watch.stdout.split('\n').slice(listed);
      assert.ok(changed.some((l) => l.startsWith(victim) && /\sTerminating\s/.test(l)), changed.join('\n'));
      const replacement = watch.namesAfter(listed).find((n) => n.startsWith('web-') && !initial.includes(n)) as string;
      assert.ok(changed.some((l) => l.startsWith(replacement) && /\s0\/1\s+Pending\s/.test(l)), changed.join('\n'));
      await ts.until('the replacement shows as 1/1 Running', () => watch.stdout.split('\n').some((l) => l.startsWith(replacement) && /\s1\/1\s+Running\s/.test(l)), WAIT_MS);
    } finally {
      // When the watcher is killed it goes away
      await watch.stop();
    }
    assert.equal(watch.running, false);
  });
}
