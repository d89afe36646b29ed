// `daylight controller --listen` on the sandbox's kubernetes engine: two replicas serve the dashboard's API
// over the MaintenanceRuns of the namespace, each run's state read from its journal in the API server, the
// standby as well as the leader; /metrics says which one leads and counts the runs by phase; pause, resume and
// an approval asked of the dashboard are written to the MaintenanceRun for the leader to take (a --read-only
// replica answers them with the kubectl command); beyond loopback the token is required, and a replica without
// one runs on with its dashboard closed.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { parse } from 'yaml';
import { rollPlanYaml, workers } from './roll/fixtures.ts';
import { fleet, holder, journalEntries, kubectlOk, live, NS, replica, replicas, runStatus, setUp, tearDown } from './controller-fixtures.ts';
import { REGION } from './roll/fixtures.ts';

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

test('every replica serves the runs of the API server on the dashboard\'s API and /metrics, the leader gauge on the leader only; a pause of a run that is over is refused; without a token the dashboard is closed, the controller up', { timeout: 300_000 }, async () => {
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
  // And a pause asked of the dashboard for a run that is over is refused, and nothing is written to it
  const pause = await fetch(url(standby, '/api/runs/served-1/pause'), { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` } });
  assert.equal(pause.status, 409);
  assert.match(((await pause.json()) as { error: string }).error, /run served-1 is over \(succeeded\)/);
  const served = (await ks.api(REGION, `/apis/daylight.dev/v1alpha1/namespaces/${NS}/maintenanceruns/served-1`)) as { spec: { paused?: boolean } };
  assert.notEqual(served.spec.paused, true);
  dashboards.push(...ports.entries());
});

/** The replicas serving a dashboard with the token, from the first test: [identity, port]. */
const dashboards: [string, number][] = [];

test('the dashboard steers a MaintenanceRun: paused and resumed through the standby\'s dashboard, its approval gate answered there, the journal saying "dashboard"; a --read-only replica answers 501 with the kubectl command', { timeout: 300_000 }, async () => {
  const ks = fleet();
  assert.equal(dashboards.length, 2, 'the first test started two replicas with dashboards');
  const leader = (await holder()) ?? '';
  const [standby, port] = dashboards.find(([id]) => id !== leader && live().some((r) => r.identity === id)) ?? ['', 0];
  assert.ok(port, `a live standby among ${dashboards.map(([id]) => id).join(', ')} (leader ${leader})`);
  const post = async (path: string, body?: unknown, p = port) => {
    const r = await fetch(`http://127.0.0.1:${p}${path}`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, ...(body ? { body: JSON.stringify(body) } : {}) });
    return { status: r.status, body: (await r.json()) as { error?: string; note?: string; step?: string } };
  };
  // Given a plan of one worker whose phase waits for an approval, and its run
  const spec = (parse(rollPlanYaml({ selector: 'test.daylight.dev/served=yes', maxUnavailable: 1, topology: null, soak: '0s', ready: '{timeout: 10m}', drain: '{timeout: 10m, onTimeout: fail, ignoreDaemonSets: true}' })) as { spec: { phases: Record<string, unknown>[] } }).spec;
  const gated = { ...spec, phases: spec.phases.map((p) => ({ ...p, before: [{ type: 'approval', name: 'change board' }] })) };
  await kubectlOk(['apply', '-n', NS, '-f', '-'], JSON.stringify({ apiVersion: 'daylight.dev/v1alpha1', kind: 'MaintenancePlan', metadata: { name: 'steered' }, spec: gated }));
  await kubectlOk(['apply', '-n', NS, '-f', '-'], JSON.stringify({ apiVersion: 'daylight.dev/v1alpha1', kind: 'MaintenanceRun', metadata: { name: 'steered-1' }, spec: { planRef: { name: 'steered' } } }));
  await ks.until('steered-1 waits for its approval', async () => (await runStatus('steered-1')).phase === 'WaitingForApproval', 120_000);
  // When it is paused through the standby's dashboard, Then the MaintenanceRun says paused and the leader journals it
  const paused = await post('/api/runs/steered-1/pause');
  assert.equal(paused.status, 202, `${standby}: ${JSON.stringify(paused.body)}`);
  await ks.until('the leader takes the pause', async () => (await journalEntries('steered-1')).some((e) => e.event.type === 'run.paused'), 60_000);
  assert.equal(((await ks.api(REGION, `/apis/daylight.dev/v1alpha1/namespaces/${NS}/maintenanceruns/steered-1`)) as { spec: { paused?: boolean } }).spec.paused, true);
  assert.equal((await post('/api/runs/steered-1/resume')).status, 202);
  await ks.until('the leader takes the resume', async () => (await journalEntries('steered-1')).some((e) => e.event.type === 'run.resumed' || (e.event.type === 'control.received' && (e.event as { command?: string }).command === 'resume')), 60_000);
  // And a read-only replica answers an approval 501 with the kubectl command, writing nothing
  const roPort = await freePort();
  const tokenFile = join(ks.dir, 'dashboard-token');
  replicas.push(replica('s-ro', ['--listen', `127.0.0.1:${roPort}`, '--token-file', tokenFile, '--read-only']));
  await ks.until('the read-only replica serves', async () => (await fetch(`http://127.0.0.1:${roPort}/api/runs`).then((r) => r.status).catch(() => 0)) === 200, 60_000);
  const refused = await post('/api/runs/steered-1/approve', { comment: 'no' }, roPort);
  assert.equal(refused.status, 501);
  assert.match(refused.body.error ?? '', /kubectl -n daylight-system annotate --overwrite maintenancerun\/steered-1 daylight\.dev\/approval=approve/);
  // When its gate is approved on the standby's dashboard (the step it waits at, found from the journal)
  const approved = await post('/api/runs/steered-1/approve', { comment: 'CHG-9 approved on the dashboard' });
  assert.equal(approved.status, 202, JSON.stringify(approved.body));
  assert.equal(approved.body.step, 'phase/os-patch');
  // Then the run goes on to Succeeded, and its journal says who answered, how, and with what comment
  await ks.until('steered-1 ends', async () => ['Succeeded', 'Failed', 'Aborted', 'Degraded'].includes((await runStatus('steered-1')).phase ?? ''), 240_000);
  assert.equal((await runStatus('steered-1')).phase, 'Succeeded', JSON.stringify(await runStatus('steered-1')));
  const granted = (await journalEntries('steered-1')).filter((e) => e.event.type === 'approval.granted').map((e) => e.event as unknown as { step: string; by: string; via: string; comment?: string });
  assert.deepEqual(granted.map((g) => [g.step, g.by, g.via, g.comment]), [['phase/os-patch', 'dashboard', 'dashboard', 'CHG-9 approved on the dashboard']]);
});
