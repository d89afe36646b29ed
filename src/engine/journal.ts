// The run's journal as the engine sees it: the journal port (ports/journal.ts) over run events, and the
// recorder every step is given. The engine writes through these and imports no adapter: the CLI opens a
// file journal (src/journal/file-journal.ts) and hands it in, tests an in-memory one.
import type { RunEvent } from './events.ts';
import type { JournalPort } from './ports/journal.ts';

export type Journal = JournalPort<RunEvent>;

/**
 * Journals an event and resolves once its entry is durable; rejects when the journal refused it. Every
 * step awaits it before it goes ahead, so the journal holds each intent before the step it records.
 */
export type Recorder = (event: RunEvent) => Promise<void>;
