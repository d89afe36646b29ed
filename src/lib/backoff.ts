// Exponential backoff with full jitter, bounded: the delay before try n is a random fraction of
// min(cap, base × 2^n), so clients retrying the same budget do not march in step.

export interface Backoff {
  readonly baseMs: number;
  readonly capMs: number;
}

export function backoffDelay(b: Backoff, attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(b.capMs, b.baseMs * 2 ** Math.min(attempt, 30));
  return b.baseMs / 2 + random() * (ceiling - b.baseMs / 2);
}
