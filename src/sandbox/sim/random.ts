// Seeded randomness for the simulation, so a fleet file and a seed give the same run every time.

export interface Rng {
  /** A number in [0, 1). */
  next(): number;
  /** `value` varied by up to ±`fraction` of itself. */
  jitter(value: number, fraction: number): number;
  /** A name suffix from Kubernetes' own alphabet (no vowels, no look-alikes). */
  suffix(length: number): string;
}

const ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/** mulberry32: small, fast, good enough for simulation. */
export function seededRng(seed: number): Rng {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    jitter: (value, fraction) => value * (1 + (next() * 2 - 1) * fraction),
    suffix: (length) => {
      let out = '';
      for (let i = 0; i < length; i++) out += ALPHABET[Math.floor(next() * ALPHABET.length)];
      return out;
    },
  };
}

/** A short stable hash of a string in the same alphabet, as pod-template-hash labels look. */
export function stableHash(text: string, length = 10): string {
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193) >>> 0;
    h2 = Math.imul(h2 ^ c, 0x5bd1e995) >>> 0;
  }
  let out = '';
  let x = h1;
  for (let i = 0; i < length; i++) {
    if (i === 5) x = h2;
    out += ALPHABET[x % ALPHABET.length];
    x = Math.floor(x / ALPHABET.length);
  }
  return out;
}
