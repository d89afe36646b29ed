// node-cordoned: a selected node is cordoned by someone else before the run; it counts against
// maxUnavailable, and Daylight will not uncordon it (only cordons it made itself).
import { finding } from './rule.ts';
import type { Rule } from './rule.ts';
import { budgetNote, cordonedByOthers } from './unavailable-nodes.ts';

export const nodeCordoned: Rule = {
  id: 'node-cordoned',
  check: (scope) =>
    scope.nodes.filter((n) => cordonedByOthers(n, scope.runId)).map((n) =>
      finding(scope, {
        rule: 'node-cordoned',
        severity: 'warning',
        subject: n.name,
        message: `node ${n.name} is already cordoned ${n.cordonedBy ? `by run ${n.cordonedBy}` : 'outside Daylight'}: ${budgetNote(scope)}; Daylight leaves that cordon in place`,
        fix: n.cordonedBy
          ? `finish or recover run ${n.cordonedBy} (daylight recover), or leave ${n.name} out of the phase selector`
          : `uncordon ${n.name} if the cordon is stale (kubectl uncordon ${n.name}), or leave it out of the phase selector`,
      }),
    ),
};
