// The journal head's stores for a run: one ConfigMap per cluster of the plan, so verifying needs only one
// of them reachable.
import type { HeadStore } from '../engine/journal-anchor.ts';
import type { KubeCluster } from '../kube/adapter.ts';
import { describeHeadLocation, readHead, writeHead } from '../kube/journal-head.ts';

export function clusterHeadStores(clusters: ReadonlyMap<string, KubeCluster>, runId: string): HeadStore[] {
  return [...clusters.values()].map((c) => ({
    where: describeHeadLocation(c.name, runId),
    write: (head, signal) => writeHead(c.api, head, signal),
    read: (id, signal) => readHead(c.api, id, signal),
  }));
}
