// The journal port kept in memory, for unit tests of the engine: the same seal as every adapter (the
// shared chain of engine/ports/journal-chain.ts), and an append that behaves as the API server's will:
// asynchronous, one write at a time in the order asked, and able to refuse an entry (a conditional write
// that lost its resourceVersion, an API server that is down), so a test can show the step it records
// does not go ahead.
import { checkSigned, headOf, sealEntry, signerForNext } from '../../src/engine/ports/journal-chain.ts';
import type { JournalHead, JournalPort, SealedEntry } from '../../src/engine/ports/journal.ts';
import type { JournalSigner } from '../../src/engine/ports/journal-signing.ts';

export interface MemoryJournalOptions<E> {
  readonly runId: string;
  /** Cluster clock for each entry's `at`. */
  readonly clock?: () => number;
  readonly signer?: JournalSigner;
  /** What an earlier session left (a resumed run): checked as an adapter checks what it opens. */
  readonly entries?: readonly SealedEntry<E>[];
}

export class MemoryJournal<E> implements JournalPort<E> {
  readonly runId: string;
  private readonly list: SealedEntry<E>[];
  private readonly clock: () => number;
  private readonly signer: JournalSigner | undefined;
  /** The write in flight; the next waits for it. */
  private tail: Promise<unknown> = Promise.resolve();
  private refusal: ((event: E) => Error | undefined) | undefined;
  /** Events whose append was refused, in the order asked. */
  readonly refused: E[] = [];

  constructor(o: MemoryJournalOptions<E>) {
    this.runId = o.runId;
    this.list = [...(o.entries ?? [])];
    this.clock = o.clock ?? (() => 0);
    this.signer = o.signer;
    if (o.signer) checkSigned(`memory journal ${o.runId}`, this.list, o.signer);
  }

  get entries(): readonly SealedEntry<E>[] {
    return this.list;
  }

  head(): JournalHead {
    return headOf(this.list);
  }

  /** From now on, an event for which `refuse` gives an error is not kept: its append rejects with that error. */
  refuseWhen(refuse: (event: E) => Error | undefined): void {
    this.refusal = refuse;
  }

  append(event: E): Promise<SealedEntry<E>> {
    const write = this.tail.then(() => this.write(event));
    this.tail = write.catch(() => undefined);
    return write;
  }

  /** One write: a turn of the event loop as a round trip would take, then kept unless refused. */
  private async write(event: E): Promise<SealedEntry<E>> {
    await new Promise((r) => setImmediate(r));
    const refused = this.refusal?.(event);
    if (refused) {
      this.refused.push(event);
      throw refused;
    }
    const signer = signerForNext(`memory journal ${this.runId}`, this.list[0], this.signer);
    const entry = sealEntry(this.head(), { runId: this.runId, event, at: this.clock(), wall: new Date(this.clock()).toISOString() }, signer);
    this.list.push(entry);
    return entry;
  }
}
