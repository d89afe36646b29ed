// A run's journal as server-sent events: every entry already written, then each whole line the run
// appends (the file's size is polled), with heartbeat comments so proxies and browsers keep the stream.
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import type { ServerResponse } from 'node:http';

export interface TailOptions {
  readonly path: string;
  /** Entries with a sequence number up to this one were seen already (the Last-Event-ID header). */
  readonly after?: number;
  readonly pollMs: number;
  readonly heartbeatMs: number;
}

/** Reads the bytes of `path` from `offset` to its current end (none when it did not grow). */
function readFrom(path: string, offset: number): Buffer {
  const size = statSync(path).size;
  if (size <= offset) return Buffer.alloc(0);
  const buf = Buffer.alloc(size - offset);
  const fd = openSync(path, 'r');
  try {
    const n = readSync(fd, buf, 0, buf.length, offset);
    return buf.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}

/** One SSE message per whole journal line; the entry's `seq` is its event id. */
function toMessage(line: string, after: number): string | undefined {
  let seq: unknown;
  try {
    seq = (JSON.parse(line) as { seq?: unknown }).seq;
  } catch {
    return undefined;
  }
  if (typeof seq === 'number' && seq <= after) return undefined;
  return `${typeof seq === 'number' ? `id: ${seq}\n` : ''}data: ${line}\n\n`;
}

/** Streams until the client goes away; the timers stop with the response. */
export function streamJournal(res: ServerResponse, o: TailOptions): void {
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', connection: 'keep-alive', 'x-content-type-options': 'nosniff' });
  res.write('retry: 1000\n\n');
  const tail = { offset: 0, pending: Buffer.alloc(0) };
  const pump = () => {
    const chunk = readFrom(o.path, tail.offset);
    if (chunk.length === 0) return;
    tail.offset += chunk.length;
    const data = Buffer.concat([tail.pending, chunk]);
    const end = data.lastIndexOf(0x0a);
    tail.pending = end < 0 ? data : data.subarray(end + 1);
    if (end < 0) return;
    const out = data.subarray(0, end).toString('utf8').split('\n').filter((l) => l.length > 0).map((l) => toMessage(l, o.after ?? 0)).filter((m) => m !== undefined);
    if (out.length > 0) res.write(out.join(''));
  };
  const safePump = () => {
    try {
      pump();
    } catch {
      // the file went away or is unreadable for a moment: the next poll tries again
    }
  };
  safePump();
  const poll = setInterval(safePump, o.pollMs);
  const beat = setInterval(() => res.write(': heartbeat\n\n'), o.heartbeatMs);
  const stop = () => {
    clearInterval(poll);
    clearInterval(beat);
  };
  res.on('close', stop);
  res.on('error', stop);
}
