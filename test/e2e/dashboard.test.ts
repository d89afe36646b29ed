// The dashboard in a real browser (Debian's Chromium driven by playwright-core): a two-region run
// watched live, pause with the token and refused without it, a screenshot kept, and the run's report
// opened with its sections.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { chromium } from 'playwright-core';
import type { Browser, Page } from 'playwright-core';
import { main } from '../../src/cli/main.ts';
import { runSession } from '../../src/cli/run-session.ts';
import type { SessionEnd } from '../../src/cli/run-session.ts';
import type { JournalEntry } from '../../src/engine/events.ts';
import { FileJournal } from '../../src/journal/file-journal.ts';
import { createRunDir, listRuns, runPaths } from '../../src/engine/run-dir.ts';
import { parsePlan } from '../../src/plan/load.ts';
import { newToken } from '../../src/server/auth.ts';
import { startServer } from '../../src/server/server.ts';
import type { RunningServer } from '../../src/server/server.ts';
import { smallFleet } from '../support/fleets.ts';
import { allPodsReady, startTestSandbox } from '../support/sandbox.ts';
import type { TestSandbox } from '../support/sandbox.ts';
import { testSigner } from '../helpers/journal-key.ts';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/', import.meta.url));
const REGIONS = ['eu-central', 'region-2'];

/** The demo plan, sized for a fleet of two regions with four workers each. */
function planYaml(): string {
  return [
    'apiVersion: daylight.dev/v1alpha1',
    'kind: MaintenancePlan',
    'metadata: {name: dashboard-demo}',
    'spec:',
    `  clusters: [${REGIONS.map((r) => `{name: ${r}, context: ${r}}`).join(', ')}]`,
    // 10 minutes, 30 real seconds at the sandbox's speed: the run shares this process with the sandbox, the
    // dashboard and the browser's driver, and a loaded machine must not stall its renewals out of the lease
    '  lease: {duration: 10m}',
    '  traffic:',
    '    provider: sandbox',
    '    capacity: {type: sandbox}',
    '    drain: {timeout: 1m}',
    '    restore: {steps: [10, 50, 100], interval: 30s, every: 10s}',
    '    analysis:',
    '      - {type: proxy, name: error rate at the balancer, metric: error-rate, max: 0.01}',
    '    validation:',
    '      - {type: kube, check: workloads-available}',
    '  phases:',
    '    - name: os-patch',
    '      type: nodes',
    '      regional: true',
    '      selector: "!node-role.kubernetes.io/control-plane"',
    '      maxUnavailable: 1',
    '      topology: {key: topology.kubernetes.io/zone, serial: true, then: {key: topology.daylight.dev/rack}}',
    '      drain: {timeout: 10m, onTimeout: fail, ignoreDaemonSets: true, deleteEmptyDirData: true}',
    '      action: {type: agent, operation: patch}',
    '      ready: {timeout: 10m}',
    '      soak: 20s',
    '  gates:',
    '    - {type: kube, check: nodes-ready}',
    '    - {type: kube, check: workloads-available}',
    '',
  ].join('\n');
}

function journal(stateDir: string, runId: string): JournalEntry[] {
  const file = runPaths(stateDir, runId).journal;
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8').split('\n').filter((l) => l.length > 0).map((l) => JSON.parse(l) as JournalEntry);
}

