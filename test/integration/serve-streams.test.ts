// `daylight serve` under many event streams, as a dashboard left open on many screens (or a client that
// opens streams and never reads) would load it: given a run with a 1 MB journal and a server in a child
// process, when 2,000 streams are opened on 127.0.0.1 and never read, then those beyond the cap get 429
// with Retry-After and a JSON reason, what the server holds (its heap and buffers after a collection) grows
// by less than 32 MB and its resident size by less than 256 MB (128 KB a connection), and a stream that
// does read still receives what the run appends; a stream that closes frees its place. The resident size
// is the looser bound: the allocator keeps what 2,000 connections used after they are gone, 37-108 MB on
// the machines this ran on. (The 1 MB journal fits in the kernel's socket buffers; that a slow reader's
// stream stops at its socket's limit is shown with a 16 MB journal in test/unit/server/server.test.ts.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FileJournal } from '../../src/journal/file-journal.ts';
import { createRunDir } from '../../src/engine/run-dir.ts';

const CHILD = fileURLToPath(new URL('../helpers/serve-child.ts', import.meta.url));
const STREAMS = 2_000;
const CAP = 256;
const BATCH = 100;
/** What 2,000 idle streams may add to what the server holds: its heap, external memory and buffers. */
const MAX_HELD_GROWTH = 32 * 1024 * 1024;
/** What they may add to its resident memory, freed memory the allocator keeps included. */
const MAX_RSS_GROWTH = 256 * 1024 * 1024;

interface Opened {
  readonly status: number;
  readonly head: string;
  readonly socket: Socket;
  /** For a refusal: the whole body; for a stream that reads: what arrived so far. */
  readonly body: () => string;
  readonly ended: Promise<void>;
}

/**
 * One GET over a fresh connection, without an HTTP agent (no keep-alive). A 200 stream is left unread
 * (`read: false`: the socket is paused, the server's writes back up) or read on (`read: true`).
 */
