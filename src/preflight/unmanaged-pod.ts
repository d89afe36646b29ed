// unmanaged-pod: a pod no controller owns does not come back once evicted; kubectl drain refuses it
// without --force, and so does Daylight without drain.force.
import { finding } from './rule.ts';
import type { Rule } from './rule.ts';
import { podName } from './subjects.ts';

export const unmanagedPod: Rule = {
  id: 'unmanaged-pod',
  check: (scope) => {
    const force = scope.phase.drain.force;
    return scope.pods.filter((p) => p.controller === undefined && !p.mirror).map((p) =>
      finding(scope, {
        rule: 'unmanaged-pod',
        severity: force ? 'warning' : 'blocking',
        subject: podName(p),
        message: force
          ? `pod ${podName(p)} on ${p.nodeName ?? 'its node'} has no controller: drain.force removes it and nothing brings it back`
          : `pod ${podName(p)} on ${p.nodeName ?? 'its node'} has no controller: it would not come back after an eviction, so the drain refuses its node`,
        fix: force
          ? `run it under a Deployment, StatefulSet or Job if it is still needed after the run`
          : `run it under a Deployment, StatefulSet or Job, delete it if it is no longer needed, or set drain.force: true to accept that it is removed`,
      }),
    );
  },
};
