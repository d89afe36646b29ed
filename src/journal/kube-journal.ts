// The journal port's adapter in the Kubernetes API server, for runs the in-cluster controller drives: the
// same sealed entries as the file journal (engine/ports/journal-chain.ts), as JSON lines in a series of
// ConfigMaps `daylight-journal-<run>-<n>` of bounded size. Every append is a conditional write (a replace
// under the resourceVersion last read, or the create of the next ConfigMap), so a deposed writer's append
// is refused (JournalFenced) and two writers never interleave: the API server's optimistic concurrency is
// the fence, no lock of our own.
import { createHash } from 'node:crypto';
import type { V1ConfigMap, V1OwnerReference } from '@kubernetes/client-node';
import { chainBreak, checkSigned, headOf, JournalCorrupt, sealEntry, signerForNext } from '../engine/ports/journal-chain.ts';
import type { JournalHead, JournalPort, SealedEntry } from '../engine/ports/journal.ts';
import type { JournalSigner } from '../engine/ports/journal-signing.ts';
import { statusCode } from '../kube/api-error.ts';
import type { ConfigMapApi } from '../kube/namespaced-objects.ts';
import { errorMessage, isAbortError, UserError } from '../lib/errors.ts';
import { runIdProblem } from '../lib/run-id.ts';

export const JOURNAL_NAMESPACE = 'daylight-system';
/** The data key of a chunk: its entries as JSON lines. */
export const JOURNAL_DATA_KEY = 'journal.jsonl';
export const RUN_LABEL = 'daylight.dev/run';
/** On a chunk its writer filled: the next entry goes to the next chunk, never here. */
const CLOSED_ANNOTATION = 'daylight.dev/journal-closed';
/**
 * Entries per ConfigMap, in bytes of JSON lines: well under the API server's 1 MiB per object (etcd's
 * request limit is 1.5 MiB), so a replace stays one small request and a chunk is quick to read.
 */
export const CHUNK_BYTES = 200 * 1024;

/** `daylight-journal-<run id>-<n>`: a run id is lower-case letters, digits and "-", so this is a valid name. */
export function chunkName(runId: string, n: number): string {
  return `daylight-journal-${runId}-${n}`;
}

/** The run label's value: the run id, or when longer than a label value may be (63), a prefix and a digest. */
export function runLabelValue(runId: string): string {
  if (runId.length <= 63) return runId;
  return `${runId.slice(0, 46)}-${createHash('sha256').update(runId).digest('hex').slice(0, 16)}`;
}

/** One ConfigMap of a run's journal, as read. */
export interface Chunk {
  readonly n: number;
  readonly name: string;
  readonly text: string;
  readonly closed: boolean;
  readonly object: V1ConfigMap;
}

/** A conditional write lost: someone else wrote the journal since this writer read it. */
export class JournalFenced extends Error {
  override name = 'JournalFenced';
  /** The resourceVersion this writer's write was conditional on ("none": it expected no object). */
  readonly expected: string;
  /** The resourceVersion there now ("none": the object is gone). */
  readonly found: string;

  constructor(where: string, expected: string, found: string) {
    super(`${where}: the journal was written by someone else since this writer read it (resourceVersion expected ${expected}, found ${found}); this append was not kept, and this writer appends no more: another writer carries the run on`);
    this.expected = expected;
    this.found = found;
  }
}

/**
 * The run's chunks in order, read in one list by the run label. Absent chunks are not filled in: the
 * caller checks for a gap with `missingChunk`.
 */
export async function readChunks(configMaps: ConfigMapApi, namespace: string, runId: string, signal?: AbortSignal): Promise<Chunk[]> {
  const items = await configMaps.list(namespace, `${RUN_LABEL}=${runLabelValue(runId)}`, signal);
  const prefix = `${chunkName(runId, 0).slice(0, -1)}`;
  const chunks: Chunk[] = [];
  for (const object of items) {
    const name = object.metadata?.name ?? '';
    const suffix = name.startsWith(prefix) ? name.slice(prefix.length) : '';
    if (!/^(0|[1-9][0-9]*)$/.test(suffix)) continue;
    chunks.push({ n: Number(suffix), name, text: object.data?.[JOURNAL_DATA_KEY] ?? '', closed: object.metadata?.annotations?.[CLOSED_ANNOTATION] === 'true', object });
  }
  return chunks.sort((a, b) => a.n - b.n);
}

