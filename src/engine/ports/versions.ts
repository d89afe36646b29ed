// Where the releases a phase may take come from (spec.versionSource): the engine asks it when a phase names a
// minor (to: v1.31) and takes the newest patch, once per run when the rollout's versions are consistent.

export interface VersionSource {
  /** The source as people read it in the journal and messages: "versions.json", "https://...". */
  readonly describe: string;
  /** The Kubernetes releases it offers now (any order; entries that are not vMAJOR.MINOR.PATCH are ignored). */
  kubernetes(signal: AbortSignal): Promise<readonly string[]>;
}
