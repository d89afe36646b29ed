// The part of a cluster snapshot one nodes phase touches, computed once for every rule: the selected
// nodes, the pods on them, the wave size, and which budgets select which pod.
import type { ClusterSnapshot, NodeView, PdbView, PodView } from '../kube/types.ts';
import { compileLabelSelector, parseLabelSelector } from '../lib/selectors.ts';
import type { LabelMatcher } from '../lib/selectors.ts';
import type { NodesPhase, Plan } from '../plan/schema.ts';
import { resolveIntOrPercent } from '../plan/values.ts';
import type { PreflightInput } from './types.ts';

export interface Scope {
  readonly cluster: string;
  readonly snapshot: ClusterSnapshot;
  readonly plan: Plan;
  readonly phase: NodesPhase;
  readonly runId?: string;
  /** Nodes the phase selector picks. */
  readonly nodes: readonly NodeView[];
  readonly nodeNames: ReadonlySet<string>;
  /** Running pods (not finished, not terminating) on the selected nodes. */
  readonly pods: readonly PodView[];
  /** Nodes of one wave: maxUnavailable resolved against the selected nodes, at least 1. */
  readonly waveSize: number;
  /** The budgets whose selector picks this pod (its namespace only). */
  pdbsOf(pod: PodView): readonly PdbView[];
}

export function buildScope(input: PreflightInput): Scope {
  const { snapshot, phase } = input;
  const selects = parseLabelSelector(phase.selector);
  const nodes = snapshot.nodes.filter((n) => selects(n.labels));
  const nodeNames = new Set(nodes.map((n) => n.name));
  const pods = snapshot.pods.filter((p) => isActive(p) && p.nodeName !== undefined && nodeNames.has(p.nodeName));
  const matchers = snapshot.pdbs.map((pdb) => ({ pdb, match: safeMatcher(pdb) }));
  return {
    cluster: snapshot.cluster,
    snapshot,
    plan: input.plan,
    phase,
    runId: input.runId,
    nodes,
    nodeNames,
    pods,
    waveSize: waveSize(phase, nodes.length),
    pdbsOf: (pod) => matchers.filter((m) => m.pdb.namespace === pod.namespace && m.match(pod.labels)).map((m) => m.pdb),
  };
}

export function waveSize(phase: NodesPhase, selected: number): number {
  const size = Math.max(1, resolveIntOrPercent(phase.maxUnavailable, selected, 1));
  return selected > 0 ? Math.min(size, selected) : size;
}

/** A pod that still runs: finished and terminating pods are not moved by a drain. */
export function isActive(p: PodView): boolean {
  return !p.terminating && p.phase !== 'Succeeded' && p.phase !== 'Failed';
}

export function isDaemonSetPod(p: PodView): boolean {
  return p.controller?.kind === 'DaemonSet';
}

/** Pods a drain evicts and a controller recreates elsewhere: not mirror, not DaemonSet, not unmanaged. */
export function movesOnDrain(p: PodView): boolean {
  return !p.mirror && !isDaemonSetPod(p) && p.controller !== undefined;
}

/** A node new pods can land on: Ready, schedulable, no NoSchedule/NoExecute taint. */
export function acceptsPods(n: NodeView): boolean {
  return n.ready && !n.unschedulable && !n.taints.some((t) => t.effect === 'NoSchedule' || t.effect === 'NoExecute');
}

/** A budget with a selector the API would refuse selects nothing here rather than stopping preflight. */
function safeMatcher(pdb: PdbView): LabelMatcher {
  try {
    return compileLabelSelector(pdb.selector);
  } catch {
    return () => false;
  }
}
