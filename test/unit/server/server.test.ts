// The dashboard server without a browser: who may call what (loopback default, 401 rules, Host and
// Origin checks), that the token never comes back in a body or a log line, and that the event stream
// delivers what the run appends.
import assert from 'node:assert/strict';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import type { IncomingHttpHeaders } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { FileJournal } from '../../../src/journal/file-journal.ts';
import { claimOwner, createRunDir } from '../../../src/engine/run-dir.ts';
import type { RunPaths } from '../../../src/engine/run-dir.ts';
import { abortError } from '../../../src/lib/clock.ts';
import type { Clock } from '../../../src/lib/clock.ts';
import { newToken } from '../../../src/server/auth.ts';
import { startServer } from '../../../src/server/server.ts';
import type { RequestLog, RunningServer } from '../../../src/server/server.ts';

interface Answer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

function call(url: string, o: { method?: string; headers?: Record<string, string> } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: o.method ?? 'GET', headers: o.headers ?? {}, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/** Opens the event stream and collects its `data:` lines until closed. */
function openStream(url: string, headers: Record<string, string> = {}): Promise<{ data: unknown[]; raw: () => string; close: () => void }> {
  return new Promise((resolve, reject) => {
    const data: unknown[] = [];
    const chunks: string[] = [];
    const req = request(url, { headers, agent: false }, (res) => {
      assert.equal(res.statusCode, 200);
      assert.match(String(res.headers['content-type']), /^text\/event-stream/);
      let buf = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        chunks.push(c);
        buf += c;
        for (let i = buf.indexOf('\n\n'); i >= 0; i = buf.indexOf('\n\n')) {
          const message = buf.slice(0, i);
          buf = buf.slice(i + 2);
          for (const line of message.split('\n')) if (line.startsWith('data: ')) data.push(JSON.parse(line.slice(6)));
        }
      });
      resolve({ data, raw: () => chunks.join(''), close: () => req.destroy() });
    });
    req.on('error', (e) => (e.message === 'socket hang up' ? undefined : reject(e)));
    req.end();
  });
}

async function until(what: string, check: () => boolean | Promise<boolean>, ms = 5_000): Promise<void> {
  const end = Date.now() + ms;
  for (let d = 10; !(await check()); d = Math.min(d * 2, 100)) {
    if (Date.now() > end) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, d));
  }
}

/** A state dir with one run this process owns (so control calls reach a "live" run) and one finished run. */
function givenStateDir(): { dir: string; live: RunPaths; live_journal: FileJournal<unknown>; over: RunPaths } {
  const dir = mkdtempSync(join(tmpdir(), 'daylight-serve-'));
  const live = createRunDir(dir, 'demo-20250101-000000-aaaa');
  claimOwner(live);
  // the file journal seals, writes and syncs in one synchronous stretch: the file holds each entry once append returns
  const j = FileJournal.open(live.journal, live.runId, () => 1_000);
  void j.append({ type: 'run.started', plan: { name: 'demo', path: '/plans/demo.yaml', sha256: 'x' }, clusters: ['eu-central'], holder: live.runId });
  void j.append({ type: 'phase.planned', cluster: 'eu-central', phase: 'os-patch', budget: 1, waves: [{ index: 0, nodes: ['eu-central-a-r1-n1'] }], excluded: [] });
  const over = createRunDir(dir, 'demo-20240101-000000-bbbb');
  const k = FileJournal.open(over.journal, over.runId, () => 1_000);
  void k.append({ type: 'run.started', plan: { name: 'demo', path: '/plans/demo.yaml', sha256: 'x' }, clusters: ['eu-central'], holder: over.runId });
  void k.append({ type: 'run.succeeded' });
  k.close();
  return { dir, live, live_journal: j, over };
}

