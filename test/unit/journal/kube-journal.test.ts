// The journal kept in the API server, over an in-memory fake of the ConfigMap calls with the API server's
// conditional writes: appends made together are sealed and kept in order; a full chunk is closed and the next
// one created; a second writer fences the first (its append rejects with JournalFenced, and nothing of it is
// kept), also when the first would have gone on in a new chunk; a retried write whose first answer was lost
// is recognised as its own; a chunk edited by hand is refused on open, naming the chunk, line and entry; a
// signed journal is carried on only with its key; the key in a Secret is made once and then reused.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { RunEvent } from '../../../src/engine/events.ts';
import { chainBreak, JournalCorrupt, JournalKeyMismatch, publicKeyOf } from '../../../src/engine/ports/journal-chain.ts';
import type { SealedEntry } from '../../../src/engine/ports/journal.ts';
import { chunkName, journalTextOf, JournalFenced, KubeJournal, readChunks } from '../../../src/journal/kube-journal.ts';
import type { KubeJournalOptions } from '../../../src/journal/kube-journal.ts';
import { journalPublicKeyInSecret, journalSignerInSecret, KEY_SECRET } from '../../../src/journal/kube-journal-key.ts';
import { verifyJournal } from '../../../src/report/integrity.ts';
import { testSigner } from '../../helpers/journal-key.ts';
import { fakeConfigMaps, fakeSecrets } from './fake-namespaced-objects.ts';
import type { FakeConfigMaps } from './fake-namespaced-objects.ts';

const RUN = 'weekly-20260901-090000-ab12';
const NS = 'daylight-system';
const cordon = (node: string): RunEvent => ({ type: 'node.cordon.requested', cluster: 'eu-central', node });
const nodeOf = (e: SealedEntry<RunEvent>) => (e.event as { node?: string }).node;

function options(configMaps: FakeConfigMaps, extra: Partial<KubeJournalOptions> = {}): KubeJournalOptions {
  let tick = 1_000;
  return { configMaps, runId: RUN, clock: () => (tick += 1_000), ...extra };
}

/** The entries the store holds now, read as a new writer would. */
async function stored(configMaps: FakeConfigMaps): Promise<SealedEntry<RunEvent>[]> {
  return [...(await KubeJournal.open<RunEvent>(options(configMaps))).entries];
}

