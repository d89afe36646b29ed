// Simulated time for the sandbox: timers ordered by simulated instant, advanced either by tests step by
// step or by a driver that keeps simulated time at `speed` times real time.

export interface Timer {
  cancel(): void;
}

interface Entry {
  at: number;
  seq: number;
  fn: () => void;
  cancelled: boolean;
}

export class SimClock {
  private now: number;
  private seq = 0;
  private readonly heap: Entry[] = [];

  /** `startMs` is the simulated epoch time at which the fleet starts. */
  constructor(startMs: number) {
    this.now = startMs;
  }

  nowMs(): number {
    return this.now;
  }

  /** Runs `fn` once `delayMs` of simulated time have passed. */
  after(delayMs: number, fn: () => void): Timer {
    return this.at(this.now + Math.max(0, delayMs), fn);
  }

  at(timeMs: number, fn: () => void): Timer {
    const entry: Entry = { at: Math.max(timeMs, this.now), seq: this.seq++, fn, cancelled: false };
    this.push(entry);
    return { cancel: () => (entry.cancelled = true) };
  }

  /** The instant of the next pending timer, if any. */
  next(): number | undefined {
    this.dropCancelled();
    return this.heap[0]?.at;
  }

  get pending(): number {
    return this.heap.length;
  }

  /**
   * Moves time forward to `targetMs`, firing due timers in order. `settle` runs after every timer instant
   * when `settleEveryMs` is 0, or whenever that much simulated time has passed since it last ran, and at the end.
   */
  advanceTo(targetMs: number, settle?: () => void, settleEveryMs = 0): void {
    let settledAt = this.now;
    for (;;) {
      this.dropCancelled();
      const top = this.heap[0];
      if (!top || top.at > targetMs) break;
      this.pop();
      this.now = Math.max(this.now, top.at);
      top.fn();
      const nextAt = this.next();
      if (settle && (nextAt === undefined || nextAt > this.now) && this.now - settledAt >= settleEveryMs) {
        settle();
        settledAt = this.now;
      }
    }
    this.now = Math.max(this.now, targetMs);
    settle?.();
  }

  private dropCancelled(): void {
    while (this.heap[0]?.cancelled) this.pop();
  }

  private push(e: Entry): void {
    const h = this.heap;
    h.push(e);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!before(e, h[p] as Entry)) break;
      h[i] = h[p] as Entry;
      i = p;
    }
    h[i] = e;
  }

  private pop(): Entry | undefined {
    const h = this.heap;
    const top = h[0];
    const last = h.pop();
    if (h.length === 0 || !last) return top;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= h.length) break;
      const r = l + 1;
      const c = r < h.length && before(h[r] as Entry, h[l] as Entry) ? r : l;
      if (!before(h[c] as Entry, last)) break;
      h[i] = h[c] as Entry;
      i = c;
    }
    h[i] = last;
    return top;
  }
}

function before(a: Entry, b: Entry): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}

export interface DriverOptions {
  /** Simulated seconds per real second. */
  readonly speed: number;
  /** Real milliseconds between advances. */
  readonly tickMs?: number;
  /** Runs after timers fired, at most once per this much simulated time within one advance. */
  readonly settleEveryMs?: number;
}

/** Keeps a SimClock at `speed` × real time, on Node's event loop; reports how far behind it runs. */
export class RealTimeDriver {
  private readonly clock: SimClock;
  private readonly settle: () => void;
  private readonly options: DriverOptions;
  private handle: ReturnType<typeof setInterval> | undefined;
  private realStart = 0;
  private simStart = 0;
  private maxLagMs = 0;

  constructor(clock: SimClock, settle: () => void, options: DriverOptions) {
    this.clock = clock;
    this.settle = settle;
    this.options = options;
  }

  start(): void {
    this.realStart = performance.now();
    this.simStart = this.clock.nowMs();
    this.handle = setInterval(() => this.tick(), this.options.tickMs ?? 10);
  }

  stop(): void {
    if (this.handle) clearInterval(this.handle);
    this.handle = undefined;
  }

  /** The largest real delay, in ms, between when a tick should have run and when its work finished. */
  get maxLag(): number {
    return this.maxLagMs;
  }

  tick(): void {
    const target = this.simStart + (performance.now() - this.realStart) * this.options.speed;
    this.clock.advanceTo(target, this.settle, this.options.settleEveryMs ?? 1000);
    const done = this.simStart + (performance.now() - this.realStart) * this.options.speed;
    this.maxLagMs = Math.max(this.maxLagMs, (done - target) / this.options.speed);
  }
}
