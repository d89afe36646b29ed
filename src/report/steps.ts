// Steps of one subject (a node, a region) built from journal entries that open and close them: a step
// opened and never closed stays open ("no confirmation in the journal"), a close without an open starts
// and ends at the same entry.
import type { Stamp, StepTimeline } from './types.ts';
import { between } from './stamp.ts';

interface Open {
  readonly step: string;
  readonly started: Stamp;
  result: string;
}

export interface StepClose {
  readonly result: string;
  readonly ok: boolean;
  /** What the engine measured; else the cluster time between open and close. */
  readonly durationMs?: number;
}

export class StepList {
  private readonly open = new Map<string, Open>();
  private readonly order: (StepTimeline | Open)[] = [];

  start(step: string, at: Stamp, result = 'started, not confirmed in the journal'): void {
    const o: Open = { step, started: at, result };
    this.open.set(step, o);
    this.order.push(o);
  }

  /** Notes something about an open step without closing it. */
  note(step: string, result: string): void {
    const o = this.open.get(step);
    if (o) o.result = result;
  }

  isOpen(step: string): boolean {
    return this.open.has(step);
  }

  end(step: string, at: Stamp, c: StepClose): void {
    const o = this.open.get(step);
    this.open.delete(step);
    const started = o?.started ?? at;
    const closed: StepTimeline = { step, started, ended: at, durationMs: c.durationMs ?? between(started, at), result: c.result, ok: c.ok };
    if (o) this.order[this.order.indexOf(o)] = closed;
    else this.order.push(closed);
  }

  /** A step that happens at one entry. */
  point(step: string, at: Stamp, result: string, ok: boolean): void {
    this.end(step, at, { result, ok, durationMs: 0 });
  }

  list(): StepTimeline[] {
    return this.order.map((s) => ('ended' in s ? s : { step: s.step, started: s.started, result: s.result, ok: false }));
  }
}
