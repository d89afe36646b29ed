// The prometheus gate against a real Prometheus (Debian package) that scrapes its own /metrics: a
// threshold that holds passes, one that does not fails with the measured value, and a query with no
// series fails as "no data".
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { evaluateGate } from '../../src/checks/evaluate.ts';
import type { GateContext } from '../../src/checks/types.ts';
import { GateSchema } from '../../src/plan/schema.ts';
import { context } from '../unit/checks/fakes.ts';
import { freePort } from '../helpers/free-port.ts';


/** Polls until `up` has a sample, with a deadline: Prometheus needs a scrape or two after it starts. */
async function untilUpHasData(base: string, deadlineMs: number): Promise<void> {
  const until = Date.now() + deadlineMs;
  for (;;) {
    try {
      const res = await fetch(`${base}/api/v1/query?query=up`);
      const body = (await res.json()) as { data?: { result?: unknown[] } };
      if ((body.data?.result?.length ?? 0) > 0) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > until) throw new Error(`Prometheus at ${base} had no sample of "up" within ${deadlineMs} ms`);
    await sleep(250);
  }
}

test('a real Prometheus: up passes max 2, fails min 5 with the value, and a query without series is no data', { timeout: 60_000 }, async () => {
  // Given a Prometheus on 127.0.0.1 that scrapes itself every second
  const dir = await mkdtemp(join(tmpdir(), 'daylight-prom-gate-'));
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  await writeFile(join(dir, 'prometheus.yml'), [
    'global: {scrape_interval: 1s, evaluation_interval: 1s}',
    'scrape_configs:',
    '  - job_name: self',
    `    static_configs: [{targets: ['127.0.0.1:${port}']}]`,
    '',
  ].join('\n'));
  const prom = spawn('prometheus', [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`], { stdio: 'ignore' });
  try {
    await untilUpHasData(base, 40_000);
    const ctx: GateContext = context();

    // When gates query it
    const underMax = await evaluateGate(GateSchema.parse({ type: 'prometheus', url: base, query: 'up', max: 2 }), ctx);
    const overMin = await evaluateGate(GateSchema.parse({ type: 'prometheus', url: base, query: 'up', min: 5 }), ctx);
    const noData = await evaluateGate(GateSchema.parse({ type: 'prometheus', url: base, query: 'up{job="nonexistent"}', max: 1 }), ctx);

    // Then the verdicts carry what Prometheus measured
    assert.equal(underMax.passed, true, underMax.message);
    assert.equal(underMax.value, 1);
    assert.equal(underMax.message, 'up = 1, within <= 2');
    assert.equal(overMin.passed, false);
    assert.equal(overMin.value, 1);
    assert.equal(overMin.threshold, '>= 5');
    assert.equal(overMin.message, 'up = 1, below the minimum 5');
    assert.equal(noData.passed, false);
    assert.match(noData.message, /^up\{job="nonexistent"\}: no data/);
  } finally {
    prom.kill('SIGTERM');
    await new Promise((resolve) => (prom.exitCode !== null ? resolve(undefined) : prom.once('exit', resolve)));
    await rm(dir, { recursive: true, force: true });
  }
});
