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

/** An API server holding these MaintenanceRuns (name and status phase), answering GETs as the real one does. */
function fakeRunsApi(runs: Record<string, string | undefined>): RunsApi & { readonly paths: string[] } {
  const paths: string[] = [];
  const base = `/apis/daylight.dev/v1alpha1/namespaces/${NS}/maintenanceruns`;
  const object = (name: string) => ({ metadata: { name, namespace: NS }, spec: { planRef: { name: 'weekly' } }, ...(runs[name] ? { status: { phase: runs[name] } } : {}) });
  return {
    paths,
    raw: async (_method, path) => {
      paths.push(path);
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
    const runs = clusterRuns({ api: fakeRunsApi({ 'weekly-1': 'Succeeded', 'weekly-2': undefined }), configMaps, namespace: NS });
    assert.deepEqual(await runs.list(), ['weekly-1', 'weekly-2']);
    const one = await runs.read('weekly-1');
    assert.equal(one?.live, false);
    assert.equal(one?.journalText.trim().split('\n').length, ROLLED.length);
    assert.equal((await runs.read('weekly-2'))?.journalText, '');
    assert.equal((await runs.read('weekly-2'))?.live, true);
    assert.equal(await runs.read('nope'), undefined);
  });

  it('given the dashboard server over them, then the API answers the list, the run\'s state and /metrics, and refuses a change with 501 and the kubectl command', async () => {
    const configMaps = fakeConfigMaps();
    await journalOf(configMaps, 'weekly-1', ROLLED);
    const runs = clusterRuns({ api: fakeRunsApi({ 'weekly-1': 'Succeeded', 'weekly-2': 'Running' }), configMaps, namespace: NS });
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
  });
});
