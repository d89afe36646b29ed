// The run journal's file adapter: every entry is on disk before append resolves, each links to the one before by hash and
// is signed by the run's key, a line cut short by a crash is dropped, and an edited line is found and named.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPublicKey } from 'node:crypto';
import { entryHash, GENESIS, JournalCorrupt } from '../../../src/engine/ports/journal-chain.ts';
import { FileJournal, verifyChain } from '../../../src/journal/file-journal.ts';
import type { SealedEntry } from '../../../src/engine/ports/journal.ts';
import { signatureValid } from '../../../src/engine/ports/journal-signing.ts';
import { testSigner } from '../../helpers/journal-key.ts';
import { replay } from '../../../src/engine/state.ts';
import type { RunEvent } from '../../../src/engine/events.ts';

function tempJournal(): { path: string; done: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'daylight-journal-'));
  return { path: join(dir, 'journal.jsonl'), done: () => rmSync(dir, { recursive: true, force: true }) };
}

function clockAt(start: number): () => number {
  let t = start;
  return () => (t += 1000);
}

test('entries are written as they are appended, chained from the genesis hash', async () => {
  const t = tempJournal();
  try {
    // Given a new journal
    const j = FileJournal.open(t.path, 'run-1', clockAt(0));
    // When three events are appended
    await j.append({ type: 'run.started', plan: { name: 'p', path: 'p.yaml', sha256: 'x' }, clusters: ['a'], holder: 'run-1' });
    await j.append({ type: 'node.cordon.requested', cluster: 'a', node: 'n1' });
    await j.append({ type: 'node.cordoned', cluster: 'a', node: 'n1', changed: true });
    // Then the file already holds them, linked, and the chain verifies
    const lines = readFileSync(t.path, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { seq: number; prev: string; hash: string; runId: string });
    assert.equal(lines.length, 3);
    assert.equal(lines[0]?.prev, GENESIS);
    assert.equal(lines[1]?.prev, lines[0]?.hash);
    assert.equal(lines[2]?.prev, lines[1]?.hash);
    assert.deepEqual(lines.map((l) => l.runId), ['run-1', 'run-1', 'run-1']);
    assert.deepEqual(verifyChain(readFileSync(t.path, 'utf8')), { ok: true, entries: 3 });
    j.close();
  } finally {
    t.done();
  }
});

test('an edited line breaks the chain at that line, and reopening refuses the journal naming it', async () => {
  const t = tempJournal();
  try {
    const j = FileJournal.open(t.path, 'run-1', clockAt(0));
    await j.append({ type: 'node.cordon.requested', cluster: 'a', node: 'n1' });
    await j.append({ type: 'node.done', cluster: 'a', node: 'n1', outcome: 'failed' });
    await j.append({ type: 'run.failed', reason: 'x' });
    j.close();
    // When someone turns the failure of line 2 into a success
    const lines = readFileSync(t.path, 'utf8').split('\n');
    lines[1] = (lines[1] as string).replace('"failed"', '"maintained"');
    writeFileSync(t.path, lines.join('\n'));
    // Then verification names line 2, and so does opening it
    assert.deepEqual(verifyChain(readFileSync(t.path, 'utf8')), { ok: false, line: 2, reason: 'its content does not match its hash (edited)' });
    assert.throws(() => FileJournal.open(t.path, 'run-1', clockAt(0)), (e: unknown) => e instanceof JournalCorrupt && e.line === 2);
  } finally {
    t.done();
  }
});

test('a deleted line is found where the chain no longer links', async () => {
  const t = tempJournal();
  try {
    const j = FileJournal.open(t.path, 'run-1', clockAt(0));
    for (let i = 0; i < 4; i++) await j.append({ type: 'node.cordon.requested', cluster: 'a', node: `n${i}` });
    j.close();
    const lines = readFileSync(t.path, 'utf8').split('\n');
    lines.splice(1, 1);
    const check = verifyChain(lines.join('\n'));
    assert.equal(check.ok, false);
    assert.equal(check.ok === false && check.line, 2);
  } finally {
    t.done();
  }
});

test('a last line cut short by a crash is dropped and the journal carries on from the entry before it', async () => {
  const t = tempJournal();
  try {
    const j = FileJournal.open(t.path, 'run-1', clockAt(0));
    await j.append({ type: 'node.cordon.requested', cluster: 'a', node: 'n1' });
    j.close();
    appendFileSync(t.path, '{"seq":2,"at":5,"wall":"2026');
    const again = FileJournal.open(t.path, 'run-1', clockAt(10_000));
    assert.equal(again.entries.length, 1);
    await again.append({ type: 'node.cordoned', cluster: 'a', node: 'n1', changed: true });
    again.close();
    assert.deepEqual(verifyChain(readFileSync(t.path, 'utf8')), { ok: true, entries: 2 });
  } finally {
    t.done();
  }
});

