// The journal port's contract, run against every adapter the code has: the JSONL file (src/journal/) and
// the ConfigMaps in the API server (src/journal/kube-journal.ts, over an in-memory fake of its API calls) and
// the in-memory one the engine's unit tests use (test/support/). Appends made together are sealed in the
// order made; the head is the last entry; what was appended reads back after reopening and the chain
// carries on from it; and the entries pass the verifier `audit verify` uses, signatures included.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunEvent } from '../../../src/engine/events.ts';
import { chainBreak, GENESIS, publicKeyOf } from '../../../src/engine/ports/journal-chain.ts';
import type { JournalPort, SealedEntry } from '../../../src/engine/ports/journal.ts';
import type { JournalSigner } from '../../../src/engine/ports/journal-signing.ts';
import { FileJournal } from '../../../src/journal/file-journal.ts';
import { JOURNAL_NAMESPACE, journalTextOf, KubeJournal, readChunks } from '../../../src/journal/kube-journal.ts';
import { verifyJournal } from '../../../src/report/integrity.ts';
import { testSigner } from '../../helpers/journal-key.ts';
import { MemoryJournal } from '../../support/memory-journal.ts';
import { fakeConfigMaps } from './fake-namespaced-objects.ts';

const RUN = 'weekly-20260901-090000-ab12';

/** One adapter's journal for a test: the port, the same journal opened again, its entries as JSON lines, and cleanup. */
interface Opened {
  readonly journal: JournalPort<RunEvent>;
  reopen(): JournalPort<RunEvent> | Promise<JournalPort<RunEvent>>;
  lines(): string | Promise<string>;
  done(): void;
}

interface Adapter {
  readonly name: string;
  open(signer?: JournalSigner): Opened | Promise<Opened>;
}

let tick = 1_000;
const clock = () => (tick += 1_000);

const ADAPTERS: readonly Adapter[] = [
  {
    name: 'the JSONL file',
    open: (signer) => {
      const dir = mkdtempSync(join(tmpdir(), 'daylight-journal-port-'));
      const path = join(dir, 'journal.jsonl');
      const opened: FileJournal<RunEvent>[] = [FileJournal.open<RunEvent>(path, RUN, clock, signer ? { signer } : {})];
      return {
        journal: opened[0] as FileJournal<RunEvent>,
        reopen: () => {
          for (const j of opened) j.close();
          opened.length = 0;
          const again = FileJournal.open<RunEvent>(path, RUN, clock, signer ? { signer } : {});
          opened.push(again);
          return again;
        },
        lines: () => readFileSync(path, 'utf8'),
        done: () => {
          for (const j of opened) j.close();
          rmSync(dir, { recursive: true, force: true });
        },
      };
    },
  },
  {
    name: 'ConfigMaps in the API server',
    open: async (signer) => {
      const configMaps = fakeConfigMaps();
      // Small chunks, so that reading back crosses from one ConfigMap to the next.
      const o = { configMaps, runId: RUN, clock, chunkBytes: 700, ...(signer ? { signer } : {}) };
      return {
        journal: await KubeJournal.open<RunEvent>(o),
        reopen: () => KubeJournal.open<RunEvent>(o),
        lines: async () => journalTextOf(await readChunks(configMaps, JOURNAL_NAMESPACE, RUN)),
        done: () => undefined,
      };
    },
  },
  {
    name: 'memory',
    open: (signer) => {
      const journal = new MemoryJournal<RunEvent>({ runId: RUN, clock, ...(signer ? { signer } : {}) });
      let latest: MemoryJournal<RunEvent> = journal;
      return {
        journal,
        reopen: () => (latest = new MemoryJournal<RunEvent>({ runId: RUN, clock, entries: latest.entries, ...(signer ? { signer } : {}) })),
        lines: () => latest.entries.map((e) => `${JSON.stringify(e)}\n`).join(''),
        done: () => undefined,
      };
    },
  },
];

const cordon = (node: string): RunEvent => ({ type: 'node.cordon.requested', cluster: 'eu-central', node });

for (const adapter of ADAPTERS) {
  describe(`the journal port over ${adapter.name}`, () => {
    it('seals appends made together in the order they were made, and its head is the last entry', async () => {
      const o = await adapter.open();
      try {
        // Given an empty journal, its head at the genesis hash
        assert.deepEqual(o.journal.head(), { seq: 0, hash: GENESIS });
        // When four appends are made without waiting for one another
        const sealed = await Promise.all(['n1', 'n2', 'n3', 'n4'].map((n) => o.journal.append(cordon(n))));
        // Then each resolved with its own entry, numbered and linked in the order asked
        assert.deepEqual(sealed.map((e) => [e.seq, (e.event as { node: string }).node]), [[1, 'n1'], [2, 'n2'], [3, 'n3'], [4, 'n4']]);
        assert.deepEqual(sealed.map((e) => e.prev), [GENESIS, ...sealed.slice(0, 3).map((e) => e.hash)]);
        assert.deepEqual(o.journal.entries, sealed);
        // And the head is the last of them
        assert.deepEqual(o.journal.head(), { seq: 4, hash: sealed[3]?.hash });
      } finally {
        o.done();
      }
    });

    it('reads back what was appended after reopening, and the next append links to it', async () => {
      const o = await adapter.open();
      try {
        // Given a journal a first session wrote three entries to
        for (const n of ['n1', 'n2', 'n3']) await o.journal.append(cordon(n));
        const written: readonly SealedEntry<RunEvent>[] = [...o.journal.entries];
        // When it is opened again, as a resumed run does
        const again = await o.reopen();
        // Then it reads the same entries and head, and carries the chain on from there
        assert.deepEqual(again.entries, written);
        assert.deepEqual(again.head(), { seq: 3, hash: written[2]?.hash });
        const next = await again.append({ type: 'run.resumed', holder: RUN });
        assert.deepEqual([next.seq, next.prev, next.runId], [4, written[2]?.hash, RUN]);
        assert.equal(chainBreak(again.entries), undefined);
      } finally {
        o.done();
      }
    });

    it('writes a chain that the verifier of audit verify passes, signed by the key', async () => {
      const signer = testSigner();
      const o = await adapter.open(signer);
      try {
        // Given a signed journal with entries from two sessions
        await o.journal.append({ type: 'run.started', plan: { name: 'weekly', path: 'weekly.yaml', sha256: 'x' }, clusters: ['eu-central'], holder: RUN });
        await o.journal.append(cordon('n1'));
        const again = await o.reopen();
        await again.append({ type: 'run.resumed', holder: RUN });
        // When its entries are verified against the key, as daylight audit verify does
        const trustedKey = publicKeyOf(signer.key);
        assert.ok(trustedKey);
        const { chain } = verifyJournal(await o.lines(), { runId: RUN, trustedKey });
        // Then every entry verifies, the key named in seq 1 only, and the head is the last entry
        assert.deepEqual([chain.ok, chain.verified, chain.signatures, chain.keyId], [true, 3, 'verified', signer.key.id]);
        assert.deepEqual(again.entries.map((e) => e.key?.id), [signer.key.id, undefined, undefined]);
        assert.deepEqual(chain.head && { seq: chain.head.seq, hash: chain.head.hash }, again.head());
      } finally {
        o.done();
      }
    });
  });
}
