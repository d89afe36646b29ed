// Expiring the silences a run created: each one that cannot be expired is reported (a warning in the
// journal and the run's summary, with what to do), never swallowed; an abort passes through.
import { errorMessage, isAbortError } from '../lib/errors.ts';
import type { RunEvent } from './events.ts';

export interface Expirer {
  expire(id: string, signal: AbortSignal): Promise<void>;
}

/** Expires `silences` (id → Alertmanager URL); returns how many could not be expired. */
export async function expireSilences(o: { expirer: Expirer; silences: Readonly<Record<string, string>>; cluster: string; record: (e: RunEvent) => Promise<void>; signal: AbortSignal }): Promise<number> {
  let failed = 0;
  for (const [id, alertmanager] of Object.entries(o.silences)) {
    try {
      await o.expirer.expire(id, o.signal);
      await o.record({ type: 'silence.expired', cluster: o.cluster, alertmanager, id });
    } catch (e: unknown) {
      if (isAbortError(e)) throw e;
      failed++;
      await o.record({ type: 'warning', cluster: o.cluster, message: `silence ${id} at ${alertmanager} could not be expired (${errorMessage(e)}); it ends at its own end time, or expire it with daylight recover` });
    }
  }
  return failed;
}