describe('daylight serve on loopback (the default)', () => {
  const token = newToken();
  const logs: RequestLog[] = [];
  const bodies: string[] = [];
  let s: RunningServer;
  let st: ReturnType<typeof givenStateDir>;
  const get = async (path: string, headers: Record<string, string> = {}) => {
    const a = await call(`${s.url.replace(/\/$/, '')}${path}`, { headers });
    bodies.push(a.body);
    return a;
  };
  const post = async (path: string, headers: Record<string, string> = {}) => {
    const a = await call(`${s.url.replace(/\/$/, '')}${path}`, { method: 'POST', headers });
    bodies.push(a.body);
    return a;
  };

  before(async () => {
    st = givenStateDir();
    s = await startServer({ stateDir: st.dir, port: 0, token, log: (r) => logs.push(r), pollMs: 50 });
  });
  after(async () => {
    await s.close();
    st.live_journal.close();
    rmSync(st.dir, { recursive: true, force: true });
  });

  it('given no --host, when it starts, then it listens on 127.0.0.1 only', () => {
    assert.equal(s.host, '127.0.0.1');
    assert.match(s.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
  });

  it('when a browser reads the runs without a token, then it gets them with their summary', async () => {
    const a = await get('/api/runs');
    assert.equal(a.status, 200);
    const runs = (JSON.parse(a.body) as { runs: { runId: string; status: string; live: boolean }[] }).runs;
    assert.deepEqual(runs.map((r) => [r.runId, r.status, r.live]), [['demo-20240101-000000-bbbb', 'succeeded', false], ['demo-20250101-000000-aaaa', 'running', true]]);
    const detail = JSON.parse((await get(`/api/runs/${st.live.runId}`)).body) as { state: { phases: { waves: unknown[] }[] }; plan: { phase: string; waves: unknown[] }[]; preflight: { skipped: boolean; findings: unknown[] } };
    assert.equal(detail.state.phases[0]?.waves.length, 1);
    // the plan's result (its waves) and the preflight result come with the run
    assert.deepEqual(detail.plan.map((p) => [p.phase, p.waves.length]), [[detail.plan[0]?.phase, 1]]);
    assert.deepEqual(detail.preflight, { skipped: true, findings: [] });
    const page = await get('/');
    assert.equal(page.status, 200);
    assert.match(page.body, /id="fleet"/);
    assert.match(String(page.headers['content-security-policy']), /script-src 'self'/);
  });

  it('when pause is posted without the token or with a wrong one, then 401 and nothing reaches the control file', async () => {
    for (const headers of [{} as Record<string, string>, { authorization: 'Bearer wrong-token' }, { authorization: `Basic ${Buffer.from(`x:${token}`).toString('base64')}` }]) {
      const a = await post(`/api/runs/${st.live.runId}/pause`, headers);
      assert.equal(a.status, 401, JSON.stringify(headers));
      assert.match(a.body, /Authorization: Bearer/);
    }
    assert.equal(existsSync(st.live.control), false, 'no control file was written');
  });

  it('when pause is posted with the token, then the command is appended for the process that runs it', async () => {
    const a = await post(`/api/runs/${st.live.runId}/pause`, { authorization: `Bearer ${token}` });
    assert.equal(a.status, 202, a.body);
    const lines = readFileSync(st.live.control, 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { command: string }).command);
    assert.deepEqual(lines, ['pause']);
  });

  it('when a run is over, then pause is refused with 409 and nothing is appended', async () => {
    const a = await post(`/api/runs/${st.over.runId}/abort`, { authorization: `Bearer ${token}` });
    assert.equal(a.status, 409);
    assert.equal(existsSync(st.over.control), false);
  });

  it('when another site posts with the token (a cross-origin request), then 403', async () => {
    const a = await post(`/api/runs/${st.live.runId}/resume`, { authorization: `Bearer ${token}`, origin: 'http://evil.example' });
    assert.equal(a.status, 403);
    assert.equal(readFileSync(st.live.control, 'utf8').trim().split('\n').length, 1);
  });

  it('when a request names a host other than loopback (DNS rebinding), then 421', async () => {
    assert.equal((await get('/api/runs', { host: 'evil.example' })).status, 421);
  });

  it('when a run id tries to leave the state dir or is not valid percent-encoding, then 400 naming it; an unknown run, 404', async () => {
    for (const path of ['/api/runs/..%2F..%2Fetc', '/api/runs/..%2F..%2Fetc/events', '/api/runs/a.b', '/api/runs/a%00b/report', '/api/runs/..%5C..%5Cetc']) {
      const a = await get(path);
      assert.equal(a.status, 400, path);
      assert.match((JSON.parse(a.body) as { error: string }).error, /is not a run id: run ids are lower-case letters, digits and "-"/, path);
    }
    for (const path of ['/api/runs/%ZZ', '/api/runs/%E0%A4%A/events']) {
      const a = await get(path);
      assert.equal(a.status, 400, path);
      assert.match((JSON.parse(a.body) as { error: string }).error, /not valid percent-encoding; GET \/api\/runs lists the runs/, path);
    }
    assert.equal((await get('/api/runs/nope')).status, 404);
  });

  it('when the report is asked for, then it has every section, as JSON and as HTML', async () => {
    const json = JSON.parse((await get(`/api/runs/${st.over.runId}/report`)).body) as Record<string, unknown>;
    for (const k of ['summary', 'timeline', 'actions', 'gates', 'traffic', 'preflight', 'integrity', 'compliance']) assert.ok(k in json, k);
    const html = await get(`/api/runs/${st.over.runId}/report?format=html`);
    assert.match(String(html.headers['content-type']), /text\/html/);
    assert.match(html.body, /id="integrity"/);
  });

  it('when a run appends to its journal, then the event stream delivers the old entries, then the new ones, whole lines only', async () => {
    const stream = await openStream(`${s.url}api/runs/${st.live.runId}/events`);
    try {
      await until('the two existing entries arrived', () => stream.data.length === 2);
      await st.live_journal.append({ type: 'wave.started', cluster: 'eu-central', phase: 'os-patch', wave: 0, nodes: ['eu-central-a-r1-n1'] });
      await until('the appended entry arrived', () => stream.data.length === 3);
      const e = stream.data[2] as { seq: number; event: { type: string } };
      assert.deepEqual([e.seq, e.event.type], [3, 'wave.started']);
      assert.match(stream.raw(), /^id: 3$/m);
      bodies.push(stream.raw());
      await st.live_journal.append({ type: 'run.paused', reason: 'test' });
      await until('entry 4 arrived', () => stream.data.length === 4);
    } finally {
      stream.close();
    }
    const resumed = await openStream(`${s.url}api/runs/${st.live.runId}/events`, { 'last-event-id': '3' });
    try {
      await until('only what follows entry 3 arrived', () => resumed.data.length === 1);
      assert.equal((resumed.data[0] as { seq: number }).seq, 4);
    } finally {
      resumed.close();
    }
  });

  it('then no response body and no log line carried the token', () => {
    assert.ok(bodies.length > 10 && logs.length > 10);
    for (const b of bodies) assert.ok(!b.includes(token), 'a body carried the token');
    for (const l of logs) assert.ok(!JSON.stringify(l).includes(token), 'a log line carried the token');
    assert.ok(logs.some((l) => l.status === 401 && l.path.endsWith('/pause')));
  });
});

