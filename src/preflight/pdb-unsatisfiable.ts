// pdb-unsatisfiable: a budget that can never let the nodes in scope drain, whatever the timing: it
// allows no disruption even at full health, or more of its pods must leave than it allows and those
// pods cannot move (no controller recreates them, or no other node can take them).
import type { PdbView, PodView } from '../kube/types.ts';
import { healthyBudget } from './pdb-budget.ts';
import type { HealthyBudget } from './pdb-budget.ts';
import { finding } from './rule.ts';
import type { Rule } from './rule.ts';
import { acceptsPods, isActive } from './scope.ts';
import type { Scope } from './scope.ts';
import { distinctNodes, list, pdbName, plural, podsOnNodes } from './subjects.ts';
import type { Finding } from './types.ts';

export const pdbUnsatisfiable: Rule = {
  id: 'pdb-unsatisfiable',
  check: (scope) => scope.snapshot.pdbs.flatMap((pdb) => {
    const inScope = scope.pods.filter((p) => scope.pdbsOf(p).includes(pdb));
    if (inScope.length === 0) return [];
    const all = scope.snapshot.pods.filter((p) => isActive(p) && scope.pdbsOf(p).includes(pdb));
    const budget = healthyBudget(pdb, all.length);
    const f = zeroBudget(scope, pdb, budget, inScope) ?? unmovable(scope, pdb, budget, inScope) ?? nowhereToGo(scope, pdb, budget, inScope);
    return f ? [f] : [];
  }),
};

function zeroBudget(scope: Scope, pdb: PdbView, b: HealthyBudget, pods: readonly PodView[]): Finding | undefined {
  if (b.allowed > 0) return undefined;
  const nodes = distinctNodes(pods);
  return finding(scope, {
    rule: 'pdb-unsatisfiable',
    severity: 'blocking',
    subject: pdbName(pdb),
    message:
      `PDB ${pdbName(pdb)} has ${b.spec} for ${plural(b.expected, 'expected pod')}, so it allows 0 disruptions even when every pod is healthy: ` +
      `${plural(nodes.length, 'node')} in scope with its pods (${list(nodes)}) can never be drained`,
    fix: zeroBudgetFix(pdbName(pdb), b),
  });
}

function zeroBudgetFix(name: string, b: HealthyBudget): string {
  if (b.field === 'maxUnavailable') return `set maxUnavailable to at least 1 on PDB ${name}`;
  if (b.expected <= 1) return `raise replicas above ${b.desired} so that one pod can leave while the others serve, or set maxUnavailable: 1 on PDB ${name} if a short outage is acceptable`;
  return `lower minAvailable to at most ${b.expected - 1} (or use maxUnavailable: 1) on PDB ${name}, or raise replicas above ${b.desired}`;
}

/** Pods no controller recreates use up the budget for good: more of them than it allows never all leave. */
function unmovable(scope: Scope, pdb: PdbView, b: HealthyBudget, pods: readonly PodView[]): Finding | undefined {
  const unmanaged = pods.filter((p) => p.controller === undefined);
  if (unmanaged.length <= b.allowed) return undefined;
  return finding(scope, {
    rule: 'pdb-unsatisfiable',
    severity: 'blocking',
    subject: pdbName(pdb),
    message:
      `PDB ${pdbName(pdb)} allows ${plural(b.allowed, 'disruption')} (${b.spec} of ${b.expected}), but ${plural(unmanaged.length, 'pod')} it selects on nodes in scope ` +
      `have no controller (${podsOnNodes(unmanaged)}): each eviction lowers its healthy count for good, so the drain stops after ${plural(b.allowed, 'pod')}`,
    fix: `run these pods under a Deployment or StatefulSet so that they come back elsewhere, or exclude them from PDB ${pdbName(pdb)}`,
  });
}

/**
 * The wave holding most of the budget's pods (waveSize nodes, cordoned together) needs more evictions
 * than the budget allows at once, so their replacements must start elsewhere first; with no other node
 * that accepts pods, they never do.
 */
function nowhereToGo(scope: Scope, pdb: PdbView, b: HealthyBudget, pods: readonly PodView[]): Finding | undefined {
  const wave = busiestNodes(pods, scope.waveSize);
  const count = pods.filter((p) => wave.includes(p.nodeName ?? '')).length;
  if (count <= b.allowed) return undefined;
  if (scope.snapshot.nodes.some((n) => !wave.includes(n.name) && acceptsPods(n))) return undefined;
  const where = wave.length === 1 ? wave[0] : `the wave ${list(wave)}`;
  return finding(scope, {
    rule: 'pdb-unsatisfiable',
    severity: 'blocking',
    subject: pdbName(pdb),
    message:
      `PDB ${pdbName(pdb)} allows ${plural(b.allowed, 'disruption')} (${b.spec} of ${b.expected}) but ${where} holds ${count} of its pods, ` +
      `and no other node accepts pods (Ready, schedulable, untainted) to start their replacements: the drain can never finish`,
    fix: `add a schedulable node before the run, or spread the pods of PDB ${pdbName(pdb)} over more nodes than one wave (${plural(scope.waveSize, 'node')})`,
  });
}

/** The `n` nodes with most of these pods. */
function busiestNodes(pods: readonly PodView[], n: number): string[] {
  const counts = new Map<string, number>();
  for (const p of pods) counts.set(p.nodeName ?? '', (counts.get(p.nodeName ?? '') ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, n).map(([name]) => name);
}
