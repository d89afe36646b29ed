// Runs' journals as server-sent events: every entry already written, then each whole line the run
// appends, read from disk in small chunks from each stream's own offset, so an open stream costs a few
// kilobytes whatever the journal's size. Streams are capped per client and in total (429 beyond), a slow
// reader is not written to until it drains (and is let go when it has not for stallMs), and one poll per journal file (on the injected clock) wakes
// the streams that follow it; heartbeat comments keep proxies and browsers from closing idle streams.
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Clock } from '../lib/clock.ts';

export interface StreamLimits {
  /** Streams one client (remote address) may hold open at once. */
  readonly perClient: number;
  /** Streams the server holds open at once. */
  readonly total: number;
}

/** A dashboard tab holds one stream: 16 covers a person with many tabs; 256 a team's screens. */
export const DEFAULT_STREAM_LIMITS: StreamLimits = { perClient: 16, total: 256 };

/** Seconds a refused client is asked to wait: long enough for a tab to close, short for a person. */
const RETRY_AFTER_S = 10;

/** Bytes read per step: small, so that many streams that start at once stay small. */
const CHUNK = 16 * 1024;

export interface StreamOptions {
  readonly limits: StreamLimits;
  readonly pollMs: number;
  readonly heartbeatMs: number;
  /** A stream whose reader has not taken what was written for this long is closed, freeing its place. */
  readonly stallMs: number;
  readonly clock: Clock;
}

/** Five minutes: far beyond a slow network, short enough that a dead client does not keep its place. */
export const DEFAULT_STALL_MS = 5 * 60_000;

/** What every stream of a server shares: the buffer reads go through, one at a time, and the time. */
interface Shared {
  readonly scratch: Buffer;
  readonly now: () => number;
}

export interface StreamRequest {
  /** The run's journal file. */
  readonly path: string;
  /** Entries with a sequence number up to this one were seen already (the Last-Event-ID header). */
  readonly after: number;
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

/** One client's view of one journal: where it has read to, and whether its socket is full. */
class Tail {
  private offset = 0;
  /** The start of a line the run is still writing, kept until its newline comes. */
  private pending: Buffer = Buffer.alloc(0);
  /** Since when the socket has been full, if it is. */
  private blockedAt: number | undefined;
  private closed = false;
  readonly res: ServerResponse;
  private readonly req: StreamRequest;
  private readonly shared: Shared;

  constructor(res: ServerResponse, req: StreamRequest, shared: Shared) {
    this.res = res;
    this.req = req;
    this.shared = shared;
  }

  private get blocked(): boolean {
    return this.blockedAt !== undefined;
  }

  /** Sends what the file holds beyond this stream's offset until the end or until the socket is full. */
  pump(): void {
    if (this.blocked || this.closed) return;
    for (;;) {
      const { scratch } = this.shared;
      const n = readAt(this.req.path, this.offset, scratch);
      if (n === 0) return;
      this.offset += n;
      if (!this.send(scratch.subarray(0, n))) return;
    }
  }

  /** Writes the whole lines of `chunk` (after what was pending); false when the socket asks to wait. */
  private send(chunk: Buffer): boolean {
    const end = chunk.lastIndexOf(0x0a);
    if (end < 0) {
      this.pending = Buffer.concat([this.pending, chunk]);
      return true;
    }
    const text = Buffer.concat([this.pending, chunk.subarray(0, end)]).toString('utf8');
    // copied: the scratch buffer is reused by the next read of any stream
    this.pending = Buffer.from(chunk.subarray(end + 1));
    const out = text.split('\n').filter((l) => l.length > 0).map((l) => toMessage(l, this.req.after)).filter((m) => m !== undefined).join('');
    return out.length === 0 || this.write(out);
  }

  /** Writes `text`; when the socket is full, stops until it drains, then reads on. */
  private write(text: string): boolean {
    if (this.res.write(text)) return true;
    this.blockedAt = this.shared.now();
    this.res.once('drain', () => {
      this.blockedAt = undefined;
      this.pump();
    });
    return false;
  }

  /** A comment to a stream that is not waiting for its reader; one that has waited `stallMs` is let go. */
  heartbeat(stallMs: number): void {
    if (this.closed) return;
    if (this.blockedAt === undefined) this.write(': heartbeat\n\n');
    else if (this.shared.now() - this.blockedAt >= stallMs) this.res.destroy();
  }

  close(): void {
    this.closed = true;
  }
}

/** Reads into `into` from `offset`; 0 at the end of the file or when it cannot be read for a moment. */
function readAt(path: string, offset: number, into: Buffer): number {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return 0;
  }
  try {
    return readSync(fd, into, 0, into.length, offset);
  } catch {
    return 0;
  } finally {
    closeSync(fd);
  }
}

