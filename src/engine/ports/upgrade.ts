// The upgrade planner port: what a `kubernetes` phase asks before it touches the control plane, the path
// from the versions the cluster runs to the phase's target under the version-skew policy. The engine reads
// only the steps and problems below; src/upgrade/ implements it with its release tables (and tells more,
// for `daylight upgrade-plan`).

export interface PathQuestion {
  /** The version of every kube-apiserver instance (one for a single instance). */
  readonly apiservers: readonly string[];
  readonly nodes: readonly { readonly name: string; readonly kubeletVersion: string; readonly controlPlane: boolean }[];
  /** "v1.31" or "v1.31.2". */
  readonly target: string;
  /** Today, in epoch milliseconds, for the end-of-life check. */
  readonly now: number;
}

export type PathStepView =
  | { readonly kind: 'control-plane'; readonly to: string; readonly version: string }
  | {
      readonly kind: 'kubelets';
      readonly version: string;
      readonly nodes: readonly { readonly name: string }[];
      /** Whether the skew policy forces this step (before a control-plane step), or it is the final one. */
      readonly required: 'skew' | 'target';
      readonly reason: string;
    };

export interface PathView {
  readonly steps: readonly PathStepView[];
  /** An error refuses the phase; a warning is journaled with the check. */
  readonly problems: readonly { readonly severity: 'error' | 'warning'; readonly message: string }[];
}

export interface UpgradePlanner {
  planPath(q: PathQuestion): PathView;
}
