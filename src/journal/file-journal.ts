// The journal port's local adapter: the run journal as append-only JSON lines in the run directory, each
// synced to disk before the step it records goes ahead, sealed by the chain every adapter shares
// (engine/ports/journal-chain.ts): the hash of the one before, and a signature over its own hash by a
// key kept outside the state directory, so a crash loses nothing and tampering shows even to whoever can
// rewrite the file. Also the read functions for those who read a run's file without writing it (the
// report, the server, the CLI's status views).
import { closeSync, existsSync, fsyncSync, ftruncateSync, openSync, readFileSync, writeSync } from 'node:fs';
import { chainBreak, checkSigned, headOf, JournalCorrupt, sealEntry, signerForNext } from '../engine/ports/journal-chain.ts';
import type { JournalHead, JournalPort, SealedEntry } from '../engine/ports/journal.ts';
import type { JournalKeyRef, JournalSigner } from '../engine/ports/journal-signing.ts';

export interface JournalOptions {
  /**
   * Signs every entry of a new journal, and of a journal begun signed. A journal begun before signing
   * stays unsigned (its first entry names no key), and `audit verify` says so.
   */
  readonly signer?: JournalSigner;
  /** Called after each entry is durable: the run anchors the chain's head from here. */
  readonly onAppend?: (entry: SealedEntry) => void;
}

export type ChainCheck = { readonly ok: true; readonly entries: number } | { readonly ok: false; readonly line: number; readonly reason: string };

/** Checks every line's hash and link; names the first bad line (1-based). */
export function verifyChain(text: string): ChainCheck {
  const lines = text.split('\n').filter((l) => l.length > 0);
  const parsed: SealedEntry[] = [];
  let unparseable: number | undefined;
  for (const [i, line] of lines.entries()) {
    try {
      parsed.push(JSON.parse(line) as SealedEntry);
    } catch {
      unparseable = i;
      break;
    }
  }
  const broken = chainBreak(parsed);
  if (broken) return { ok: false, line: broken.index + 1, reason: broken.reason };
  if (unparseable !== undefined) return { ok: false, line: unparseable + 1, reason: 'not valid JSON' };
  return { ok: true, entries: lines.length };
}

/** A run's journal file as it is on disk, for verifiers that name lines (`audit verify`, the report). */
export function readJournalText(path: string): string {
  return readFileSync(path, 'utf8');
}

/**
 * Whole lines only: a line still being written by a live run is left for the next read, and a line
 * edited by hand is skipped (the report's integrity section names it). Never repairs the file, as
 * `FileJournal.open` would: for readers of a run another process may own.
 */
export function parseJournalLines<E>(text: string): SealedEntry<E>[] {
  const end = text.lastIndexOf('\n');
  if (end < 0) return [];
  const out: SealedEntry<E>[] = [];
  for (const line of text.slice(0, end).split('\n')) {
    if (!line) continue;
    try {
      out.push(JSON.parse(line) as SealedEntry<E>);
    } catch {
      // left to the integrity check, which names the line
    }
  }
  return out;
}

/** parseJournalLines of the file at `path`. */
export function readJournalEntries<E>(path: string): SealedEntry<E>[] {
  return parseJournalLines<E>(readJournalText(path));
}

export class FileJournal<E> implements JournalPort<E> {
  readonly path: string;
  readonly runId: string;
  private readonly fd: number;
  private readonly list: SealedEntry<E>[];
  private readonly clock: () => number;
  private readonly options: JournalOptions;

  private constructor(o: { path: string; runId: string; fd: number; entries: SealedEntry<E>[]; clock: () => number; options: JournalOptions }) {
    this.path = o.path;
    this.runId = o.runId;
    this.fd = o.fd;
    this.list = o.entries;
    this.clock = o.clock;
    this.options = o.options;
  }

  /**
   * Opens (or creates) the journal at `path`. A last line cut short by a crash mid-write is dropped; a
   * broken chain anywhere else is refused, naming the line. With a signer, a signed journal must be
   * signed by that key, every entry of it: a resumed run never carries on from a forged journal.
   */
  static open<E>(path: string, runId: string, clock: () => number, options: JournalOptions = {}): FileJournal<E> {
    const entries = existsSync(path) ? readEntries<E>(path) : [];
    if (options.signer) checkSigned(path, entries, options.signer);
    const fd = openSync(path, 'a');
    return new FileJournal<E>({ path, runId, fd, entries, clock, options });
  }

  get entries(): readonly SealedEntry<E>[] {
    return this.list;
  }

  head(): JournalHead {
    return headOf(this.list);
  }

  /** The key this journal is signed with, from its first entry; undefined for an unsigned (or empty) journal. */
  get key(): JournalKeyRef | undefined {
    return this.list[0]?.key;
  }

  /**
   * Appends and syncs to disk; resolves once the entry is durable. Sealing, writing and syncing happen in
   * one synchronous stretch, so appends made together are kept in the order they were made.
   */
  async append(event: E): Promise<SealedEntry<E>> {
    const signer = signerForNext(this.path, this.list[0], this.options.signer);
    const entry = sealEntry(this.head(), { runId: this.runId, event, at: this.clock(), wall: new Date().toISOString() }, signer);
    writeSync(this.fd, `${JSON.stringify(entry)}\n`);
    fsyncSync(this.fd);
    this.list.push(entry);
    this.options.onAppend?.(entry);
    return entry;
  }

  close(): void {
    closeSync(this.fd);
  }
}

function readEntries<E>(path: string): SealedEntry<E>[] {
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
  return text.split('\n').filter((l) => l.length > 0).map((l) => JSON.parse(l) as SealedEntry<E>);
}
