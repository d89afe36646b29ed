// `daylight controller --listen` on the sandbox's kubernetes engine: two replicas serve the dashboard's API
// over the MaintenanceRuns of the namespace, each run's state read from its journal in the API server, the
// standby as well as the leader; /metrics says which one leads and counts the runs by phase; a change asked of
// the dashboard is refused with the kubectl command that makes it; beyond loopback the token is required, and
// a replica without one runs on with its dashboard closed.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { parse } from 'yaml';
import { rollPlanYaml, workers } from './roll/fixtures.ts';
import { fleet, holder, kubectlOk, live, NS, replica, replicas, runStatus, setUp, tearDown } from './controller-fixtures.ts';

before(setUp, { timeout: 240_000 });
after(tearDown);

const TOKEN = 'dashboard-token-for-the-controller-test';

function freePort(): Promise<number> {
  const s = createServer();
  return new Promise((resolve, reject) => {
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

test('every replica serves the runs of the API server on the dashboard\'s API and /metrics, the leader gauge on the leader only; a change is refused with the kubectl command; without a token the dashboard is closed, the controller up', { timeout: 300_000 }, async () => {
  const ks = fleet();
  const tokenFile = join(ks.dir, 'dashboard-token');
  await writeFile(tokenFile, `${TOKEN}\n`, { mode: 0o600 });
  // Given two replicas listening beyond loopback with a token file
  const ports = new Map<string, number>();
  for (const id of ['s-0', 's-1']) {
    const port = await freePort();
    ports.set(id, port);
    replicas.push(replica(id, ['--listen', `0.0.0.0:${port}`, '--token-file', tokenFile]));
  }
  await ks.until('a live replica leads', async () => { const h = await holder(); return live().some((r) => r.identity === h); }, 60_000);
  // And a third, started once one of them leads, whose token file is not there and cannot be written (the chart's Secret not created)
  const closedPort = await freePort();
  const closed = replica('s-2', ['--listen', `0.0.0.0:${closedPort}`, '--token-file', join(ks.dir, 'no-such-dir', 'token')]);
  replicas.push(closed);
  const leader = (await holder()) ?? '';
  const standby = [...ports.keys()].find((id) => id !== leader) ?? '';
  const url = (id: string, path: string) => `http://127.0.0.1:${ports.get(id)}${path}`;
  const get = async (id: string, path: string, token = TOKEN) => {
    const r = await fetch(url(id, path), { headers: token ? { authorization: `Bearer ${token}` } : {} });
    return { status: r.status, text: await r.text() };
  };
  // And a plan selecting one worker, run once
  const [worker] = await workers(ks);
  assert.ok(worker);
  await kubectlOk(['label', 'node', worker, 'test.daylight.dev/served=yes']);
  const spec = (parse(rollPlanYaml({ selector: 'test.daylight.dev/served=yes', maxUnavailable: 1, topology: null, soak: '0s', ready: '{timeout: 10m}', drain: '{timeout: 10m, onTimeout: fail, ignoreDaemonSets: true}' })) as { spec: unknown }).spec;
  await kubectlOk(['apply', '-n', NS, '-f', '-'], JSON.stringify({ apiVersion: 'daylight.dev/v1alpha1', kind: 'MaintenancePlan', metadata: { name: 'served' }, spec }));
  await kubectlOk(['apply', '-n', NS, '-f', '-'], JSON.stringify({ apiVersion: 'daylight.dev/v1alpha1', kind: 'MaintenanceRun', metadata: { name: 'served-1' }, spec: { planRef: { name: 'served' } } }));
  await ks.until('served-1 ends', async () => ['Succeeded', 'Failed', 'Aborted', 'Degraded'].includes((await runStatus('served-1')).phase ?? ''), 240_000);
  assert.equal((await runStatus('served-1')).phase, 'Succeeded', JSON.stringify(await runStatus('served-1')));

  // Then beyond loopback a call without the token is refused
  assert.equal((await get(standby, '/api/runs', '')).status, 401);
  // And the standby, which never drove it, lists the run and returns its state from the journal in the API server
  for (const id of [standby, leader]) {
    const list = JSON.parse((await get(id, '/api/runs')).text) as { runs: { runId: string; status: string; live: boolean; nodes: Record<string, number> }[] };
    assert.deepEqual(list.runs.map((r) => [r.runId, r.status, r.live, r.nodes]), [['served-1', 'succeeded', false, { maintained: 1 }]], id);
  }
  const detail = JSON.parse((await get(standby, '/api/runs/served-1')).text) as { state: { status: string; nodes: Record<string, { outcome?: string }> } };
  assert.equal(detail.state.status, 'succeeded');
  assert.deepEqual(Object.entries(detail.state.nodes).map(([k, n]) => [k.split('/').at(-1), n.outcome]), [[worker, 'maintained']]);
  // And /metrics: the leader gauge 1 on the leader, 0 on the standby; the run counted as Succeeded on both
  for (const [id, gauge] of [[leader, 1], [standby, 0]] as const) {
    const metrics = await get(id, '/metrics');
    assert.equal(metrics.status, 200);
    assert.match(metrics.text, new RegExp(`^daylight_controller_leader ${gauge}$`, 'm'), id);
    assert.match(metrics.text, /^daylight_controller_runs\{phase="Succeeded"\} 1$/m);
  }
  // And the replica without a token runs on with its dashboard closed, saying why and what to do
  assert.equal(closed.child.exitCode, null, closed.log.join('\n'));
  assert.ok(closed.log.some((l) => /dashboard not served: --token-file .*no-such-dir\/token: cannot write a new token there.*create the Secret service\.tokenSecret names/.test(l)), closed.log.join('\n'));
  await assert.rejects(fetch(`http://127.0.0.1:${closedPort}/api/runs`, { headers: { authorization: `Bearer ${TOKEN}` } }), /fetch failed/);
  // And a pause asked of the dashboard is refused with the kubectl command that pauses the MaintenanceRun
  const pause = await fetch(url(standby, '/api/runs/served-1/pause'), { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` } });
  assert.equal(pause.status, 501);
  assert.match(((await pause.json()) as { error: string }).error, /kubectl -n daylight-system patch maintenancerun\/served-1 --type merge -p '\{"spec":\{"paused":true\}\}'/);
});
