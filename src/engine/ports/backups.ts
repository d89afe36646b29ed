// Backups the engine takes before it upgrades something: started under a name of its choosing, then read
// until they end. In the engine's words (in progress, completed, failed with the reason, absent, the
// backup tool not installed); the adapter (Velero's Backup objects, `kube/velero.ts`) keeps URLs, status
// codes and Velero's phase names to itself.

/** One backup to take: what it covers and how it is named and labelled, so a resumed run finds it again. */
export interface BackupRequest {
  /** Deterministic per run and phase (a DNS label): the same request twice is the same backup. */
  readonly name: string;
  /** Where the backup tool keeps its backups (Velero's namespace). */
  readonly store: string;
  /** The namespaces whose objects and volumes are backed up. */
  readonly namespaces: readonly string[];
  /** How long the tool keeps it, as the tool reads it ("720h0m0s", "168h"). */
  readonly ttl: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, string>>;
  /** Where the backup's data goes; the tool's default when absent. */
  readonly storageLocation?: string;
  readonly snapshotVolumes?: boolean;
  readonly includeClusterResources?: boolean;
}

/** Which backup: its store and name. */
export interface BackupRef {
  readonly store: string;
  readonly name: string;
}

/** What starting a backup did. */
export type BackupStart =
  /** Asked for now, or it already existed under that name (a resumed run): read it to know how it ends. */
  | { readonly kind: 'started' }
  /** The cluster has no backup tool where the request looked; the reason says what is missing. */
  | { readonly kind: 'not-installed'; readonly reason: string }
  /** The cluster refused or could not take the request (forbidden, invalid, unreachable). */
  | { readonly kind: 'refused'; readonly reason: string };

/** A backup as it stands. */
export type BackupState =
  /** Not ended yet; `progress` says where it is ("phase InProgress", "no status yet"). */
  | { readonly kind: 'in-progress'; readonly progress: string }
  /** Ended and usable; `details` is the tool's own status, for the journal. */
  | { readonly kind: 'completed'; readonly details: Readonly<Record<string, unknown>> }
  /** Ended and not usable: `reason` says how (the tool's phase, its failure reason, its error count). */
  | { readonly kind: 'failed'; readonly reason: string; readonly details: Readonly<Record<string, unknown>> }
  /** No backup of that name. */
  | { readonly kind: 'absent' }
  /** The cluster has no backup tool where the request looked. */
  | { readonly kind: 'not-installed'; readonly reason: string }
  /** Could not be read this time (the answer says why); reading again may do. */
  | { readonly kind: 'unreadable'; readonly reason: string };

/** One cluster's backups. */
export interface BackupPort {
  start(request: BackupRequest, signal: AbortSignal): Promise<BackupStart>;
  read(ref: BackupRef, signal: AbortSignal): Promise<BackupState>;
}
