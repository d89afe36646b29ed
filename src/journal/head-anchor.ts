// The journal's head (last seq and hash, signed) kept outside the state directory as the run goes, so a
// journal cut short or rolled back shows against it. Works over any journal adapter's entries (it needs
// their seq, hash and signature); the CLI puts one store per cluster of the plan behind it (a ConfigMap in each).
import type { Clock } from '../lib/clock.ts';
import { mapLimit } from '../lib/concurrency.ts';
import { errorMessage, isAbortError } from '../lib/errors.ts';
import type { SealedEntry } from '../engine/ports/journal.ts';
import { signHead } from '../engine/ports/journal-signing.ts';
import type { JournalSigner, SignedHead } from '../engine/ports/journal-signing.ts';

/** Where a run's head is kept: write it (never moving it back), read it. */
export interface HeadStore {
  /** For messages: "cluster eu-central (ConfigMap kube-system/daylight-journal-…)". */
  readonly where: string;
  write(head: SignedHead, signal?: AbortSignal): Promise<void>;
  read(runId: string, signal?: AbortSignal): Promise<SignedHead | undefined>;
}

export interface AnchorFailure {
  readonly where: string;
  readonly message: string;
}

export interface AnchorState {
  /** The highest seq written to at least one store; 0 when none was. */
  readonly seq: number;
  /** Stores whose last write failed. */
  readonly failures: readonly AnchorFailure[];
}

/** Stores written at once: one per cluster of the plan, a handful. */
const WRITE_LIMIT = 4;

/** Rounds start at most this often (cluster time), so a busy run writes each store about once a second. */
export interface AnchorPace {
  readonly clock: Pick<Clock, 'now' | 'sleep'>;
  readonly minIntervalMs: number;
}

/**
 * Anchors a signed journal's head after appends. One write round at a time, to every store: entries
 * appended while a round is in flight, or while the pace holds the next round back, are covered by the
 * next round. So the anchor trails the file by at most the entries of the pace's interval plus one round
 * (a few API round trips), and `flush` writes the last head at once at the end of a session. A failed
 * write is reported and retried with the next append or flush, never fatal: the signatures still hold.
 */
export class HeadAnchor {
  private readonly stores: readonly HeadStore[];
  private readonly signer: JournalSigner;
  private readonly onFailure: (f: AnchorFailure) => void;
  private latest: { runId: string; seq: number; hash: string } | undefined;
  private attempted = 0;
  private anchored = 0;
  private failures: AnchorFailure[] = [];
  private running: Promise<void> | undefined;
  private readonly pace: AnchorPace | undefined;
  private lastRoundAt = Number.NEGATIVE_INFINITY;
  /** Cuts the pace's wait short when the session ends. */
  private readonly hurry = new AbortController();

  constructor(o: { stores: readonly HeadStore[]; signer: JournalSigner; onFailure?: (f: AnchorFailure) => void; pace?: AnchorPace }) {
    this.stores = o.stores;
    this.signer = o.signer;
    this.onFailure = o.onFailure ?? (() => undefined);
    this.pace = o.pace;
  }

  /** The journal's onAppend: starts a write round unless one is in flight. Unsigned entries are not anchored. */
  note(entry: SealedEntry): void {
    if (entry.sig === undefined || this.stores.length === 0) return;
    this.latest = { runId: entry.runId, seq: entry.seq, hash: entry.hash };
    this.running ??= this.pump()
      .catch((e: unknown) => this.onFailure({ where: 'the head anchor', message: errorMessage(e) }))
      .finally(() => {
        this.running = undefined;
      });
  }

  /** Waits for the round in flight, then writes the latest head if no store has it yet. */
  async flush(): Promise<AnchorState> {
    this.hurry.abort();
    await this.running;
    if (this.latest && this.latest.seq > this.anchored) {
      this.attempted = Math.min(this.attempted, this.anchored);
      this.running = this.pump()
        .catch((e: unknown) => this.onFailure({ where: 'the head anchor', message: errorMessage(e) }))
        .finally(() => {
          this.running = undefined;
        });
      await this.running;
    }
    return { seq: this.anchored, failures: this.failures };
  }

  private async pump(): Promise<void> {
    while (this.latest && this.latest.seq > this.attempted) {
      if (this.pace) await this.keepPace();
      const { runId, seq, hash } = this.latest;
      this.attempted = seq;
      const head = signHead(this.signer, runId, seq, hash);
      const failures: AnchorFailure[] = [];
      await mapLimit(this.stores, WRITE_LIMIT, async (s) => {
        try {
          await s.write(head);
        } catch (e: unknown) {
          failures.push({ where: s.where, message: errorMessage(e) });
        }
      });
      if (failures.length < this.stores.length) this.anchored = Math.max(this.anchored, seq);
      this.failures = failures;
      for (const f of failures) this.onFailure(f);
      // A round where every store failed ends the pump: the next append or flush tries again, no busy loop.
      if (failures.length === this.stores.length) return;
    }
  }

  /** Waits until the pace allows the next round; not at all once flush was called. */
  private async keepPace(): Promise<void> {
    if (!this.pace) return;
    const wait = this.lastRoundAt + this.pace.minIntervalMs - this.pace.clock.now();
    if (wait > 0 && !this.hurry.signal.aborted) {
      try {
        await this.pace.clock.sleep(wait, this.hurry.signal);
      } catch (e: unknown) {
        if (!isAbortError(e)) throw e;
      }
    }
    this.lastRoundAt = this.pace.clock.now();
  }
}

/** What the stores hold for a run: the heads found (the verifier checks their signatures), and which stores could not answer. */
export interface AnchorReading {
  readonly heads: readonly { readonly where: string; readonly head: SignedHead }[];
  /** Stores that could not be read (cluster unreachable, no access). */
  readonly unreadable: readonly AnchorFailure[];
  /** Stores that answered but hold no head for the run. */
  readonly empty: readonly string[];
}

export async function readAnchor(stores: readonly HeadStore[], runId: string, signal?: AbortSignal): Promise<AnchorReading> {
  const heads: { where: string; head: SignedHead }[] = [];
  const unreadable: AnchorFailure[] = [];
  const empty: string[] = [];
  await mapLimit(stores, WRITE_LIMIT, async (s) => {
    try {
      const head = await s.read(runId, signal);
      if (head) heads.push({ where: s.where, head });
      else empty.push(s.where);
    } catch (e: unknown) {
      unreadable.push({ where: s.where, message: errorMessage(e) });
    }
  });
  return { heads, unreadable, empty };
}
