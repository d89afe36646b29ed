// The differential fidelity suite: every scenario of scenarios.ts played on the simulated engine and on the
// kubernetes engine (a real control plane), which must give the same status codes, reasons and fields.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startKubernetes, startSimulated } from './engines.ts';
import type { DifferentialEngine } from './engines.ts';
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
        assert.equal(await runScenario(engine.target, scenario), undefined);
      });
    }
  });
}
