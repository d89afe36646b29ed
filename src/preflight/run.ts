// Runs every preflight rule over one cluster's snapshot for one nodes phase and sorts the findings so
// that the same cluster state always reads the same: severity, then rule, then subject.
import { daemonSetPods } from './daemonset-pods.ts';
import { emptyDirData } from './emptydir-data.ts';
import { noReadinessProbe } from './no-readiness-probe.ts';
import { nodeCordoned } from './node-cordoned.ts';
import { nodeNotReady } from './node-not-ready.ts';
import { pdbMisconfigured } from './pdb-misconfigured.ts';
import { pdbNoDisruption } from './pdb-no-disruption.ts';
import { pdbUnsatisfiable } from './pdb-unsatisfiable.ts';
import { rollingUpdateMaxUnavailable } from './rolling-update-max-unavailable.ts';
import type { Rule } from './rule.ts';
import { buildScope } from './scope.ts';
import { singleReplica } from './single-replica.ts';
import { spareCapacity } from './spare-capacity.ts';
import type { Finding, PreflightInput, Severity } from './types.ts';
import { unmanagedPod } from './unmanaged-pod.ts';

export const RULES: readonly Rule[] = [
  pdbNoDisruption,
  singleReplica,
  pdbUnsatisfiable,
  unmanagedPod,
  emptyDirData,
  daemonSetPods,
  noReadinessProbe,
  rollingUpdateMaxUnavailable,
  spareCapacity,
  nodeNotReady,
  nodeCordoned,
  pdbMisconfigured,
];

export function runPreflight(input: PreflightInput): Finding[] {
  const scope = buildScope(input);
  return sortFindings(RULES.flatMap((r) => r.check(scope)));
}

export const SEVERITY_ORDER: readonly Severity[] = ['blocking', 'warning', 'info'];

export function sortFindings(findings: readonly Finding[]): Finding[] {
  return [...findings].sort(compareFindings);
}

function compareFindings(a: Finding, b: Finding): number {
  return (
    SEVERITY_ORDER.indexOf(a.severity) - SEVERITY_ORDER.indexOf(b.severity) ||
    compareText(a.rule, b.rule) ||
    compareText(a.subject, b.subject) ||
    compareText(a.cluster, b.cluster) ||
    compareText(a.message, b.message)
  );
}

/** Code-point order, not the locale's: the same on every machine. */
function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
