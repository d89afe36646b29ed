// Evictions wait their turn at their disruption budget instead of knocking: with the budgets as a watch
// keeps them, an eviction is sent when its budget allows a disruption, and when a budget frees room only
// as many waiters as it allows are woken, in the order they came. The API server still decides; this
// only spares it evictions it would refuse, and a pod waits for the budget's change, not a backoff.
import type { BudgetFeed, PdbView, PodView } from './ports/cluster-views.ts';
import { abortError } from '../lib/clock.ts';
import type { Clock } from '../lib/clock.ts';
import { compileLabelSelector } from '../lib/selectors.ts';

interface Waiter {
  readonly wake: () => void;
}

interface Line {
  readonly waiters: Waiter[];
  /** Evictions let through and not yet answered: the cached budget does not count them yet. */
  inFlight: number;
}

/** Call once the eviction let through has its answer. */
export type Release = () => void;

export class BudgetQueue {
  private readonly feed: BudgetFeed;
  private readonly lines = new Map<string, Line>();
  private readonly unsubscribe: () => void;

  constructor(feed: BudgetFeed) {
    this.feed = feed;
    this.unsubscribe = feed.subscribe(() => this.serve());
  }

  close(): void {
    this.unsubscribe();
    for (const line of this.lines.values()) for (const w of line.waiters.splice(0)) w.wake();
  }

  /** The budget that guards `pod`, when exactly one does (several make the Eviction API refuse it anyway). */
  budgetOf(pod: PodView): PdbView | undefined {
    const matching = this.feed.all().filter((b) => b.namespace === pod.namespace && b.selector !== undefined && compileLabelSelector(b.selector)(pod.labels));
    return matching.length === 1 ? matching[0] : undefined;
  }

  /**
   * Resolves when the pod's budget has room for one more eviction in flight and the waiters before it
   * have had theirs, or after `maxMs` of cluster time whatever the budget says (the API server is the
   * judge); the release given back must be called once the eviction has its answer.
   */
  async turn(pod: PodView, o: { clock: Clock; maxMs: number; signal?: AbortSignal }): Promise<Release> {
    const budget = this.budgetOf(pod);
    if (!budget) return () => undefined;
    const key = `${budget.namespace}/${budget.name}`;
    const line = this.lines.get(key) ?? { waiters: [], inFlight: 0 };
    this.lines.set(key, line);
    let released = false;
    const release: Release = () => {
      if (released) return;
      released = true;
      line.inFlight--;
      this.serve();
    };
    if (line.waiters.length === 0 && budget.disruptionsAllowed - line.inFlight > 0) {
      line.inFlight++;
      return release;
    }
    const timer = new AbortController();
    await new Promise<void>((resolve, reject) => {
      const done = () => {
        timer.abort();
        o.signal?.removeEventListener('abort', onAbort);
        line.inFlight++;
        resolve();
      };
      const waiter: Waiter = { wake: done };
      const leave = () => {
        const i = line.waiters.indexOf(waiter);
        if (i >= 0) line.waiters.splice(i, 1);
      };
      const onAbort = () => {
        timer.abort();
        leave();
        reject(abortError());
      };
      if (o.signal?.aborted) return onAbort();
      o.signal?.addEventListener('abort', onAbort, { once: true });
      line.waiters.push(waiter);
      o.clock.sleep(o.maxMs, timer.signal).then(() => {
        leave();
        done();
      }, () => undefined);
      this.serve();
    });
    return release;
  }

  /** Wakes, per budget, as many waiters as it has room for beyond the evictions already in flight. */
  private serve(): void {
    const budgets = new Map(this.feed.all().map((b) => [`${b.namespace}/${b.name}`, b]));
    for (const [key, line] of this.lines) {
      const b = budgets.get(key);
      const room = b ? b.disruptionsAllowed - line.inFlight : line.waiters.length;
      if (room > 0) for (const w of line.waiters.splice(0, room)) w.wake();
    }
  }
}
