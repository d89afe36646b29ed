// The skips port: a person's decision that part of a rollout is not to be maintained in this run (a stage, a
// group of a stage, or a cluster), from `daylight skip RUN` through the run's control file, or a
// MaintenanceRun's spec.skip in the cluster. It applies to what has not started: a cluster under way finishes.

/** What to skip: exactly one of a stage, a group ("STAGE/GROUP") or a cluster. */
export type SkipTarget = { readonly stage: string } | { readonly group: string } | { readonly cluster: string };

export interface SkipRequest {
  /** Unique in its channel: the run takes each once, across restarts. */
  readonly id: string;
  readonly target: SkipTarget;
  readonly by: string;
  /** cli, annotation, spec. */
  readonly via: string;
  readonly comment?: string;
}

export interface SkipInbox {
  /** Requests that arrived since the last poll; a new inbox gives every request its channel holds (the run skips those it took). */
  poll(): readonly SkipRequest[];
}

/** The journal's and the state's key of a target: stage/NAME, group/STAGE/GROUP, cluster/NAME. */
export function skipKey(t: SkipTarget): string {
  return 'stage' in t ? `stage/${t.stage}` : 'group' in t ? `group/${t.group}` : `cluster/${t.cluster}`;
}
