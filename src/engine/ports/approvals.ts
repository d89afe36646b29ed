// The approvals port: where people's answers to an approval gate arrive (the run's control file for a CLI
// run, the dashboard through the same file, an annotation on the MaintenanceRun in the cluster).

export type ApprovalDecision = 'approve' | 'reject';

/** One person's answer as a channel carries it. */
export interface ApprovalAnswer {
  /** Unique in its channel: the run takes each answer once, across restarts. */
  readonly id: string;
  readonly step: string;
  readonly decision: ApprovalDecision;
  readonly by: string;
  /** cli, dashboard, annotation. */
  readonly via: string;
  /** ISO 8601 wall clock of the answer. */
  readonly at: string;
  readonly comment?: string;
}

export interface ApprovalInbox {
  /** Answers that arrived since the last poll; a new inbox gives every answer its channel holds (the run skips those it took). */
  poll(): readonly ApprovalAnswer[];
}
