// The differential fidelity suite: every scenario of scenarios.ts played on the simulated engine and on the
// kubernetes engine (a real control plane), which must give the same status codes, reasons and fields.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startKubernetes, startSimulated } from './engines.ts';
import type { DifferentialEngine } from './engines.ts';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { runScenario } from './scenario.ts';
import { scenarios } from './scenarios.ts';

const engines: readonly { name: string; start: () => Promise<DifferentialEngine> }[] = [
  { name: 'simulated', start: startSimulated },
  { name: 'kubernetes', start: () => startKubernetes((line) => console.log(line)) },
];

for (const { name, start } of engines) {
  describe(`on the ${name} engine`, { concurrency: 1 }, () => {
    let engine: DifferentialEngine | undefined;
    before(
      async () => {
        const started = performance.now();
        engine = await start();
        console.log(`${name} engine started in ${((performance.now() - started) / 1000).toFixed(1)} s`);
      },
      { timeout: 90 * 60_000 },
    );
    after(async () => engine?.stop());
    for (const scenario of scenarios) {
      test(scenario.name, { timeout: 120_000 }, async () => {
        assert.ok(engine, `the ${name} engine did not start`);
        assert.equal(await runScenario(engine.target, scenario, engine), undefined);
      });
    }
    test("Debian's python3-kubernetes lists, watches (it sends watch=True), evicts and writes an events.k8s.io/v1 Event", { timeout: 60_000 }, async () => {
      assert.ok(engine, `the ${name} engine did not start`);
      // Given one Ready pod
      const ready = await runScenario(engine.target, { name: 'python', namespace: 'diff-python', steps: pythonSetup }, engine);
      assert.equal(ready, undefined);
      // When the Python client lists, watches, evicts and writes an Event through events.k8s.io/v1
      const seen = await python(engine.kubeconfigPath, 'diff-python', 'py1');
      // Then it sees the pod, an ADDED event, a 201 and a 404, and reads the Event back through both APIs
      assert.deepEqual(seen, {
        listed: ['py1'],
        events: ['ADDED py1'],
        evicted: 201,
        missing: 404,
        event: ['evicted by python', 'py1', '2026-12-05T19:00:00.123456+00:00', ['evicted by python']],
      });
    });
  });
}

const pythonSetup = [
  { until: { method: 'POST' as const, path: '/api/v1/namespaces/diff-python/pods', body: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'py1', namespace: 'diff-python' }, spec: { containers: [{ name: 'main', image: 'registry.example/app:1' }] } } }, expect: { status: 201 } },
  { until: { method: 'GET' as const, path: '/api/v1/namespaces/diff-python/pods/py1' }, expect: { status: 200, fields: { 'status.phase': 'Running' } } },
];

function python(kubeconfig: string, namespace: string, pod: string): Promise<unknown> {
  const script = fileURLToPath(new URL('python-client.py', import.meta.url));
  return new Promise((resolve, reject) => {
    // Debian's python3, for which Debian's python3-kubernetes is installed (not another python3 on PATH).
    execFile('/usr/bin/python3', [script, kubeconfig, namespace, pod], { timeout: 45_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`python3-kubernetes failed: ${String(stderr).slice(-1500)}`, { cause: error }));
      else resolve(JSON.parse(String(stdout).trim().split('\n').pop() ?? 'null'));
    });
  });
}