/** The first chunk number absent before the last one present, or undefined when they run 0, 1, 2... */
export function missingChunk(chunks: readonly Chunk[]): number | undefined {
  const at = chunks.findIndex((c, i) => c.n !== i);
  return at < 0 ? undefined : at;
}

/** Every chunk's lines as one JSONL text, each chunk's last line ended, for the verifier `audit verify` uses. */
export function journalTextOf(chunks: readonly Chunk[]): string {
  return chunks.map((c) => (c.text === '' || c.text.endsWith('\n') ? c.text : `${c.text}\n`)).join('');
}

/** Which chunk, and which line of its journal.jsonl, holds line `line` (1-based) of journalTextOf(chunks). */
export function chunkLine(chunks: readonly Chunk[], line: number): { readonly chunk: Chunk; readonly line: number } | undefined {
  let before = 0;
  for (const chunk of chunks) {
    const lines = journalTextOf([chunk]).split('\n').length - 1;
    if (line <= before + lines) return { chunk, line: line - before };
    before += lines;
  }
  return undefined;
}

export interface KubeJournalOptions {
  readonly configMaps: ConfigMapApi;
  readonly runId: string;
  /** Where the chunks are: JOURNAL_NAMESPACE unless given. */
  readonly namespace?: string;
  /** Cluster clock (epoch ms) for each entry's `at`. */
  readonly clock: () => number;
  /** As for the file journal: signs a new journal and one begun signed; a signed journal refuses another key. */
  readonly signer?: JournalSigner;
  /** Set on every chunk created: the MaintenanceRun, so the journal goes with it. */
  readonly owner?: V1OwnerReference;
  /** Called after each entry is durable (the head anchor). */
  readonly onAppend?: (entry: SealedEntry) => void;
  /** Bytes of entries per chunk; CHUNK_BYTES unless given (tests make it small). */
  readonly chunkBytes?: number;
  readonly signal?: AbortSignal;
}

interface Pending<E> {
  readonly event: E;
  readonly at: number;
  readonly wall: string;
  resolve(entry: SealedEntry<E>): void;
  reject(e: unknown): void;
}

/** The entries sealed for one write, and their lines. */
interface Batch<E> {
  readonly entries: SealedEntry<E>[];
  readonly text: string;
}

export class KubeJournal<E> implements JournalPort<E> {
  readonly runId: string;
  readonly namespace: string;
  private readonly o: KubeJournalOptions;
  private readonly list: SealedEntry<E>[];
  /** The chunk the next entry goes to, as last read or written; undefined before the first. */
  private current: Chunk | undefined;
  private readonly pending: Pending<E>[] = [];
  private pumping = false;
  /** Set by the first write that failed: every later append is refused with it. */
  private stopped: Error | undefined;

  private constructor(o: KubeJournalOptions, namespace: string, entries: SealedEntry<E>[], current: Chunk | undefined) {
    this.o = o;
    this.runId = o.runId;
    this.namespace = namespace;
    this.list = entries;
    this.current = current;
  }

  /**
   * Reads every chunk of the run in order and checks the chain (and with a signer, that every entry is
   * signed by that key) before carrying it on: a broken chain is refused naming the chunk, its line and the
   * entry. Writes nothing: the first append creates the first chunk.
   */
  static async open<E>(o: KubeJournalOptions): Promise<KubeJournal<E>> {
    const problem = runIdProblem(o.runId);
    if (problem) throw new UserError(problem);
    const namespace = o.namespace ?? JOURNAL_NAMESPACE;
    const chunks = await readChunks(o.configMaps, namespace, o.runId, o.signal);
    const gap = missingChunk(chunks);
    if (gap !== undefined) throw new JournalCorrupt(`ConfigMap ${namespace}/${chunkName(o.runId, gap)}`, 1, `chunk ${gap} of the journal is missing, and chunk ${chunks.at(-1)?.n ?? '?'} is there (deleted)`);
    const entries = parseChunks<E>(namespace, chunks);
    if (o.signer) checkSigned(describeJournal(namespace, o.runId), entries, o.signer);
    return new KubeJournal<E>(o, namespace, entries, chunks.at(-1));
  }