/** A clock that moves only when told: each due sleep resolves in turn, and what it wakes runs before the next. */
function manualClock(): { clock: Clock; advance(ms: number): Promise<void> } {
  let now = 0;
  const sleeps: { at: number; order: number; resolve: () => void }[] = [];
  let order = 0;
  const clock: Clock = {
    speed: 1,
    now: () => now,
    sleep: (ms, signal) => new Promise<void>((resolve, reject) => {
      const s = { at: now + ms, order: order++, resolve };
      sleeps.push(s);
      signal?.addEventListener('abort', () => {
        sleeps.splice(sleeps.indexOf(s), 1);
        reject(abortError());
      }, { once: true });
    }),
  };
  const advance = async (ms: number) => {
    const target = now + ms;
    for (let i = 0; i < 10_000; i++) {
      sleeps.sort((a, b) => a.at - b.at || a.order - b.order);
      const next = sleeps[0];
      if (!next || next.at > target) break;
      sleeps.shift();
      now = next.at;
      next.resolve();
      await new Promise((r) => setImmediate(r));
    }
    now = target;
  };
  return { clock, advance };
}

describe('daylight serve\'s event stream on an injected clock', () => {
  const t = manualClock();
  let s: RunningServer;
  let st: ReturnType<typeof givenStateDir>;

  before(async () => {
    st = givenStateDir();
    s = await startServer({ stateDir: st.dir, port: 0, token: newToken(), clock: t.clock, pollMs: 100, heartbeatMs: 1_000 });
  });
  after(async () => {
    await s.close();
    st.live_journal.close();
    rmSync(st.dir, { recursive: true, force: true });
  });

  it('when a line is written in two pieces (as a slow writer may), then polls pass over the first piece and the line arrives once, whole', async () => {
    const stream = await openStream(`${s.url}api/runs/${st.live.runId}/events`);
    try {
      await until('the two existing entries arrived', () => stream.data.length === 2);
      const line = JSON.stringify({ seq: 3, at: 2, wall: '', runId: st.live.runId, event: { type: 'run.paused', reason: 'test' }, prev: '', hash: '' });
      appendFileSync(st.live.journal, line.slice(0, 20));
      // Nine polls see the half line, then the heartbeat is written: it arrives after anything they sent.
      await t.advance(1_000);
      await until('the heartbeat arrived', () => stream.raw().includes(': heartbeat'));
      assert.equal(stream.data.length, 2, 'half a line is not sent');
      appendFileSync(st.live.journal, `${line.slice(20)}\n`);
      await t.advance(100);
      await until('the whole line arrived', () => stream.data.length === 3);
      assert.equal((stream.data[2] as { event: { type: string } }).event.type, 'run.paused');
      assert.match(stream.raw(), /^id: 3$/m);
    } finally {
      stream.close();
    }
  });
});

