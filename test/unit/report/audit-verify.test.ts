// `daylight audit verify RUN` against an attacker who can read and write everything in the state directory,
// but holds neither the journal key (in a config directory of its own) nor write access to the cluster (an
// in-memory anchor store here). Each attack exits 1 and is named for what it is; an untouched journal is
// "intact, signed by key <id>, anchored at seq N"; a journal without its key is never called intact.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeAuditCommand } from '../../../src/cli/audit.ts';
import type { AnchorSource } from '../../../src/cli/audit.ts';
import { journalKeyPath, journalSignerAt } from '../../../src/cli/journal-key.ts';
import { entryHash, GENESIS } from '../../../src/engine/ports/journal-chain.ts';
import type { SealedEntry } from '../../../src/engine/ports/journal.ts';
import { HeadAnchor } from '../../../src/journal/head-anchor.ts';
import type { HeadStore } from '../../../src/journal/head-anchor.ts';
import { journalSigner } from '../../../src/engine/ports/journal-signing.ts';
import type { JournalSigner, SignedHead } from '../../../src/engine/ports/journal-signing.ts';
import type { RunPaths } from '../../../src/engine/run-dir.ts';
import { verifyJournal } from '../../../src/report/integrity.ts';
import { regionalRunEvents, writeRun } from './fixtures.ts';

const ENTRIES = regionalRunEvents().length;
const WHERE = 'cluster eu-central (ConfigMap kube-system/daylight-journal-run-1)';

/** What the cluster's ConfigMap would hold: the run writes it, the attacker cannot. */
function memoryStore(): HeadStore & { readonly heads: Map<string, SignedHead> } {
  const heads = new Map<string, SignedHead>();
  return {
    where: WHERE,
    heads,
    write: async (h) => {
      if ((heads.get(h.runId)?.seq ?? 0) < h.seq) heads.set(h.runId, h);
    },
    read: async (runId) => heads.get(runId),
  };
}

interface World {
  readonly state: string;
  /** The environment of the verifying CLI: its XDG_CONFIG_HOME holds the journal key. */
  readonly env: NodeJS.ProcessEnv;
  readonly signer: JournalSigner;
  readonly store: ReturnType<typeof memoryStore>;
  readonly paths: RunPaths;
  done(): void;
}

/** A run written by the real Journal, signed with the key in a temporary config directory, its head anchored in memory. */
async function signedRun(o: { upTo?: number } = {}): Promise<World> {
  const base = mkdtempSync(join(tmpdir(), 'daylight-audit-'));
  const env = { XDG_CONFIG_HOME: join(base, 'config') };
  const state = join(base, 'state');
  const signer = journalSignerAt(journalKeyPath(env));
  const store = memoryStore();
  const anchor = new HeadAnchor({ stores: [store], signer });
  const paths = writeRun(state, 'run-1', regionalRunEvents(o.upTo !== undefined ? { upTo: o.upTo } : {}), { signer, onAppend: (e) => anchor.note(e) });
  await anchor.flush();
  return { state, env, signer, store, paths, done: () => rmSync(base, { recursive: true, force: true }) };
}

async function verify(w: World, o: { args?: string[]; env?: NodeJS.ProcessEnv; anchors?: AnchorSource } = {}): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const anchors: AnchorSource = o.anchors ?? (async () => ({ stores: [w.store], close: async () => undefined }));
  const audit = makeAuditCommand({ env: o.env ?? w.env, anchors });
  const code = await audit.run(['verify', 'run-1', '--state-dir', w.state, ...(o.args ?? [])], { out: (t) => (out += `${t}\n`), err: (t) => (err += `${t}\n`), isTty: false });
  return { code, out, err };
}

function readEntries(w: World): SealedEntry[] {
  return readFileSync(w.paths.journal, 'utf8').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as SealedEntry);
}

function writeEntries(w: World, entries: readonly SealedEntry[]): void {
  writeFileSync(w.paths.journal, `${entries.map((e) => JSON.stringify(e)).join('\n')}\n`);
}

/** What an attacker without the key can do: recompute every link and hash; signatures stay as they were. */
function rechain(entries: readonly SealedEntry[]): SealedEntry[] {
  let prev = GENESIS;
  return entries.map((e) => {
    const hash = entryHash(prev, e);
    const next = { ...e, prev, hash };
    prev = hash;
    return next;
  });
}

/** The attack, then `audit verify`, in a fresh world. */
async function attacked(attack: (entries: SealedEntry[]) => SealedEntry[]): Promise<{ code: number; out: string; err: string }> {
  const w = await signedRun();
  try {
    writeEntries(w, attack(readEntries(w)));
    return await verify(w);
  } finally {
    w.done();
  }
}