describe('the journal in the API server', () => {
  it('seals appends made together in the order they were made, and keeps them in that order', async () => {
    // Given an empty journal
    const configMaps = fakeConfigMaps();
    const journal = await KubeJournal.open<RunEvent>(options(configMaps));
    // When twenty appends are made without waiting for one another
    const nodes = Array.from({ length: 20 }, (_, i) => `n${i + 1}`);
    const sealed = await Promise.all(nodes.map((n) => journal.append(cordon(n))));
    // Then each resolved with its own entry, numbered and linked in the order asked
    assert.deepEqual(sealed.map((e) => [e.seq, nodeOf(e)]), nodes.map((n, i) => [i + 1, n]));
    assert.equal(chainBreak(sealed), undefined);
    // And the API server holds them in that order, in fewer writes than appends (those waiting go together)
    assert.deepEqual(await stored(configMaps), sealed);
    assert.ok(configMaps.writes.length < 20, configMaps.writes.join(', '));
    assert.equal(configMaps.writes[0], `create ${chunkName(RUN, 0)}`);
  });

  it('closes a full chunk and goes on in the next, and a reopened journal reads them all and carries the chain on', async () => {
    // Given a signed journal whose chunks hold about 1.5 KiB, owned by a MaintenanceRun
    const configMaps = fakeConfigMaps();
    const signer = testSigner();
    const owner = { apiVersion: 'daylight.dev/v1alpha1', kind: 'MaintenanceRun', name: RUN, uid: 'uid-1', controller: true };
    const journal = await KubeJournal.open<RunEvent>(options(configMaps, { signer, owner, chunkBytes: 1_500 }));
    // When twelve entries are appended one after the other
    for (let i = 1; i <= 12; i++) await journal.append(cordon(`node-${i}`));
    // Then they span several chunks, numbered from 0, each within its size, each but the last closed
    const chunks = await readChunks(configMaps, NS, RUN);
    assert.ok(chunks.length >= 3, `${chunks.length} chunks`);
    assert.deepEqual(chunks.map((c) => c.name), chunks.map((_, n) => chunkName(RUN, n)));
    for (const c of chunks) assert.ok(Buffer.byteLength(c.text) <= 1_500, `${c.name}: ${Buffer.byteLength(c.text)} bytes`);
    assert.deepEqual(chunks.map((c) => c.closed), chunks.map((_, i) => i < chunks.length - 1));
    // And each is labelled with the run and owned by the MaintenanceRun
    for (const c of chunks) {
      assert.equal(c.object.metadata?.labels?.['daylight.dev/run'], RUN);
      assert.deepEqual(c.object.metadata?.ownerReferences, [owner]);
    }
    // And a writer that opens it again reads all twelve, and its next entry links to the last
    const again = await KubeJournal.open<RunEvent>(options(configMaps, { signer, chunkBytes: 1_500 }));
    assert.deepEqual(again.entries, journal.entries);
    const next = await again.append({ type: 'run.resumed', holder: RUN });
    assert.deepEqual([next.seq, next.prev], [13, journal.entries[11]?.hash]);
    // And the chunks read as one journal pass the verifier of audit verify, signatures included
    const trustedKey = publicKeyOf(signer.key);
    const { chain } = verifyJournal(journalTextOf(await readChunks(configMaps, NS, RUN)), { runId: RUN, trustedKey });
    assert.deepEqual([chain.ok, chain.verified, chain.signatures], [true, 13, 'verified']);
  });

  it('refuses the append of a writer another one appended after, with JournalFenced, and keeps nothing of it', async () => {
    // Given writer A with two entries, and writer B that opened the journal after them and appended one
    const configMaps = fakeConfigMaps();
    const a = await KubeJournal.open<RunEvent>(options(configMaps));
    await a.append(cordon('a-1'));
    await a.append(cordon('a-2'));
    const b = await KubeJournal.open<RunEvent>(options(configMaps));
    await b.append({ type: 'run.resumed', holder: 'b' });
    // When A appends again, two entries at once
    const refused = await Promise.allSettled([a.append(cordon('a-3')), a.append(cordon('a-4'))]);
    // Then both are refused: the journal was written by someone else, with the resourceVersions
    for (const r of refused) {
      assert.equal(r.status, 'rejected');
      assert.ok(r.reason instanceof JournalFenced, String(r.reason));
      assert.match(r.reason.message, /ConfigMap daylight-system\/daylight-journal-weekly-20260901-090000-ab12-0: the journal was written by someone else since this writer read it \(resourceVersion expected \d+, found \d+\)/);
      assert.notEqual(r.reason.expected, r.reason.found);
    }
    // And A stays fenced: a later append is refused too
    await assert.rejects(a.append(cordon('a-5')), JournalFenced);
    // And the journal holds A's first two, B's, and nothing of A after B took over; B carries on
    await b.append(cordon('b-2'));
    assert.deepEqual((await stored(configMaps)).map((e) => [e.seq, nodeOf(e) ?? e.event.type]), [[1, 'a-1'], [2, 'a-2'], [3, 'run.resumed'], [4, 'b-2']]);
  });

  it('fences a writer that would go on in a new chunk after another writer filled the current one', async () => {
    // Given writer A whose chunk is nearly full, and writer B that opened after A and appended to that chunk
    const configMaps = fakeConfigMaps();
    const a = await KubeJournal.open<RunEvent>(options(configMaps, { chunkBytes: 1_000 }));
    await a.append(cordon('a-1'));
    await a.append(cordon('a-2'));
    const b = await KubeJournal.open<RunEvent>(options(configMaps, { chunkBytes: 1_000 }));
    await b.append(cordon('b-1'));
    // When A appends an entry its own view of the chunk has no room for
    const big: RunEvent = { type: 'node.cordon.requested', cluster: 'eu-central', node: 'x'.repeat(400) };
    // Then A is refused: it closes the chunk under the resourceVersion it read before creating the next
    await assert.rejects(a.append(big), JournalFenced);
    assert.deepEqual((await stored(configMaps)).map(nodeOf), ['a-1', 'a-2', 'b-1']);
    assert.equal(configMaps.stored.has(`${NS}/${chunkName(RUN, 1)}`), false);
  });

  it('refuses a writer whose next chunk another writer created first', async () => {
    // Given two writers that opened the same journal, whose only chunk is full
    const configMaps = fakeConfigMaps();
    const first = await KubeJournal.open<RunEvent>(options(configMaps, { chunkBytes: 300 }));
    await first.append(cordon('n1'));
    const a = await KubeJournal.open<RunEvent>(options(configMaps, { chunkBytes: 300 }));
    const b = await KubeJournal.open<RunEvent>(options(configMaps, { chunkBytes: 300 }));
    // When both append at once
    const [ra, rb] = await Promise.allSettled([a.append(cordon('a')), b.append(cordon('b'))]);
    // Then exactly one is kept, and the other is fenced
    const outcomes = [ra.status, rb.status].sort();
    assert.deepEqual(outcomes, ['fulfilled', 'rejected']);
    const loser = ra.status === 'rejected' ? ra : rb;
    assert.ok(loser.status === 'rejected' && loser.reason instanceof JournalFenced, String(loser.status === 'rejected' ? loser.reason : ''));
    assert.equal((await stored(configMaps)).length, 2);
  });

  it('takes a write whose answer was lost and whose retry met a conflict as its own', async () => {
    // Given an API server that applies a replace and then answers the client's retry of it with a conflict
    const configMaps = fakeConfigMaps();
    const lossy: FakeConfigMaps = {
      ...configMaps,
      replace: async (ns, body) => {
        await configMaps.replace(ns, body);
        return configMaps.replace(ns, body);
      },
    };
    const journal = await KubeJournal.open<RunEvent>(options(lossy));
    await journal.append(cordon('n1'));
    // When the next append's write is applied but its retry is refused
    const entry = await journal.append(cordon('n2'));
    // Then the append resolves (the chunk holds exactly what it wrote), and the writer goes on
    assert.equal(entry.seq, 2);
    await journal.append(cordon('n3'));
    assert.deepEqual((await stored(configMaps)).map(nodeOf), ['n1', 'n2', 'n3']);
  });

  it('refuses to open a journal with an entry edited in a chunk, naming the chunk, its line and the entry', async () => {
    // Given a journal over two chunks
    const configMaps = fakeConfigMaps();
    const journal = await KubeJournal.open<RunEvent>(options(configMaps, { chunkBytes: 1_000 }));
    for (let i = 1; i <= 8; i++) await journal.append(cordon(`node-${i}`));
    const chunks = await readChunks(configMaps, NS, RUN);
    assert.ok(chunks.length >= 2);
    const second = chunks[1];
    assert.ok(second);
    // When one entry's node is changed in the second chunk, as kubectl edit would
    const victim = JSON.parse(second.text.split('\n')[1] ?? '') as SealedEntry<RunEvent>;
    configMaps.edit(NS, second.name, (cm) => {
      cm.data = { 'journal.jsonl': second.text.replace(`"node":"${nodeOf(victim)}"`, '"node":"node-99"') };
    });
    // Then opening it is refused, naming the chunk, the line in it, and the entry
    await assert.rejects(KubeJournal.open<RunEvent>(options(configMaps)), (e: unknown) => {
      assert.ok(e instanceof JournalCorrupt);
      assert.equal(e.message, `ConfigMap ${NS}/${second.name} (journal.jsonl):2: the journal's hash chain breaks here: entry seq ${victim.seq}: its content does not match its hash (edited)`);
      return true;
    });
  });

  it('refuses to carry on a signed journal with another key, or with none', async () => {
    // Given a journal signed by one key
    const configMaps = fakeConfigMaps();
    const journal = await KubeJournal.open<RunEvent>(options(configMaps, { signer: testSigner() }));
    await journal.append(cordon('n1'));
    // Then a writer with another key is refused at open, and one with no key at its first append
    await assert.rejects(KubeJournal.open<RunEvent>(options(configMaps, { signer: testSigner() })), JournalKeyMismatch);
    const keyless = await KubeJournal.open<RunEvent>(options(configMaps));
    await assert.rejects(keyless.append(cordon('n2')), /this journal is signed by key .*, and no key was given to sign the next entry/);
    assert.deepEqual((await stored(configMaps)).map(nodeOf), ['n1']);
  });

  it('refuses to open a journal with a chunk deleted before the last', async () => {
    // Given a journal over three chunks or more, the second deleted
    const configMaps = fakeConfigMaps();
    const journal = await KubeJournal.open<RunEvent>(options(configMaps, { chunkBytes: 600 }));
    for (let i = 1; i <= 8; i++) await journal.append(cordon(`node-${i}`));
    configMaps.stored.delete(`${NS}/${chunkName(RUN, 1)}`);
    // Then opening it is refused, naming the missing chunk
    await assert.rejects(KubeJournal.open<RunEvent>(options(configMaps)), /daylight-journal-weekly-20260901-090000-ab12-1:1: .*chunk 1 of the journal is missing/);
  });

  it('makes the journal key in a Secret once, and every later reader gets the same key', async () => {
    // Given no Secret
    const secrets = fakeSecrets();
    assert.equal(await journalPublicKeyInSecret(secrets, NS), undefined);
    // When two replicas ask for the signer at once, and a third later
    const [one, two] = await Promise.all([journalSignerInSecret(secrets, NS), journalSignerInSecret(secrets, NS)]);
    const three = await journalSignerInSecret(secrets, NS);
    // Then one Secret holds the key, and all three sign with it
    assert.deepEqual([...secrets.stored.keys()], [`${NS}/${KEY_SECRET}`]);
    assert.equal(one?.key.id, three.key.id);
    assert.equal(two?.key.id, three.key.id);
    const publicKey = await journalPublicKeyInSecret(secrets, NS);
    assert.equal(publicKey?.export({ type: 'spki', format: 'der' }).toString('base64'), three.key.spki);
  });
});
