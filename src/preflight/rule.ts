// The shape every preflight rule has: a small pure function from the phase's scope to findings.
import type { Scope } from './scope.ts';
import type { Finding } from './types.ts';

export interface Rule {
  readonly id: string;
  check(scope: Scope): Finding[];
}

export function finding(scope: Scope, f: Omit<Finding, 'cluster'>): Finding {
  return { rule: f.rule, severity: f.severity, cluster: scope.cluster, subject: f.subject, message: f.message, fix: f.fix };
}
