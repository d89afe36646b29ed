// daemonset-pods: DaemonSet pods are not evicted (their controller puts them straight back); a drain
// refuses their nodes unless told to leave them, as kubectl drain does without --ignore-daemonsets.
import type { PodView } from '../kube/types.ts';
import { finding } from './rule.ts';
import type { Rule } from './rule.ts';
import { isDaemonSetPod } from './scope.ts';
import { distinctNodes, groupByWorkload, plural } from './subjects.ts';

export const daemonSetPods: Rule = {
  id: 'daemonset-pods',
  check: (scope) => {
    const ignore = scope.phase.drain.ignoreDaemonSets;
    const groups = groupByWorkload(scope.pods.filter((p: PodView) => isDaemonSetPod(p) && !p.mirror));
    return groups.map((g) => {
      const nodes = plural(distinctNodes(g.pods).length, 'node');
      return finding(scope, {
        rule: 'daemonset-pods',
        severity: ignore ? 'info' : 'blocking',
        subject: g.subject,
        message: ignore
          ? `DaemonSet ${g.subject} has pods on ${nodes} in scope: they stay on their nodes through the drain and restart with them`
          : `DaemonSet ${g.subject} has pods on ${nodes} in scope and drain.ignoreDaemonSets is false: the drain refuses nodes with DaemonSet pods`,
        fix: ignore ? 'nothing to do' : 'set drain.ignoreDaemonSets: true (the default): DaemonSet pods are left in place and restart with their node',
      });
    });
  },
};
