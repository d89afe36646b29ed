// Checks a run journal entry by entry: its hash chain, and, against a key trusted from outside the state
// directory, its signatures and the head anchored in the cluster. Names the first entry that breaks it
// (its seq, its line, and what is wrong), for `daylight audit verify` and the report's integrity section.
import type { KeyObject } from 'node:crypto';
import type { JournalEntry } from '../engine/events.ts';
import { entryHash, entryHashAtSeq, GENESIS, publicKeyOf } from '../engine/ports/journal-chain.ts';
import type { AnchorReading } from '../journal/head-anchor.ts';
import { headValid, keyRefOf, signatureValid } from '../engine/ports/journal-signing.ts';
import type { SignedHead } from '../engine/ports/journal-signing.ts';

/**
 * What breaks a journal: a line that is no entry; an entry missing, repeated, out of order or renumbered;
 * a broken link or edited content; an entry not signed by the key; a journal shorter than its anchored
 * head, or different from it there; a head in the cluster not signed by the key.
 */
export type BreakKind =
  | 'unparseable-line'
  | 'wrong-run'
  | 'missing'
  | 'reordered'
  | 'duplicate'
  | 'renumbered'
  | 'prev-mismatch'
  | 'hash-mismatch'
  | 'unsigned-entry'
  | 'signature-mismatch'
  | 'truncated'
  | 'anchor-mismatch'
  | 'anchor-invalid'
  | 'signatures-stripped';

export interface ChainBreak {
  readonly kind: BreakKind;
  /** 1-based line in journal.jsonl. */
  readonly line: number;
  /** The entry's own seq, when the line parses. */
  readonly seq?: number;
  /** The seq the chain expected on this line. */
  readonly expectedSeq: number;
  readonly message: string;
}

/**
 * The signatures: checked against the trusted key and all valid up to any break (`verified`), a journal
 * written before signing (`unsigned`), signed by a key that is not the trusted one or with no trusted key
 * at hand (`key-unavailable`), or no key was asked for (`not-checked`, the report).
 */
export type SignatureState = 'verified' | 'unsigned' | 'key-unavailable' | 'not-checked';

/** The head anchored in the cluster, as checked: matched at its seq, or why it was not checked. */
export type AnchorCheck =
  | { readonly state: 'anchored'; readonly seq: number; readonly hash: string; readonly where: string }
  | { readonly state: 'unchecked'; readonly reason: string };

export interface ChainResult {
  readonly ok: boolean;
  /** Entries verified, in order, before the first break (all of them when ok). */
  readonly verified: number;
  /** Lines that hold an entry, including any after a break. */
  readonly lines: number;
  /** Hash of the last verified entry. */
  readonly lastHash?: string;
  readonly lastSeq?: number;
  readonly break?: ChainBreak;
  /** A last line cut short by a crash mid-write (no newline): the journal drops it when it is next opened. */
  readonly tornTail?: string;
  /** The key the journal's first entry names; absent for a journal written before signing. */
  readonly keyId?: string;
  readonly signatures: SignatureState;
  /** Why the key is not available, with `key-unavailable`. */
  readonly keyProblem?: string;
  /** The last verified entry's seq, hash and signature: the run's final head, as the report shows it. */
  readonly head?: { readonly seq: number; readonly hash: string; readonly sig?: string };
  /** Set when an anchor reading was given. */
  readonly anchor?: AnchorCheck;
}

export interface VerifiedJournal {
  readonly chain: ChainResult;
  /** Every line that parses as an entry, in file order, also those after a break (the report flags them). */
  readonly entries: readonly JournalEntry[];
}

export interface VerifyOptions {
  /** The run the journal is verified as: an entry of another run is a break. */
  readonly runId?: string;
  /**
   * The public key trusted to sign the journal, from outside the state directory (the local key file, or
   * one exported from it). The key the journal names is never trusted by itself: whoever rewrote the file
   * could have put their own there. Without this, signatures are not checked.
   */
  readonly trustedKey?: KeyObject;
  /** What is known of the trusted key when there is none: where it was looked for. */
  readonly noKeyReason?: string;
  /** The heads read from the clusters, or why they could not be read. Checked only with a trusted key. */
  readonly anchor?: AnchorReading | { readonly unchecked: string };
}

const HEX64 = /^[0-9a-f]{64}$/;
/** How far past the journal's length a renumbered entry's original seq is looked for. */
const RENUMBER_SEARCH = 1_000;

interface Line {
  readonly line: number;
  readonly entry: JournalEntry | string;
}

