// An independent count of the waves that take more pods of a PodDisruptionBudget than it allows at once,
// for the planner's property tests and its benchmark: written apart from the planner, so it cannot share its bugs.
import type { ClusterSnapshot, PdbView, PodView } from '../../src/kube/types.ts';
import { compileLabelSelector } from '../../src/lib/selectors.ts';

export interface OverBudget {
  /** 1-based position of the wave. */
  readonly wave: number;
  readonly nodes: number;
  /** "namespace/name". */
  readonly pdb: string;
  readonly pods: number;
  readonly allowed: number;
}

/** Every (wave, budget) whose pods on the wave's nodes exceed the budget's allowance; empty when all waves keep them. */
export function overBudget(waves: readonly (readonly string[])[], snapshot: ClusterSnapshot, drain = { ignoreDaemonSets: true }): OverBudget[] {
  const budgets = snapshot.pdbs.map((view) => ({ view, matches: compileLabelSelector(view.selector), allowed: allowance(view, snapshot.pods) }));
  const evicted = snapshot.pods.filter((p) => p.nodeName !== undefined && evictable(p, drain.ignoreDaemonSets));
  const byNode = new Map<string, PodView[]>();
  for (const p of evicted) byNode.set(p.nodeName as string, [...(byNode.get(p.nodeName as string) ?? []), p]);
  const out: OverBudget[] = [];
  waves.forEach((wave, i) => {
    const onWave = wave.flatMap((n) => byNode.get(n) ?? []);
    for (const b of budgets) {
      const pods = onWave.filter((p) => p.namespace === b.view.namespace && b.matches(p.labels)).length;
      if (pods > b.allowed) out.push({ wave: i + 1, nodes: wave.length, pdb: `${b.view.namespace}/${b.view.name}`, pods, allowed: b.allowed });
    }
  });
  return out;
}

function evictable(p: PodView, ignoreDaemonSets: boolean): boolean {
  if (p.terminating || p.mirror || p.phase === 'Succeeded' || p.phase === 'Failed') return false;
  return !(ignoreDaemonSets && p.controller?.kind === 'DaemonSet');
}

/**
 * status.disruptionsAllowed once the disruption controller wrote a status; before that, as it would compute
 * it: healthy pods minus the desired healthy, maxUnavailable and minAvailable percentages of the expected pods rounded up.
 */
function allowance(view: PdbView, pods: readonly PodView[]): number {
  const written = view.expectedPods !== 0 || view.currentHealthy !== 0 || view.desiredHealthy !== 0 || view.disruptionsAllowed !== 0;
  if (written) return view.disruptionsAllowed;
  const matches = compileLabelSelector(view.selector);
  const selected = pods.filter((p) => p.namespace === view.namespace && !p.terminating && p.phase !== 'Succeeded' && p.phase !== 'Failed' && matches(p.labels));
  const expected = selected.length;
  const pct = (v: number | string) => (typeof v === 'number' ? v : Math.ceil((Number(v.replace('%', '')) * expected) / 100));
  const desired = view.maxUnavailable !== undefined ? expected - pct(view.maxUnavailable) : view.minAvailable !== undefined ? pct(view.minAvailable) : 0;
  return Math.max(0, selected.filter((p) => p.ready).length - Math.max(0, desired));
}
