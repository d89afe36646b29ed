// The seal every journal adapter puts on its entries, with no I/O: the hash over an entry and the one
// before it, the signature over that hash, and the checks a writer makes before it carries a journal on
// and a verifier makes after (`audit verify`, the report). One place, so the file journal and the one in
// the API server write the same chain and one verifier reads both.
import { createHash, createPublicKey } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { signatureValid } from './journal-signing.ts';
import type { JournalKeyRef, JournalSigner } from './journal-signing.ts';
import type { JournalHead, SealedEntry } from './journal.ts';

export const GENESIS = '0'.repeat(64);

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

/** The head after `entries`: the last one's seq and hash, or seq 0 at the genesis hash. */
export function headOf(entries: readonly SealedEntry[]): JournalHead {
  const last = entries.at(-1);
  return last ? { seq: last.seq, hash: last.hash } : { seq: 0, hash: GENESIS };
}

/** What an entry is made of before it is sealed. */
export interface Unsealed<E> {
  readonly runId: string;
  readonly event: E;
  /** Cluster clock (epoch ms). */
  readonly at: number;
  /** Wall-clock time (ISO). */
  readonly wall: string;
}

/**
 * The entry that follows `head`: the next seq, linked to the head's hash, signed when `signer` is given.
 * The first entry of a signed journal names its key. Pure: the adapter makes it durable.
 */
export function sealEntry<E>(head: JournalHead, u: Unsealed<E>, signer: JournalSigner | undefined): SealedEntry<E> {
  const seq = head.seq + 1;
  const base = { seq, at: Math.round(u.at), wall: u.wall, runId: u.runId, event: u.event, ...(seq === 1 && signer ? { key: signer.key } : {}) };
  const hash = entryHash(head.hash, base);
  return { ...base, prev: head.hash, hash, ...(signer ? { sig: signer.sign(hash) } : {}) };
}

/**
 * The signer for the entry after `first`: the given one for a new journal; none for a journal begun
 * unsigned (it stays so, and `audit verify` says so); a signed journal refuses to go on without its key.
 * `where` names the journal in messages (a path, an object in the API server).
 */
export function signerForNext(where: string, first: SealedEntry | undefined, signer: JournalSigner | undefined): JournalSigner | undefined {
  if (!first) return signer;
  if (!first.key) return undefined;
  if (!signer) throw new Error(`${where}: this journal is signed by key ${first.key.id}, and no key was given to sign the next entry; open it with the journal key (see daylight audit key)`);
  return signer;
}

/** Where a chain of parsed entries breaks: the 0-based index and why, or undefined when every link holds. */
export function chainBreak(entries: readonly SealedEntry[]): { readonly index: number; readonly reason: string } | undefined {
  let prev = GENESIS;
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i] as SealedEntry;
    if (e.seq !== i + 1) return { index: i, reason: `sequence number ${e.seq}, expected ${i + 1}` };
    if (e.prev !== prev) return { index: i, reason: 'does not link to the entry before it (prev hash differs)' };
    if (entryHash(prev, e) !== e.hash) return { index: i, reason: 'its content does not match its hash (edited)' };
    prev = e.hash;
  }
  return undefined;
}

/** A signed journal opened for writing: the same key, and every entry signed by it. Throws otherwise. */
export function checkSigned(where: string, entries: readonly SealedEntry[], signer: JournalSigner): void {
  const named = entries[0]?.key;
  if (!named) return;
  if (named.id !== signer.key.id || named.spki !== signer.key.spki) throw new JournalKeyMismatch(where, named.id, signer.key.id);
  const publicKey = publicKeyOf(named);
  if (!publicKey) throw new JournalCorrupt(where, 1, 'its key is not a valid public key');
  entries.forEach((e, i) => {
    if (!signatureValid(publicKey, e.hash, e.sig)) throw new JournalCorrupt(where, i + 1, 'its signature does not verify with the journal\'s key (written or rewritten without the key)', 'signature');
  });
}

/** A signed journal opened for writing with another key than the one that signs it. */
export class JournalKeyMismatch extends Error {
  constructor(where: string, journalKey: string, localKey: string) {
    super(`${where}: the journal is signed by key ${journalKey}, but the key here is ${localKey}; carry on where the journal's key is, or put that key in this machine's daylight config directory`);
    this.name = 'JournalKeyMismatch';
  }
}

export class JournalCorrupt extends Error {
  /** 1-based: the line of a file, the entry's place in any other store. */
  readonly line: number;

  constructor(where: string, line: number, reason: string, what: 'hash chain' | 'signature' = 'hash chain') {
    super(`${where}:${line}: the journal's ${what} breaks here: ${reason}`);
    this.name = 'JournalCorrupt';
    this.line = line;
  }
}