test('an untouched journal: exit 0, intact, signed by key <id>, anchored at its last seq', async () => {
  const w = await signedRun();
  try {
    const entries = readEntries(w);
    assert.deepEqual(entries[0]?.key, w.signer.key, 'the first entry names the key');
    assert.ok(entries.every((e) => typeof e.sig === 'string'), 'every entry is signed');
    assert.equal(w.store.heads.get('run-1')?.seq, ENTRIES, 'the run anchored its final head');
    const r = await verify(w);
    assert.equal(r.code, 0, r.err);
    assert.equal(r.out, `run-1: intact, signed by key ${w.signer.key.id}, anchored at seq ${ENTRIES} in ${WHERE}: ${ENTRIES} entries, last hash ${entries.at(-1)?.hash}\n`);
    const json = await verify(w, { args: ['-o', 'json'] });
    const parsed = JSON.parse(json.out) as { verdict: string; signatures: string; keyId: string; anchor: { state: string; seq: number } };
    assert.deepEqual([json.code, parsed.verdict, parsed.signatures, parsed.keyId, parsed.anchor.state, parsed.anchor.seq], [0, 'intact', 'verified', w.signer.key.id, 'anchored', ENTRIES]);
  } finally {
    w.done();
  }
});

test('an entry appended with a recomputed hash: exit 1, named as an entry without signature', async () => {
  const r = await attacked((entries) => {
    const last = entries.at(-1) as SealedEntry;
    const forged = { seq: last.seq + 1, at: last.at + 1000, wall: last.wall, runId: last.runId, event: { type: 'run.succeeded' as const }, prev: last.hash };
    return [...entries, { ...forged, hash: entryHash(last.hash, forged) }];
  });
  assert.equal(r.code, 1);
  assert.match(r.err, new RegExp(`chain broken at line ${ENTRIES + 1} \\(entry seq ${ENTRIES + 1}\\): unsigned-entry: entry seq ${ENTRIES + 1} \\(line ${ENTRIES + 1}\\) carries no signature: it was written without the key`));
});

test('one entry edited and the whole chain rehashed: exit 1, named as a signature mismatch at that entry', async () => {
  // Given node-a renamed in seq 8 (the phase planned), every link and hash after it recomputed
  const r = await attacked((entries) => rechain(entries.map((e) => (e.seq === 8 ? (JSON.parse(JSON.stringify(e).replace('"node-a"', '"node-z"')) as SealedEntry) : e))));
  assert.equal(r.code, 1);
  assert.match(r.err, /chain broken at line 8 \(entry seq 8\): signature-mismatch: entry seq 8 \(line 8\): its signature does not match its hash [0-9a-f]{12}…: the entry was changed and its hash recomputed without the key; 7 entries before it verified/);
});

test('an entry deleted and the rest renumbered and rehashed: exit 1, named as renumbered against the anchor', async () => {
  const r = await attacked((entries) => rechain(entries.filter((e) => e.seq !== 5).map((e, i) => ({ ...e, seq: i + 1 }))));
  assert.equal(r.code, 1);
  assert.match(r.err, new RegExp(`chain broken at line 5 \\(entry seq 5\\): renumbered: entry seq 5 \\(line 5\\) is not signed by the key, and the journal ends at seq ${ENTRIES - 1}, before the seq ${ENTRIES} anchored in .*: entries were deleted and the rest renumbered and rehashed`));
});

test('an entry deleted and the rest renumbered, hashes kept: exit 1, named as renumbered from the hash itself', async () => {
  const r = await attacked((entries) => entries.filter((e) => e.seq !== 5).map((e, i) => ({ ...e, seq: i + 1 })));
  assert.equal(r.code, 1);
  assert.match(r.err, /chain broken at line 5 \(entry seq 5\): renumbered: the entry at line 5 says seq 5, but its hash [0-9a-f]{12}… was made for seq 6: entries were renumbered/);
});

test('two entries swapped: exit 1, named as a reorder, not a deletion', async () => {
  const r = await attacked((entries) => entries.map((e, i) => (i === 9 ? entries[11] : i === 11 ? entries[9] : e) as SealedEntry));
  assert.equal(r.code, 1);
  assert.match(r.err, /chain broken at line 10 \(entry seq 12\): reordered: entry seq 12 appears at line 10, where seq 10 was expected \(seq 10 is at line 12\): entries reordered/);
  assert.doesNotMatch(r.err, /missing/);
});

