// When a run fails or is aborted: every node it still holds goes back to service if it is Ready; a node
// that is not Ready stays cordoned and is named, for a person or `daylight recover`.
import type { ClusterPort } from '../kube/types.ts';
import type { NodeOutcome, RunEvent } from './events.ts';
import type { RunState } from './state.ts';
import { unfinishedNodes } from './state.ts';

export interface GiveBackResult {
  readonly returned: readonly string[];
  readonly held: readonly string[];
}

export async function giveBackAll(o: { state: RunState; clusters: ReadonlyMap<string, ClusterPort>; runId: string; outcome: NodeOutcome; why: string; record: (e: RunEvent) => void }): Promise<GiveBackResult> {
  const returned: string[] = [];
  const held: string[] = [];
  for (const n of unfinishedNodes(o.state)) {
    const cluster = o.clusters.get(n.cluster);
    const node = cluster ? await cluster.getNode(n.node).catch(() => undefined) : undefined;
    const label = `${n.cluster}/${n.node}`;
    if (!cluster || !node) {
      held.push(`${label} (cannot be read)`);
      continue;
    }
    if (!node.ready && node.cordonedBy === o.runId) {
      held.push(`${label} (NotReady, left cordoned)`);
      continue;
    }
    const changed = node.cordonedBy === o.runId ? await cluster.uncordon(n.node, o.runId).catch(() => false) : false;
    o.record({ type: 'node.uncordoned', cluster: n.cluster, node: n.node, changed });
    o.record({ type: 'node.done', cluster: n.cluster, node: n.node, outcome: o.outcome, message: o.why });
    returned.push(label);
  }
  return { returned, held };
}
