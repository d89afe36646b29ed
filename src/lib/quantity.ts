// Kubernetes resource quantities ("500m", "8", "32Gi", "1e3") as a value type with base-unit numbers.

const SUFFIX: Record<string, number> = {
  n: 1e-9, u: 1e-6, m: 1e-3, '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
  Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60,
};
const FORM = /^([+-]?(?:\d+(?:\.\d*)?|\.\d+))(?:(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)|[eE]([+-]?\d+))?$/;

export class Quantity {
  /** The value in base units: cores for CPU, bytes for memory. */
  readonly value: number;
  readonly text: string;

  private constructor(value: number, text: string) {
    this.value = value;
    this.text = text;
  }

  static parse(input: string | number): Quantity {
    const text = String(input).trim();
    const m = FORM.exec(text);
    if (!m) {
      throw new RangeError(`"${input}" is not a quantity; write a number with an optional suffix, such as 500m, 2, 512Mi or 32Gi`);
    }
    const base = Number(m[1]);
    const factor = m[3] !== undefined ? 10 ** Number(m[3]) : (SUFFIX[m[2] ?? ''] as number);
    return new Quantity(base * factor, text);
  }

  /** Milli-units, rounded up as Kubernetes does for CPU requests. */
  get milli(): number {
    return Math.ceil(Math.round(this.value * 1e6) / 1e3);
  }

  toString(): string {
    return this.text;
  }

  toJSON(): string {
    return this.text;
  }
}

/** Quantity text for a CPU amount in milli-cores: 8000 → "8", 500 → "500m". */
export function formatMilliCpu(milli: number): string {
  return milli % 1000 === 0 ? String(milli / 1000) : `${milli}m`;
}

/** Quantity text for bytes, in the largest binary unit that divides them: 34359738368 → "32Gi". */
export function formatBytes(bytes: number): string {
  for (const [suffix, f] of [['Ei', 2 ** 60], ['Pi', 2 ** 50], ['Ti', 2 ** 40], ['Gi', 2 ** 30], ['Mi', 2 ** 20], ['Ki', 2 ** 10]] as const) {
    if (bytes >= f && bytes % f === 0) return `${bytes / f}${suffix}`;
  }
  return String(bytes);
}
