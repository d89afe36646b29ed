// A rollout on the dashboard in a real browser (Debian's Chromium driven by playwright-core): the Rollout panel
// shows each stage as it starts, its groups and their clusters with their state, follows the journal as a
// cluster runs, is done, fails and a stage halts, and stays hidden for a run without a rollout.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chromium } from 'playwright-core';
import type { Browser, Page } from 'playwright-core';
import type { RunEvent } from '../../src/engine/events.ts';
import { claimOwner, createRunDir } from '../../src/engine/run-dir.ts';
import { FileJournal } from '../../src/journal/file-journal.ts';
import { newToken } from '../../src/server/auth.ts';
import { startServer } from '../../src/server/server.ts';
import type { RunningServer } from '../../src/server/server.ts';

const CHROMIUM = '/usr/bin/chromium';
const RUN = 'fleet-20261206-103000-0001';

describe('the dashboard shows a rollout per stage, group and cluster', () => {
  let dir = '';
  let server: RunningServer;
  let browser: Browser;
  let page: Page;
  let journal: FileJournal<RunEvent>;
  const token = newToken();

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'daylight-dashboard-rollout-'));
    const paths = createRunDir(join(dir, 'state'), RUN);
    claimOwner(paths);
    journal = FileJournal.open<RunEvent>(paths.journal, RUN, () => Date.now());
    await journal.append({ type: 'run.started', plan: { name: 'fleet', path: 'fleet.yaml', sha256: '0'.repeat(64) }, clusters: ['dev-eu', 'dev-us', 'prod-eu-1', 'prod-eu-2', 'prod-us-1'], holder: RUN });
    await journal.append({ type: 'rollout.stage.started', stage: 'dev', groups: [{ name: 'dev-eu', clusters: ['dev-eu'] }, { name: 'dev-us', clusters: ['dev-us'] }] });
    await journal.append({ type: 'lease.acquired', cluster: 'dev-eu', holder: RUN });
    server = await startServer({ stateDir: join(dir, 'state'), port: 0, token, pollMs: 50 });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    page = await browser.newPage();
  });

  after(async () => {
    journal?.close();
    await browser?.close();
    await server?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const state = (cluster: string) => page.getAttribute(`#rollout .cluster[data-cluster="${cluster}"]`, 'data-state');

  it('follows the stages as the journal grows: a cluster running, done, failed; a group stopped; the stage halted', async () => {
    await page.goto(`${server.url}#token=${token}`);
    // Given the dev stage started with dev-eu under way: the panel shows, dev-eu running, dev-us pending
    await page.waitForSelector('#rollout .cluster[data-cluster="dev-eu"][data-state="running"]', { timeout: 10_000 });
    assert.equal(await page.isVisible('#rollout'), true);
    assert.equal(await state('dev-us'), 'pending');
    // When dev completes and prod starts, with prod-eu-1 done and prod-us-1 failed
    const events: RunEvent[] = [
      { type: 'lease.released', cluster: 'dev-eu' },
      { type: 'lease.acquired', cluster: 'dev-us', holder: RUN },
      { type: 'lease.released', cluster: 'dev-us' },
      { type: 'rollout.group.completed', stage: 'dev', group: 'dev-eu' },
      { type: 'rollout.group.completed', stage: 'dev', group: 'dev-us' },
      { type: 'rollout.stage.completed', stage: 'dev' },
      { type: 'rollout.stage.started', stage: 'prod', groups: [{ name: 'region=eu', clusters: ['prod-eu-1', 'prod-eu-2'] }, { name: 'region=us', clusters: ['prod-us-1'] }] },
      { type: 'lease.acquired', cluster: 'prod-eu-1', holder: RUN },
      { type: 'lease.acquired', cluster: 'prod-us-1', holder: RUN },
      { type: 'lease.released', cluster: 'prod-eu-1' },
      { type: 'lease.released', cluster: 'prod-us-1' },
      { type: 'rollout.cluster.failed', stage: 'prod', group: 'region=us', cluster: 'prod-us-1', reason: 'its analysis after maintenance failed: error rate: 7% over 1%' },
      { type: 'rollout.group.stopped', stage: 'prod', group: 'region=us', reason: 'stage prod halted' },
      { type: 'rollout.stage.halted', stage: 'prod', reason: '1 of its clusters failed, beyond its maxAllowedFailures of 0: prod-us-1' },
    ];
    for (const e of events) await journal.append(e);
    // Then each cluster shows its state, the stopped group and the halted stage say so, and the timeline names the failure
    await page.waitForSelector('#rollout td[data-stage-status="halted"]', { timeout: 10_000 });
    assert.deepEqual(await Promise.all(['dev-eu', 'dev-us', 'prod-eu-1', 'prod-eu-2', 'prod-us-1'].map(state)), ['done', 'done', 'done', 'pending', 'failed']);
    assert.equal(await page.getAttribute('#rollout tr[data-group="region=us"]', 'data-group-status'), 'stopped');
    assert.match((await page.textContent('#rollout tr[data-stage="dev"] td:nth-child(2)')) ?? '', /^completed · 2\/2 groups done$/);
    assert.match((await page.textContent('#rollout tr[data-stage="prod"] td:nth-child(2)')) ?? '', /^halted · 1\/2 groups done$/);
    assert.equal(await page.locator('#timeline li', { hasText: 'prod-us-1 failed in stage prod: its analysis after maintenance failed' }).count(), 1);
    assert.equal(await page.locator('#timeline li', { hasText: 'stage prod halted: 1 of its clusters failed' }).count(), 1);
  });
});
