// The runtime API client against a stand-in stats socket: the cap on open connections, the bound on a
// command that never ends, the abort, and HAProxy's refusals of writes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HaproxyRuntime } from '../../../src/traffic/haproxy-runtime.ts';
import { TrafficError } from '../../../src/traffic/types.ts';

/** A unix socket that answers each command line through `answer`, then closes as HAProxy does (unless told not to). */
async function standIn(answer: (line: string, socket: Socket) => void): Promise<{ address: string; lines: string[]; open: { now: number; max: number }; close(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'daylight-cli-'));
  const path = join(dir, 'admin.sock');
  const lines: string[] = [];
  const open = { now: 0, max: 0 };
  const server: Server = createServer((socket) => {
    open.now++;
    open.max = Math.max(open.max, open.now);
    // HAProxy's side of a connection ends when it has sent its reply and closed (here: 'finish')
    let counted = true;
    const gone = (): void => {
      if (counted) open.now--;
      counted = false;
    };
    socket.on('finish', gone);
    socket.on('close', gone);
    let buffered = '';
    socket.on('data', (d: Buffer) => {
      buffered += d.toString();
      if (!buffered.endsWith('\n')) return;
      lines.push(buffered.trimEnd());
      answer(buffered.trimEnd(), socket);
    });
  });
  await new Promise<void>((resolve) => server.listen(path, () => resolve()));
  return {
    address: `unix://${path}`, lines, open,
    close: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(dir, { recursive: true, force: true });
    },
  };
}

test('no more connections are open at once than the cap, and every command gets its own reply', async () => {
  // Given a socket that takes 20 ms per answer
  const s = await standIn((line, socket) => setTimeout(() => socket.end(`${line} done\n\n`), 20));
  try {
    const rt = new HaproxyRuntime({ address: s.address, maxConnections: 3 });
    // When 20 commands are sent at once
    const replies = await Promise.all(Array.from({ length: 20 }, (_, i) => rt.send(`show info ${i}`)));
    // Then at most 3 connections were open at any time, and each reply matches its command
    assert.equal(s.open.max, 3);
    replies.forEach((r, i) => assert.equal(r, `show info ${i} done\n\n`));
  } finally {
    await s.close();
  }
});

test('a command HAProxy never finishes answering fails after the timeout, saying so', async () => {
  const s = await standIn((_line, socket) => socket.write('partial'));
  try {
    const rt = new HaproxyRuntime({ address: s.address, timeoutMs: 200 });
    const started = performance.now();
    await assert.rejects(rt.send('show stat'), (e: unknown) =>
      e instanceof TrafficError && /did not finish its reply to `show stat` within 200 ms/.test(e.message));
    const took = performance.now() - started;
    assert.ok(took >= 190 && took < 1_000, `took ${took.toFixed(0)} ms`);
  } finally {
    await s.close();
  }
});

test('an aborted command rejects with an AbortError and closes its connection', async () => {
  const s = await standIn(() => undefined);
  try {
    const rt = new HaproxyRuntime({ address: s.address, timeoutMs: 5_000 });
    const ac = new AbortController();
    const sent = rt.send('show stat', ac.signal);
    setTimeout(() => ac.abort(), 50);
    await assert.rejects(sent, (e: unknown) => e instanceof Error && e.name === 'AbortError');
    await assert.rejects(rt.send('show stat', ac.signal), (e: unknown) => e instanceof Error && e.name === 'AbortError');
  } finally {
    await s.close();
  }
});

test('writes go on one line joined by ";" and any text in the reply is a refusal with a hint where the fix is known', async () => {
  const replies: Record<string, string> = {
    'set weight be/a 10%; set server be/a state ready': '\n\n',
    'set weight be/b 10%': "Backend is using a static LB algorithm and only accepts weights '0%' and '100%'.\n\n",
    'set server be/c state drain': 'Permission denied\n\n',
  };
  const s = await standIn((line, socket) => socket.end(replies[line] ?? 'Unknown command.\n\n'));
  try {
    const rt = new HaproxyRuntime({ address: s.address });
    await rt.write(['set weight be/a 10%', 'set server be/a state ready']);
    assert.deepEqual(s.lines, ['set weight be/a 10%; set server be/a state ready']);
    await assert.rejects(rt.write(['set weight be/b 10%']), /refused `set weight be\/b 10%`: Backend is using a static LB algorithm.*`balance roundrobin`/);
    await assert.rejects(rt.write(['set server be/c state drain']), /Permission denied; the socket needs `stats socket .*admin\.sock level admin` in haproxy.cfg/);
    await assert.rejects(rt.send('show stat\nset weight be/a 0'), /one line/);
  } finally {
    await s.close();
  }
});
