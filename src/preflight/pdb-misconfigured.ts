// pdb-misconfigured: a pod selected by more than one budget cannot be evicted at all: the Eviction API
// answers 500 for it, so its node never drains.
import type { PdbView } from '../kube/types.ts';
import { finding } from './rule.ts';
import type { Rule } from './rule.ts';
import { groupByWorkload, list, pdbName, plural, podsOnNodes, verb } from './subjects.ts';

export const pdbMisconfigured: Rule = {
  id: 'pdb-misconfigured',
  check: (scope) => {
    const pods = scope.pods.filter((p) => scope.pdbsOf(p).length > 1);
    return groupByWorkload(pods).map((g) => {
      const pdbs = unique(g.pods.flatMap((p) => scope.pdbsOf(p)));
      const names = list(pdbs.map(pdbName));
      return finding(scope, {
        rule: 'pdb-misconfigured',
        severity: 'blocking',
        subject: g.subject,
        message: `${plural(g.pods.length, 'pod')} of ${g.label} on nodes in scope ${verb(g.pods.length, 'is', 'are')} selected by ${plural(pdbs.length, 'PDB')} (${names}): the Eviction API answers 500 for ${verb(g.pods.length, 'it', 'them')}, so ${verb(g.pods.length, 'its node', 'their nodes')} cannot be drained (${podsOnNodes(g.pods)})`,
        fix: `change the selectors of ${names} so that each pod of ${g.subject} is selected by exactly one PDB`,
      });
    });
  },
};

function unique(pdbs: readonly PdbView[]): PdbView[] {
  return [...new Set(pdbs)].sort((a, b) => (pdbName(a) < pdbName(b) ? -1 : 1));
}
