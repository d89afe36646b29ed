// emptydir-data: pods with emptyDir volumes lose that data on eviction; kubectl drain refuses them
// without --delete-emptydir-data, and so does Daylight without drain.deleteEmptyDirData.
import { finding } from './rule.ts';
import type { Rule } from './rule.ts';
import { isDaemonSetPod } from './scope.ts';
import { groupByWorkload, plural, podsOnNodes, verb } from './subjects.ts';

export const emptyDirData: Rule = {
  id: 'emptydir-data',
  check: (scope) => {
    const allowed = scope.phase.drain.deleteEmptyDirData;
    // DaemonSet pods stay on their node through a drain when they are ignored: their data is not evicted.
    const pods = scope.pods.filter((p) => p.emptyDir && !p.mirror && !(isDaemonSetPod(p) && scope.phase.drain.ignoreDaemonSets));
    return groupByWorkload(pods).map((g) => {
      const nodes = verb(g.pods.length, 'its node', 'their nodes');
      return finding(scope, {
        rule: 'emptydir-data',
        severity: allowed ? 'warning' : 'blocking',
        subject: g.subject,
        message:
          `${plural(g.pods.length, 'pod')} of ${g.label} on nodes in scope ${verb(g.pods.length, 'uses', 'use')} emptyDir volumes (${podsOnNodes(g.pods)}): ` +
          (allowed ? 'drain.deleteEmptyDirData is set, so that data is lost on eviction' : `that data is lost on eviction, so the drain refuses ${nodes}`),
        fix: allowed
          ? `move data that must survive to a PersistentVolumeClaim; scratch data may stay in emptyDir`
          : `set drain.deleteEmptyDirData: true if the data is scratch, or move it to a PersistentVolumeClaim`,
      });
    });
  },
};
