// The controller's dashboard over the API server (cli/cluster-runs.ts) on fakes: the MaintenanceRuns a fake
// API server lists, their journals in fake ConfigMaps written by the journal's own writer, served by the
// dashboard server as `daylight serve` serves a state directory, read-only, with the controller's /metrics.
import { afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { RunEvent } from '../../../src/engine/events.ts';
import { KubeJournal } from '../../../src/journal/kube-journal.ts';
import { clusterRuns, controllerMetrics } from '../../../src/cli/cluster-runs.ts';
import { main } from '../../../src/cli/main.ts';
import type { RunsApi } from '../../../src/cli/cluster-runs.ts';
import { startServer } from '../../../src/server/server.ts';
import type { RunningServer } from '../../../src/server/server.ts';
import { fakeConfigMaps } from '../journal/fake-namespaced-objects.ts';
import type { FakeConfigMaps } from '../journal/fake-namespaced-objects.ts';

const NS = 'daylight-system';
const TOKEN = 'a-test-token-of-some-length';

/** An API server holding these MaintenanceRuns (name and status phase), answering GETs as the real one does, and PATCHes with `patchStatus`. */
function fakeRunsApi(runs: Record<string, string | undefined>, patchStatus = 200): RunsApi & { readonly paths: string[]; readonly patches: { path: string; body: unknown }[] } {
  const paths: string[] = [];
  const patches: { path: string; body: unknown }[] = [];
  const base = `/apis/daylight.dev/v1alpha1/namespaces/${NS}/maintenanceruns`;
  const object = (name: string) => ({ metadata: { name, namespace: NS }, spec: { planRef: { name: 'weekly' } }, ...(runs[name] ? { status: { phase: runs[name] } } : {}) });
  return {
    paths,
    patches,
    raw: async (method, path, body) => {
      paths.push(path);
      if (method === 'PATCH') {
        patches.push({ path, body });
        if (patchStatus === 403) return { status: 403, body: JSON.stringify({ kind: 'Status', message: 'maintenanceruns.daylight.dev "weekly-2" is forbidden: User "system:serviceaccount:daylight-system:daylight" cannot patch resource "maintenanceruns"', reason: 'Forbidden' }) };
      }
      if (path === base) return { status: 200, body: JSON.stringify({ items: Object.keys(runs).map(object) }) };
      const name = decodeURIComponent(path.slice(base.length + 1));
      return name in runs ? { status: 200, body: JSON.stringify(object(name)) } : { status: 404, body: JSON.stringify({ reason: 'NotFound' }) };
    },
  };
}

/** The journal of a run that maintained node w-1 and succeeded, written by the controller's journal writer. */
async function journalOf(configMaps: FakeConfigMaps, runId: string, events: readonly RunEvent[]): Promise<void> {
  let tick = 1_000;
  const journal = await KubeJournal.open<RunEvent>({ configMaps, runId, namespace: NS, clock: () => (tick += 1_000) });
  for (const e of events) await journal.append(e);
}

const where = { cluster: 'eu-central', node: 'w-1' };
const ROLLED: readonly RunEvent[] = [
  { type: 'run.started', plan: { name: 'weekly', path: 'maintenanceplan/daylight-system/weekly', sha256: 'x' }, clusters: ['eu-central'], holder: 'controller-a' },
  { type: 'node.cordon.requested', ...where },
  { type: 'node.cordoned', changed: true, ...where },
  { type: 'run.succeeded' } as RunEvent,
];

describe('the runs of the API server on the dashboard', () => {
  let s: RunningServer | undefined;
  afterEach(async () => {
    await s?.close();
    s = undefined;
  });

  it('lists the MaintenanceRuns with the state their journals hold, and reads one; a run not started yet has an empty journal and is live, an unknown one absent', async () => {
    const configMaps = fakeConfigMaps();
    await journalOf(configMaps, 'weekly-1', ROLLED);
    const runs = clusterRuns({ api: fakeRunsApi({ 'weekly-1': 'Succeeded', 'weekly-2': undefined }), configMaps, namespace: NS, steer: false });
    assert.deepEqual(await runs.list(), ['weekly-1', 'weekly-2']);
    const one = await runs.read('weekly-1');
    assert.equal(one?.live, false);
    assert.equal(one?.journalText.trim().split('\n').length, ROLLED.length);
    assert.equal((await runs.read('weekly-2'))?.journalText, '');
    assert.equal((await runs.read('weekly-2'))?.live, true);
    assert.equal(await runs.read('nope'), undefined);
  });

  it('given the dashboard server over them, then the API answers the list, the run\'s state and /metrics, and, read-only, refuses a change with 501 and the kubectl command', async () => {
    const configMaps = fakeConfigMaps();
    await journalOf(configMaps, 'weekly-1', ROLLED);
    const runs = clusterRuns({ api: fakeRunsApi({ 'weekly-1': 'Succeeded', 'weekly-2': 'Running' }), configMaps, namespace: NS, steer: false });
    s = await startServer({ runs, port: 0, token: TOKEN, metrics: (signal) => controllerMetrics(runs, true, signal) });
    const get = async (path: string) => {
      const r = await fetch(new URL(path, s?.url));
      return { status: r.status, text: await r.text() };
    };
    const list = JSON.parse((await get('/api/runs')).text) as { runs: { runId: string; status: string; live: boolean }[] };
    assert.deepEqual(list.runs.map((r) => [r.runId, r.status, r.live]), [['weekly-1', 'succeeded', false], ['weekly-2', 'running', true]]);
    const detail = JSON.parse((await get('/api/runs/weekly-1')).text) as { state: { status: string; nodes: Record<string, { step?: string }> } };
    assert.equal(detail.state.status, 'succeeded');
    assert.deepEqual(Object.entries(detail.state.nodes).map(([k, n]) => [k, n.step]), [['eu-central/w-1', 'cordoned']]);
    const missing = await get('/api/runs/nope');
    assert.equal(missing.status, 404);
    assert.match(missing.text, /no run \\"nope\\" in namespace daylight-system/);
    // The events: every entry, with its sequence number as the id, then the stream ends for the browser to ask again
    const events = await fetch(new URL('/api/runs/weekly-1/events', s.url), { headers: { 'last-event-id': '2' } });
    const body = await events.text();
    assert.match(body, /^retry: 2000\n\n/);
    assert.deepEqual([...body.matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1])), [3, 4]);
    const metrics = await get('/metrics');
    assert.equal(metrics.status, 200);
    assert.match(metrics.text, /^daylight_controller_leader 1$/m);
    assert.match(metrics.text, /^daylight_controller_runs\{phase="Succeeded"\} 1$/m);
    assert.match(metrics.text, /^daylight_controller_runs\{phase="Running"\} 1$/m);
    assert.match(metrics.text, /^daylight_controller_runs\{phase="Failed"\} 0$/m);
    for (const [what, hint] of [['pause', /patch maintenancerun\/weekly-2 --type merge -p '\{"spec":\{"paused":true\}\}'/], ['abort', /"abort":true/], ['approve', /annotate --overwrite maintenancerun\/weekly-2 daylight\.dev\/approval=approve/]] as const) {
      const r = await fetch(new URL(`/api/runs/weekly-2/${what}`, s.url), { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` } });
      const answer = (await r.json()) as { error: string };
      assert.equal(r.status, 501, what);
      assert.match(answer.error, hint);
      assert.match(answer.error, /read-only/);
    }
  });
});

describe('pause, resume, abort and approvals from the controller\'s dashboard', () => {
  let s: RunningServer | undefined;
  afterEach(async () => {
    await s?.close();
    s = undefined;
  });
  const WAITING: readonly RunEvent[] = [ROLLED[0] as RunEvent, { type: 'approval.requested', step: 'phase/os-patch', phase: 'os-patch', name: 'change board', onTimeout: 'reject' }];
  const post = async (path: string, body?: unknown, token = TOKEN) => {
    const r = await fetch(new URL(path, s?.url), { method: 'POST', headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), 'content-type': 'application/json' }, ...(body ? { body: JSON.stringify(body) } : {}) });
    return { status: r.status, body: (await r.json()) as { error?: string; note?: string; step?: string; by?: string; via?: string } };
  };

  it('writes each to the MaintenanceRun: pause and resume spec.paused, abort spec.abort, an answer judged against the journal the approval annotations in the dashboard\'s name', async () => {
    const configMaps = fakeConfigMaps();
    await journalOf(configMaps, 'weekly-1', ROLLED);
    await journalOf(configMaps, 'weekly-2', WAITING);
    const api = fakeRunsApi({ 'weekly-1': 'Succeeded', 'weekly-2': 'WaitingForApproval' });
    s = await startServer({ runs: clusterRuns({ api, configMaps, namespace: NS, steer: true }), port: 0, token: TOKEN, tokenName: 'dashboard' });
    const run = `/apis/daylight.dev/v1alpha1/namespaces/${NS}/maintenanceruns/weekly-2`;
    // Without the token nothing is written, loopback or not
    assert.equal((await post('/api/runs/weekly-2/pause', undefined, '')).status, 401);
    assert.deepEqual(api.patches, []);
    for (const [what, spec] of [['pause', { paused: true }], ['resume', { paused: false }], ['abort', { abort: true }]] as const) {
      const r = await post(`/api/runs/weekly-2/${what}`);
      assert.equal(r.status, 202, JSON.stringify(r.body));
      assert.match(r.body.note ?? '', /written to MaintenanceRun daylight-system\/weekly-2/);
      assert.deepEqual(api.patches.at(-1), { path: run, body: { spec } }, what);
    }
    // A rejection needs its reason; an answer to a step the run does not wait at is refused; neither is written
    const written = api.patches.length;
    assert.match((await post('/api/runs/weekly-2/reject', {})).body.error ?? '', /a rejection needs a reason/);
    const wrong = await post('/api/runs/weekly-2/approve', { step: 'phase/k8s-upgrade' });
    assert.equal(wrong.status, 409);
    assert.match(wrong.body.error ?? '', /phase\/os-patch/);
    assert.equal(api.patches.length, written);
    // An approval without a step answers the one the run waits at, in the dashboard's name
    const approved = await post('/api/runs/weekly-2/approve', { comment: 'CHG-77' });
    assert.equal(approved.status, 202, JSON.stringify(approved.body));
    assert.deepEqual([approved.body.step, approved.body.by, approved.body.via], ['phase/os-patch', 'dashboard', 'dashboard']);
    assert.deepEqual(api.patches.at(-1), { path: run, body: { metadata: { annotations: { 'daylight.dev/approval': 'approve', 'daylight.dev/approval-step': 'phase/os-patch', 'daylight.dev/approval-comment': 'CHG-77', 'daylight.dev/approval-by': 'dashboard' } } } });
    // A run that is over is not changed
    const over = await post('/api/runs/weekly-1/pause');
    assert.equal(over.status, 409);
    assert.match(over.body.error ?? '', /run weekly-1 is over \(succeeded\)/);
    assert.equal(api.patches.filter((p: { path: string }) => p.path.endsWith('weekly-1')).length, 0);
  });

  it('a change the API server refuses is answered with its reason, what grants it, and the kubectl command', async () => {
    const configMaps = fakeConfigMaps();
    await journalOf(configMaps, 'weekly-2', WAITING);
    s = await startServer({ runs: clusterRuns({ api: fakeRunsApi({ 'weekly-2': 'Running' }, 403), configMaps, namespace: NS, steer: true }), port: 0, token: TOKEN });
    const r = await post('/api/runs/weekly-2/pause');
    assert.equal(r.status, 403);
    assert.match(r.body.error ?? '', /cannot patch resource "maintenanceruns"/);
    assert.match(r.body.error ?? '', /service\.controls: true/);
    assert.match(r.body.error ?? '', /kubectl -n daylight-system patch maintenancerun\/weekly-2 --type merge -p '\{"spec":\{"paused":true\}\}'/);
  });
});

describe('daylight controller --listen', () => {
  const daylight = async (args: string[]) => {
    let err = '';
    const code = await main(args, { out: () => undefined, err: (t) => (err += `${t}\n`), isTty: false });
    return { code, err };
  };

  it('refuses, before reading any cluster, an address beyond loopback without a token, a bad address, and a token file without an address', async () => {
    const open = await daylight(['controller', '--kubeconfig', '/nonexistent', '--listen', '0.0.0.0:8080']);
    assert.equal(open.code, 2);
    assert.match(open.err, /--listen 0\.0\.0\.0:8080: beyond loopback every call needs a token; give --token-file F/);
    const bad = await daylight(['controller', '--kubeconfig', '/nonexistent', '--listen', 'localhost']);
    assert.equal(bad.code, 2);
    assert.match(bad.err, /--listen localhost: expected ADDR:PORT/);
    const lone = await daylight(['controller', '--kubeconfig', '/nonexistent', '--token-file', '/tmp/t']);
    assert.equal(lone.code, 2);
    assert.match(lone.err, /--token-file is for the dashboard: give --listen ADDR:PORT too/);
    const readOnly = await daylight(['controller', '--kubeconfig', '/nonexistent', '--read-only']);
    assert.equal(readOnly.code, 2);
    assert.match(readOnly.err, /--read-only is for the dashboard: give --listen ADDR:PORT too/);
  });
});
