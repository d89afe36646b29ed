// Which nodes a phase covers: the selector's matches, minus the ones it must leave alone (NotReady,
// cordoned, already done), each with the reason; NotReady and cordoned ones still count as unavailable.
import type { NodeView } from '../kube/types.ts';
import { naturalCompare } from '../lib/natural-compare.ts';
import { parseLabelSelector } from '../lib/selectors.ts';
import type { NodesPhase } from '../plan/schema.ts';
import type { ExcludedNode } from './types.ts';

export interface Scope {
  /** Every node the selector matches, by name. */
  readonly selected: readonly NodeView[];
  /** The selected nodes the phase maintains. */
  readonly maintain: readonly NodeView[];
  readonly excluded: readonly ExcludedNode[];
}

export function selectScope(nodes: readonly NodeView[], phase: NodesPhase): Scope {
  const matches = parseLabelSelector(phase.selector);
  const selected = nodes.filter((n) => matches(n.labels)).sort((a, b) => naturalCompare(a.name, b.name));
  const maintain: NodeView[] = [];
  const excluded: ExcludedNode[] = [];
  for (const node of selected) {
    const why = exclusion(node, phase);
    if (why) excluded.push({ name: node.name, ...why });
    else maintain.push(node);
  }
  return { selected, maintain, excluded };
}

function exclusion(node: NodeView, phase: NodesPhase): { reason: string; unavailable: boolean } | undefined {
  const reasons: string[] = [];
  if (!node.ready) reasons.push(node.readyMessage ? `NotReady (${node.readyMessage})` : 'NotReady');
  if (node.unschedulable) reasons.push(node.cordonedBy ? `cordoned by Daylight run ${node.cordonedBy}` : 'cordoned by someone else');
  if (reasons.length > 0) return { reason: reasons.join(', '), unavailable: true };
  const version = phase.action.operation === 'upgrade' ? phase.action.version : undefined;
  if (version !== undefined && bare(node.kubeletVersion) === bare(version)) {
    return { reason: `already runs kubelet ${node.kubeletVersion}`, unavailable: false };
  }
  return undefined;
}

function bare(version: string): string {
  return version.trim().replace(/^v/, '');
}
