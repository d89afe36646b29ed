// The journal port: where the engine writes each step of a run before it takes it, and reads back what
// an earlier session did. The engine imports this and nothing of an adapter; the local JSONL file
// (src/journal/file-journal.ts) is one adapter, a journal kept in the Kubernetes API server is another.
// Every adapter writes the same entries, chain and signatures (journal-chain.ts), so `audit verify`
// and a resumed run read any of them alike. Generic over the event: the engine's run events are its own
// (engine/events.ts), and this layer imports no engine module.
import type { JournalKeyRef } from './journal-signing.ts';

/** One entry as sealed: its place in the chain, the event, the hash that links it, and its signature. */
export interface SealedEntry<E = unknown> {
  readonly seq: number;
  /** Cluster clock (epoch ms) when the event happened. */
  readonly at: number;
  /** Wall-clock time, for people and auditors. */
  readonly wall: string;
  readonly runId: string;
  readonly event: E;
  /** Hash of the entry before (64 zeros for the first). */
  readonly prev: string;
  /** sha256 over prev and this entry's content. */
  readonly hash: string;
  /** On seq 1 of a signed journal: the key that signs it (covered by the hash). */
  readonly key?: JournalKeyRef;
  /** Ed25519 signature over `hash` (base64); not covered by the hash, which it signs. Absent in a journal written before signing. */
  readonly sig?: string;
}

/** Where the chain ends: the last entry's seq and hash (seq 0 and the genesis hash before the first). */
export interface JournalHead {
  readonly seq: number;
  readonly hash: string;
}

export interface JournalPort<E> {
  readonly runId: string;
  /**
   * Seals `event` as the next entry and resolves once it is durable (synced to disk, or written to the
   * API server under its resourceVersion): an intent is kept before the step it records goes ahead.
   * Rejects when the entry was not kept; the step it records must not go ahead then. Appends made
   * while one is in flight are sealed and resolved in the order they were made.
   */
  append(event: E): Promise<SealedEntry<E>>;
  /** Every entry kept so far, earlier sessions' included, in seq order. */
  readonly entries: readonly SealedEntry<E>[];
  head(): JournalHead;
}