async function until(what: string, check: () => boolean | Promise<boolean>, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  for (let d = 50; !(await check()); d = Math.min(d * 2, 250)) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting until ${what}`);
    await new Promise((r) => setTimeout(r, d));
  }
}

/** data-step of every node the page shows, by name. */
function steps(page: Page): Promise<Record<string, string>> {
  return page.$$eval('#fleet [data-node]', (els) => Object.fromEntries(els.map((e) => [e.getAttribute('data-node') ?? '', e.getAttribute('data-step') ?? ''])));
}

describe('the dashboard in a browser, given a two-region sandbox and daylight serve on its state dir', () => {
  const token = newToken();
  let ts: TestSandbox;
  let dir: string;
  let stateDir: string;
  let server: RunningServer;
  let browser: Browser;
  let page: Page;
  let run: Promise<SessionEnd>;
  let runId = '';

  before(async () => {
    ts = await startTestSandbox(smallFleet({ regions: 2, zones: 2, racks: 1, nodesPerRack: 2, rebootSeconds: 30, speed: 20 }), { speed: 20 });
    await ts.until('every pod is Ready', () => allPodsReady(ts.sandbox), 60_000);
    dir = await mkdtemp(join(tmpdir(), 'daylight-dashboard-'));
    stateDir = join(dir, 'state');
    server = await startServer({ stateDir, port: 0, token });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  });

  after(async () => {
    await run?.catch(() => undefined);
    await browser?.close();
    await server?.close();
    await ts?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('when a run starts while the page is open, then node states change, the traffic chart gets points and the timeline grows', async () => {
    await page.goto(`${server.url}#token=${token}`);
    assert.ok(!page.url().includes(token), 'the page takes the token out of the address bar');
    run = runSession({ plan: parsePlan('dashboard-demo.yaml', planYaml()), stateDir, kubeconfig: ts.kubeconfigPath, view: 'json', write: () => undefined, signer: testSigner() });
    await until('the run has a directory', () => listRuns(stateDir).length === 1);
    runId = listRuns(stateDir)[0] as string;
    await page.waitForSelector('#fleet [data-node]', { timeout: 30_000 });
    const first = await steps(page);
    assert.ok(Object.keys(first).length >= 4, `the fleet shows the workers of the first region at least: ${Object.keys(first).join(', ')}`);
    assert.deepEqual(await page.$$eval('#fleet .region', (els) => els.map((e) => e.getAttribute('data-region')).sort()), REGIONS, 'both regions are shown');
    assert.equal(await page.isHidden('#rollout'), true, 'a run without a rollout has no Rollout panel');
    assert.ok((await page.locator('#fleet .zone[data-zone="eu-central-a"] .rack[data-rack="eu-central-a-r1"] [data-node="eu-central-a-r1-n1"]').count()) === 1, 'nodes sit in their region, zone and rack');
    const points0 = Number(await page.getAttribute('#traffic svg', 'data-points'));
    const timeline0 = await page.locator('#timeline li').count();
    await until('a node shown on the page changed its step', async () => {
      const now = await steps(page);
      return Object.entries(now).some(([n, s]) => s !== first[n] && s !== 'pending');
    });
    await until('the traffic chart got a new point', async () => Number(await page.getAttribute('#traffic svg', 'data-points')) > points0);
    await until('the timeline grew', async () => (await page.locator('#timeline li').count()) > timeline0);
    assert.ok((await page.locator('#traffic svg circle.pt').count()) > 0, 'the points are drawn');
  });

  it('when pause is clicked with the token, then the run journals control.received pause and run.paused; without the token it is refused (401) and nothing is appended', async () => {
    const control = runPaths(stateDir, runId).control;
    const stranger = await browser.newPage();
    try {
      await stranger.goto(server.url);
      await stranger.waitForSelector(`#run-picker option[value="${runId}"]`, { state: 'attached' });
      await stranger.click('#pause');
      await stranger.waitForSelector('#control-message[data-status="401"]');
      assert.equal(existsSync(control) ? readFileSync(control, 'utf8') : '', '', 'the refused pause reached no control file');
    } finally {
      await stranger.close();
    }
    await page.click('#pause');
    await until('the run journaled the pause', () => {
      const types = journal(stateDir, runId).map((e) => (e.event.type === 'control.received' ? `control.received ${e.event.command}` : e.event.type));
      return types.includes('control.received pause') && types.includes('run.paused');
    });
    await page.waitForSelector('#run-status[data-status="paused"]', { timeout: 10_000 });
    await page.click('#resume');
    await page.waitForSelector('#run-status[data-status="running"]', { timeout: 10_000 });
  });

  it('when the run ends, then every node shows done, both regions have traffic points, and a screenshot is kept', async () => {
    const end = await run;
    assert.equal(end.status, 'succeeded', `the run ended ${end.status}: ${end.status === 'refused' ? JSON.stringify(end.findings) : (end.reason ?? 'no reason given')}`);
    await page.waitForSelector('#run-status[data-status="succeeded"]', { timeout: 10_000 });
    await until('all 8 workers show done', async () => {
      const now = Object.values(await steps(page));
      return now.length === 8 && now.every((s) => s === 'done');
    }, 10_000);
    for (const r of REGIONS) assert.ok((await page.locator(`#traffic svg circle.pt[data-region="${r}"]`).count()) >= 3, `${r} has traffic points`);
    assert.ok((await page.locator('#gates tbody tr').count()) > 0, 'gates and analysis are listed');
    mkdirSync(ARTIFACTS, { recursive: true });
    const shot = join(ARTIFACTS, `dashboard-${Date.now()}.png`);
    await page.screenshot({ path: shot, fullPage: true });
    assert.ok(statSync(shot).size > 10_000, 'the screenshot has content');
    console.log(`dashboard screenshot: ${shot}`);
  });

  it('when the report of the run is written with daylight report --format html and opened, then its sections are there', async () => {
    const file = join(dir, 'report.html');
    const out: string[] = [];
    const code = await main(['report', runId, '--format', 'html', '--out', file, '--state-dir', stateDir], { out: (t) => out.push(t), err: (t) => out.push(t), isTty: false });
    assert.equal(code, 0, out.join('\n'));
    const report = await browser.newPage();
    try {
      await report.goto(pathToFileURL(file).href);
      for (const id of ['summary', 'timeline', 'actions', 'gates', 'traffic', 'preflight', 'integrity', 'compliance']) {
        assert.equal(await report.locator(`#${id}`).count(), 1, `section #${id}`);
      }
      await page.goto(`${server.url}api/runs/${runId}/report?format=html`);
      assert.equal(await page.locator('#compliance').count(), 1, 'the dashboard serves the same report');
    } finally {
      await report.close();
    }
  });

  it('when a run ended degraded, then the page shows degraded in a colour of its own and lists its problems', async () => {
    // Given a run whose journal ends degraded, with a skipped node, beside the succeeded one
    const id = 'dashboard-degraded-20261205-120000-abcd';
    const paths = createRunDir(stateDir, id);
    const journal = FileJournal.open(paths.journal, id, () => Date.now());
    try {
      await journal.append({ type: 'run.started', plan: { name: 'dashboard-demo', path: 'dashboard-demo.yaml', sha256: '0'.repeat(64) }, clusters: ['eu-central'], holder: id });
      await journal.append({ type: 'phase.planned', cluster: 'eu-central', phase: 'os-patch', budget: 1, waves: [{ index: 0, nodes: ['eu-central-a-r1-n1'] }], excluded: [] });
      await journal.append({ type: 'node.cordon.requested', cluster: 'eu-central', node: 'eu-central-a-r1-n1' });
      await journal.append({ type: 'node.done', cluster: 'eu-central', node: 'eu-central-a-r1-n1', outcome: 'skipped', message: 'drain did not finish within 2m' });
      await journal.append({ type: 'run.degraded', reason: 'the run finished, but 1 thing was not done as planned', problems: ['eu-central/eu-central-a-r1-n1: skipped (drain did not finish within 2m)'] });
    } finally {
      journal.close();
    }
    // When it is picked on the page
    await page.goto(`${server.url}#token=${token}`);
    await page.waitForSelector(`#run-picker option[value="${id}"]`, { state: 'attached' });
    await page.selectOption('#run-picker', id);
    // Then its status says degraded, in a colour that is neither the success's nor the failure's
    await page.waitForSelector('#run-status[data-status="degraded"]', { timeout: 10_000 });
    const colours = await page.$eval('#run-status', (el) => {
      const was = el.getAttribute('data-status') ?? '';
      const out: Record<string, string> = {};
      for (const s of ['succeeded', 'degraded', 'failed', 'running']) {
        el.setAttribute('data-status', s);
        out[s] = (globalThis as unknown as { getComputedStyle(e: unknown): { backgroundColor: string } }).getComputedStyle(el).backgroundColor;
      }
      el.setAttribute('data-status', was);
      return out;
    });
    assert.equal(new Set(Object.values(colours)).size, 4, `each status has its own colour: ${JSON.stringify(colours)}`);
    // And the timeline names the problem
    await until('the timeline lists the problem', async () => (await page.locator('#timeline li', { hasText: 'problem: eu-central/eu-central-a-r1-n1: skipped' }).count()) === 1, 10_000);
  });
});