  get entries(): readonly SealedEntry<E>[] {
    return this.list;
  }

  head(): JournalHead {
    return headOf(this.list);
  }

  /**
   * Resolves once the entry is in the API server. Appends made while a write is in flight wait for it and
   * go together in the next write, sealed in the order they were made. A lost conditional write rejects
   * with JournalFenced, any other failed write with its cause; either way the entries of that write and
   * of every later append are not kept.
   */
  append(event: E): Promise<SealedEntry<E>> {
    const at = this.o.clock();
    const wall = new Date().toISOString();
    return new Promise((resolve, reject) => {
      this.pending.push({ event, at, wall, resolve, reject });
      if (!this.pumping) {
        this.pumping = true;
        void this.pump();
      }
    });
  }

  private async pump(): Promise<void> {
    try {
      while (this.pending.length > 0) {
        if (this.stopped) {
          for (const p of this.pending.splice(0)) p.reject(this.stopped);
          return;
        }
        try {
          await this.writeNext();
        } catch (e: unknown) {
          this.stopped = e instanceof JournalFenced || isAbortError(e) ? (e as Error) : new Error(`${this.where()}: the journal could not be written, and this entry was not kept: ${errorMessage(e)}; later appends are refused until the journal is opened again`, { cause: e });
        }
      }
    } finally {
      this.pumping = false;
    }
  }

  /** One conditional write: as many waiting entries as the current chunk has room for, or the next chunk. */
  private async writeNext(): Promise<void> {
    const target = this.current && !this.current.closed ? this.current : undefined;
    const room = (this.o.chunkBytes ?? CHUNK_BYTES) - Buffer.byteLength(target?.text ?? '');
    const batch = this.seal(room, !target || target.text === '');
    if (batch.entries.length === 0 && target) {
      // The chunk is full: closed under its resourceVersion first, so a writer deposed since cannot go on in a new chunk.
      this.current = await this.replace(target, target.text, true);
      return;
    }
    this.current = target ? await this.replace(target, target.text + batch.text, false) : await this.create((this.current?.n ?? -1) + 1, batch.text);
    const done = this.pending.splice(0, batch.entries.length);
    batch.entries.forEach((entry, i) => {
      this.list.push(entry);
      this.o.onAppend?.(entry);
      done[i]?.resolve(entry);
    });
  }

  /** Seals waiting entries from the head while they fit in `room` bytes; the first always fits an empty chunk. */
  private seal(room: number, emptyChunk: boolean): Batch<E> {
    const signer = signerForNext(this.where(), this.list[0], this.o.signer);
    let head = this.head();
    const entries: SealedEntry<E>[] = [];
    let text = '';
    for (const p of this.pending) {
      const entry = sealEntry(head, { runId: this.runId, event: p.event, at: p.at, wall: p.wall }, signer);
      const line = `${JSON.stringify(entry)}\n`;
      if (Buffer.byteLength(text + line) > room && !(emptyChunk && entries.length === 0)) break;
      entries.push(entry);
      text += line;
      head = { seq: entry.seq, hash: entry.hash };
    }
    return { entries, text };
  }

