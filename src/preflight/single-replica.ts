// single-replica: a Deployment or StatefulSet with one replica on a node in scope is down while its
// replacement starts; with a budget that allows no eviction, its node cannot be drained at all.
import type { PodView, WorkloadView } from '../kube/types.ts';
import { finding } from './rule.ts';
import type { Rule } from './rule.ts';
import type { Scope } from './scope.ts';
import { pdbName, workloadOf } from './subjects.ts';
import type { Finding } from './types.ts';

export const singleReplica: Rule = {
  id: 'single-replica',
  check: (scope) => scope.snapshot.workloads.flatMap((w) => {
    if (w.replicas !== 1 || (w.kind !== 'Deployment' && w.kind !== 'StatefulSet')) return [];
    const pod = scope.pods.find((p) => p.namespace === w.namespace && workloadOf(p)?.kind === w.kind && workloadOf(p)?.name === w.name);
    return pod ? [toFinding(scope, w, pod)] : [];
  }),
};

function toFinding(scope: Scope, w: WorkloadView, pod: PodView): Finding {
  const subject = `${w.namespace}/${w.name}`;
  const node = pod.nodeName ?? 'its node';
  const blocking = scope.pdbsOf(pod).find((pdb) => pdb.disruptionsAllowed <= 0);
  if (blocking) {
    return finding(scope, {
      rule: 'single-replica',
      severity: 'blocking',
      subject,
      message: `${w.kind} ${subject} has 1 replica (${pod.name} on ${node}) and PDB ${pdbName(blocking)} allows 0 disruptions: the drain of ${node} would wait until the timeout`,
      fix: `run at least 2 replicas of ${subject} on different nodes; if a short outage is acceptable instead, set maxUnavailable: 1 on PDB ${pdbName(blocking)}`,
    });
  }
  return finding(scope, {
    rule: 'single-replica',
    severity: 'warning',
    subject,
    message: `${w.kind} ${subject} has 1 replica (${pod.name} on ${node}): it is down from its eviction until its replacement is Ready`,
    fix: `run at least 2 replicas of ${subject}, spread over nodes (topologySpreadConstraints or pod anti-affinity), with a PDB of maxUnavailable: 1`,
  });
}
