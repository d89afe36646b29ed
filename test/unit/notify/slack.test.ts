// Slack-compatible notifications: the texts at run start, region drained, failure (and abort) and
// completion, nothing for other entries, mrkdwn escaping; delivery to a local HTTP server with retries of
// 5xx, 429, timeouts and refused connections with jittered, bounded delays, no retry of other answers, and
// the webhook's secret path never in a result.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { JournalEntry, RunEvent } from '../../../src/engine/events.ts';
import { replay } from '../../../src/engine/state.ts';
import { isAbortError } from '../../../src/lib/errors.ts';
import { notificationFor, sendNotification } from '../../../src/notify/slack.ts';
import type { SlackMessage } from '../../../src/notify/slack.ts';
import { closedPort, startServer } from './local-server.ts';

function entry(event: RunEvent, seq = 1): JournalEntry {
  return { seq, at: Date.parse('2026-09-01T09:00:00Z') + seq * 60_000, wall: '2026-09-01T09:00:00.000Z', runId: 'weekly-os-patch-20260901-090000-ab12', event, prev: '0'.repeat(64), hash: '1'.repeat(64) };
}

const started: RunEvent = { type: 'run.started', plan: { name: 'weekly-os-patch', path: 'plan.yaml', sha256: 'a'.repeat(64) }, clusters: ['eu-central', 'eu-west'], holder: 'x' };

test('the four moments have their texts; other entries send nothing', () => {
  assert.equal(notificationFor(entry(started))?.text, 'Maintenance started: plan weekly-os-patch on eu-central, eu-west (run weekly-os-patch-20260901-090000-ab12).');
  assert.equal(
    notificationFor(entry({ type: 'traffic.drained', cluster: 'eu-central', result: { newTrafficStoppedMs: 800, sessionsGoneMs: 4200, sessionsShut: 3 } }))?.text,
    'Region eu-central is out of traffic: new traffic stopped in 800 ms, sessions gone in 4.2 s (3 shut at the timeout). The other regions serve all requests while eu-central is maintained (run weekly-os-patch-20260901-090000-ab12).',
  );
  assert.equal(notificationFor(entry({ type: 'run.failed', reason: 'eu-central switched back to weight 0 in 180 ms' }))?.text, 'Maintenance run weekly-os-patch-20260901-090000-ab12 failed: eu-central switched back to weight 0 in 180 ms');
  assert.equal(notificationFor(entry({ type: 'run.aborted', reason: 'aborted by daylight abort' }))?.text, 'Maintenance run weekly-os-patch-20260901-090000-ab12 was aborted: aborted by daylight abort');
  assert.equal(notificationFor(entry({ type: 'run.succeeded' }))?.text, 'Maintenance run weekly-os-patch-20260901-090000-ab12 completed.');
  for (const e of [{ type: 'node.cordoned', cluster: 'a', node: 'n', changed: true }, { type: 'traffic.drain.requested', cluster: 'a', before: { weight: 1, initialWeight: 1, state: 'ready' } }, { type: 'run.paused', reason: 'x' }] as RunEvent[]) {
    assert.equal(notificationFor(entry(e)), undefined, e.type);
  }
});

test('an approval the run waits for is announced with the step, the deadline and how to answer; the answer with who and why', () => {
  // Given a run that asks for approval of its phase, rejected by the timeout at 13:00
  const asked = notificationFor(entry({ type: 'approval.requested', step: 'phase/os-patch', phase: 'os-patch', name: 'change board', message: 'CAB-1234 signed off?', deadline: Date.parse('2026-09-01T13:00:00Z'), onTimeout: 'reject' })) as SlackMessage;
  // Then the message names the step and what to check, when the timeout answers, and both commands
  assert.equal(asked.text, 'Maintenance run weekly-os-patch-20260901-090000-ab12 waits for approval of phase/os-patch (change board): CAB-1234 signed off?');
  const body = asked.blocks[0]?.type === 'section' ? asked.blocks[0].text.text : '';
  assert.match(body, /Without an answer it is rejected at 2026-09-01T13:00:00.000Z\./);
  assert.match(body, /Approve: daylight approve weekly-os-patch-20260901-090000-ab12 --step phase\/os-patch/);
  assert.match(body, /Reject: daylight reject weekly-os-patch-20260901-090000-ab12 --step phase\/os-patch --comment "why"/);
  // And the answer is announced with who answered and the comment
  assert.equal(notificationFor(entry({ type: 'approval.rejected', step: 'phase/os-patch', by: 'bob', via: 'cli', answeredAt: '2026-09-01T10:00:00.000Z', comment: 'freeze' }))?.text, 'phase/os-patch of maintenance run weekly-os-patch-20260901-090000-ab12 rejected by bob: freeze');
});

