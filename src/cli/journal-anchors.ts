// A run's journal opened for writing from the CLI: entries signed with the journal key, the chain's head
// anchored in one ConfigMap per cluster of the plan (verifying needs only one of them reachable).
import type { RunEvent } from '../engine/events.ts';
import { FileJournal } from '../journal/file-journal.ts';
import { HeadAnchor } from '../journal/head-anchor.ts';
import type { AnchorFailure, AnchorState, HeadStore } from '../journal/head-anchor.ts';
import type { Clock } from '../lib/clock.ts';
import type { JournalSigner } from '../engine/ports/journal-signing.ts';
import type { KubeCluster } from '../kube/adapter.ts';
import { describeHeadLocation, readHead, writeHead } from '../kube/journal-head.ts';
import type { HeadVersion } from '../kube/journal-head.ts';

export function clusterHeadStores(clusters: ReadonlyMap<string, KubeCluster>, runId: string): HeadStore[] {
  return [...clusters.values()].map((c) => {
    // What this store wrote last: the next write replaces it in one request.
    let last: HeadVersion | undefined;
    return {
      where: describeHeadLocation(c.name, runId),
      write: async (head, signal) => {
        last = await writeHead(c.api, head, last, signal);
      },
      read: (id, signal) => readHead(c.api, id, signal),
    };
  });
}

/**
 * At most one head write per cluster per 5 seconds of cluster time: the anchor's window, besides one
 * write's round trip. Once a second cost 0.02 API requests per evicted pod in the roll benchmark (1,065
 * ConfigMap writes in a 48-minute run), a fifth of that keeps the window short against a killed process.
 */
export const HEAD_INTERVAL_MS = 5000;

export interface AnchoredJournal {
  readonly journal: FileJournal<RunEvent>;
  /** Writes the final head to the clusters, then closes the journal. */
  close(): Promise<AnchorState>;
}

export function openAnchoredJournal(o: { path: string; runId: string; clock: Clock; clusters: ReadonlyMap<string, KubeCluster>; signer: JournalSigner; onFailure?: (f: AnchorFailure) => void }): AnchoredJournal {
  const pace = { clock: o.clock, minIntervalMs: HEAD_INTERVAL_MS };
  const anchor = new HeadAnchor({ stores: clusterHeadStores(o.clusters, o.runId), signer: o.signer, pace, ...(o.onFailure ? { onFailure: o.onFailure } : {}) });
  const journal = FileJournal.open<RunEvent>(o.path, o.runId, () => o.clock.now(), { signer: o.signer, onAppend: (e) => anchor.note(e) });
  return {
    journal,
    close: async () => {
      try {
        return await anchor.flush();
      } finally {
        journal.close();
      }
    },
  };
}
