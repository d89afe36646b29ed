// The head anchor as a run uses it: a head per round of appends (entries appended during a write are
// covered by the next one), the final head on flush, failures reported and retried later, never a busy loop.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileJournal } from '../../../src/journal/file-journal.ts';
import { HeadAnchor } from '../../../src/journal/head-anchor.ts';
import type { HeadStore } from '../../../src/journal/head-anchor.ts';
import { headValid } from '../../../src/engine/ports/journal-signing.ts';
import type { SignedHead } from '../../../src/engine/ports/journal-signing.ts';
import { createPublicKey } from 'node:crypto';
import { testSigner } from '../../helpers/journal-key.ts';

/** A store that records every write and can hold writes until released, or fail them. */
function recordingStore(): HeadStore & { writes: SignedHead[]; hold: () => () => void; failing: boolean } {
  let gate: Promise<void> | undefined;
  const s = {
    where: 'memory',
    writes: [] as SignedHead[],
    failing: false,
    hold: () => {
      let release = () => undefined as void;
      gate = new Promise<void>((r) => (release = r));
      return () => {
        gate = undefined;
        release();
      };
    },
    write: async (h: SignedHead) => {
      s.writes.push(h);
      if (gate) await gate;
      if (s.failing) throw new Error('connection refused');
    },
    read: async () => s.writes.at(-1),
  };
  return s;
}

function tempJournal(): { path: string; done: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'daylight-anchor-'));
  return { path: join(dir, 'journal.jsonl'), done: () => rmSync(dir, { recursive: true, force: true }) };
}

test('entries appended while a head is being written are anchored by the next write, and flush writes the last head', async () => {
  const t = tempJournal();
  try {
    const signer = testSigner();
    const store = recordingStore();
    const anchor = new HeadAnchor({ stores: [store], signer });
    const j = FileJournal.open(t.path, 'run-1', () => 0, { signer, onAppend: (e) => anchor.note(e) });
    const release = store.hold();
    // Given the first head's write in flight, four more entries appended
    for (let i = 0; i < 5; i++) await j.append({ type: 'node.cordon.requested', cluster: 'a', node: `n${i}` });
    assert.deepEqual(store.writes.map((w) => w.seq), [1]);
    // When the write comes back
    release();
    const end = await anchor.flush();
    // Then one more write covers all four, signed over the run, seq and hash
    assert.deepEqual(store.writes.map((w) => w.seq), [1, 5]);
    assert.deepEqual(end, { seq: 5, failures: [] });
    const last = store.writes.at(-1) as SignedHead;
    assert.equal(last.hash, j.entries.at(-1)?.hash);
    const publicKey = createPublicKey({ key: Buffer.from(signer.key.spki, 'base64'), format: 'der', type: 'spki' });
    assert.equal(headValid(publicKey, last), true);
    assert.equal(headValid(publicKey, { ...last, seq: 4 }), false, 'the signature covers the seq');
    j.close();
  } finally {
    t.done();
  }
});

test('a store that fails is reported and tried again with the next entry, without a busy loop', async () => {
  const t = tempJournal();
  try {
    const signer = testSigner();
    const store = recordingStore();
    store.failing = true;
    const failures: string[] = [];
    const anchor = new HeadAnchor({ stores: [store], signer, onFailure: (f) => failures.push(`${f.where}: ${f.message}`) });
    const j = FileJournal.open(t.path, 'run-1', () => 0, { signer, onAppend: (e) => anchor.note(e) });
    await j.append({ type: 'node.cordon.requested', cluster: 'a', node: 'n1' });
    const failed = await anchor.flush();
    assert.equal(failed.seq, 0);
    assert.deepEqual(failed.failures, [{ where: 'memory', message: 'connection refused' }]);
    assert.ok(store.writes.length <= 2, `${store.writes.length} writes for one entry`);
    assert.deepEqual([...new Set(failures)], ['memory: connection refused']);
    // When the cluster answers again, the next entry anchors the head
    store.failing = false;
    await j.append({ type: 'node.cordoned', cluster: 'a', node: 'n1', changed: true });
    assert.deepEqual(await anchor.flush(), { seq: 2, failures: [] });
    j.close();
  } finally {
    t.done();
  }
});

test('an unsigned journal is not anchored', async () => {
  const t = tempJournal();
  try {
    const store = recordingStore();
    const anchor = new HeadAnchor({ stores: [store], signer: testSigner() });
    const j = FileJournal.open(t.path, 'run-1', () => 0, { onAppend: (e) => anchor.note(e) });
    await j.append({ type: 'node.cordon.requested', cluster: 'a', node: 'n1' });
    assert.deepEqual(await anchor.flush(), { seq: 0, failures: [] });
    assert.equal(store.writes.length, 0);
    j.close();
  } finally {
    t.done();
  }
});

test('with a pace, a busy journal writes its head about once per interval, and flush writes the last head at once', async () => {
  const t = tempJournal();
  try {
    // A clock whose sleeps end only when the test moves it on (or the sleep is aborted)
    let now = 0;
    const sleepers: { until: number; wake: () => void }[] = [];
    const clock = {
      now: () => now,
      sleep: (ms: number, signal?: AbortSignal) => new Promise<void>((resolve, reject) => {
        sleepers.push({ until: now + ms, wake: resolve });
        signal?.addEventListener('abort', () => reject(Object.assign(new Error('aborted'), { name: 'AbortError' })), { once: true });
      }),
    };
    const advance = async (ms: number) => {
      now += ms;
      for (const s of sleepers.filter((x) => x.until <= now)) {
        sleepers.splice(sleepers.indexOf(s), 1);
        s.wake();
      }
      await new Promise((r) => setImmediate(r));
    };
    const signer = testSigner();
    const store = recordingStore();
    const anchor = new HeadAnchor({ stores: [store], signer, pace: { clock, minIntervalMs: 1000 } });
    const j = FileJournal.open(t.path, 'run-1', () => now, { signer, onAppend: (e) => anchor.note(e) });
    await j.append({ type: 'node.cordon.requested', cluster: 'a', node: 'n1' });
    await advance(0);
    // Given the first head written, three more entries within the interval
    for (let i = 2; i <= 4; i++) await j.append({ type: 'node.cordon.requested', cluster: 'a', node: `n${i}` });
    await advance(500);
    assert.deepEqual(store.writes.map((w) => w.seq), [1], 'held back until the interval has passed');
    await advance(500);
    assert.deepEqual(store.writes.map((w) => w.seq), [1, 4], 'then one write for the three');
    // When the session ends within the next interval, the last head is written without waiting
    await j.append({ type: 'node.cordoned', cluster: 'a', node: 'n1', changed: true });
    assert.deepEqual(await anchor.flush(), { seq: 5, failures: [] });
    assert.deepEqual(store.writes.map((w) => w.seq), [1, 4, 5]);
    j.close();
  } finally {
    t.done();
  }
});
