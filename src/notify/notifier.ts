// Webhook notifications (Slack-compatible JSON) as a run goes: started, a region out of traffic, failed or
// aborted, completed. Sent in journal order, one at a time, never holding the run up; what was sent and
// what failed is kept for the caller to show.
import type { JournalEntry } from '../engine/events.ts';
import type { RunState } from '../engine/state.ts';
import { notificationFor, sendNotification } from './slack.ts';
import type { SendResult } from './slack.ts';

export class Notifier {
  private readonly webhooks: readonly string[];
  private chain: Promise<void> = Promise.resolve();
  readonly results: SendResult[] = [];

  constructor(webhooks: readonly string[]) {
    this.webhooks = webhooks;
  }

  /** Queues the notification this entry calls for, if any. */
  onEntry(entry: JournalEntry, state?: RunState): void {
    if (this.webhooks.length === 0) return;
    const msg = notificationFor(entry, state);
    if (!msg) return;
    for (const url of this.webhooks) {
      this.chain = this.chain.then(async () => {
        this.results.push(await sendNotification(url, msg).catch((e: unknown) => ({ ok: false, attempts: 1, target: '', message: e instanceof Error ? e.message : String(e) }) as SendResult));
      });
    }
  }

  /** Resolves when every queued notification was sent or gave up (each is bounded by its own timeout). */
  flush(): Promise<void> {
    return this.chain;
  }
}