describe('daylight serve and a reader that stops reading', () => {
  const t = manualClock();
  let s: RunningServer;
  let st: ReturnType<typeof givenStateDir>;
  let big: RunPaths;
  const sockets: Socket[] = [];

  /** The status of a stream opened on a raw connection, left unread. */
  const status = (runId: string) => new Promise<number>((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port: s.port });
    sockets.push(socket);
    socket.once('data', (c: Buffer) => {
      socket.pause();
      resolve(Number(c.toString('latin1').split(' ')[1]));
    });
    socket.on('error', reject);
    socket.write(`GET /api/runs/${runId}/events HTTP/1.1\r\nHost: 127.0.0.1:${s.port}\r\n\r\n`);
  });

  before(async () => {
    st = givenStateDir();
    // a journal of 16 MB: more than the kernel's socket buffers take, so the server's writes back up
    big = createRunDir(st.dir, 'big-20250101-000000-cccc');
    const pad = 'x'.repeat(1_000);
    appendFileSync(big.journal, Array.from({ length: 16_000 }, (_, i) => `${JSON.stringify({ seq: i + 1, at: i, event: { type: 'run.paused', reason: pad } })}\n`).join(''));
    s = await startServer({ stateDir: st.dir, port: 0, token: newToken(), clock: t.clock, pollMs: 100, heartbeatMs: 1_000, stallMs: 60_000, streams: { perClient: 1 } });
  });
  after(async () => {
    for (const k of sockets) k.destroy();
    await s.close();
    st.live_journal.close();
    rmSync(st.dir, { recursive: true, force: true });
  });

  it('when a reader takes nothing, then the server stops writing at the socket\'s limit, keeps the place for stallMs, then closes the stream and frees the place', async () => {
    assert.equal(await status(big.runId), 200);
    // the server holds what the socket did not take: up to its 64 KB high-water mark and one 16 KB chunk of
    // messages beyond it, not the rest of the 16 MB journal
    await until('the server\'s writes backed up', () => s.streamBuffered() > 0);
    assert.ok(s.streamBuffered() <= 96 * 1024, `the stream holds ${s.streamBuffered()} bytes for its reader`);
    assert.equal(await status(big.runId), 429, 'the one place is taken');
    await t.advance(30_000);
    assert.equal(await status(big.runId), 429, 'after 30 s of the injected clock the place is still taken');
    await t.advance(31_000);
    await until('the stalled stream was let go and a new one is served', async () => (await status(st.live.runId)) === 200);
  });
});

