// The dashboard's approval banner in a real browser (Debian's Chromium driven by playwright-core): a run
// waiting for approval shows what it waits for; Reject without a comment is refused with the reason; Approve
// with a comment reaches the run's inbox as the token's name; once the run took the answer the banner goes.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chromium } from 'playwright-core';
import type { Browser, Page } from 'playwright-core';
import { FileJournal } from '../../src/journal/file-journal.ts';
import { ApprovalReader, claimOwner, createRunDir } from '../../src/engine/run-dir.ts';
import type { RunPaths } from '../../src/engine/run-dir.ts';
import { newToken } from '../../src/server/auth.ts';
import { startServer } from '../../src/server/server.ts';
import type { RunningServer } from '../../src/server/server.ts';

const CHROMIUM = '/usr/bin/chromium';
const RUN = 'approvals-20261207-090000-abcd';

describe('the dashboard in a browser, given a run waiting for the approval of its phase', () => {
  const token = newToken();
  let dir: string;
  let paths: RunPaths;
  let journal: FileJournal<unknown>;
  let server: RunningServer;
  let browser: Browser;
  let page: Page;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'daylight-dashboard-approvals-'));
    paths = createRunDir(join(dir, 'state'), RUN);
    claimOwner(paths);
    journal = FileJournal.open(paths.journal, RUN, () => Date.now());
    await journal.append({ type: 'run.started', plan: { name: 'approvals', path: 'approvals.yaml', sha256: '0'.repeat(64) }, clusters: ['eu-central'], holder: RUN });
    await journal.append({ type: 'approval.requested', step: 'phase/os-patch', phase: 'os-patch', name: 'change board', message: 'CAB-1234 signed off?', onTimeout: 'reject' });
    server = await startServer({ stateDir: join(dir, 'state'), port: 0, token, tokenName: 'ops-oncall', pollMs: 50 });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    page = await browser.newPage();
  });

  after(async () => {
    journal?.close();
    await browser?.close();
    await server?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('shows what the run waits for; Reject without a comment is refused; Approve with one reaches the run as the token name; the banner goes once the run took it', async () => {
    // Given the page open on the run
    await page.goto(`${server.url}#token=${token}`);
    // Then the banner says what it waits for
    await page.waitForSelector('#approval:not([hidden])', { timeout: 10_000 });
    assert.equal(await page.textContent('#approval-text'), 'Waiting for approval of phase/os-patch (change board): CAB-1234 signed off?');
    // When Reject is clicked without a comment
    await page.click('#reject');
    // Then it is refused with the reason, and nothing reached the run
    await page.waitForSelector('#control-message[data-status="409"]', { timeout: 10_000 });
    assert.match((await page.textContent('#control-message')) ?? '', /reject refused \(409\): a rejection needs a reason/);
    const inbox = new ApprovalReader(paths);
    assert.deepEqual(inbox.poll(), []);
    // When Approve is clicked with a comment
    await page.fill('#approval-comment', 'CAB-1234 approved');
    await page.click('#approve');
    // Then the answer reaches the run's inbox, by the token's name, through the dashboard
    await page.waitForSelector('#control-message[data-status="202"]', { timeout: 10_000 });
    assert.equal(await page.textContent('#control-message'), 'approve sent for phase/os-patch');
    const [answer] = inbox.poll();
    assert.deepEqual([answer?.step, answer?.decision, answer?.by, answer?.via, answer?.comment], ['phase/os-patch', 'approve', 'ops-oncall', 'dashboard', 'CAB-1234 approved']);
    // When the run takes it
    await journal.append({ type: 'approval.granted', step: 'phase/os-patch', by: 'ops-oncall', via: 'dashboard', answeredAt: answer?.at ?? '', comment: 'CAB-1234 approved' });
    // Then the banner goes, and the timeline names the approver
    await page.waitForSelector('#approval[hidden]', { state: 'attached', timeout: 10_000 });
    assert.equal(await page.locator('#timeline li', { hasText: 'phase/os-patch approved by ops-oncall: CAB-1234 approved' }).count(), 1);
  });
});
