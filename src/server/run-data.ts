// What the dashboard server reads from a state directory: the runs with their summary, one run's state
// with the analysis and blockers its journal holds, and its audit report. Read-only: journals are read
// with the file journal's read functions, never through FileJournal.open (which would repair a torn last
// line of a live run).
import { existsSync } from 'node:fs';
import { runIdProblem } from '../lib/run-id.ts';
import type { Finding } from '../preflight/types.ts';
import type { PlannedWave } from '../engine/events.ts';
import type { JournalEntry, RunEvent } from '../engine/events.ts';
import { readJournalEntries } from '../journal/file-journal.ts';
import { listRuns, ownerAlive, runPaths } from '../engine/run-dir.ts';
import type { RunPaths } from '../engine/run-dir.ts';
import { replay } from '../engine/state.ts';
import type { RunState } from '../engine/state.ts';
import { buildReport, readRunFiles } from '../report/index.ts';
import type { Report } from '../report/index.ts';
import { summariseRun } from '../engine/run-summary.ts';
import type { RunSummary } from '../engine/run-summary.ts';

/** The paths of a run that exists in `stateDir`, or undefined for an unknown or malformed id. */
export function findRun(stateDir: string, runId: string): RunPaths | undefined {
  // the server answers a malformed id with 400 before it gets here; this keeps it off the file system anyway
  if (runIdProblem(runId)) return undefined;
  const paths = runPaths(stateDir, runId);
  return existsSync(paths.journal) ? paths : undefined;
}

function entriesOf(paths: RunPaths): JournalEntry[] {
  return readJournalEntries<RunEvent>(paths.journal);
}

export type RunListItem = RunSummary & { readonly live: boolean; readonly plan?: string; readonly startedAt?: number };

export function listRunSummaries(stateDir: string): RunListItem[] {
  return listRuns(stateDir).map((id) => {
    const paths = runPaths(stateDir, id);
    const s = replay(id, entriesOf(paths));
    return { ...summariseRun(s), live: ownerAlive(paths) !== undefined, ...(s.plan ? { plan: s.plan.name } : {}), ...(s.startedAt !== undefined ? { startedAt: s.startedAt } : {}) };
  });
}

export interface RunDetail {
  readonly summary: RunSummary;
  readonly live: boolean;
  readonly state: RunState;
  readonly analysis: readonly { readonly at: number; readonly cluster: string; readonly step: number; readonly records: readonly unknown[] }[];
  readonly blockers: readonly { readonly at: number; readonly cluster: string; readonly node: string; readonly reason: string }[];
  /** What preflight found before the run, as journaled at its start (skipped: --skip-preflight or a run journaled before this existed). */
  readonly preflight: { readonly skipped: boolean; readonly findings: readonly Finding[] };
  /** The planned waves of every phase and cluster: the plan's result as the run took it. */
  readonly plan: readonly { readonly cluster: string; readonly phase: string; readonly budget: number; readonly waves: readonly PlannedWave[]; readonly excluded: readonly { node: string; reason: string }[] }[];
}

export function runDetail(paths: RunPaths): RunDetail {
  const entries = entriesOf(paths);
  const state = replay(paths.runId, entries);
  const analysis: RunDetail['analysis'][number][] = [];
  const blockers: RunDetail['blockers'][number][] = [];
  for (const { at, event: e } of entries) {
    if (e.type === 'analysis.measured') analysis.push({ at, cluster: e.cluster, step: e.step, records: e.records });
    else if (e.type === 'node.pod.blocked') blockers.push({ at, cluster: e.cluster, node: e.node, reason: `${e.pod}: ${e.diagnostic}` });
    else if (e.type === 'node.drain.timeout') for (const b of e.blockers) blockers.push({ at, cluster: e.cluster, node: e.node, reason: `drain timed out (${e.policy}): ${b}` });
  }
  const journaled = entries.find((x) => x.event.type === 'preflight.evaluated')?.event;
  const preflight = journaled?.type === 'preflight.evaluated' ? { skipped: journaled.skipped, findings: journaled.findings } : { skipped: true, findings: [] };
  const plan = state.phases.map((ph) => ({ cluster: ph.cluster, phase: ph.phase, budget: ph.budget, waves: ph.waves, excluded: ph.excluded }));
  return { summary: summariseRun(state), live: ownerAlive(paths) !== undefined, state, analysis, blockers, preflight, plan };
}

export function runReport(paths: RunPaths): Report {
  return buildReport(readRunFiles(paths));
}