test('an entry deleted: exit 1, "seq 5 is missing"', async () => {
  const r = await attacked((entries) => entries.filter((e) => e.seq !== 5));
  assert.equal(r.code, 1);
  assert.match(r.err, /chain broken at line 5 \(entry seq 6\): missing: seq 5 is missing: entry seq 6 \(line 5\) follows seq 4 \(entries deleted\)/);
});

test('the last 10 entries cut: exit 1, the anchor says seq N and the journal ends at N-10', async () => {
  const r = await attacked((entries) => entries.slice(0, -10));
  assert.equal(r.code, 1);
  assert.match(r.err, new RegExp(`truncated: the journal ends at seq ${ENTRIES - 10} \\(line ${ENTRIES - 10}\\), but the head anchored in .* is seq ${ENTRIES}: the last 10 entries were cut \\(or the journal was rolled back to an older copy\\)`));
});

test('an edited entry with its own hash recomputed but not the next link, a line that is no entry, a prev rewritten: each named', async () => {
  const edited = await attacked((entries) => entries.map((e) => (e.seq === 8 ? { ...e, hash: entryHash(e.prev, { ...e, event: { type: 'run.succeeded' } }), event: { type: 'run.succeeded' } } : e)));
  assert.equal(edited.code, 1);
  assert.match(edited.err, /line 8 \(entry seq 8\): signature-mismatch/);
  const garbage = await attacked((entries) => entries.map((e) => (e.seq === 3 ? ({ seq: 3, oops: true } as unknown as SealedEntry) : e)));
  assert.equal(garbage.code, 1);
  assert.match(garbage.err, /chain broken at line 3: unparseable-line: line 3 is not a journal entry \(a JSON object without a valid at, wall, runId, event, prev, hash\); entry seq 3 was expected there/);
  const relinked = await attacked((entries) => entries.map((e) => (e.seq === 4 ? { ...e, prev: 'b'.repeat(64) } : e)));
  assert.equal(relinked.code, 1);
  assert.match(relinked.err, /line 4 \(entry seq 4\): prev-mismatch: entry seq 4 \(line 4\) links to bbbbbbbbbbbb…, but the entry before it hashes to [0-9a-f]{12}…/);
});

test('the journal of another run, signed by the same key, copied over this one: exit 1, named as another run\'s entry', async () => {
  const w = await signedRun();
  try {
    const other = writeRun(w.state, 'run-2', regionalRunEvents(), { signer: w.signer });
    writeFileSync(w.paths.journal, readFileSync(other.journal, 'utf8'));
    const r = await verify(w);
    assert.equal(r.code, 1);
    assert.match(r.err, /chain broken at line 1 \(entry seq 1\): wrong-run: entry seq 1 \(line 1\) belongs to run run-2, not to run run-1: it was copied from another run's journal/);
  } finally {
    w.done();
  }
});

test('the key and every signature removed and the chain rehashed, to pass for a journal from before signing: exit 1, named against the anchor', async () => {
  const r = await attacked((entries) => rechain(entries.map(({ key: _key, sig: _sig, ...e }) => e)));
  assert.equal(r.code, 1);
  assert.match(r.err, new RegExp(`chain broken at line 1 \\(entry seq 1\\): signatures-stripped: the journal is unsigned, but .* holds a head of this run signed by the key \\(seq ${ENTRIES}\\): it was written signed`));
});

test('verified where the key is not: "cannot verify: key not available", exit 1, never intact', async () => {
  const w = await signedRun();
  try {
    const elsewhere = mkdtempSync(join(tmpdir(), 'daylight-nokey-'));
    try {
      const r = await verify(w, { env: { XDG_CONFIG_HOME: elsewhere } });
      assert.equal(r.code, 1);
      assert.match(r.err, new RegExp(`cannot verify: key not available: there is no journal key at ${elsewhere}/daylight/journal-ed25519.pem; the journal is signed by key ${w.signer.key.id}`));
      assert.doesNotMatch(r.err + r.out, /intact/);
    } finally {
      rmSync(elsewhere, { recursive: true, force: true });
    }
  } finally {
    w.done();
  }
});

test('the journal re-signed from the start with the attacker\'s own key: the key it names is not trusted', async () => {
  const mallory = journalSigner(generateKeyPairSync('ed25519').privateKey);
  const r = await attacked((entries) => {
    const rekeyed = rechain(entries.map((e) => (e.seq === 1 ? { ...e, key: mallory.key } : e)));
    return rekeyed.map((e) => ({ ...e, sig: mallory.sign(e.hash) }));
  });
  assert.equal(r.code, 1);
  assert.match(r.err, new RegExp(`cannot verify: key not available: the journal names key ${mallory.key.id}, and the trusted key is [0-9a-f]{32}`));
});

test('with --key, an exported public key verifies the journal where the private key is not', async () => {
  const w = await signedRun();
  try {
    let pem = '';
    const audit = makeAuditCommand({ env: w.env, anchors: async () => ({ stores: [w.store], close: async () => undefined }) });
    assert.equal(await audit.run(['key'], { out: (t) => (pem += `${t}\n`), err: () => undefined, isTty: false }), 0);
    assert.match(pem, /^-----BEGIN PUBLIC KEY-----\n/);
    const file = join(w.state, '..', 'exported.pem');
    writeFileSync(file, pem);
    const r = await verify(w, { env: { XDG_CONFIG_HOME: join(w.state, '..', 'empty') }, args: ['--key', file] });
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, new RegExp(`intact, signed by key ${w.signer.key.id}, anchored at seq ${ENTRIES}`));
  } finally {
    w.done();
  }
});

