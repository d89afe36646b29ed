// The sandbox's /metrics scraped by a real Prometheus (Debian package): the same TLS and bearer-token
// path as a real cluster, and metric families that promtool accepts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { smallFleet } from '../support/fleets.ts';
import { allPodsReady, startTestSandbox } from '../support/sandbox.ts';
import { freePort } from '../helpers/free-port.ts';


async function query(base: string, promql: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]> {
  // (a Prometheus still starting refuses the connection, then answers 503 in plain text: no result yet)
  const res = await fetch(`${base}/api/v1/query?query=${encodeURIComponent(promql)}`).catch(() => undefined);
  if (!res?.ok) return [];
  const body = (await res.json()) as { status: string; data?: { result: { metric: Record<string, string>; value: [number, string] }[] } };
  return body.status === 'success' ? (body.data?.result ?? []) : [];
}

test('a real Prometheus scrapes every region of the sandbox over TLS with the bearer token', { timeout: 90_000 }, async () => {
  // Given a sandbox of two regions that serves traffic
  const s = await startTestSandbox(smallFleet({ regions: 2 }), { speed: 60 });
  const dir = await mkdtemp(join(tmpdir(), 'daylight-prom-'));
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const targets = [...s.sandbox.servers.values()].map((srv) => `'${new URL(srv.url).host}'`);
  await writeFile(join(dir, 'ca.pem'), s.sandbox.tls.caPem);
  await writeFile(join(dir, 'prometheus.yml'), [
    'global: {scrape_interval: 1s, evaluation_interval: 1s}',
    'scrape_configs:',
    '  - job_name: sandbox',
    '    scheme: https',
    `    tls_config: {ca_file: ${join(dir, 'ca.pem')}}`,
    `    authorization: {type: Bearer, credentials: '${s.sandbox.token}'}`,
    `    static_configs: [{targets: [${targets.join(', ')}]}]`,
    '',
  ].join('\n'));
  const prom = spawn('prometheus', [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`], { stdio: 'ignore' });
  try {
    await s.until('every pod is Ready', () => allPodsReady(s.sandbox), 30_000);
    // When Prometheus has scraped a few times
    await s.until('both targets are up', async () => (await query(base, 'up{job="sandbox"} == 1')).length === 2, 45_000);
    await s.until('requests have been counted', async () => (await query(base, 'daylight_sandbox_requests_served_total > 0')).length === 2, 30_000);
    // Then it holds the sandbox's own numbers, region by region
    const nodes = await query(base, 'daylight_sandbox_nodes_ready');
    assert.deepEqual(nodes.map((r) => [r.metric.region, r.value[1]]).sort(), [['eu-central', '7'], ['region-2', '7']]);
    const ready = await query(base, 'sum(daylight_sandbox_pods_ready)');
    assert.equal(Number(ready[0]?.value[1]), 8, 'four web pods in each region are Ready');
    const buckets = await query(base, 'count(daylight_sandbox_request_duration_seconds_bucket)');
    assert.ok(Number(buckets[0]?.value[1]) >= 24, 'the latency histogram has its buckets in both regions');
  } finally {
    prom.kill('SIGTERM');
    await s.stop();
    await rm(dir, { recursive: true, force: true });
  }
});

test('promtool accepts the metrics text of a region', { timeout: 30_000 }, async () => {
  const s = await startTestSandbox(smallFleet(), { speed: 600 });
  try {
    await s.until('the fleet serves', () => s.sandbox.fleet.serving, 20_000);
    const text = await s.api('eu-central', '/metrics');
    assert.equal(typeof text, 'string');
    const check = spawnSync('promtool', ['check', 'metrics'], { input: String(text), encoding: 'utf8' });
    assert.equal(check.status, 0, `promtool check metrics: ${check.stdout}${check.stderr}`);
    assert.match(String(text), /daylight_sandbox_requests_failed_total\{region="eu-central"\} \d+/);
  } finally {
    await s.stop();
  }
});