  /** Replaces the chunk under the resourceVersion it was read or written at. */
  private async replace(c: Chunk, text: string, closed: boolean): Promise<Chunk> {
    const meta = c.object.metadata ?? {};
    const annotations = { ...meta.annotations, ...(closed ? { [CLOSED_ANNOTATION]: 'true' } : {}) };
    // What others put on the chunk (labels, annotations, owners) is kept; the server's bookkeeping is its own.
    const metadata = { name: c.name, namespace: this.namespace, labels: meta.labels, annotations, ownerReferences: meta.ownerReferences, resourceVersion: meta.resourceVersion };
    const body: V1ConfigMap = { apiVersion: 'v1', kind: 'ConfigMap', metadata, data: { ...c.object.data, [JOURNAL_DATA_KEY]: text } };
    try {
      return chunkOf(c.n, await this.o.configMaps.replace(this.namespace, body, this.o.signal));
    } catch (e: unknown) {
      const code = statusCode(e);
      if (code !== 409 && code !== 404) throw e;
      return this.ownWrite(c.n, text, closed, meta.resourceVersion ?? 'none');
    }
  }

  /** Creates chunk `n`: refused with AlreadyExists when another writer made it first. */
  private async create(n: number, text: string): Promise<Chunk> {
    const name = chunkName(this.runId, n);
    const body: V1ConfigMap = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        name,
        namespace: this.namespace,
        labels: { [RUN_LABEL]: runLabelValue(this.runId), 'app.kubernetes.io/managed-by': 'daylight' },
        annotations: { 'daylight.dev/run-id': this.runId, 'daylight.dev/journal-chunk': String(n) },
        ...(this.o.owner ? { ownerReferences: [this.o.owner] } : {}),
      },
      data: { [JOURNAL_DATA_KEY]: text },
    };
    try {
      return chunkOf(n, await this.o.configMaps.create(this.namespace, body, this.o.signal));
    } catch (e: unknown) {
      if (statusCode(e) !== 409) throw e;
      return this.ownWrite(n, text, false, 'none');
    }
  }

  /**
   * After a conflict: the chunk as it is now. Ours when it holds exactly what this writer wrote (a retried
   * request whose first answer was lost); anything else is another writer's, and this one is fenced.
   */
  private async ownWrite(n: number, text: string, closed: boolean, expected: string): Promise<Chunk> {
    const name = chunkName(this.runId, n);
    const now = await this.o.configMaps.read(this.namespace, name, this.o.signal);
    const chunk = now ? chunkOf(n, now) : undefined;
    if (chunk && chunk.text === text && chunk.closed === closed) return chunk;
    throw new JournalFenced(`ConfigMap ${this.namespace}/${name}`, expected, now?.metadata?.resourceVersion ?? 'none');
  }

  private where(): string {
    return describeJournal(this.namespace, this.runId);
  }
}

function describeJournal(namespace: string, runId: string): string {
  return `the journal of run ${runId} (ConfigMaps ${namespace}/${chunkName(runId, 0).slice(0, -1)}*)`;
}

function chunkOf(n: number, object: V1ConfigMap): Chunk {
  return { n, name: object.metadata?.name ?? '', text: object.data?.[JOURNAL_DATA_KEY] ?? '', closed: object.metadata?.annotations?.[CLOSED_ANNOTATION] === 'true', object };
}

/** Every chunk's entries in order, the chain checked: a line that is no JSON or a broken link names its chunk and line. */
function parseChunks<E>(namespace: string, chunks: readonly Chunk[]): SealedEntry<E>[] {
  const entries: SealedEntry<E>[] = [];
  const at: { chunk: string; line: number }[] = [];
  for (const c of chunks) {
    c.text.split('\n').forEach((line, i) => {
      if (line.trim() === '') return;
      try {
        entries.push(JSON.parse(line) as SealedEntry<E>);
      } catch {
        throw new JournalCorrupt(`ConfigMap ${namespace}/${c.name} (${JOURNAL_DATA_KEY})`, i + 1, `not valid JSON, where entry seq ${entries.length + 1} was expected`);
      }
      at.push({ chunk: c.name, line: i + 1 });
    });
  }
  const broken = chainBreak(entries);
  if (broken) {
    const where = at[broken.index];
    const seq = entries[broken.index]?.seq;
    throw new JournalCorrupt(`ConfigMap ${namespace}/${where?.chunk ?? '?'} (${JOURNAL_DATA_KEY})`, where?.line ?? 0, `entry seq ${seq ?? '?'}: ${broken.reason}`);
  }
  return entries;
}