export function verifyJournal(text: string, o: VerifyOptions = {}): VerifiedJournal {
  const torn = text.length > 0 && !text.endsWith('\n');
  const raw = text.split('\n');
  const cut = torn ? raw.pop() : undefined;
  const items: Line[] = [];
  raw.forEach((content, i) => {
    if (content.trim() !== '') items.push({ line: i + 1, entry: parseEntry(content) });
  });
  const entries = items.map((l) => l.entry).filter((e): e is JournalEntry => typeof e !== 'string');
  const signing = signingOf(items[0]?.entry, o);
  const walked = walk(items, { key: signing.key, runId: o.runId });
  let firstBreak = walked.break;
  let anchor: AnchorCheck | undefined;
  const runId = o.runId ?? entries[0]?.runId;
  if (o.anchor && signing.key) {
    const found = checkAnchor({ reading: o.anchor, key: signing.key, items, walked, runId });
    anchor = found.anchor;
    firstBreak = found.break ?? firstBreak;
  } else if (o.anchor && signing.state === 'unsigned' && o.trustedKey && !firstBreak) {
    firstBreak = strippedBreak(o.anchor, o.trustedKey, runId, items.length);
  }
  const last = walked.last;
  const chain: ChainResult = {
    ok: firstBreak === undefined,
    // Stripped signatures discredit every entry, not those after a line.
    verified: firstBreak?.kind === 'signatures-stripped' ? 0 : walked.verified,
    lines: items.length,
    ...(last ? { lastHash: last.hash, lastSeq: last.seq, head: { seq: last.seq, hash: last.hash, ...(last.sig !== undefined ? { sig: last.sig } : {}) } } : {}),
    ...(firstBreak ? { break: firstBreak } : {}),
    ...(cut !== undefined && cut.length > 0 ? { tornTail: cut.length > 80 ? `${cut.slice(0, 80)}…` : cut } : {}),
    ...(signing.keyId !== undefined ? { keyId: signing.keyId } : {}),
    signatures: signing.state,
    ...(signing.problem !== undefined ? { keyProblem: signing.problem } : {}),
    ...(anchor ? { anchor } : {}),
  };
  return { chain, entries };
}

/** Whose signatures to check: the trusted key, when the journal names that very key. */
function signingOf(first: JournalEntry | string | undefined, o: VerifyOptions): { state: SignatureState; key?: KeyObject; keyId?: string; problem?: string } {
  const named = typeof first === 'string' ? undefined : first?.key;
  const keyId = typeof named?.id === 'string' ? named.id : undefined;
  const withId = keyId !== undefined ? { keyId } : {};
  if (!named || !publicKeyOf(named)) return { state: o.trustedKey ? 'unsigned' : 'not-checked' };
  if (!o.trustedKey) {
    return o.noKeyReason !== undefined ? { state: 'key-unavailable', ...withId, problem: o.noKeyReason } : { state: 'not-checked', ...withId };
  }
  const trusted = keyRefOf(o.trustedKey);
  if (trusted.spki !== named.spki) {
    return { state: 'key-unavailable', ...withId, problem: `the journal names key ${keyId ?? '?'}, and the trusted key is ${trusted.id}` };
  }
  return { state: 'verified', key: o.trustedKey, ...withId };
}

interface Walked {
  readonly verified: number;
  readonly last?: JournalEntry;
  readonly break?: ChainBreak;
}

/** Every line in order until the first break; signatures too when `key` is given. */
function walk(items: readonly Line[], o: { key: KeyObject | undefined; runId: string | undefined }): Walked {
  const seqLines = new Map<number, number[]>();
  for (const { line, entry } of items) if (typeof entry !== 'string') seqLines.set(entry.seq, [...(seqLines.get(entry.seq) ?? []), line]);
  let prev = GENESIS;
  let lastSeq = 0;
  let last: JournalEntry | undefined;
  let verified = 0;
  for (const { line, entry } of items) {
    const problem = checkLine(entry, line, { prev, lastSeq, seqLines, lines: items.length, runId: o.runId }) ?? (o.key && typeof entry !== 'string' ? checkSignature(entry, line, o.key) : undefined);
    if (problem) return { verified, ...(last ? { last } : {}), break: problem };
    const e = entry as JournalEntry;
    prev = e.hash;
    lastSeq = e.seq;
    last = e;
    verified++;
  }
  return { verified, ...(last ? { last } : {}) };
}
/** The entry, or why the line is none. */
function parseEntry(line: string): JournalEntry | string {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    return 'not valid JSON';
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return 'not a JSON object';
  const o = v as Record<string, unknown>;
  const missing = [
    ['seq', Number.isInteger(o.seq)],
    ['at', typeof o.at === 'number'],
    ['wall', typeof o.wall === 'string'],
    ['runId', typeof o.runId === 'string'],
    ['event', typeof o.event === 'object' && o.event !== null && typeof (o.event as Record<string, unknown>).type === 'string'],
    ['prev', typeof o.prev === 'string' && HEX64.test(o.prev)],
    ['hash', typeof o.hash === 'string' && HEX64.test(o.hash)],
  ].filter(([, ok]) => !ok).map(([name]) => name);
  return missing.length > 0 ? `a JSON object without a valid ${missing.join(', ')}` : (o as unknown as JournalEntry);
}

