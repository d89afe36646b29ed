// The run journal: append-only JSON lines, each synced to disk before the step it records goes ahead,
// each carrying the hash of the one before, so a crash loses nothing and tampering shows.
import { createHash } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, writeSync, ftruncateSync } from 'node:fs';
import type { JournalEntry, RunEvent } from './events.ts';

export const GENESIS = '0'.repeat(64);

export function entryHash(prev: string, e: Omit<JournalEntry, 'hash' | 'prev'>): string {
  return createHash('sha256').update(prev).update(JSON.stringify({ seq: e.seq, at: e.at, wall: e.wall, runId: e.runId, event: e.event })).digest('hex');
}

export type ChainCheck = { readonly ok: true; readonly entries: number } | { readonly ok: false; readonly line: number; readonly reason: string };

/** Checks every line's hash and link; names the first bad line (1-based). */
export function verifyChain(text: string): ChainCheck {
  const lines = text.split('\n').filter((l) => l.length > 0);
  let prev = GENESIS;
  for (let i = 0; i < lines.length; i++) {
    let e: JournalEntry;
    try {
      e = JSON.parse(lines[i] as string) as JournalEntry;
    } catch {
      return { ok: false, line: i + 1, reason: 'not valid JSON' };
    }
    if (e.seq !== i + 1) return { ok: false, line: i + 1, reason: `sequence number ${e.seq}, expected ${i + 1}` };
    if (e.prev !== prev) return { ok: false, line: i + 1, reason: 'does not link to the entry before it (prev hash differs)' };
    if (entryHash(prev, e) !== e.hash) return { ok: false, line: i + 1, reason: 'its content does not match its hash (edited)' };
    prev = e.hash;
  }
  return { ok: true, entries: lines.length };
}

export class Journal {
  readonly path: string;
  readonly runId: string;
  private readonly fd: number;
  private readonly list: JournalEntry[];
  private readonly clock: () => number;

  private constructor(o: { path: string; runId: string; fd: number; entries: JournalEntry[]; clock: () => number }) {
    this.path = o.path;
    this.runId = o.runId;
    this.fd = o.fd;
    this.list = o.entries;
    this.clock = o.clock;
  }

  /**
   * Opens (or creates) the journal at `path`. A last line cut short by a crash mid-write is dropped; a
   * broken chain anywhere else is refused, naming the line.
   */
  static open(path: string, runId: string, clock: () => number): Journal {
    const entries = existsSync(path) ? readEntries(path) : [];
    const fd = openSync(path, 'a');
    return new Journal({ path, runId, fd, entries, clock });
  }

  get entries(): readonly JournalEntry[] {
    return this.list;
  }

  /** Appends and syncs to disk; returns once the entry is durable. */
  append(event: RunEvent): JournalEntry {
    const prev = this.list.at(-1)?.hash ?? GENESIS;
    const base = { seq: this.list.length + 1, at: Math.round(this.clock()), wall: new Date().toISOString(), runId: this.runId, event };
    const entry: JournalEntry = { ...base, prev, hash: entryHash(prev, base) };
    writeSync(this.fd, `${JSON.stringify(entry)}\n`);
    fsyncSync(this.fd);
    this.list.push(entry);
    return entry;
  }

  close(): void {
    closeSync(this.fd);
  }
}

function readEntries(path: string): JournalEntry[] {
  let text = readFileSync(path, 'utf8');
  if (text.length > 0 && !text.endsWith('\n')) {
    const cut = text.lastIndexOf('\n') + 1;
    const fd = openSync(path, 'r+');
    ftruncateSync(fd, cut);
    fsyncSync(fd);
    closeSync(fd);
    text = text.slice(0, cut);
  }
  const check = verifyChain(text);
  if (!check.ok) throw new JournalCorrupt(path, check.line, check.reason);
  return text.split('\n').filter((l) => l.length > 0).map((l) => JSON.parse(l) as JournalEntry);
}

export class JournalCorrupt extends Error {
  readonly line: number;

  constructor(path: string, line: number, reason: string) {
    super(`${path}:${line}: the journal's hash chain breaks here: ${reason}`);
    this.name = 'JournalCorrupt';
    this.line = line;
  }
}