test('replaying the journal gives each node its last step and the run its status', async () => {
  const t = tempJournal();
  try {
    const j = FileJournal.open<RunEvent>(t.path, 'run-1', clockAt(0));
    await j.append({ type: 'run.started', plan: { name: 'p', path: 'p.yaml', sha256: 'x' }, clusters: ['a'], holder: 'run-1' });
    await j.append({ type: 'phase.planned', cluster: 'a', phase: 'os', budget: 1, waves: [{ index: 0, nodes: ['n1'] }, { index: 1, nodes: ['n2'] }], excluded: [] });
    await j.append({ type: 'node.cordon.requested', cluster: 'a', node: 'n1' });
    await j.append({ type: 'node.cordoned', cluster: 'a', node: 'n1', changed: true });
    await j.append({ type: 'node.action.requested', cluster: 'a', node: 'n1', id: 'run-1/n1/1', operation: 'reboot', bootIdBefore: 'b1', kubeletBefore: 'v1.30.4' });
    await j.append({ type: 'run.paused', reason: 'interrupted' });
    const s = replay('run-1', j.entries);
    assert.equal(s.status, 'paused');
    assert.equal(s.nodes['a/n1']?.step, 'acting');
    assert.equal(s.nodes['a/n1']?.action?.bootIdBefore, 'b1');
    assert.equal(s.phases[0]?.waves.length, 2);
    assert.equal(s.phases[0]?.wavesDone, 0);
    j.close();
  } finally {
    t.done();
  }
});

test('a signed journal names its key in the first entry and signs every entry; a resumed run carries on signing', async () => {
  const t = tempJournal();
  try {
    const signer = testSigner();
    const j = FileJournal.open(t.path, 'run-1', clockAt(0), { signer });
    await j.append({ type: 'run.started', plan: { name: 'p', path: 'p.yaml', sha256: 'x' }, clusters: ['a'], holder: 'run-1' });
    await j.append({ type: 'run.paused', reason: 'interrupted' });
    j.close();
    // When the run is resumed with the same key
    const again = FileJournal.open(t.path, 'run-1', clockAt(10_000), { signer });
    await again.append({ type: 'run.resumed', holder: 'run-1' });
    again.close();
    // Then every entry, the resumed one too, is signed by that key over its hash, and the key is in seq 1 only
    const entries = readFileSync(t.path, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as SealedEntry);
    assert.deepEqual(entries.map((e) => e.key?.id), [signer.key.id, undefined, undefined]);
    const publicKey = createPublicKey({ key: Buffer.from(signer.key.spki, 'base64'), format: 'der', type: 'spki' });
    assert.deepEqual(entries.map((e) => signatureValid(publicKey, e.hash, e.sig)), [true, true, true]);
    assert.deepEqual(verifyChain(readFileSync(t.path, 'utf8')), { ok: true, entries: 3 });
  } finally {
    t.done();
  }
});

test('a signed journal refuses another key, an append without its key, and an entry forged without it', async () => {
  const t = tempJournal();
  try {
    const signer = testSigner();
    const j = FileJournal.open(t.path, 'run-1', clockAt(0), { signer });
    await j.append({ type: 'node.cordon.requested', cluster: 'a', node: 'n1' });
    j.close();
    assert.throws(() => FileJournal.open(t.path, 'run-1', clockAt(0), { signer: testSigner() }), /the journal is signed by key [0-9a-f]{32}, but the key here is [0-9a-f]{32}/);
    const keyless = FileJournal.open(t.path, 'run-1', clockAt(0));
    await assert.rejects(keyless.append({ type: 'run.resumed', holder: 'x' }), /this journal is signed by key [0-9a-f]{32}, and no key was given to sign the next entry/);
    keyless.close();
    // When someone appends an entry with a correct hash but no signature
    const first = JSON.parse(readFileSync(t.path, 'utf8').trim()) as SealedEntry;
    const forged = { seq: 2, at: 1, wall: 'w', runId: 'run-1', event: { type: 'run.succeeded' as const } };
    appendFileSync(t.path, `${JSON.stringify({ ...forged, prev: first.hash, hash: entryHash(first.hash, forged) })}\n`);
    // Then the hash chain alone holds, but the run does not carry on from it
    assert.deepEqual(verifyChain(readFileSync(t.path, 'utf8')), { ok: true, entries: 2 });
    assert.throws(() => FileJournal.open(t.path, 'run-1', clockAt(0), { signer }), (e: unknown) => e instanceof JournalCorrupt && e.line === 2 && /signature does not verify/.test(e.message));
  } finally {
    t.done();
  }
});

test('a journal begun before signing stays unsigned when resumed with a key', async () => {
  const t = tempJournal();
  try {
    const j = FileJournal.open(t.path, 'run-1', clockAt(0));
    await j.append({ type: 'node.cordon.requested', cluster: 'a', node: 'n1' });
    j.close();
    const again = FileJournal.open(t.path, 'run-1', clockAt(0), { signer: testSigner() });
    const e = await again.append({ type: 'run.resumed', holder: 'run-1' });
    again.close();
    assert.equal(e.sig, undefined);
    assert.equal(again.key, undefined);
  } finally {
    t.done();
  }
});
