// no-readiness-probe: a pod without a readiness probe is Ready as soon as it starts, so its Service
// sends it traffic before it serves, and budgets count it healthy before it is.
import { finding } from './rule.ts';
import type { Rule } from './rule.ts';
import { groupByWorkload, plural, podsOnNodes, verb } from './subjects.ts';

/** Pods that run to completion serve no traffic. */
const BATCH_KINDS = new Set(['Job', 'CronJob']);

export const noReadinessProbe: Rule = {
  id: 'no-readiness-probe',
  check: (scope) => {
    const pods = scope.pods.filter((p) => !p.hasReadinessProbe && !p.mirror && !BATCH_KINDS.has(p.controller?.kind ?? ''));
    return groupByWorkload(pods).map((g) =>
      finding(scope, {
        rule: 'no-readiness-probe',
        severity: 'warning',
        subject: g.subject,
        message:
          `${plural(g.pods.length, 'pod')} of ${g.label} on nodes in scope ${verb(g.pods.length, 'has', 'have')} no readiness probe (${podsOnNodes(g.pods)}): ` +
          'a replacement is Ready as soon as it starts, so traffic reaches it before it serves and the PDB counts it healthy too early',
        fix: `add a readinessProbe to the pod template of ${g.label} that checks it can serve`,
      }),
    );
  },
};