interface LineContext {
  readonly prev: string;
  readonly lastSeq: number;
  /** Seq → the lines it appears on, to tell a reorder (the expected seq is further down) from a deletion. */
  readonly seqLines: ReadonlyMap<number, readonly number[]>;
  readonly lines: number;
  readonly runId: string | undefined;
}

function checkLine(parsed: JournalEntry | string, line: number, at: LineContext): ChainBreak | undefined {
  const expectedSeq = at.lastSeq + 1;
  if (typeof parsed === 'string') {
    return { kind: 'unparseable-line', line, expectedSeq, message: `line ${line} is not a journal entry (${parsed}); entry seq ${expectedSeq} was expected there` };
  }
  const e = parsed;
  const where = `entry seq ${e.seq} (line ${line})`;
  if (at.runId !== undefined && e.runId !== at.runId) {
    return { kind: 'wrong-run', line, seq: e.seq, expectedSeq, message: `${where} belongs to run ${e.runId}, not to run ${at.runId}: it was copied from another run's journal` };
  }
  if (e.seq !== expectedSeq) return seqBreak(e, line, at);
  if (entryHash(e.prev, e) !== e.hash) {
    const was = renumberedFrom(e, at.lines);
    if (was !== undefined) {
      return { kind: 'renumbered', line, seq: e.seq, expectedSeq, message: `the entry at line ${line} says seq ${e.seq}, but its hash ${short(e.hash)} was made for seq ${was}: entries were renumbered` };
    }
  }
  if (e.prev !== at.prev) {
    return { kind: 'prev-mismatch', line, seq: e.seq, expectedSeq, message: `${where} links to ${short(e.prev)}, but the entry before it hashes to ${short(at.prev)}: an entry before it was replaced, or this one was moved here` };
  }
  if (entryHash(at.prev, e) !== e.hash) {
    return { kind: 'hash-mismatch', line, seq: e.seq, expectedSeq, message: `${where}: its content does not match its hash ${short(e.hash)}: the entry was edited after it was written` };
  }
  return undefined;
}

/** An entry whose seq is not the next one: a reorder when the expected seq is further down, else a deletion or a repeat. */
function seqBreak(e: JournalEntry, line: number, at: LineContext): ChainBreak {
  const expectedSeq = at.lastSeq + 1;
  const base = { line, seq: e.seq, expectedSeq };
  const later = (at.seqLines.get(expectedSeq) ?? []).find((l) => l > line);
  if (e.seq > expectedSeq && later !== undefined) {
    return { kind: 'reordered', ...base, message: `entry seq ${e.seq} appears at line ${line}, where seq ${expectedSeq} was expected (seq ${expectedSeq} is at line ${later}): entries reordered` };
  }
  if (e.seq > expectedSeq) {
    const gap = e.seq - expectedSeq === 1 ? `seq ${expectedSeq} is missing` : `seqs ${expectedSeq} to ${e.seq - 1} are missing`;
    return { kind: 'missing', ...base, message: `${gap}: entry seq ${e.seq} (line ${line}) follows seq ${at.lastSeq} (entries deleted)` };
  }
  const first = (at.seqLines.get(e.seq) ?? []).find((l) => l < line);
  return { kind: 'duplicate', ...base, message: `entry seq ${e.seq} appears again at line ${line}${first !== undefined ? ` (first at line ${first})` : ''}, where seq ${expectedSeq} was expected: an entry was repeated or moved back` };
}

