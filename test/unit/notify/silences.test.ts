// Unit tests for the Alertmanager client against a local server that is not Alertmanager, or only pretends:
// what it sends, and that each way of going wrong is a SilenceError telling what to check; an abort stays one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isAbortError } from '../../../src/lib/errors.ts';
import { AlertmanagerSilences, SilenceError } from '../../../src/notify/silences.ts';
import type { NewSilence } from '../../../src/notify/silences.ts';
import { startServer } from './local-server.ts';

function newSilence(): NewSilence {
  return {
    matchers: [{ name: 'cluster', value: 'eu-central' }, { name: 'severity', value: 'info', isEqual: false }],
    startsAt: new Date('2026-09-01T22:00:00Z'),
    endsAt: new Date('2026-09-01T23:30:00Z'),
    createdBy: 'daylight',
    comment: 'os-patch [daylight run r-1]',
  };
}

function silenceError(check: (e: SilenceError) => void): (e: unknown) => boolean {
  return (e: unknown) => {
    assert.ok(e instanceof SilenceError, `expected a SilenceError, got ${String(e)}`);
    check(e);
    return true;
  };
}

test('create posts the silence as API v2 wants it, with credentials from the URL as basic auth, and answers the id', async () => {
  const s = await startServer((_req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end('{"silenceID":"6ab55dc7-6ff5-4b52-b5ee-8a23fef6ea2c"}');
  });
  try {
    const base = new URL(s.url);
    const client = new AlertmanagerSilences({ url: `http://ops:s3cret@${base.host}/alertmanager/` });
    assert.equal(await client.create(newSilence()), '6ab55dc7-6ff5-4b52-b5ee-8a23fef6ea2c');
    assert.equal(client.url, `http://${base.host}/alertmanager/`);
    const [req] = s.requests;
    assert.equal(req?.method, 'POST');
    assert.equal(req?.url, '/alertmanager/api/v2/silences');
    assert.equal(req?.headers.authorization, `Basic ${Buffer.from('ops:s3cret').toString('base64')}`);
    assert.deepEqual(JSON.parse(req?.body ?? ''), {
      matchers: [{ name: 'cluster', value: 'eu-central', isRegex: false, isEqual: true }, { name: 'severity', value: 'info', isRegex: false, isEqual: false }],
      startsAt: '2026-09-01T22:00:00.000Z',
      endsAt: '2026-09-01T23:30:00.000Z',
      createdBy: 'daylight',
      comment: 'os-patch [daylight run r-1]',
    });
  } finally {
    await s.close();
  }
});

test('an HTML page instead of JSON is a SilenceError that says the URL is not Alertmanager', async () => {
  const s = await startServer((_req, res) => res.end('<html><body>Please sign in</body></html>'));
  try {
    const client = new AlertmanagerSilences({ url: `http://admin:hunter2@${new URL(s.url).host}` });
    await assert.rejects(client.create(newSilence()), silenceError((e) => {
      assert.equal(e.status, 200);
      assert.match(e.message, /^Alertmanager http:\/\/127\.0\.0\.1:\d+\/: POST \/api\/v2\/silences answered 200 with a body that is not JSON: <html><body>Please sign in<\/body><\/html>; check spec\.silences\.alertmanager in the plan: /);
      assert.doesNotMatch(e.message, /hunter2/);
      assert.ok(e.cause instanceof SyntaxError);
    }));
  } finally {
    await s.close();
  }
});

test("JSON that is not Alertmanager's (a Prometheus answer) is a SilenceError too", async () => {
  const s = await startServer((_req, res) => res.end('{"status":"success","data":[]}'));
  try {
    await assert.rejects(new AlertmanagerSilences({ url: s.url }).list(), silenceError((e) => {
      assert.match(e.message, /GET \/api\/v2\/silences answered 200 with a body that is not what Alertmanager's API v2 answers/);
    }));
  } finally {
    await s.close();
  }
});

test('a 404 for the API itself says to give the base URL without /api/v2', async () => {
  const s = await startServer((_req, res) => {
    res.statusCode = 404;
    res.end('404 page not found');
  });
  try {
    await assert.rejects(new AlertmanagerSilences({ url: `${s.url}/api/v2` }).create(newSilence()), silenceError((e) => {
      assert.equal(e.status, 404);
      assert.equal(e.call, 'POST /api/v2/silences');
      assert.match(e.message, /answered 404: 404 page not found; there is no Alertmanager API v2 at this URL; check spec\.silences\.alertmanager in the plan: it should be the base URL/);
    }));
    assert.equal(s.requests[0]?.url, '/api/v2/api/v2/silences');
  } finally {
    await s.close();
  }
});

test('a server slower than the timeout is a SilenceError saying so', async () => {
  const s = await startServer(() => undefined);
  try {
    await assert.rejects(new AlertmanagerSilences({ url: s.url, timeoutMs: 100 }).list(), silenceError((e) => {
      assert.match(e.message, /GET \/api\/v2\/silences failed: no answer within 100 ms; check spec\.silences\.alertmanager in the plan/);
    }));
  } finally {
    await s.close();
  }
});

test("the caller's abort passes through as an AbortError, not a SilenceError", async () => {
  const s = await startServer(() => undefined);
  try {
    const ac = new AbortController();
    const pending = new AlertmanagerSilences({ url: s.url }).list({}, { signal: ac.signal });
    setTimeout(() => ac.abort(), 20);
    await assert.rejects(pending, (e: unknown) => isAbortError(e) && !(e instanceof SilenceError));
  } finally {
    await s.close();
  }
});

test('a URL that is not one fails at construction with the fix', () => {
  assert.throws(() => new AlertmanagerSilences({ url: 'alertmanager:9093' }), silenceError((e) => {
    assert.match(e.message, /is not an http or https URL; .*check spec\.silences\.alertmanager in the plan$/);
  }));
  assert.throws(() => new AlertmanagerSilences({ url: 'not a url' }), /"not a url" is not a URL; write an absolute URL such as http:\/\/127\.0\.0\.1:9093/);
});
