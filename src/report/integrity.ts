// Checks a run journal's hash chain entry by entry and names the first entry that breaks it (its seq, its
// line, and what is wrong), for `daylight audit verify` and the report's integrity section.
import type { JournalEntry } from '../engine/events.ts';
import { entryHash, GENESIS } from '../engine/journal.ts';

/** What breaks a chain: a line that is no entry, a missing or repeated entry, a broken link, edited content. */
export type BreakKind = 'unparseable-line' | 'seq-gap' | 'prev-mismatch' | 'hash-mismatch';

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

export interface ChainResult {
  readonly ok: boolean;
  /** Entries verified, in order, before the first break (all of them when ok). */
  readonly verified: number;
  /** Lines that hold an entry, including any after a break. */
  readonly lines: number;
  /** Hash of the last verified entry: write it into the change ticket to anchor the whole chain. */
  readonly lastHash?: string;
  readonly lastSeq?: number;
  readonly break?: ChainBreak;
  /** A last line cut short by a crash mid-write (no newline): the journal drops it when it is next opened. */
  readonly tornTail?: string;
}

export interface VerifiedJournal {
  readonly chain: ChainResult;
  /** Every line that parses as an entry, in file order, also those after a break (the report flags them). */
  readonly entries: readonly JournalEntry[];
}

const HEX64 = /^[0-9a-f]{64}$/;

export function verifyJournal(text: string): VerifiedJournal {
  const torn = text.length > 0 && !text.endsWith('\n');
  const raw = text.split('\n');
  const cut = torn ? raw.pop() : undefined;
  const entries: JournalEntry[] = [];
  let prev = GENESIS;
  let lastSeq = 0;
  let firstBreak: ChainBreak | undefined;
  let verified = 0;
  let lines = 0;
  raw.forEach((content, i) => {
    if (content.trim() === '') return;
    lines++;
    const parsed = parseEntry(content);
    if (typeof parsed !== 'string') entries.push(parsed);
    if (firstBreak) return;
    const problem = checkLine(parsed, i + 1, { prev, lastSeq });
    if (problem) {
      firstBreak = problem;
      return;
    }
    const e = parsed as JournalEntry;
    prev = e.hash;
    lastSeq = e.seq;
    verified++;
  });
  const chain: ChainResult = {
    ok: firstBreak === undefined,
    verified,
    lines,
    ...(verified > 0 ? { lastHash: prev, lastSeq } : {}),
    ...(firstBreak ? { break: firstBreak } : {}),
    ...(cut !== undefined && cut.length > 0 ? { tornTail: cut.length > 80 ? `${cut.slice(0, 80)}…` : cut } : {}),
  };
  return { chain, entries };
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

function checkLine(parsed: JournalEntry | string, line: number, at: { prev: string; lastSeq: number }): ChainBreak | undefined {
  const expectedSeq = at.lastSeq + 1;
  if (typeof parsed === 'string') {
    return { kind: 'unparseable-line', line, expectedSeq, message: `line ${line} is not a journal entry (${parsed}); entry seq ${expectedSeq} was expected there` };
  }
  const e = parsed;
  const where = `entry seq ${e.seq} (line ${line})`;
  if (e.seq !== expectedSeq) {
    const what = e.seq > expectedSeq
      ? `${e.seq - expectedSeq === 1 ? `entry ${expectedSeq} is` : `entries ${expectedSeq} to ${e.seq - 1} are`} missing (deleted)`
      : `it repeats or reorders an earlier entry`;
    return { kind: 'seq-gap', line, seq: e.seq, expectedSeq, message: `${where} follows seq ${at.lastSeq}: ${what}` };
  }
  if (e.prev !== at.prev) {
    return { kind: 'prev-mismatch', line, seq: e.seq, expectedSeq, message: `${where} links to ${short(e.prev)}, but the entry before it hashes to ${short(at.prev)}: an entry before it was replaced, or this one was moved here` };
  }
  if (entryHash(at.prev, e) !== e.hash) {
    return { kind: 'hash-mismatch', line, seq: e.seq, expectedSeq, message: `${where}: its content does not match its hash ${short(e.hash)}: the entry was edited after it was written` };
  }
  return undefined;
}

function short(hash: string): string {
  return `${hash.slice(0, 12)}…`;
}

/** One line for people: "chain intact: 42 entries, last hash …" or the first break. */
export function describeChain(c: ChainResult): string {
  if (!c.ok && c.break) return `chain broken at line ${c.break.line}${c.break.seq !== undefined ? ` (entry seq ${c.break.seq})` : ''}: ${c.break.kind}: ${c.break.message}; ${c.verified} entr${c.verified === 1 ? 'y' : 'ies'} before it verified`;
  const tail = c.tornTail !== undefined ? '; a last line cut short by a crash mid-write is not part of it (the journal drops it when next opened)' : '';
  return c.verified === 0 ? `chain intact: the journal is empty${tail}` : `chain intact: ${c.verified} entr${c.verified === 1 ? 'y' : 'ies'}, last hash ${c.lastHash}${tail}`;
}