/** The seq an entry's stored hash was made for, when it is not the seq it carries now (renumbered, hash kept). */
function renumberedFrom(e: JournalEntry, lines: number): number | undefined {
  const at = entryHashAtSeq(e.prev, e);
  const top = Math.max(e.seq, lines) + RENUMBER_SEARCH;
  for (let s = 1; s <= top; s++) {
    if (s !== e.seq && at(s) === e.hash) return s;
  }
  return undefined;
}

function checkSignature(e: JournalEntry, line: number, key: KeyObject): ChainBreak | undefined {
  const base = { line, seq: e.seq, expectedSeq: e.seq };
  if (e.sig === undefined) {
    return { kind: 'unsigned-entry', ...base, message: `entry seq ${e.seq} (line ${line}) carries no signature: it was written without the key (appended or rewritten)` };
  }
  if (!signatureValid(key, e.hash, e.sig)) {
    return { kind: 'signature-mismatch', ...base, message: `entry seq ${e.seq} (line ${line}): its signature does not match its hash ${short(e.hash)}: the entry was changed and its hash recomputed without the key` };
  }
  return undefined;
}

/**
 * The journal against the highest head validly signed by the key: shorter than it is a cut tail or a
 * rollback; a different hash at its seq is another history. A signature break in a journal shorter than
 * the anchor is a deletion with the rest renumbered.
 */
function checkAnchor(o: { reading: AnchorReading | { unchecked: string }; key: KeyObject; items: readonly Line[]; walked: Walked; runId: string | undefined }): { anchor: AnchorCheck; break?: ChainBreak } {
  if ('unchecked' in o.reading) return { anchor: { state: 'unchecked', reason: o.reading.unchecked } };
  const r = o.reading;
  const mine = r.heads.filter((h) => h.head.runId === o.runId);
  const valid = mine.filter((h) => headValid(o.key, h.head));
  const best = valid.reduce<{ where: string; head: SignedHead } | undefined>((b, h) => (!b || h.head.seq > b.head.seq ? h : b), undefined);
  const lastLine = o.items.at(-1)?.line ?? 0;
  if (!best) {
    const forged = mine.find((h) => !headValid(o.key, h.head));
    if (forged) {
      return { anchor: { state: 'unchecked', reason: `the head in ${forged.where} is not signed by the key` }, break: { kind: 'anchor-invalid', line: lastLine, expectedSeq: forged.head.seq, message: `the head anchored in ${forged.where} (seq ${forged.head.seq}) is not signed by the key: it was written by someone else` } };
    }
    const why = [...r.unreadable.map((u) => `${u.where}: ${u.message}`), ...r.empty.map((w) => `${w}: no head for this run`)];
    return { anchor: { state: 'unchecked', reason: why.length > 0 ? why.join('; ') : 'no cluster to read it from' } };
  }
  const anchor: AnchorCheck = { state: 'anchored', seq: best.head.seq, hash: best.head.hash, where: best.where };
  const w = o.walked;
  const fileLast = Math.max(0, ...o.items.map((l) => (typeof l.entry === 'string' ? 0 : l.entry.seq)));
  const b = w.break;
  if (b && (b.kind === 'signature-mismatch' || b.kind === 'unsigned-entry') && fileLast < best.head.seq && b.seq !== undefined) {
    return { anchor, break: { ...b, kind: 'renumbered', message: `entry seq ${b.seq} (line ${b.line}) is not signed by the key, and the journal ends at seq ${fileLast}, before the seq ${best.head.seq} anchored in ${best.where}: entries were deleted and the rest renumbered and rehashed` } };
  }
  if (b) return { anchor };
  const lastSeq = w.last?.seq ?? 0;
  if (lastSeq < best.head.seq) {
    const n = best.head.seq - lastSeq;
    return { anchor, break: { kind: 'truncated', line: lastLine, ...(w.last ? { seq: lastSeq } : {}), expectedSeq: lastSeq + 1, message: `the journal ends at seq ${lastSeq} (line ${lastLine}), but the head anchored in ${best.where} is seq ${best.head.seq}: the last ${n} entr${n === 1 ? 'y was' : 'ies were'} cut (or the journal was rolled back to an older copy)` } };
  }
  const at = o.items.find((l) => typeof l.entry !== 'string' && l.entry.seq === best.head.seq);
  const atEntry = at && typeof at.entry !== 'string' ? at.entry : undefined;
  if (at && atEntry && atEntry.hash !== best.head.hash) {
    return { anchor, break: { kind: 'anchor-mismatch', line: at.line, seq: atEntry.seq, expectedSeq: atEntry.seq, message: `entry seq ${atEntry.seq} (line ${at.line}) hashes to ${short(atEntry.hash)}, but the head anchored in ${best.where} says ${short(best.head.hash)}: the journal was replaced by another history` } };
  }
  return { anchor };
}

