// A Velero Backup read until it ends, for the kubernetes and platform phases: Completed, a phase after
// which it never will be, or the timeout; the callers say what each means for their run.
import type { Cluster } from './ports/cluster.ts';
import { atLeastReal } from '../lib/clock.ts';
import type { Clock } from '../lib/clock.ts';

/** How often (cluster time, at least half a real second) the Backup's status is read. */
const POLL_MS = 5_000;
/** Velero phases after which a backup will not become Completed. */
const FAILED = new Set(['Failed', 'PartiallyFailed', 'FailedValidation']);

export type Raw = NonNullable<Cluster['raw']>;

export type BackupEnd =
  | { readonly kind: 'completed'; readonly status: Record<string, unknown> }
  | { readonly kind: 'failed'; readonly phase: string; readonly status: Record<string, unknown> }
  | { readonly kind: 'timeout'; readonly last: string };

/** Reads the Backup at `path` until it ends or `untilMs` (cluster time) passed. */
export async function waitVeleroBackup(o: { raw: Raw; path: string; clock: Clock; untilMs: number; signal: AbortSignal }): Promise<BackupEnd> {
  for (;;) {
    const r = await o.raw('GET', o.path, undefined, o.signal);
    let last: string;
    if (r.status === 200) {
      const status = ((JSON.parse(r.body) as { status?: Record<string, unknown> }).status ?? {}) as Record<string, unknown>;
      const phase = typeof status.phase === 'string' ? status.phase : '';
      if (phase === 'Completed') return { kind: 'completed', status };
      if (FAILED.has(phase)) return { kind: 'failed', phase, status };
      last = phase ? `phase ${phase}` : 'no status yet';
    } else {
      last = `GET answered ${r.status}: ${apiMessage(r.body)}`;
    }
    if (o.clock.now() >= o.untilMs) return { kind: 'timeout', last };
    await o.clock.sleep(atLeastReal(o.clock, POLL_MS, 500), o.signal);
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
