// The head of a run's report: which plan, who ran it and where, when it started and ended, how long it
// took, how it ended and why, and how its nodes came out.
import type { JournalEntry } from '../engine/events.ts';
import type { Owner } from '../engine/run-dir.ts';
import { summariseRun } from '../engine/run-summary.ts';
import { replay } from '../engine/state.ts';
import { stampOf } from './stamp.ts';
import type { ReportSummary, Stamp } from './types.ts';

export function buildSummary(runId: string, entries: readonly JournalEntry[], owner: Owner | undefined): ReportSummary {
  const s = replay(runId, entries);
  const holders: string[] = [];
  const pauses: { at: Stamp; reason: string }[] = [];
  let started: Stamp | undefined;
  let ended: Stamp | undefined;
  let resumes = 0;
  for (const entry of entries) {
    const e = entry.event;
    if (e.type === 'run.started') {
      started = stampOf(entry);
      holders.push(e.holder);
    } else if (e.type === 'run.resumed') {
      resumes++;
      ended = undefined;
      if (!holders.includes(e.holder)) holders.push(e.holder);
    } else if (e.type === 'run.paused') {
      pauses.push({ at: stampOf(entry), reason: e.reason });
    } else if (e.type === 'run.succeeded' || e.type === 'run.degraded' || e.type === 'run.failed' || e.type === 'run.aborted') {
      ended = stampOf(entry);
    }
  }
  // The same words and the same status as the run's own summary: the report never tells another story.
  const { nodes, problems, warnings } = summariseRun(s);
  const wallMs = started && ended ? Date.parse(ended.wall) - Date.parse(started.wall) : undefined;
  return {
    ...(s.plan ? { plan: s.plan } : {}),
    clusters: s.clusters,
    holders,
    ...(owner ? { host: { host: owner.host, pid: owner.pid, since: owner.since } } : {}),
    ...(started ? { started } : {}),
    ...(ended ? { ended } : {}),
    ...(started && ended ? { durationMs: Math.max(0, ended.at - started.at) } : {}),
    ...(wallMs !== undefined && Number.isFinite(wallMs) ? { wallDurationMs: Math.max(0, wallMs) } : {}),
    status: s.status,
    ...(s.reason ? { reason: s.reason } : {}),
    nodes,
    problems,
    warnings,
    resumes,
    pauses,
  };
}
