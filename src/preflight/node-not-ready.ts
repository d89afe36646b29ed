// node-not-ready: a selected node is NotReady before the run; it counts against maxUnavailable.
import { finding } from './rule.ts';
import type { Rule } from './rule.ts';
import { budgetNote } from './unavailable-nodes.ts';

export const nodeNotReady: Rule = {
  id: 'node-not-ready',
  check: (scope) =>
    scope.nodes.filter((n) => !n.ready).map((n) =>
      finding(scope, {
        rule: 'node-not-ready',
        severity: 'warning',
        subject: n.name,
        message: `node ${n.name} is already NotReady${n.readyMessage ? ` (${n.readyMessage})` : ''}: ${budgetNote(scope)}`,
        fix: `bring ${n.name} back to Ready before the run, or leave it out of the phase selector "${scope.phase.selector}"`,
      }),
    ),
};