describe('daylight serve\'s cap on event streams per client', () => {
  let s: RunningServer;
  let st: ReturnType<typeof givenStateDir>;
  const open: { destroy(): void }[] = [];

  /** Opens a stream from `localAddress`; resolves with its status and, for a refusal, its body. */
  const stream = (localAddress: string) => new Promise<{ status: number; retryAfter?: string; body: Promise<string> }>((resolve, reject) => {
    const req = request(`${s.url}api/runs/${st.live.runId}/events`, { agent: false, localAddress }, (res) => {
      open.push(req);
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      const body = new Promise<string>((r) => res.on('end', () => r(Buffer.concat(chunks).toString('utf8'))));
      resolve({ status: res.statusCode ?? 0, ...(res.headers['retry-after'] ? { retryAfter: res.headers['retry-after'] } : {}), body });
    });
    req.on('error', (e) => (e.message === 'socket hang up' ? undefined : reject(e)));
    req.end();
  });

  before(async () => {
    st = givenStateDir();
    s = await startServer({ stateDir: st.dir, port: 0, token: newToken() });
  });
  after(async () => {
    for (const r of open) r.destroy();
    await s.close();
    st.live_journal.close();
    rmSync(st.dir, { recursive: true, force: true });
  });

  it('when one client opens 20 streams, then 16 are served and 4 get 429 with Retry-After and the reason; another client is still served', async () => {
    const answers = [];
    for (let i = 0; i < 20; i++) answers.push(await stream('127.0.0.1'));
    assert.deepEqual(answers.map((a) => a.status), [...Array<number>(16).fill(200), ...Array<number>(4).fill(429)]);
    const refused = answers[16] as Awaited<ReturnType<typeof stream>>;
    assert.equal(refused.retryAfter, '10');
    assert.match((JSON.parse(await refused.body) as { error: string }).error, /^127\.0\.0\.1 holds 16 event streams, the most one client may hold; close one \(a dashboard tab\) or retry after 10 s$/);
    assert.equal((await stream('127.0.0.2')).status, 200, 'another address is another client');
  });
});

describe('daylight serve beyond loopback', () => {
  const token = newToken();
  let s: RunningServer;
  let st: ReturnType<typeof givenStateDir>;
  const base = () => `http://127.0.0.1:${s.port}`;

  before(async () => {
    st = givenStateDir();
    s = await startServer({ stateDir: st.dir, host: '0.0.0.0', port: 0, token });
  });
  after(async () => {
    await s.close();
    st.live_journal.close();
    rmSync(st.dir, { recursive: true, force: true });
  });

  it('when any call comes without the token, then 401, the page with a login prompt', async () => {
    for (const path of ['/api/runs', `/api/runs/${st.live.runId}`, `/api/runs/${st.live.runId}/events`, `/api/runs/${st.live.runId}/report`, '/dashboard.js']) {
      const a = await call(`${base()}${path}`);
      assert.equal(a.status, 401, path);
      assert.ok(!a.body.includes(token));
    }
    const page = await call(`${base()}/`);
    assert.equal(page.status, 401);
    assert.match(String(page.headers['www-authenticate']), /^Basic/);
  });

  it('when reads carry the token (bearer, or as the password the browser resends), then they are answered', async () => {
    assert.equal((await call(`${base()}/api/runs`, { headers: { authorization: `Bearer ${token}` } })).status, 200);
    assert.equal((await call(`${base()}/`, { headers: { authorization: `Basic ${Buffer.from(`me:${token}`).toString('base64')}` } })).status, 200);
  });

  it('when pause comes with Basic credentials only (what a foreign form would carry), then 401', async () => {
    const a = await call(`${base()}/api/runs/${st.live.runId}/pause`, { method: 'POST', headers: { authorization: `Basic ${Buffer.from(`me:${token}`).toString('base64')}` } });
    assert.equal(a.status, 401);
    assert.equal(existsSync(st.live.control), false);
  });
});