/** An unsigned journal whose run anchored a head signed by the key: written signed, its signatures removed since. */
function strippedBreak(reading: AnchorReading | { unchecked: string }, key: KeyObject, runId: string | undefined, lines: number): ChainBreak | undefined {
  if ('unchecked' in reading) return undefined;
  const signed = reading.heads.find((h) => h.head.runId === runId && headValid(key, h.head));
  if (!signed) return undefined;
  return { kind: 'signatures-stripped', line: 1, seq: 1, expectedSeq: 1, message: `the journal is unsigned, but ${signed.where} holds a head of this run signed by the key (seq ${signed.head.seq}): it was written signed, and its key and signatures were removed and the chain rehashed; ${lines} line(s) now` };
}

function short(hash: string): string {
  return `${hash.slice(0, 12)}…`;
}

/** One line for people: "chain intact: 42 entries, last hash …" or the first break; for the report, which holds no key. */
export function describeChain(c: ChainResult): string {
  if (!c.ok && c.break) return `chain broken at line ${c.break.line}${c.break.seq !== undefined ? ` (entry seq ${c.break.seq})` : ''}: ${c.break.kind}: ${c.break.message}; ${c.verified} entr${c.verified === 1 ? 'y' : 'ies'} before it verified`;
  const tail = c.tornTail !== undefined ? '; a last line cut short by a crash mid-write is not part of it (the journal drops it when next opened)' : '';
  const signed = c.keyId !== undefined && c.head?.sig !== undefined ? `; head seq ${c.head.seq} signed by key ${c.keyId} (check the signatures and the anchor with daylight audit verify)` : '';
  return c.verified === 0 ? `chain intact: the journal is empty${tail}` : `chain intact: ${c.verified} entr${c.verified === 1 ? 'y' : 'ies'}, last hash ${c.lastHash}${signed}${tail}`;
}

/** What `daylight audit verify` concludes: only `intact` passes. */
export type Verdict = 'intact' | 'broken' | 'unsigned' | 'key-unavailable' | 'anchor-unchecked';

export function verdictOf(c: ChainResult, o: { requireAnchor: boolean }): Verdict {
  if (!c.ok) return 'broken';
  if (c.signatures === 'unsigned' || (c.signatures === 'not-checked' && c.keyId === undefined)) return 'unsigned';
  if (c.signatures !== 'verified') return 'key-unavailable';
  if (o.requireAnchor && c.anchor?.state !== 'anchored') return 'anchor-unchecked';
  return 'intact';
}

/** The verdict in one line: what was checked, what holds, and what could not be ruled out. */
export function describeVerdict(c: ChainResult, v: Verdict): string {
  const count = `${c.verified} entr${c.verified === 1 ? 'y' : 'ies'}, last hash ${c.lastHash ?? 'none'}`;
  const tail = c.tornTail !== undefined ? '; a last line cut short by a crash mid-write is not part of it' : '';
  switch (v) {
    case 'broken':
      return describeChain(c);
    case 'unsigned':
      return `chain intact but unsigned: cannot rule out forgery (${count}; the journal was written before entries were signed, so whoever can write the state directory could have rewritten it)${tail}`;
    case 'key-unavailable':
      return `cannot verify: key not available: ${c.keyProblem ?? 'no trusted key'}; the journal is signed by key ${c.keyId ?? '?'}: verify where that key is, or pass --key with its public key (daylight audit key prints it)${tail}`;
    case 'anchor-unchecked':
      return `signed by key ${c.keyId ?? '?'} and intact as far as the file goes (${count}), but the anchor could not be checked: ${c.anchor?.state === 'unchecked' ? c.anchor.reason : 'not read'}; a cut tail or a rollback cannot be ruled out (--no-anchor accepts that)${tail}`;
    case 'intact': {
      const a = c.anchor;
      const anchored = a?.state === 'anchored'
        ? `, anchored at seq ${a.seq} in ${a.where}${c.lastSeq !== undefined && c.lastSeq > a.seq ? `; entries ${a.seq + 1} to ${c.lastSeq} came after the last anchored head (signed, not anchored)` : ''}`
        : `; the anchor was not checked (--no-anchor)${a?.state === 'unchecked' ? `: ${a.reason}` : ''}`;
      return `intact, signed by key ${c.keyId ?? '?'}${anchored}: ${count}${tail}`;
    }
  }
}
