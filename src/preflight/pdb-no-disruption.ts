// pdb-no-disruption: a budget over pods in scope that allows no eviction right now; a drain of a node
// with one of its pods would wait until its timeout.
import type { PdbView, PodView } from '../kube/types.ts';
import { finding } from './rule.ts';
import type { Rule } from './rule.ts';
import type { Scope } from './scope.ts';
import { distinctNodes, list, pdbName, plural } from './subjects.ts';
import type { Finding } from './types.ts';

export const pdbNoDisruption: Rule = {
  id: 'pdb-no-disruption',
  check: (scope) => scope.snapshot.pdbs.flatMap((pdb) => {
    if (pdb.disruptionsAllowed > 0) return [];
    const pods = scope.pods.filter((p) => scope.pdbsOf(p).includes(pdb));
    return pods.length > 0 ? [toFinding(scope, pdb, pods)] : [];
  }),
};

function toFinding(scope: Scope, pdb: PdbView, pods: readonly PodView[]): Finding {
  const nodes = distinctNodes(pods);
  const unhealthy = pdb.currentHealthy < pdb.desiredHealthy;
  return finding(scope, {
    rule: 'pdb-no-disruption',
    severity: 'blocking',
    subject: pdbName(pdb),
    message:
      `PDB ${pdbName(pdb)} allows ${pdb.disruptionsAllowed} disruptions (needs ${pdb.desiredHealthy} healthy, has ${pdb.currentHealthy}): ` +
      `a drain of a node with one of its pods would wait until the timeout; ${plural(pods.length, 'pod')} on ${plural(nodes.length, 'node')} in scope (${list(nodes)})`,
    fix: unhealthy
      ? `make its ${plural(pdb.desiredHealthy - pdb.currentHealthy, 'missing pod')} Ready first, or set unhealthyPodEvictionPolicy: AlwaysAllow so that not-Ready pods can be evicted`
      : `raise replicas above ${pdb.desiredHealthy}, or lower minAvailable (or raise maxUnavailable), or set unhealthyPodEvictionPolicy: AlwaysAllow if its pods are not Ready`,
  });
}
