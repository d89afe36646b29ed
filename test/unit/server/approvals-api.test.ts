// The dashboard API's answers to approval gates: POST /api/runs/RUN/approve|reject with the token, judged
// against the journal as `daylight approve|reject` judges them, appended to the run's control file in the
// token name's name; refused without the token, for a step not waiting, twice, or a rejection without a reason.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { FileJournal } from '../../../src/journal/file-journal.ts';
import { ApprovalReader, claimOwner, createRunDir } from '../../../src/engine/run-dir.ts';
import type { RunPaths } from '../../../src/engine/run-dir.ts';
import { newToken } from '../../../src/server/auth.ts';
import { startServer } from '../../../src/server/server.ts';
import type { RunningServer } from '../../../src/server/server.ts';

function post(url: string, headers: Record<string, string>, body?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers: { ...headers, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) }, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** A run this process owns, waiting at the approval of phase/os-patch. */
function givenWaitingRun(): { dir: string; run: RunPaths; journal: FileJournal<unknown> } {
  const dir = mkdtempSync(join(tmpdir(), 'daylight-approve-api-'));
  const run = createRunDir(dir, 'demo-20250101-000000-aaaa');
  claimOwner(run);
  const journal = FileJournal.open(run.journal, run.runId, () => 1_000);
  void journal.append({ type: 'run.started', plan: { name: 'demo', path: '/plans/demo.yaml', sha256: 'x' }, clusters: ['eu-central'], holder: run.runId });
  void journal.append({ type: 'approval.requested', step: 'phase/os-patch', phase: 'os-patch', onTimeout: 'reject' });
  return { dir, run, journal };
}

describe('approval gates through the dashboard API', () => {
  const token = newToken();
  let s: RunningServer;
  let given: ReturnType<typeof givenWaitingRun>;
  const url = (what: string) => `${s.url}api/runs/${given.run.runId}/${what}`;
  const auth = () => ({ authorization: `Bearer ${token}` });

  before(async () => {
    given = givenWaitingRun();
    s = await startServer({ stateDir: given.dir, port: 0, token, tokenName: 'ops-oncall' });
  });
  after(async () => {
    await s.close();
    given.journal.close();
    rmSync(given.dir, { recursive: true, force: true });
  });

  it('when approve is posted without the token, then 401 and nothing reaches the control file', async () => {
    const a = await post(url('approve'), {}, '{}');
    assert.equal(a.status, 401);
    assert.equal(existsSync(given.run.control), false);
  });

  it('when a rejection comes without a comment, or names a step not waiting, then 409 with the reason and nothing is appended', async () => {
    const noReason = await post(url('reject'), auth(), '{}');
    assert.equal(noReason.status, 409);
    assert.match(noReason.body, /a rejection needs a reason/);
    const wrong = await post(url('approve'), auth(), JSON.stringify({ step: 'phase/db' }));
    assert.equal(wrong.status, 409);
    assert.match(wrong.body, /does not wait for an approval of phase\/db; it waits for phase\/os-patch/);
    const bad = await post(url('approve'), auth(), '{"step": 3}');
    assert.equal(bad.status, 400);
    assert.equal(existsSync(given.run.control), false);
  });

  it('when approve is posted with the token, then the answer goes to the run as the token name, with the comment', async () => {
    const a = await post(url('approve'), auth(), JSON.stringify({ comment: 'CAB-1234' }));
    assert.equal(a.status, 202, a.body);
    // the run's inbox reads it as the dashboard's answer, by the token's name, for the one waiting step
    const [answer, ...more] = new ApprovalReader(given.run).poll();
    assert.deepEqual(more, []);
    assert.deepEqual({ step: answer?.step, decision: answer?.decision, by: answer?.by, via: answer?.via, comment: answer?.comment }, { step: 'phase/os-patch', decision: 'approve', by: 'ops-oncall', via: 'dashboard', comment: 'CAB-1234' });
    // and the pause/resume reader of the same file ignores it
    assert.equal(readFileSync(given.run.control, 'utf8').trim().split('\n').length, 1);
  });

  it('when the run has taken the answer, a second one is refused with the first', async () => {
    void given.journal.append({ type: 'approval.granted', step: 'phase/os-patch', by: 'ops-oncall', via: 'dashboard', answeredAt: '2026-12-07T09:00:00.000Z' });
    const a = await post(url('reject'), auth(), JSON.stringify({ step: 'phase/os-patch', comment: 'too late' }));
    assert.equal(a.status, 409);
    assert.match(a.body, /phase\/os-patch was already approved by ops-oncall at 2026-12-07T09:00:00.000Z; an answer counts once/);
  });
});