function sizeOf(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return -1;
  }
}

/** The streams that follow one journal file, and one poll loop for them all. */
interface Follower {
  readonly tails: Set<Tail>;
}

/** The open event streams of one server: admission, one poll per followed file, heartbeats. */
export class EventStreams {
  private readonly o: StreamOptions;
  private readonly byClient = new Map<string, number>();
  private readonly byFile = new Map<string, Follower>();
  private readonly stop = new AbortController();
  private readonly shared: Shared;
  private count = 0;
  private beating = false;

  constructor(o: StreamOptions) {
    this.o = o;
    this.shared = { scratch: Buffer.alloc(CHUNK), now: () => o.clock.now() };
  }

  /** Streams open now. */
  get open(): number {
    return this.count;
  }

  /** Bytes the streams have written that their sockets have not taken yet: what slow readers cost. */
  get buffered(): number {
    let n = 0;
    for (const f of this.byFile.values()) for (const t of f.tails) n += t.res.writableLength;
    return n;
  }

  /** Streams the journal to `res` until the client goes away, or answers 429 when a cap is reached. */
  serve(req: IncomingMessage, res: ServerResponse, r: StreamRequest): void {
    const client = req.socket.remoteAddress ?? 'unknown';
    const refusal = this.refusal(client);
    if (refusal) {
      const body = JSON.stringify({ error: refusal, retryAfterSeconds: RETRY_AFTER_S, limits: this.o.limits });
      res.writeHead(429, { 'content-type': 'application/json; charset=utf-8', 'content-length': String(Buffer.byteLength(body)), 'retry-after': String(RETRY_AFTER_S), 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
      res.end(body);
      return;
    }
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', connection: 'keep-alive', 'x-content-type-options': 'nosniff' });
    res.write('retry: 1000\n\n');
    const tail = new Tail(res, r, this.shared);
    this.add(client, r.path, tail);
    let gone = false;
    const leave = () => {
      if (gone) return;
      gone = true;
      tail.close();
      this.remove(client, r.path, tail);
    };
    res.on('close', leave);
    res.on('error', leave);
    tail.pump();
  }

  /** Ends every stream and every poll (the server is closing). */
  close(): void {
    this.stop.abort();
    for (const f of this.byFile.values()) for (const t of f.tails) t.res.destroy();
  }

  private refusal(client: string): string | undefined {
    const { perClient, total } = this.o.limits;
    if ((this.byClient.get(client) ?? 0) >= perClient) {
      return `${client} holds ${perClient} event streams, the most one client may hold; close one (a dashboard tab) or retry after ${RETRY_AFTER_S} s`;
    }
    if (this.count >= total) {
      return `this server holds ${total} event streams, the most it serves at once (daylight serve --max-streams); retry after ${RETRY_AFTER_S} s`;
    }
    return undefined;
  }

  private add(client: string, path: string, tail: Tail): void {
    this.count++;
    this.byClient.set(client, (this.byClient.get(client) ?? 0) + 1);
    const follower = this.byFile.get(path);
    if (follower) follower.tails.add(tail);
    else {
      const f: Follower = { tails: new Set([tail]) };
      this.byFile.set(path, f);
      void this.follow(path, f);
    }
    if (!this.beating) void this.beat();
  }

  private remove(client: string, path: string, tail: Tail): void {
    this.count--;
    const n = (this.byClient.get(client) ?? 1) - 1;
    if (n > 0) this.byClient.set(client, n);
    else this.byClient.delete(client);
    const f = this.byFile.get(path);
    f?.tails.delete(tail);
    if (f?.tails.size === 0) this.byFile.delete(path);
  }

  /** One poll loop per file while a stream follows it: when the file grew, its streams read on. */
  private async follow(path: string, f: Follower): Promise<void> {
    let size = sizeOf(path);
    // ends when its last stream left (a later stream of the same file starts a new loop)
    while ((await this.sleep(this.o.pollMs)) && this.byFile.get(path) === f) {
      const now = sizeOf(path);
      if (now === size) continue;
      size = now;
      for (const t of f.tails) t.pump();
    }
  }

  private async beat(): Promise<void> {
    this.beating = true;
    try {
      while (this.count > 0 && (await this.sleep(this.o.heartbeatMs))) {
        for (const f of this.byFile.values()) for (const t of f.tails) t.heartbeat(this.o.stallMs);
      }
    } finally {
      this.beating = false;
    }
  }

  /** False when the server is closing. */
  private async sleep(ms: number): Promise<boolean> {
    try {
      await this.o.clock.sleep(ms, this.stop.signal);
      return true;
    } catch {
      return false;
    }
  }
}
