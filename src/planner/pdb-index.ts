// The pods a drain would evict from the nodes in scope, counted per node and per PodDisruptionBudget, with
// each budget's allowance and each node's longest grace period: what waves and ETAs are weighed with.
import type { ClusterSnapshot, PdbView, PodView } from '../kube/types.ts';
import type { LabelMatcher } from '../lib/selectors.ts';
import { compileLabelSelector } from '../lib/selectors.ts';
import type { DrainPolicy } from '../plan/schema.ts';

export interface PdbBudget {
  /** "namespace/name". */
  readonly name: string;
  /** Evictions allowed at once: status.disruptionsAllowed, or from the spec when the status is empty. */
  readonly allowed: number;
  readonly source: 'status' | 'spec';
  /** Pods it selects on the nodes in scope that a drain evicts. */
  readonly podsInScope: number;
}

export interface PodIndex {
  readonly pdbs: readonly PdbBudget[];
  /** Per node in scope, flat pairs [budget index, pods of it on the node]; absent: no budgeted pods. */
  readonly nodePdbs: ReadonlyMap<string, Int32Array>;
  /** Per node in scope, the longest grace period among the pods a drain evicts; absent: none. */
  readonly nodeGraceMs: ReadonlyMap<string, number>;
  /** Budgets whose selector could not be read, with the reason. */
  readonly unreadable: readonly string[];
}

interface Compiled {
  readonly index: number;
  readonly view: PdbView;
  readonly matches: LabelMatcher;
}

export function indexPods(snapshot: ClusterSnapshot, nodes: ReadonlySet<string>, drain: DrainPolicy): PodIndex {
  // Budgets by name, so ties between them break the same way however the cluster listed them.
  const views = [...snapshot.pdbs].sort((a, b) => compare(a.namespace, b.namespace) || compare(a.name, b.name));
  const { byNamespace, unreadable } = compileBudgets(views);
  const counts = new Map<string, Map<number, number>>();
  const graceMs = new Map<string, number>();
  const inScope = new Array<number>(views.length).fill(0);
  for (const pod of snapshot.pods) {
    const node = pod.nodeName;
    if (node === undefined || !nodes.has(node) || !evicted(pod, drain)) continue;
    const grace = drain.gracePeriod?.ms ?? pod.terminationGracePeriodSeconds * 1000;
    graceMs.set(node, Math.max(graceMs.get(node) ?? 0, grace));
    for (const b of byNamespace.get(pod.namespace) ?? []) {
      if (!b.matches(pod.labels)) continue;
      inScope[b.index] = (inScope[b.index] as number) + 1;
      bump(counts, node, b.index);
    }
  }
  const pdbs = views.map((view, i) => ({ name: `${view.namespace}/${view.name}`, podsInScope: inScope[i] as number, ...allowance(view, snapshot.pods) }));
  return { pdbs, nodePdbs: flatten(counts), nodeGraceMs: graceMs, unreadable };
}

/** What `kubectl drain` evicts: running pods that are not mirror pods and, unless asked, not DaemonSet pods. */
export function evicted(pod: PodView, drain: DrainPolicy): boolean {
  if (pod.terminating || pod.mirror || pod.phase === 'Succeeded' || pod.phase === 'Failed') return false;
  return !(drain.ignoreDaemonSets && pod.controller?.kind === 'DaemonSet');
}

function compileBudgets(pdbs: readonly PdbView[]): { byNamespace: Map<string, Compiled[]>; unreadable: string[] } {
  const byNamespace = new Map<string, Compiled[]>();
  const unreadable: string[] = [];
  pdbs.forEach((view, index) => {
    let matches: LabelMatcher;
    try {
      matches = compileLabelSelector(view.selector);
    } catch (e: unknown) {
      unreadable.push(`PDB ${view.namespace}/${view.name}: ${e instanceof Error ? e.message : String(e)}`);
      return;
    }
    const list = byNamespace.get(view.namespace) ?? [];
    list.push({ index, view, matches });
    byNamespace.set(view.namespace, list);
  });
  return { byNamespace, unreadable };
}

function bump(counts: Map<string, Map<number, number>>, node: string, budget: number): void {
  let perNode = counts.get(node);
  if (!perNode) counts.set(node, (perNode = new Map()));
  perNode.set(budget, (perNode.get(budget) ?? 0) + 1);
}

function flatten(counts: Map<string, Map<number, number>>): Map<string, Int32Array> {
  const out = new Map<string, Int32Array>();
  for (const [node, perNode] of counts) {
    const pairs = new Int32Array(perNode.size * 2);
    let i = 0;
    for (const [budget, pods] of [...perNode].sort((a, b) => a[0] - b[0])) {
      pairs[i++] = budget;
      pairs[i++] = pods;
    }
    out.set(node, pairs);
  }
  return out;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A status the disruption controller never wrote is all zeros; then the spec and the pods tell. */
function allowance(view: PdbView, pods: readonly PodView[]): { allowed: number; source: 'status' | 'spec' } {
  const empty = view.expectedPods === 0 && view.currentHealthy === 0 && view.desiredHealthy === 0 && view.disruptionsAllowed === 0;
  if (!empty) return { allowed: view.disruptionsAllowed, source: 'status' };
  const matches = safeMatcher(view);
  const selected = pods.filter((p) => p.namespace === view.namespace && !p.terminating && p.phase !== 'Succeeded' && p.phase !== 'Failed' && matches(p.labels));
  const healthy = selected.filter((p) => p.ready).length;
  return { allowed: Math.max(0, healthy - desiredHealthy(view, selected.length)), source: 'spec' };
}

function safeMatcher(view: PdbView): LabelMatcher {
  try {
    return compileLabelSelector(view.selector);
  } catch {
    return () => false;
  }
}

/** As the disruption controller computes it: percentages of the expected pods round up. */
function desiredHealthy(view: PdbView, expected: number): number {
  if (view.maxUnavailable !== undefined) return Math.max(0, expected - scaled(view.maxUnavailable, expected));
  if (view.minAvailable !== undefined) return scaled(view.minAvailable, expected);
  return 0;
}

function scaled(v: number | string, total: number): number {
  if (typeof v === 'number') return v;
  const pct = Number(v.replace('%', ''));
  return Number.isFinite(pct) ? Math.ceil((pct * total) / 100) : 0;
}
