// Whether a run did the job: `succeeded` only when every node in its scope was maintained as planned and
// every region went back to its weight (DESIGN.md invariant 8). Everything else is a problem with a name:
// the node or region, and where it was left.
import type { NodeState, RegionState, RunState } from './state.ts';

/** Where a node that is not done was left, in words a person can act on; never "in progress". */
export function leftAs(n: NodeState): string {
  if (n.held) return n.held;
  switch (n.step) {
    case 'pending':
      return n.recovered ? `not maintained: given back by ${n.recovered} before its action` : 'not started';
    case 'cordoning':
      return 'cordon requested, not confirmed: may be left cordoned';
    case 'cordoned':
      return 'left cordoned, not drained';
    case 'draining':
      return 'left cordoned, drain not finished';
    case 'drained':
      return 'left cordoned, drained, no action taken';
    case 'acting':
      return `left cordoned: ${n.action?.operation ?? 'action'} requested, not confirmed${n.message ? ` (${n.message})` : ''}`;
    case 'back':
      return `left cordoned: back, its workloads not whole again${n.message ? ` (${n.message})` : ''}`;
    case 'ready':
      return 'left cordoned: back and whole, not given back';
    case 'uncordoning':
      return 'uncordon requested, not confirmed: may be left cordoned';
    case 'done':
      return n.outcome ?? 'maintained';
  }
}

/** What one node's end leaves to be said, or nothing when it was maintained as planned. */
export function nodeProblem(n: NodeState): string | undefined {
  const key = `${n.cluster}/${n.node}`;
  if (n.step !== 'done') return `${key}: ${leftAs(n)}`;
  const parts: string[] = [];
  if (n.outcome && n.outcome !== 'maintained') parts.push(`${n.outcome}${n.message ? ` (${n.message})` : ''}`);
  if (n.forced && n.forced.pods.length > 0) parts.push(forcedText(n.forced));
  if (n.held) parts.push(n.held);
  if (n.recovered && n.outcome !== 'maintained') parts.push(`given back by ${n.recovered}`);
  if (parts.length === 0) return undefined;
  if (n.outcome === 'maintained') parts.unshift('maintained');
  return `${key}: ${parts.join('; ')}`;
}

function forcedText(f: NonNullable<NodeState['forced']>): string {
  const pods = `${f.pods.length} pod(s) deleted outside the Eviction API (drain.onTimeout: force): ${f.pods.join(', ')}`;
  if (f.budgets.length === 0) return pods;
  const budgets = f.budgets.map((b) => `PDB ${b.pdb} went below its minimum (needs ${b.desiredHealthy} healthy, had ${b.healthyBefore}, ${b.deleted} deleted)`);
  return `${pods}; ${budgets.join('; ')}`;
}

function regionProblem(r: RegionState): string | undefined {
  const before = r.before?.[r.cluster]?.weight;
  if (r.stage === 'restored' && r.weight !== undefined && before !== undefined && r.weight < before) return `${r.cluster}: back at weight ${r.weight}, not its weight ${before} from before the run`;
  if (r.stage === 'in-service' || r.stage === 'restored') return undefined;
  const words = { draining: 'left draining', drained: 'left out of traffic', restoring: 'restore not finished', cut: 'switched back out of traffic' } as const;
  return `${r.cluster}: not back to its weight: ${words[r.stage]}${r.reason ? ` (${r.reason})` : ''}`;
}

/**
 * Every reason the run is not a full success: nodes not maintained as planned (skipped, quarantined,
 * forced, failed, left anywhere), nodes the phases left alone because they were unavailable, nodes of
 * planned waves never reached, and regions not back to their weight.
 */
export function runProblems(s: RunState): string[] {
  const out: string[] = [];
  for (const n of Object.values(s.nodes)) {
    const p = nodeProblem(n);
    if (p) out.push(p);
  }
  for (const ph of s.phases) {
    for (const x of ph.excluded) if (x.unavailable) out.push(`${ph.cluster}/${x.node}: not maintained: left alone by phase ${ph.phase} (${x.reason})`);
    const unreached = ph.waves.flatMap((w) => w.nodes).filter((n) => !s.nodes[`${ph.cluster}/${n}`]);
    if (unreached.length > 0) out.push(`${ph.cluster}: ${unreached.length} node(s) of phase ${ph.phase} not started: ${unreached.slice(0, 10).join(', ')}${unreached.length > 10 ? ', ...' : ''}`);
  }
  for (const r of Object.values(s.regions)) {
    const p = regionProblem(r);
    if (p) out.push(p);
  }
  for (const [cluster, f] of Object.entries(s.failedClusters)) out.push(`${cluster}: failed in stage ${f.stage}, group ${f.group}: ${f.reason}`);
  for (const [key, k] of Object.entries(s.skipped)) out.push(`${key.replace('/', ' ')}: skipped by ${k.by}${k.comment ? ` (${k.comment})` : ''}: not maintained in this run`);
  return out;
}
