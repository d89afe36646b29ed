// Which clock a cluster runs on: the sandbox tells its simulated time and speed at /sandbox/v1/status, a
// real cluster answers 404 or 403 there and runs on the system clock.
import type { Clock } from '../lib/clock.ts';
import { scaledClock, systemClock } from '../lib/clock.ts';
import { isAbortError } from '../lib/errors.ts';
import { isRecord } from './api-error.ts';
import { messageWithCauses, retrying } from './retry.ts';

export const SANDBOX_STATUS_PATH = '/sandbox/v1/status';

export interface RawGetter {
  rawGet(path: string, signal?: AbortSignal): Promise<{ status: number; body: string }>;
}

/**
 * The sandbox's scaled clock when the server is a sandbox, else the system clock. A server that cannot be
 * reached (after retries) is an error: guessing the system clock for a sandbox would make every wait 600× too long.
 */
export async function detectClock(cluster: RawGetter, signal?: AbortSignal): Promise<Clock> {
  let answer: { status: number; body: string };
  try {
    answer = await retrying(() => cluster.rawGet(SANDBOX_STATUS_PATH, signal), { signal });
  } catch (e: unknown) {
    if (isAbortError(e) || signal?.aborted) throw e;
    throw new Error(`cannot reach the API server to learn its clock: ${messageWithCauses(e)}`, { cause: e });
  }
  const realAt = Date.now();
  const status = answer.status === 200 ? parseStatus(answer.body) : undefined;
  return status ? scaledClock({ speed: status.speed, simAt: status.simAt, realAt }) : systemClock;
}

function parseStatus(body: string): { speed: number; simAt: number } | undefined {
  let v: unknown;
  try {
    v = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (!isRecord(v) || typeof v.simulatedTime !== 'string' || typeof v.speed !== 'number') return undefined;
  const simAt = Date.parse(v.simulatedTime);
  return v.speed > 0 && Number.isFinite(simAt) ? { speed: v.speed, simAt } : undefined;
}