test('completion with the run\'s state tells how the nodes came out and how long it took; blocks carry the text escaped', () => {
  const events: RunEvent[] = [started, { type: 'node.done', cluster: 'eu-central', node: 'n1', outcome: 'maintained' }, { type: 'node.done', cluster: 'eu-central', node: '<n2>', outcome: 'skipped', message: 'held by someone else' }, { type: 'run.succeeded' }];
  const entries = events.map((e, i) => entry(e, i + 1));
  const msg = notificationFor(entries[3] as JournalEntry, replay('r', entries)) as SlackMessage;
  assert.equal(msg.text, 'Maintenance run weekly-os-patch-20260901-090000-ab12 completed (plan weekly-os-patch).');
  assert.deepEqual(msg.blocks[0], { type: 'section', text: { type: 'mrkdwn', text: 'Maintenance run weekly-os-patch-20260901-090000-ab12 completed (plan weekly-os-patch).\nNodes: 1 maintained, 1 skipped in 3 min.' } });
  assert.equal(msg.blocks[1]?.type, 'context');
  const hostile = notificationFor(entry({ type: 'run.failed', reason: 'gate <http://evil|click> & more' })) as SlackMessage;
  assert.match(JSON.stringify(hostile.blocks), /gate &lt;http:\/\/evil\|click&gt; &amp; more/);
});

test('a message is POSTed as JSON; a 200 is delivered at the first attempt, and the secret path is not in the result', async () => {
  const server = await startServer((_req, res) => res.end('ok'));
  try {
    const msg = notificationFor(entry(started)) as SlackMessage;
    const r = await sendNotification(`${server.url}/services/T000/B000/SECRET`, msg);
    assert.deepEqual(r, { ok: true, attempts: 1, status: 200, target: server.url + '/…', message: 'delivered (HTTP 200)' });
    assert.equal(server.requests[0]?.method, 'POST');
    assert.equal(server.requests[0]?.url, '/services/T000/B000/SECRET');
    assert.equal(server.requests[0]?.headers['content-type'], 'application/json');
    assert.deepEqual(JSON.parse(server.requests[0]?.body ?? ''), msg);
  } finally {
    await server.close();
  }
});

test('a 500 then a 200 is delivered at the second attempt after a jittered delay; a 400 is not retried', async () => {
  let calls = 0;
  const server = await startServer((req, res) => {
    calls++;
    res.statusCode = req.url === '/bad' ? 400 : calls === 1 ? 500 : 200;
    res.end(req.url === '/bad' ? 'invalid_payload' : 'x');
  });
  try {
    const delays: number[] = [];
    const sleep = async (ms: number) => void delays.push(ms);
    const ok = await sendNotification(`${server.url}/hook`, { text: 't', blocks: [] }, { sleep, random: () => 0.5, backoff: { baseMs: 100, capMs: 1000 } });
    assert.equal(ok.ok, true);
    assert.equal(ok.attempts, 2);
    // Full jitter between base/2 and the ceiling: 50 + 0.5 × (100 − 50)
    assert.deepEqual(delays, [75]);
    const bad = await sendNotification(`${server.url}/bad`, { text: 't', blocks: [] }, { sleep });
    assert.deepEqual(bad, { ok: false, attempts: 1, status: 400, target: `${server.url}/…`, message: 'HTTP 400: invalid_payload' });
  } finally {
    await server.close();
  }
});

test('retries stop after the bounded number of attempts: always 503, 429 with Retry-After, no answer in time, nobody listening', async () => {
  const server = await startServer((req, res) => {
    if (req.url === '/slow') return void setTimeout(() => res.end('late'), 1000);
    res.statusCode = req.url === '/busy' ? 429 : 503;
    if (req.url === '/busy') res.setHeader('retry-after', '30');
    res.end('down');
  });
  try {
    const delays: number[] = [];
    const sleep = async (ms: number) => void delays.push(ms);
    const down = await sendNotification(`${server.url}/down`, { text: 't', blocks: [] }, { sleep, attempts: 4, random: () => 1, backoff: { baseMs: 100, capMs: 300 } });
    assert.equal(down.ok, false);
    assert.equal(down.attempts, 4);
    assert.equal(down.message, 'HTTP 503: down; gave up after 4 attempt(s)');
    assert.deepEqual(delays, [100, 200, 300], 'doubling, capped');
    delays.length = 0;
    const busy = await sendNotification(`${server.url}/busy`, { text: 't', blocks: [] }, { sleep, attempts: 2, backoff: { baseMs: 100, capMs: 2000 } });
    assert.equal(busy.status, 429);
    assert.deepEqual(delays, [2000], 'Retry-After: 30 within the cap');
    const slow = await sendNotification(`${server.url}/slow`, { text: 't', blocks: [] }, { sleep, attempts: 2, timeoutMs: 100 });
    assert.equal(slow.message, 'no answer within 100 ms; gave up after 2 attempt(s)');
    const port = await closedPort();
    const refused = await sendNotification(`http://127.0.0.1:${port}/x`, { text: 't', blocks: [] }, { sleep, attempts: 2 });
    assert.equal(refused.ok, false);
    assert.match(refused.message, /ECONNREFUSED.*gave up after 2 attempt\(s\)/);
  } finally {
    await server.close();
  }
});

test('the caller\'s abort ends the retries with an AbortError', async () => {
  const server = await startServer((_req, res) => {
    res.statusCode = 503;
    res.end();
  });
  try {
    const controller = new AbortController();
    const sleep = async () => controller.abort();
    await assert.rejects(sendNotification(`${server.url}/x`, { text: 't', blocks: [] }, { sleep, signal: controller.signal }), (e: unknown) => isAbortError(e));
  } finally {
    await server.close();
  }
});
