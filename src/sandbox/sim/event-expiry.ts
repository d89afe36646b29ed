// Events expire an hour after they were last seen, as the API server's event TTL makes them, so a long
// simulation does not keep every event it ever recorded.
import type { Controller, SimContext } from './context.ts';
import { parseTime } from './objects.ts';

const TTL_MS = 3600_000;
const SWEEP_MS = 10 * 60_000;

export class EventExpiry implements Controller {
  readonly name = 'event-expiry';
  private readonly ctx: SimContext;

  constructor(ctx: SimContext) {
    this.ctx = ctx;
    ctx.clock.after(SWEEP_MS, () => this.sweep());
  }

  onChange(): void {}

  reconcile(): boolean {
    return false;
  }

  private sweep(): void {
    const cutoff = this.ctx.clock.nowMs() - TTL_MS;
    for (const e of this.ctx.store.list('events')) {
      const last = parseTime((e as { lastTimestamp?: string }).lastTimestamp) ?? parseTime(e.metadata.creationTimestamp) ?? 0;
      if (last < cutoff) this.ctx.store.remove('events', e.metadata.namespace, e.metadata.name);
    }
    this.ctx.clock.after(SWEEP_MS, () => this.sweep());
  }
}