test('a journal written before signing: "chain intact but unsigned: cannot rule out forgery", exit 1', async () => {
  const w = await signedRun();
  try {
    // Given a run from before signing: no key in its journal, no head in the cluster
    writeFileSync(w.paths.journal, '');
    writeRun(w.state, 'run-1', regionalRunEvents({ upTo: 8 }));
    w.store.heads.clear();
    const r = await verify(w);
    assert.equal(r.code, 1);
    assert.match(r.err, /chain intact but unsigned: cannot rule out forgery \(8 entries, last hash [0-9a-f]{64};/);
  } finally {
    w.done();
  }
});

test('clusters unreachable: the anchor could not be checked, exit 1; --no-anchor accepts the signatures alone', async () => {
  const w = await signedRun();
  try {
    const down: AnchorSource = async () => {
      throw new Error('connect ECONNREFUSED 127.0.0.1:6443');
    };
    const r = await verify(w, { anchors: down });
    assert.equal(r.code, 1);
    assert.match(r.err, /signed by key [0-9a-f]{32} and intact as far as the file goes .*, but the anchor could not be checked: the clusters could not be reached: connect ECONNREFUSED 127.0.0.1:6443; a cut tail or a rollback cannot be ruled out/);
    const accepted = await verify(w, { anchors: down, args: ['--no-anchor'] });
    assert.equal(accepted.code, 0, accepted.err);
    assert.match(accepted.out, /intact, signed by key [0-9a-f]{32}; the anchor was not checked \(--no-anchor\)/);
  } finally {
    w.done();
  }
});

test('a last line cut short by a crash is not tampering: the entries before it verify', async () => {
  const w = await signedRun({ upTo: 5 });
  try {
    writeFileSync(w.paths.journal, `${readFileSync(w.paths.journal, 'utf8')}{"seq":6,"at":1`);
    const r = await verify(w);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /intact, signed by key [0-9a-f]{32}, anchored at seq 5 in .*: 5 entries, last hash [0-9a-f]{64}; a last line cut short by a crash mid-write is not part of it/);
  } finally {
    w.done();
  }
});

test('the report, which holds no key, names the chain and the signed head without judging the signatures', () => {
  const text = `${[1, 2].map((seq) => JSON.stringify({ seq, at: 0, wall: 'w', runId: 'r', event: { type: 'run.succeeded' }, prev: GENESIS, hash: 'f'.repeat(64) })).join('\n')}\n`;
  assert.equal(verifyJournal(text).chain.break?.kind, 'hash-mismatch');
  assert.equal(verifyJournal(text).chain.signatures, 'not-checked');
});

test('a run that does not exist: exit 2 listing the runs there are; a wrong subcommand: exit 2 with the usage', async () => {
  const w = await signedRun({ upTo: 3 });
  try {
    writeRun(w.state, 'run-2', regionalRunEvents({ upTo: 3 }));
    const audit = makeAuditCommand({ env: w.env, anchors: async () => ({ stores: [], close: async () => undefined }) });
    const io = { out: () => undefined, err: () => undefined, isTty: false };
    await assert.rejects(audit.run(['verify', 'run-9', '--state-dir', w.state], io), /no run "run-9" in .*; runs there: run-1, run-2/);
    await assert.rejects(audit.run(['check', 'run-1', '--state-dir', w.state], io), /unknown subcommand "check"; use: daylight audit verify RUN, or daylight audit key/);
  } finally {
    w.done();
  }
});