function open(port: number, path: string, read: boolean): Promise<Opened> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    let buf = Buffer.alloc(0);
    let text = '';
    let resolveEnded: () => void = () => undefined;
    const ended = new Promise<void>((r) => (resolveEnded = r));
    socket.on('end', () => resolveEnded());
    socket.on('close', () => resolveEnded());
    const onHead = (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      socket.off('data', onHead);
      const head = buf.subarray(0, end).toString('latin1');
      const status = Number(head.split(' ')[1]);
      text = buf.subarray(end + 4).toString('utf8');
      if (status === 200 && !read) socket.pause();
      else socket.on('data', (c: Buffer) => (text += c.toString('utf8')));
      resolve({ status, head, socket, body: () => text, ended });
    };
    socket.on('data', onHead);
    socket.on('error', reject);
    socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\n\r\n`);
  });
}

function ask<T>(child: ChildProcess, message: string, key: string): Promise<T> {
  return new Promise((resolve) => {
    const on = (m: unknown) => {
      if (m && typeof m === 'object' && key in m) {
        child.off('message', on);
        resolve((m as Record<string, T>)[key] as T);
      }
    };
    child.on('message', on);
    if (message) child.send(message);
  });
}

async function until(what: string, check: () => boolean | Promise<boolean>, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  for (let d = 10; !(await check()); d = Math.min(d * 2, 200)) {
    if (Date.now() > end) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, d));
  }
}

/** process.memoryUsage() of the server, with what its event streams hold for their sockets. */
type Memory = NodeJS.MemoryUsage & { readonly buffered: number };

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

test('2,000 idle event streams: beyond the cap 429, the server\'s memory bounded, a reading stream still live', { timeout: 120_000 }, async (t) => {
  // Given a run whose journal holds 2,000 entries (about 1 MB)
  const dir = mkdtempSync(join(tmpdir(), 'daylight-streams-'));
  const run = createRunDir(dir, 'weekly-20260901-090000-ab12');
  const journal = FileJournal.open(run.journal, run.runId, () => 1_000);
  for (let i = 0; i < 2_000; i++) await journal.append({ type: 'run.paused', reason: `entry ${i} ${'x'.repeat(400)}` });
  // and the server in a child process (per-client cap out of the way: every stream comes from 127.0.0.1)
  const child = fork(CHILD, [dir, String(CAP), String(STREAMS)], { execArgv: ['--expose-gc'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const sockets: Socket[] = [];
  try {
    const url = new URL(await ask<string>(child, '', 'url'));
    const port = Number(url.port);
    const path = `/api/runs/${run.runId}/events`;
    const warm = await open(port, path, true);
    await until('a first stream read the whole journal', () => warm.body().includes('entry 1999 '));
    warm.socket.destroy();
    const before = await ask<Memory>(child, 'memory', 'memory');

    // When 2,000 streams are opened, 100 at a time; the first reads, the others never do
    const reader = await open(port, path, true);
    sockets.push(reader.socket);
    const answers: Opened[] = [reader];
    for (let i = 1; i < STREAMS; i += BATCH) {
      const batch = await Promise.all(Array.from({ length: Math.min(BATCH, STREAMS - i) }, () => open(port, path, false)));
      for (const a of batch) sockets.push(a.socket);
      answers.push(...batch);
    }
    const after = await ask<Memory>(child, 'memory', 'memory');
    const growth = after.rss - before.rss;
    const held = (m: NodeJS.MemoryUsage) => m.heapUsed + m.external + m.arrayBuffers;
    const heldGrowth = held(after) - held(before);
    t.diagnostic(`server rss ${mb(before.rss)} -> ${mb(after.rss)} (+${mb(growth)}); heap ${mb(before.heapUsed)} -> ${mb(after.heapUsed)}; external ${mb(before.external)} -> ${mb(after.external)}; held for sockets ${mb(after.buffered)}`);

    // Then the first 256 are streams and the rest are refused with 429, Retry-After and a JSON reason
    const statuses = answers.map((a) => a.status);
    assert.equal(statuses.filter((s) => s === 200).length, CAP);
    assert.equal(statuses.filter((s) => s === 429).length, STREAMS - CAP);
    assert.deepEqual(statuses.slice(0, CAP), Array<number>(CAP).fill(200), 'the first ones were admitted');
    const refused = answers[CAP] as Opened;
    await refused.ended;
    assert.match(refused.head, /^retry-after: 10$/im);
    assert.match(refused.head, /^content-type: application\/json/im);
    const reason = JSON.parse(refused.body()) as { error: string; retryAfterSeconds: number; limits: { total: number } };
    assert.match(reason.error, /this server holds 256 event streams, the most it serves at once \(daylight serve --max-streams\); retry after 10 s/);
    assert.deepEqual([reason.retryAfterSeconds, reason.limits.total], [10, CAP]);
    // and the server's memory stays within the bound
    assert.ok(heldGrowth < MAX_HELD_GROWTH, `what the server holds grew by ${mb(heldGrowth)}, more than ${mb(MAX_HELD_GROWTH)}`);
    assert.ok(growth < MAX_RSS_GROWTH, `the server's rss grew by ${mb(growth)}, more than ${mb(MAX_RSS_GROWTH)}`);

    // And the stream that reads still receives what the run appends
    await until('the reader read the whole journal', () => reader.body().includes('entry 1999 '));
    await journal.append({ type: 'run.resumed', holder: run.runId });
    await until('the appended entry reached the reader', () => /^id: 2001$/m.test(reader.body()));

    // And when an idle stream closes, its place is given to the next client
    (answers[1] as Opened).socket.destroy();
    await until('a new stream is admitted', async () => {
      const next = await open(port, path, false);
      sockets.push(next.socket);
      return next.status === 200;
    });
  } finally {
    journal.close();
    for (const s of sockets) s.destroy();
    child.send('close');
    await new Promise((r) => child.once('exit', r));
    rmSync(dir, { recursive: true, force: true });
  }
});
