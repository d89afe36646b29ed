// What the controller and its dashboard agree on about a MaintenanceRun: its API group, the phases a run
// ends in, the annotations that answer its approval gate, and the shapes of the objects as they read them.
export const DAYLIGHT_GROUP = '/apis/daylight.dev/v1alpha1';

/** The status phases of a run that is over: nothing drives it any more. */
export const FINISHED_PHASES: ReadonlySet<string> = new Set(['Succeeded', 'Degraded', 'Failed', 'Aborted']);

/** The annotations a person (or a ticket system) sets on a MaintenanceRun to answer its approval gate. */
export const APPROVAL_ANNOTATIONS = {
  /** approve or reject */
  decision: 'daylight.dev/approval',
  /** The step answered, as the run's status names it (currentStage while WaitingForApproval). */
  step: 'daylight.dev/approval-step',
  comment: 'daylight.dev/approval-comment',
  /** Who answers: the admission policy of the chart lets only that user write it (request.userInfo.username). */
  by: 'daylight.dev/approval-by',
} as const;

/** Who an answer from the controller's dashboard is given by: the holder of its token (the chart's policy lets only its ServiceAccount write it). */
export const DASHBOARD_APPROVER = 'dashboard';

/** The merge patch that writes an answer to a run's approval gate as its annotations (a comment left out is cleared). */
export function approvalPatch(a: { readonly decision: string; readonly step: string; readonly comment?: string | undefined; readonly by: string }): { metadata: { annotations: Record<string, string | null> } } {
  return {
    metadata: {
      annotations: {
        [APPROVAL_ANNOTATIONS.decision]: a.decision,
        [APPROVAL_ANNOTATIONS.step]: a.step,
        [APPROVAL_ANNOTATIONS.comment]: a.comment ?? null,
        [APPROVAL_ANNOTATIONS.by]: a.by,
      },
    },
  };
}

export interface ObjectMeta {
  readonly name: string;
  readonly namespace?: string;
  readonly uid?: string;
  readonly resourceVersion?: string;
  readonly creationTimestamp?: string;
  readonly labels?: Record<string, string>;
  readonly annotations?: Record<string, string>;
}

export interface MaintenanceRun {
  readonly metadata: ObjectMeta;
  readonly spec: { readonly planRef: { readonly name: string }; readonly paused?: boolean; readonly abort?: boolean; readonly skip?: { readonly stages?: readonly string[]; readonly groups?: readonly string[]; readonly clusters?: readonly string[] } };
  readonly status?: { readonly phase?: string; readonly conditions?: readonly RunCondition[] };
}

/** One of a run's status conditions, as the API server returns it. */
export interface RunCondition {
  readonly type: string;
  readonly status: string;
  readonly reason?: string;
  readonly message?: string;
  readonly lastTransitionTime?: string;
}

export interface MaintenancePlan {
  readonly metadata: ObjectMeta;
  readonly spec: Record<string, unknown> & { readonly schedule?: { readonly recurrence?: string; readonly windows?: boolean; readonly manual?: boolean }; readonly suspend?: boolean; readonly window?: unknown };
}
