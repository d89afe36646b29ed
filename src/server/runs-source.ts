// Where the dashboard server reads its runs: the port it owns. A state directory is one source (`daylight
// serve`); the API server's MaintenanceRuns and their journals are another (`daylight controller`). Only a
// run whose files are on this host is steered from the server (its control file) and followed as it grows.
import { existsSync } from 'node:fs';
import type { ApprovalAnswer } from '../engine/approvals.ts';
import type { ControlCommand, Owner, RunPaths } from '../engine/run-dir.ts';
import { listRuns, ownerAlive, readOwner, runPaths } from '../engine/run-dir.ts';
import { readJournalText } from '../journal/file-journal.ts';
import { runIdProblem } from '../lib/run-id.ts';

/** One run as the server shows it: its journal, and whether something drives it now. */
export interface RunRecord {
  readonly runId: string;
  /** The journal as JSON lines, as the verifier and the report read it. */
  readonly journalText: string;
  /** Something drives it now: its process lives, or a controller has not finished it. */
  readonly live: boolean;
  readonly owner?: Owner;
  /** Its files on this host: pause, resume, abort and answers go to its control file, and its events follow its journal file. */
  readonly paths?: RunPaths;
}

export interface RunsSource {
  /** Where the runs are, for messages: "this server's state directory". */
  readonly where: string;
  list(signal?: AbortSignal): Promise<readonly string[]>;
  /** The run, or undefined when the source has no run of that id. */
  read(runId: string, signal?: AbortSignal): Promise<RunRecord | undefined>;
  /**
   * For a run without files on this host: makes the change where the run is steered (for the controller, its
   * MaintenanceRun's spec or approval annotations), resolving to a note for the caller; rejects with
   * SteerRefused when it is not taken. Without it such a change is answered 501 with steerElsewhere's text.
   */
  steer?(runId: string, change: RunChange, signal?: AbortSignal): Promise<string>;
  /** For a run without files on this host: why a call that changes it is not taken here, and how to make it instead. */
  steerElsewhere?(runId: string, what: string): string;
}

/** A change to a run from the dashboard: a control, or an answer judged against its journal. */
export type RunChange = { readonly command: ControlCommand } | { readonly answer: Omit<ApprovalAnswer, 'id'> };

/** A change the run's source did not take: the HTTP status to answer with, and why. */
export class SteerRefused extends Error {
  override name = 'SteerRefused';
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

/** The runs of a state directory, read with the file journal's read functions (never repairing a live run's torn last line). */
export function stateDirRuns(stateDir: string): RunsSource {
  return {
    where: "this server's state directory",
    list: async () => listRuns(stateDir),
    read: async (runId) => {
      // the server answers a malformed id with 400 before it gets here; this keeps it off the file system anyway
      if (runIdProblem(runId)) return undefined;
      const paths = runPaths(stateDir, runId);
      if (!existsSync(paths.journal)) return undefined;
      const owner = readOwner(paths);
      return { runId, journalText: readJournalText(paths.journal), live: ownerAlive(paths) !== undefined, ...(owner ? { owner } : {}), paths };
    },
  };
}
