// The Velero backup a platform component asks for before its upgrade: the Backup object its steps describe,
// journaled, created and read until status.phase is Completed. A failed phase, an unreadable API or the
// timeout fail closed; a resumed run finds the same Backup by its deterministic name.
import type { Cluster } from './ports/cluster.ts';
import type { PreStep } from '../platform/index.ts';
import type { RunEvent } from './events.ts';
import type { Journal } from './journal.ts';
import type { EngineDeps } from './ports.ts';
import { apiMessage, waitVeleroBackup } from './velero-backup.ts';

export interface ComponentBackupRun {
  readonly deps: EngineDeps;
  readonly journal: Journal;
  readonly record: (e: RunEvent) => void;
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
  const raw = b.cluster.raw?.bind(b.cluster);
  if (!raw) return `cluster ${b.cluster.name} cannot create Velero Backups through this adapter; use backup: {type: command, run: ...} in the workspace`;
  const path = `/apis/velero.io/v1/namespaces/${namespace}/backups`;
  const started = b.deps.clock.now();
  b.record({ type: 'backup.requested', cluster: b.cluster.name, phase: b.phase.name, backup: 'velero', name, namespace });
  const r = await raw('POST', path, step.backup, b.signal);
  if (r.status === 404) return `cluster ${b.cluster.name} does not serve velero.io/v1 Backups in namespace ${namespace} (${apiMessage(r.body)}); install Velero, set backup.namespace to where it runs, or use backup: {type: command, ...}`;
  if (r.status >= 300 && r.status !== 409) return `creating Velero Backup ${namespace}/${name} answered ${r.status}: ${apiMessage(r.body)}`;
  const end = await waitVeleroBackup({ raw, path: `${path}/${name}`, clock: b.deps.clock, untilMs: started + step.timeout.ms, signal: b.signal });
  if (end.kind === 'completed') {
    b.record({ type: 'backup.completed', cluster: b.cluster.name, phase: b.phase.name, name, ms: b.deps.clock.now() - started, status: end.status });
    return undefined;
  }
  if (end.kind === 'failed') return `Velero Backup ${namespace}/${name} ended ${end.phase}${typeof end.status.failureReason === 'string' ? ` (${end.status.failureReason})` : ''}; see velero backup describe ${name} --details, fix the cause and start a new run`;
  return `Velero Backup ${namespace}/${name} was not Completed within ${step.timeout.toString()} (${end.last}); check that Velero runs, or raise backup.timeout in the workspace`;
}
