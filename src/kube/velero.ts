// The engine's BackupPort over Velero: a backup is a `velero.io/v1` Backup object in Velero's namespace,
// created under the engine's deterministic name and read until its status.phase ends. Velero's phases
// (https://velero.io/docs/main/api-types/backup/): New and InProgress (and the finalizing and upload
// phases after it) are on the way; Completed is usable; PartiallyFailed, Failed and FailedValidation are
// not. A 404 for the collection, or without the object's name in its details, means Velero's CRD is not
// served there: the tool is not installed.
import type { BackupPort, BackupRef, BackupRequest, BackupStart, BackupState } from '../engine/ports/backups.ts';
import type { ApiCall } from './control-plane.ts';

/** Velero phases after which a backup will not become Completed. */
const FAILED = new Set(['Failed', 'PartiallyFailed', 'FailedValidation']);

export class VeleroBackups implements BackupPort {
  private readonly call: ApiCall;
  /** The cluster's name, for messages. */
  private readonly cluster: string;

  constructor(o: { cluster: string; call: ApiCall }) {
    this.cluster = o.cluster;
    this.call = o.call;
  }

  async start(r: BackupRequest, signal: AbortSignal): Promise<BackupStart> {
    const answer = await this.call('POST', collection(r.store), backupObject(r), signal);
    if (answer.status === 404) return { kind: 'not-installed', reason: this.notServed(r.store, answer.body) };
    // 409: a backup of that name exists (a resumed run asked before); reading it tells how it ends.
    if (answer.status < 300 || answer.status === 409) return { kind: 'started' };
    return { kind: 'refused', reason: `creating Velero Backup ${r.store}/${r.name} answered ${answer.status}: ${apiMessage(answer.body)}` };
  }

  async read(ref: BackupRef, signal: AbortSignal): Promise<BackupState> {
    const answer = await this.call('GET', `${collection(ref.store)}/${ref.name}`, undefined, signal);
    if (answer.status === 404) return namesObject(answer.body, ref.name) ? { kind: 'absent' } : { kind: 'not-installed', reason: this.notServed(ref.store, answer.body) };
    if (answer.status !== 200) return { kind: 'unreadable', reason: `GET answered ${answer.status}: ${apiMessage(answer.body)}` };
    const status = ((JSON.parse(answer.body) as { status?: Record<string, unknown> }).status ?? {}) as Record<string, unknown>;
    const phase = typeof status.phase === 'string' ? status.phase : '';
    if (phase === 'Completed') return { kind: 'completed', details: status };
    if (FAILED.has(phase)) return { kind: 'failed', reason: failure(phase, status), details: status };
    return { kind: 'in-progress', progress: phase ? `phase ${phase}` : 'no status yet' };
  }

  private notServed(store: string, body: string): string {
    return `cluster ${this.cluster} does not serve velero.io/v1 Backups in namespace ${store} (${apiMessage(body)})`;
  }
}

function collection(store: string): string {
  return `/apis/velero.io/v1/namespaces/${encodeURIComponent(store)}/backups`;
}

/** The Backup object Velero reads (https://velero.io/docs/main/api-types/backup/). */
export function backupObject(r: BackupRequest): Record<string, unknown> {
  return {
    apiVersion: 'velero.io/v1',
    kind: 'Backup',
    metadata: { name: r.name, namespace: r.store, ...(r.labels ? { labels: { ...r.labels } } : {}), ...(r.annotations ? { annotations: { ...r.annotations } } : {}) },
    spec: {
      includedNamespaces: [...r.namespaces],
      ttl: r.ttl,
      ...(r.storageLocation !== undefined ? { storageLocation: r.storageLocation } : {}),
      ...(r.snapshotVolumes !== undefined ? { snapshotVolumes: r.snapshotVolumes } : {}),
      ...(r.includeClusterResources !== undefined ? { includeClusterResources: r.includeClusterResources } : {}),
    },
  };
}

/** "Failed (reason, 3 error(s))": the phase with Velero's failureReason and error count when it gave them. */
function failure(phase: string, status: Record<string, unknown>): string {
  const why = [typeof status.failureReason === 'string' && status.failureReason ? status.failureReason : undefined, status.errors !== undefined ? `${String(status.errors)} error(s)` : undefined].filter((x) => x !== undefined);
  return `${phase}${why.length ? ` (${why.join(', ')})` : ''}`;
}

/** Whether a 404 Status is about this object (its name in the details), not about the resource type. */
function namesObject(body: string, name: string): boolean {
  try {
    return (JSON.parse(body) as { details?: { name?: unknown } }).details?.name === name;
  } catch {
    return false;
  }
}

/** The message of a Kubernetes Status answer, or the start of the body. */
export function apiMessage(body: string): string {
  try {
    return (JSON.parse(body) as { message?: string }).message ?? body.slice(0, 200);
  } catch {
    return body.slice(0, 200);
  }
}
