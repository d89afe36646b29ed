// The Velero backup a platform component asks for before its upgrade: the backup its steps describe,
// journaled, started through the BackupPort and read until it completes. A failed backup, a cluster without
// Velero or the timeout fail closed; a resumed run finds the same backup by its deterministic name.
import type { Cluster } from './ports/cluster.ts';
import type { PreStep } from './ports/platform.ts';
import type { RunEvent } from './events.ts';
import type { Journal } from './journal.ts';
import type { EngineDeps } from './ports.ts';
import type { BackupRequest } from './ports/backups.ts';
import { waitBackup } from './velero-backup.ts';

export interface ComponentBackupRun {
  readonly deps: EngineDeps;
  readonly journal: Journal;
  readonly record: (e: RunEvent) => Promise<void>;
  readonly cluster: Cluster;
  readonly phase: { readonly name: string };
  readonly signal: AbortSignal;
}

type VeleroStep = Extract<PreStep, { kind: 'backup-velero' }>;

/** Takes the backup unless the journal shows it Completed; returns why it failed, or undefined. */
export async function veleroComponentBackup(b: ComponentBackupRun, step: VeleroStep): Promise<string | undefined> {
  const { name, namespace } = step.backup.metadata;
  const done = b.journal.entries.some((e) => e.event.type === 'backup.completed' && e.event.cluster === b.cluster.name && e.event.phase === b.phase.name && e.event.name === name);
  if (done) return undefined;
  const backups = b.deps.backups?.get(b.cluster.name);
  if (!backups) return `cluster ${b.cluster.name} cannot create Velero Backups through this adapter; use backup: {type: command, run: ...} in the workspace`;
  const started = b.deps.clock.now();
  await b.record({ type: 'backup.requested', cluster: b.cluster.name, phase: b.phase.name, backup: 'velero', name, namespace });
  const { spec, metadata } = step.backup;
  const r = await backups.start({ name, store: namespace, namespaces: spec.includedNamespaces, ttl: spec.ttl, labels: metadata.labels, ...optional(spec) }, b.signal);
  if (r.kind === 'not-installed') return `${r.reason}; install Velero, set backup.namespace to where it runs, or use backup: {type: command, ...}`;
  if (r.kind === 'refused') return r.reason;
  const end = await waitBackup({ backups, ref: { store: namespace, name }, clock: b.deps.clock, untilMs: started + step.timeout.ms, signal: b.signal });
  if (end.kind === 'completed') {
    await b.record({ type: 'backup.completed', cluster: b.cluster.name, phase: b.phase.name, name, ms: b.deps.clock.now() - started, status: end.details });
    return undefined;
  }
  if (end.kind === 'failed') return `Velero Backup ${namespace}/${name} ${end.reason}; see velero backup describe ${name} --details, fix the cause and start a new run`;
  return `Velero Backup ${namespace}/${name} was not Completed within ${step.timeout.toString()} (${end.last}); check that Velero runs, or raise backup.timeout in the workspace`;
}

/** The workspace's optional Velero settings, only those it set. */
function optional(spec: VeleroStep['backup']['spec']): Pick<BackupRequest, 'storageLocation' | 'snapshotVolumes' | 'includeClusterResources'> {
  return {
    ...(spec.storageLocation !== undefined ? { storageLocation: spec.storageLocation } : {}),
    ...(spec.snapshotVolumes !== undefined ? { snapshotVolumes: spec.snapshotVolumes } : {}),
    ...(spec.includeClusterResources !== undefined ? { includeClusterResources: spec.includeClusterResources } : {}),
  };
}
