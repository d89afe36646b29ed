// What the dashboard server makes of the runs its source holds: the runs with their summary, one run's state
// with the analysis and blockers its journal holds, and its audit report. Read-only: a journal is parsed as
// text (whole lines only), never opened as a journal (which would repair a torn last line of a live run).
import type { Finding } from '../preflight/types.ts';
import type { PlannedWave } from '../engine/events.ts';
import type { JournalEntry, RunEvent } from '../engine/events.ts';
import { parseJournalLines } from '../journal/file-journal.ts';
import { replay } from '../engine/state.ts';
import type { RunState } from '../engine/state.ts';
import { buildReport } from '../report/index.ts';
import type { Report } from '../report/index.ts';
import { summariseRun } from '../engine/run-summary.ts';
import type { RunSummary } from '../engine/run-summary.ts';
import type { RunRecord, RunsSource } from './runs-source.ts';

function entriesOf(run: RunRecord): JournalEntry[] {
  return parseJournalLines<RunEvent>(run.journalText);
}

export type RunListItem = RunSummary & { readonly live: boolean; readonly plan?: string; readonly startedAt?: number };

export function runSummary(run: RunRecord): RunListItem {
  const s = replay(run.runId, entriesOf(run));
  return { ...summariseRun(s), live: run.live, ...(s.plan ? { plan: s.plan.name } : {}), ...(s.startedAt !== undefined ? { startedAt: s.startedAt } : {}) };
}

/** Every run of the source, read a few at a time. */
export async function listRunSummaries(source: RunsSource, signal?: AbortSignal): Promise<RunListItem[]> {
  const ids = await source.list(signal);
  const out: RunListItem[] = [];
  for (let i = 0; i < ids.length; i += READ_AT_ONCE) {
    const runs = await Promise.all(ids.slice(i, i + READ_AT_ONCE).map((id) => source.read(id, signal)));
    for (const run of runs) if (run) out.push(runSummary(run));
  }
  return out;
}

/** Runs read at once for the list: a namespace of many runs is not one burst of requests to the API server. */
const READ_AT_ONCE = 8;

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

export function runDetail(run: RunRecord): RunDetail {
  const entries = entriesOf(run);
  const state = replay(run.runId, entries);
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
  return { summary: summariseRun(state), live: run.live, state, analysis, blockers, preflight, plan };
}

export function runReport(run: RunRecord): Report {
  return buildReport({ runId: run.runId, journalText: run.journalText, ...(run.owner ? { owner: run.owner } : {}) });
}
