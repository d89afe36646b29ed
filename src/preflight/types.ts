// What preflight says about a cluster before anything is touched: findings as data, each with what
// breaks zero-downtime, why (live numbers) and how to fix it.
import type { ClusterSnapshot } from '../kube/types.ts';
import type { NodesPhase, Plan } from '../plan/schema.ts';

export type Severity = 'blocking' | 'warning' | 'info';

export interface Finding {
  /** The rule's id, kebab-case: "pdb-no-disruption". */
  readonly rule: string;
  readonly severity: Severity;
  readonly cluster: string;
  /** What the finding is about: "shop/web" (a workload, a PDB or a pod) or a node name. */
  readonly subject: string;
  /** What and why, with live numbers. */
  readonly message: string;
  /** What to change so the finding goes away. */
  readonly fix: string;
}

export interface PreflightInput {
  readonly snapshot: ClusterSnapshot;
  readonly plan: Plan;
  readonly phase: NodesPhase;
  /** The run preflight looks at on resume: its own cordons do not count as someone else's. */
  readonly runId?: string;
}
