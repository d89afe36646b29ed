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

export interface GiveBackOptions {
  readonly state: RunState;
  readonly clusters: ReadonlyMap<string, ClusterPort>;
  readonly runId: string;
  readonly outcome: NodeOutcome;
  readonly why: string;
  readonly record: (e: RunEvent) => void;
  /** How long (cluster time) to wait for a node this run is rebooting to be Ready before giving it back. */
  readonly waitMs?: number;
}

export async function giveBackAll(o: GiveBackOptions): Promise<GiveBackResult> {
  const returned: string[] = [];
  const held: string[] = [];
  for (const n of unfinishedNodes(o.state)) {
    const cluster = o.clusters.get(n.cluster);
    let node = cluster ? await cluster.getNode(n.node).catch(() => undefined) : undefined;
    const label = `${n.cluster}/${n.node}`;
    if (!cluster || !node) {
      held.push(`${label} (cannot be read)`);
      continue;
    }
    if (!node.ready && node.cordonedBy === o.runId && (n.step === 'acting' || n.step === 'back')) {
      node = (await cluster.waitForNode(n.node, (v) => v.ready, o.waitMs ?? 600_000).catch(() => undefined)) ?? node;
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
