// A backup read until it ends, for the kubernetes and platform phases: completed, failed (it never will
// complete), or the timeout; the callers say what each means for their run. The backup itself is behind
// the BackupPort (Velero in kube/velero.ts); this is only the engine's patience.
import { atLeastReal } from '../lib/clock.ts';
import type { Clock } from '../lib/clock.ts';
import type { BackupPort, BackupRef } from './ports/backups.ts';

/** How often (cluster time, at least half a real second) the backup is read. */
const POLL_MS = 5_000;

export type BackupEnd =
  | { readonly kind: 'completed'; readonly details: Readonly<Record<string, unknown>> }
  | { readonly kind: 'failed'; readonly reason: string }
  | { readonly kind: 'timeout'; readonly last: string };

/** Reads the backup until it ends or `untilMs` (cluster time) passed. */
export async function waitBackup(o: { backups: BackupPort; ref: BackupRef; clock: Clock; untilMs: number; signal: AbortSignal }): Promise<BackupEnd> {
  for (;;) {
    const s = await o.backups.read(o.ref, o.signal);
    if (s.kind === 'completed') return { kind: 'completed', details: s.details };
    if (s.kind === 'failed') return { kind: 'failed', reason: `ended ${s.reason}` };
    const last = s.kind === 'in-progress' ? s.progress : s.kind === 'absent' ? 'the backup is gone' : s.reason;
    if (o.clock.now() >= o.untilMs) return { kind: 'timeout', last };
    await o.clock.sleep(atLeastReal(o.clock, POLL_MS, 500), o.signal);
  }
}
