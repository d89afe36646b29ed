// Silences against a real Alertmanager 0.25 (Debian package): created ones are listed active with their
// matchers, expiring is idempotent, and an unreachable Alertmanager or a refused silence is a SilenceError
// that says which Alertmanager, which call and what it answered.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AlertmanagerSilences, renderMatchers, SilenceError } from '../../src/notify/silences.ts';
import type { NewSilence } from '../../src/notify/silences.ts';
import { startAlertmanager } from '../helpers/alertmanager.ts';
import type { RunningAlertmanager } from '../helpers/alertmanager.ts';
import { freePort as closedPort } from '../helpers/free-port.ts';

const HOUR = 3_600_000;
let dir = '';
let am: RunningAlertmanager | undefined;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'daylight-alertmanager-'));
  am = await startAlertmanager(dir);
});

after(async () => {
  await am?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

function silences(): AlertmanagerSilences {
  assert.ok(am, 'Alertmanager did not start');
  return new AlertmanagerSilences({ url: am.url });
}

/** A fresh silence for one region of one run, from now for an hour. */
function regionSilence(o: { run: string; createdBy?: string; startsAt?: Date; endsAt?: Date }): NewSilence {
  const now = Date.now();
  return {
    matchers: renderMatchers([{ name: 'cluster', value: '{{cluster}}' }, { name: 'namespace', value: 'monitoring|logging', isRegex: true }], { cluster: 'eu-central' }),
    startsAt: o.startsAt ?? new Date(now),
    endsAt: o.endsAt ?? new Date(now + HOUR),
    createdBy: o.createdBy ?? 'daylight',
    comment: `os-patch of eu-central [daylight run ${o.run}]`,
  };
}


test('a created silence is active, with its matchers rendered, and recovery finds it by creator and run marker', async () => {
  // Given an Alertmanager holding a silence of ours and one of someone else's
  const client = silences();
  const id = await client.create(regionSilence({ run: 'r-create' }));
  const otherId = await client.create(regionSilence({ run: 'r-create', createdBy: 'oncall' }));

  // When we read it back and list ours
  const got = await client.get(id);
  const ours = await client.list({ createdBy: 'daylight', commentIncludes: '[daylight run r-create]' });
  const otherRun = await client.list({ createdBy: 'daylight', commentIncludes: '[daylight run r-another]' });

  // Then it is active, with the matchers as sent, and only it is ours
  assert.ok(got);
  assert.equal(got.id, id);
  assert.equal(got.state, 'active');
  assert.deepEqual(got.matchers, [
    { name: 'cluster', value: 'eu-central', isRegex: false, isEqual: true },
    { name: 'namespace', value: 'monitoring|logging', isRegex: true, isEqual: true },
  ]);
  assert.equal(got.comment, 'os-patch of eu-central [daylight run r-create]');
  assert.ok(got.endsAt.getTime() > Date.now() + HOUR / 2, `ends at ${got.endsAt.toISOString()}`);
  assert.deepEqual(ours.map((s) => s.id), [id]);
  assert.equal(ours[0]?.state, 'active');
  assert.deepEqual(otherRun, []);
  assert.notEqual(otherId, id);
});

test('a silence that starts later is pending', async () => {
  const client = silences();
  const id = await client.create(regionSilence({ run: 'r-pending', startsAt: new Date(Date.now() + HOUR), endsAt: new Date(Date.now() + 2 * HOUR) }));
  assert.equal((await client.get(id))?.state, 'pending');
});

test('expire ends a silence; expiring it again, or one Alertmanager does not know, is fine and says so', async () => {
  // Given an active silence
  const client = silences();
  const id = await client.create(regionSilence({ run: 'r-expire' }));

  // When it is expired twice, and an unknown id once
  const first = await client.expire(id);
  const second = await client.expire(id);
  const unknown = await client.expire(randomUUID());

  // Then it is expired, and the repeats were no errors
  assert.equal(first, 'expired');
  assert.equal(second, 'already-expired');
  assert.equal(unknown, 'not-found');
  const got = await client.get(id);
  assert.equal(got?.state, 'expired');
  assert.ok((got?.endsAt.getTime() ?? Infinity) <= Date.now() + 1000);
  assert.equal(await client.get(randomUUID()), undefined);
});

test('an unreachable Alertmanager is a SilenceError naming its URL, the call and the fix', async () => {
  const port = await closedPort();
  const client = new AlertmanagerSilences({ url: `http://127.0.0.1:${port}`, timeoutMs: 2000 });
  await assert.rejects(client.create(regionSilence({ run: 'r-unreachable' })), (e: unknown) => {
    assert.ok(e instanceof SilenceError);
    assert.equal(e.alertmanager, `http://127.0.0.1:${port}/`);
    assert.equal(e.call, 'POST /api/v2/silences');
    assert.equal(e.status, undefined);
    assert.match(e.message, new RegExp(`^Alertmanager http://127\\.0\\.0\\.1:${port}/: POST /api/v2/silences failed: fetch failed: connect ECONNREFUSED 127\\.0\\.0\\.1:${port}`));
    assert.match(e.message, /check spec\.silences\.alertmanager in the plan/);
    return true;
  });
});

test("a silence Alertmanager refuses (it ends before it starts) is a SilenceError with Alertmanager's reason", async () => {
  const client = silences();
  const now = Date.now();
  await assert.rejects(client.create(regionSilence({ run: 'r-invalid', startsAt: new Date(now + HOUR), endsAt: new Date(now) })), (e: unknown) => {
    assert.ok(e instanceof SilenceError);
    assert.equal(e.status, 400);
    assert.match(e.message, /^Alertmanager http:\/\/127\.0\.0\.1:\d+\/: POST \/api\/v2\/silences answered 400: "Failed to create silence: start time must be before end time"; /);
    assert.match(e.message, /the silence ends after it starts/);
    return true;
  });
  assert.deepEqual(await client.list({ commentIncludes: '[daylight run r-invalid]' }), []);
});
