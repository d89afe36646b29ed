// The run journal: append-only JSON lines, each synced to disk before the step it records goes ahead,
// each carrying the hash of the one before and a signature over its own hash by a key kept outside the
// state directory, so a crash loses nothing and tampering shows even to whoever can rewrite the file.
import { createHash, createPublicKey } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, writeSync, ftruncateSync } from 'node:fs';
import type { JournalEntry, RunEvent } from './events.ts';
import { signatureValid } from './journal-signing.ts';
import type { JournalKeyRef, JournalSigner } from './journal-signing.ts';

export const GENESIS = '0'.repeat(64);

/**
 * An entry as written: the first entry of a signed journal names its key, and every entry of it carries
 * an Ed25519 signature over its hash. Journals written before signing have neither.
 */
export interface SealedEntry extends JournalEntry {
  /** On seq 1 of a signed journal: the key that signs it (covered by the hash). */
  readonly key?: JournalKeyRef;
  /** Signature over `hash` (base64); not covered by the hash, which it signs. */
  readonly sig?: string;
}

type HashedContent = Omit<SealedEntry, 'hash' | 'prev' | 'sig'>;

/** The hashed content as JSON: seq first, then the rest; the key the first entry names is content too. */
function contentJson(e: HashedContent): string {
  const key = e.key ? { key: { id: e.key.id, spki: e.key.spki } } : {};
  return JSON.stringify({ seq: e.seq, at: e.at, wall: e.wall, runId: e.runId, event: e.event, ...key });
}

/** sha256 over prev and the entry's content. */
export function entryHash(prev: string, e: HashedContent): string {
  return createHash('sha256').update(prev).update(contentJson(e)).digest('hex');
}

/** entryHash of the same entry under another seq, without serialising it again: to find the seq a renumbered entry had. */
export function entryHashAtSeq(prev: string, e: HashedContent): (seq: number) => string {
  const lead = '{"seq":0';
  const tail = contentJson({ ...e, seq: 0 }).slice(lead.length);
  return (seq) => createHash('sha256').update(prev).update(`{"seq":${seq}`).update(tail).digest('hex');
}

/** The public key an entry names, or undefined when it names none or a malformed one. */
export function publicKeyOf(ref: JournalKeyRef | undefined): KeyObject | undefined {
  if (!ref || typeof ref.spki !== 'string') return undefined;
  try {
    return createPublicKey({ key: Buffer.from(ref.spki, 'base64'), format: 'der', type: 'spki' });
  } catch {
    return undefined;
  }
}

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
  let prev = GENESIS;
  for (let i = 0; i < lines.length; i++) {
    let e: SealedEntry;
    try {
      e = JSON.parse(lines[i] as string) as SealedEntry;
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
  private readonly list: SealedEntry[];
  private readonly clock: () => number;
  private readonly options: JournalOptions;

  private constructor(o: { path: string; runId: string; fd: number; entries: SealedEntry[]; clock: () => number; options: JournalOptions }) {
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
  static open(path: string, runId: string, clock: () => number, options: JournalOptions = {}): Journal {
    const entries = existsSync(path) ? readEntries(path) : [];
    if (options.signer) checkSigned(path, entries, options.signer);
    const fd = openSync(path, 'a');
    return new Journal({ path, runId, fd, entries, clock, options });
  }

  get entries(): readonly SealedEntry[] {
    return this.list;
  }

  /** The key this journal is signed with, from its first entry; undefined for an unsigned (or empty) journal. */
  get key(): JournalKeyRef | undefined {
    return this.list[0]?.key;
  }

  /** Appends and syncs to disk; returns once the entry is durable. */
  append(event: RunEvent): SealedEntry {
    const signer = this.signerForNext();
    const prev = this.list.at(-1)?.hash ?? GENESIS;
    const seq = this.list.length + 1;
    const base = { seq, at: Math.round(this.clock()), wall: new Date().toISOString(), runId: this.runId, event, ...(seq === 1 && signer ? { key: signer.key } : {}) };
    const hash = entryHash(prev, base);
    const entry: SealedEntry = { ...base, prev, hash, ...(signer ? { sig: signer.sign(hash) } : {}) };
    writeSync(this.fd, `${JSON.stringify(entry)}\n`);
    fsyncSync(this.fd);
    this.list.push(entry);
    this.options.onAppend?.(entry);
    return entry;
  }

  /** The signer for the next entry: none for an unsigned journal; a signed one refuses to go on without it. */
  private signerForNext(): JournalSigner | undefined {
    const first = this.list[0];
    if (!first) return this.options.signer;
    if (!first.key) return undefined;
    if (!this.options.signer) throw new Error(`${this.path}: this journal is signed by key ${first.key.id}, and no key was given to sign the next entry; open it with the journal key (see daylight audit key)`);
    return this.options.signer;
  }

  close(): void {
    closeSync(this.fd);
  }
}

/** A signed journal opened for writing: the same key, and every entry signed by it. */
function checkSigned(path: string, entries: readonly SealedEntry[], signer: JournalSigner): void {
  const named = entries[0]?.key;
  if (!named) return;
  if (named.id !== signer.key.id || named.spki !== signer.key.spki) throw new JournalKeyMismatch(path, named.id, signer.key.id);
  const publicKey = publicKeyOf(named);
  if (!publicKey) throw new JournalCorrupt(path, 1, 'its key is not a valid public key');
  entries.forEach((e, i) => {
    if (!signatureValid(publicKey, e.hash, e.sig)) throw new JournalCorrupt(path, i + 1, 'its signature does not verify with the journal\'s key (written or rewritten without the key)', 'signature');
  });
}

function readEntries(path: string): SealedEntry[] {
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
  return text.split('\n').filter((l) => l.length > 0).map((l) => JSON.parse(l) as SealedEntry);
}

/** A signed journal opened for writing with another key than the one that signs it. */
export class JournalKeyMismatch extends Error {
  constructor(path: string, journalKey: string, localKey: string) {
    super(`${path}: the journal is signed by key ${journalKey}, but the key here is ${localKey}; carry on where the journal's key is, or put that key in this machine's daylight config directory`);
    this.name = 'JournalKeyMismatch';
  }
}

export class JournalCorrupt extends Error {
  readonly line: number;

  constructor(path: string, line: number, reason: string, what: 'hash chain' | 'signature' = 'hash chain') {
    super(`${path}:${line}: the journal's ${what} breaks here: ${reason}`);
    this.name = 'JournalCorrupt';
    this.line = line;
  }
}
