// Reads what a report is built from out of a run directory: the journal as it is on disk (not through
// FileJournal.open, which refuses a broken chain and would repair a torn last line) and owner.json.
import { readJournalText } from '../journal/file-journal.ts';
import type { RunPaths } from '../engine/run-dir.ts';
import { readOwner } from '../engine/run-dir.ts';
import type { Owner } from '../engine/run-dir.ts';

export interface RunFiles {
  readonly runId: string;
  readonly journalText: string;
  readonly owner?: Owner;
}

export function readRunFiles(paths: RunPaths): RunFiles {
  const owner = readOwner(paths);
  return { runId: paths.runId, journalText: readJournalText(paths.journal), ...(owner ? { owner } : {}) };
}
