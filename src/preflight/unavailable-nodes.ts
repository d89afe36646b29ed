// Selected nodes that are already unavailable before the run: NotReady, or cordoned by someone else.
// They count against maxUnavailable (DESIGN.md invariant 2), so fewer nodes can be maintained at once.
import type { NodeView } from '../kube/types.ts';
import type { Scope } from './scope.ts';
import { plural } from './subjects.ts';

export function cordonedByOthers(n: NodeView, runId: string | undefined): boolean {
  return n.unschedulable && (runId === undefined || n.cordonedBy !== runId);
}

export function alreadyUnavailable(scope: Scope): NodeView[] {
  return scope.nodes.filter((n) => !n.ready || cordonedByOthers(n, scope.runId));
}

/** "it counts against maxUnavailable 2 with 1 other, leaving none for maintenance". */
export function budgetNote(scope: Scope): string {
  const down = alreadyUnavailable(scope).length;
  const left = Math.max(0, scope.waveSize - down);
  const others = down > 1 ? ` with ${plural(down - 1, 'other node')}` : '';
  const leaving = left === 0 ? 'leaving no node for maintenance until it is back' : `leaving ${plural(left, 'node')} per wave`;
  return `it counts against maxUnavailable ${scope.waveSize}${others}, ${leaving}`;
}
