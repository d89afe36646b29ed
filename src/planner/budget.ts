// The phase's node budget (invariant 2): maxUnavailable of the selected nodes, minus the nodes already
// unavailable for any reason; what is left is the most a wave may take, and none left blocks the phase.
import type { IntOrPercent } from '../plan/values.ts';
import { resolveIntOrPercent } from '../plan/values.ts';
import type { ExcludedNode, PhaseBudget } from './types.ts';

const LISTED = 5;

export function resolveBudget(maxUnavailable: IntOrPercent, selected: number, unavailable: readonly ExcludedNode[]): { budget: PhaseBudget; blocker?: string } {
  const resolved = resolveIntOrPercent(maxUnavailable, selected, 1);
  const perWave = Math.max(0, resolved - unavailable.length);
  const budget: PhaseBudget = { maxUnavailable, selected, resolved, alreadyUnavailable: unavailable.length, perWave };
  if (selected === 0 || perWave > 0) return { budget };
  if (resolved === 0) return { budget, blocker: 'maxUnavailable 0 lets no node go at once; set it to 1 or more' };
  return { budget, blocker: noRoom(budget, unavailable) };
}

/** "maxUnavailable 1 of 12 nodes leaves no room: 2 nodes are already unavailable (…); uncordon or repair …". */
function noRoom(b: PhaseBudget, unavailable: readonly ExcludedNode[]): string {
  const of = typeof b.maxUnavailable === 'string' ? `${b.maxUnavailable} of ${b.selected} nodes (${b.resolved})` : `${b.maxUnavailable} of ${b.selected} nodes`;
  const count = unavailable.length === 1 ? '1 node is' : `${unavailable.length} nodes are`;
  return `maxUnavailable ${of} leaves no room: ${count} already unavailable (${listNodes(unavailable)}); uncordon or repair them, or raise maxUnavailable`;
}

/** "a NotReady, b cordoned by someone else and 3 more". */
export function listNodes(nodes: readonly ExcludedNode[]): string {
  const shown = nodes.slice(0, LISTED).map((n) => `${n.name} ${n.reason}`);
  const more = nodes.length - shown.length;
  return more > 0 ? `${shown.join(', ')} and ${more} more` : shown.join(', ');
}
