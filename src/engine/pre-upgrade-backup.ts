// The backup a kubernetes phase takes before it touches a node: a Velero backup (behind the BackupPort)
// started and waited for until it completes, or a command that must exit 0. Journaled before it is asked.
import type { Cluster } from './ports/cluster.ts';
import { errorMessage } from '../lib/errors.ts';
import { renderTemplate } from '../lib/template.ts';
import type { BackupPolicy, KubernetesPhase } from '../plan/schema.ts';
import type { BACKUP_COMMAND_NAMES } from '../plan/template-names.ts';
import type { RunEvent } from './events.ts';
import type { Journal } from './journal.ts';
import { RunFailure } from './phase-runner.ts';
import type { EngineDeps } from './ports.ts';
import { waitBackup } from './velero-backup.ts';

export interface BackupRun {
  readonly deps: EngineDeps;
  readonly journal: Journal;
  readonly record: (e: RunEvent) => Promise<void>;
  readonly cluster: Cluster;
  readonly phase: KubernetesPhase;
  readonly signal: AbortSignal;
}

/** Takes the phase's backup unless the journal says it completed; throws RunFailure when it fails. */
export async function backupBeforeUpgrade(b: BackupRun): Promise<void> {
  const policy = b.phase.backup;
  if (!policy || journaled(b, 'backup.completed')) return;
  if (policy.type === 'command') await commandBackup(b, policy);
  else await veleroBackup(b, policy);
}

/** `daylight-<run>-<cluster>`, as a DNS label Velero accepts. */
export function backupName(runId: string, cluster: string): string {
  const text = `daylight-${runId}-${cluster}`.toLowerCase().replace(/[^a-z0-9-]+/g, '-');
  return text.slice(0, 63).replace(/-+$/, '');
}

function journaled(b: BackupRun, type: 'backup.requested' | 'backup.completed'): boolean {
  return b.journal.entries.some((e) => e.event.type === type && e.event.cluster === b.cluster.name && e.event.phase === b.phase.name);
}

/** Journals the backup's failure and gives the error that stops the run: `throw await failure(...)`. */
async function failure(b: BackupRun, reason: string, name?: string): Promise<RunFailure> {
  await b.record({ type: 'backup.failed', cluster: b.cluster.name, phase: b.phase.name, ...(name ? { name } : {}), reason });
  return new RunFailure(`phase ${b.phase.name} on ${b.cluster.name}: ${reason}; no node was touched`);
}

async function commandBackup(b: BackupRun, policy: Extract<BackupPolicy, { type: 'command' }>): Promise<void> {
  const vars: Record<(typeof BACKUP_COMMAND_NAMES)[number], string> = { cluster: b.cluster.name, version: b.phase.to, 'run.id': b.deps.runId };
  let command: string;
  try {
    command = renderTemplate(policy.run, vars, 'shell');
  } catch (e: unknown) {
    throw await failure(b, `the backup command was not run: ${errorMessage(e)}`);
  }
  const started = b.deps.clock.now();
  await b.record({ type: 'backup.requested', cluster: b.cluster.name, phase: b.phase.name, backup: 'command', command });
  const r = await b.deps.exec(command, { timeoutMs: policy.timeout.ms / b.deps.clock.speed, signal: b.signal });
  if (r.timedOut) throw await failure(b, `the backup command "${command}" did not finish within ${policy.timeout.toString()}; make it faster or raise backup.timeout`);
  if (r.exitCode !== 0) throw await failure(b, `the backup command "${command}" exited ${r.exitCode ?? r.signal}: ${r.output.trim().split('\n').slice(-3).join(' | ')}; fix it and start the run again`);
  await b.record({ type: 'backup.completed', cluster: b.cluster.name, phase: b.phase.name, ms: b.deps.clock.now() - started });
}

async function veleroBackup(b: BackupRun, policy: Extract<BackupPolicy, { type: 'velero' }>): Promise<void> {
  const backups = b.deps.backups?.get(b.cluster.name);
  if (!backups) throw new RunFailure(`cluster ${b.cluster.name} cannot create Velero Backups through this adapter; use backup: {type: command, run: ...}`);
  const name = backupName(b.deps.runId, b.cluster.name);
  const ref = { store: policy.namespace, name };
  const started = b.deps.clock.now();
  const existing = journaled(b, 'backup.requested') ? await backups.read(ref, b.signal) : undefined;
  if (!existing || existing.kind === 'absent' || existing.kind === 'not-installed') {
    await b.record({ type: 'backup.requested', cluster: b.cluster.name, phase: b.phase.name, backup: 'velero', name, namespace: policy.namespace });
    const request = {
      ...ref,
      namespaces: policy.includedNamespaces,
      ttl: policy.ttl.toString(),
      labels: { 'app.kubernetes.io/managed-by': 'daylight' },
      annotations: { 'daylight.dev/run': b.deps.runId, 'daylight.dev/phase': b.phase.name },
    };
    const r = await backups.start(request, b.signal);
    if (r.kind === 'not-installed') throw await failure(b, `${r.reason}; install Velero, set backup.namespace to where it runs, or use backup: {type: command, ...}`, name);
    if (r.kind === 'refused') throw await failure(b, r.reason, name);
  }
  const end = await waitBackup({ backups, ref, clock: b.deps.clock, untilMs: b.deps.clock.now() + policy.timeout.ms, signal: b.signal });
  if (end.kind === 'failed') throw await failure(b, `Velero Backup ${name} ${end.reason}; see velero backup describe ${name} --details, fix the cause and start the run again`, name);
  if (end.kind === 'timeout') throw await failure(b, `Velero Backup ${name} was not Completed within ${Math.round(policy.timeout.ms / 60_000)}m (${end.last}); check that Velero runs, or raise backup.timeout`, name);
  await b.record({ type: 'backup.completed', cluster: b.cluster.name, phase: b.phase.name, name, ms: b.deps.clock.now() - started, status: end.details });
}
