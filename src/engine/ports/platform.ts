// The platform port: what a `platform` phase needs from the platform stack (src/platform/), which
// implements it. The engine asks for the two workspace files read and diffed, each changed component's
// steps as data, and the Deployments post-check; it runs the steps, journals them and decides what comes
// next. The steps are the engine's vocabulary (it executes them, the journal and the report show them),
// so their types live here and src/platform/ builds them.
import type { Duration } from '../../lib/duration.ts';
import type { Gate } from '../../plan/schema.ts';
import type { GateResult } from './gates.ts';

/** One `## <version>` entry of a component's changelog. */
export interface ChangelogEntry {
  /** The version as its heading writes it. */
  readonly version: string;
  /** 1-based line of the `##` heading in the file. */
  readonly line: number;
  /** The entry's content lines, trimmed, blank lines left out; sub-headings kept ("### Fixes"). */
  readonly lines: readonly string[];
  /** The lines among them that are breaking changes, without their list marker ("- ", "* "). */
  readonly breaking: readonly string[];
}

interface StepBase {
  /** Stable within a run: "<component>/<what>[/<n>]", for the journal and for resume. */
  readonly id: string;
  readonly component: string;
  /** One line for people: what the step does, with its live parameters. */
  readonly title: string;
}

/** A Velero Backup object as the engine creates it (reference §7.6), waited for until status.phase is Completed. */
export interface VeleroBackupObject {
  readonly apiVersion: 'velero.io/v1';
  readonly kind: 'Backup';
  readonly metadata: { readonly name: string; readonly namespace: string; readonly labels: Readonly<Record<string, string>> };
  readonly spec: {
    readonly includedNamespaces: readonly string[];
    readonly ttl: string;
    readonly storageLocation?: string;
    readonly snapshotVolumes?: boolean;
    readonly includeClusterResources?: boolean;
  };
}

export type PreStep =
  | (StepBase & { readonly phase: 'pre'; readonly kind: 'backup-velero'; readonly backup: VeleroBackupObject; readonly waitFor: 'Completed'; readonly timeout: Duration })
  | (StepBase & { readonly phase: 'pre'; readonly kind: 'backup-command'; readonly run: string; readonly timeout: Duration })
  | (StepBase & {
      readonly phase: 'pre';
      readonly kind: 'changelog';
      readonly file: string;
      readonly entries: readonly ChangelogEntry[];
      readonly breaking: readonly { readonly version: string; readonly text: string }[];
      readonly missingTarget: boolean;
    })
  | (StepBase & { readonly phase: 'pre'; readonly kind: 'silence'; readonly matchers: readonly { readonly name: string; readonly value: string; readonly isRegex: boolean }[] });

export interface UpgradeStep extends StepBase {
  readonly phase: 'upgrade';
  readonly kind: 'upgrade';
  readonly from?: string;
  readonly to: string;
  readonly run: string;
  /** Present only when the plan asks for rollback on failure and the component has a rollback command. */
  readonly rollback?: string;
}

/** Which post-check a gate step is, for grouping in reports. */
export type PostCheck = 'pods-healthy' | 'endpoint' | 'command' | 'prometheus' | 'builtin';

export interface DeploymentExpectation {
  readonly namespace: string;
  readonly name: string;
  /** The image tag a container must run; a leading "v" on either side is ignored. */
  readonly tag: string;
}

export type PostStep =
  | (StepBase & { readonly phase: 'post'; readonly kind: 'gate'; readonly check: PostCheck; readonly gate: Gate })
  | (StepBase & { readonly phase: 'post'; readonly kind: 'deployments'; readonly expect: readonly DeploymentExpectation[] });

export type ComponentStep = PreStep | UpgradeStep | PostStep;

/** A workspace file as it was read: a resumed run refuses files that changed since. */
export interface WorkspaceFile {
  readonly path: string;
  readonly sha256: string;
}

/** What the steps are laid out for: the cluster ({{cluster}}), the run (labels, backup names), the phase's choices. */
export interface StepsFor {
  readonly cluster: string;
  readonly runId: string;
  /** Roll a failed component back with its rollback command (default: roll forward, halt). */
  readonly rollback?: boolean;
  /** The phase's Prometheus; the `to` workspace's spec.prometheus.url when absent. */
  readonly prometheus?: string;
}

/** The platform change between two workspace files: what moved, and each changed component's steps. */
export interface PlatformChange {
  /** Component names in upgrade order (dependencies first). */
  readonly order: readonly string[];
  readonly removed: readonly string[];
  /** "<name> <from> → <to>" for each component whose version goes down. */
  readonly downgrades: readonly string[];
  readonly components: readonly { readonly component: string; readonly steps: readonly ComponentStep[] }[];
}

/** Two workspace files read; their diff is laid out only when the engine asks (after it has checked the files). */
export interface WorkspacePair {
  readonly from: WorkspaceFile;
  readonly to: WorkspaceFile;
  /** Diffs the files and reads the changelogs they name; a bad changelog is a UserError at its `changelog:` line. */
  change(o: StepsFor): Promise<PlatformChange>;
}

export interface PlatformPort {
  /** Reads both files (absolute paths); a missing or invalid one is a UserError at file:line:column with the fix. */
  read(from: string, to: string): Promise<WorkspacePair>;
  /** The Deployments of a post-check as one verdict: passed only when every one runs the tag, its rollout finished; fails closed. */
  checkDeployments(cluster: string, expect: readonly DeploymentExpectation[], signal: AbortSignal): Promise<Omit<GateResult, 'gate' | 'type'>>;
}
