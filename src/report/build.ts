// Builds the audit report of one run from its journal text (and, where there are, the owner record and
// preflight findings): the data behind `daylight report`, for the CLI, a server or a dashboard.
import type { JournalEntry } from '../engine/events.ts';
import type { Owner } from '../engine/run-dir.ts';
import type { Finding } from '../preflight/types.ts';
import { buildActions } from './actions.ts';
import { buildApprovals } from './approvals.ts';
import { buildCompliance } from './compliance.ts';
import { buildAnalysis, buildGates } from './gates.ts';
import { describeChain, verifyJournal } from './integrity.ts';
import { buildSummary } from './summary.ts';
import { buildTimeline } from './timeline.ts';
import { buildTrafficChart } from './traffic-chart.ts';
import type { PreflightSection, Report } from './types.ts';
import { REPORT_FORMAT } from './types.ts';

export interface ReportInput {
  readonly runId: string;
  /** journal.jsonl as it is on disk. */
  readonly journalText: string;
  /** owner.json of the run: host and pid of the process that ran it last. */
  readonly owner?: Owner;
  /** Findings from `daylight preflight -o json`, attached by the person who asks for the report. */
  readonly preflight?: { readonly findings: readonly Finding[]; readonly from: string };
  readonly now?: Date;
}

/** What the journal does not hold, so the report says so instead of looking complete. */
const GAPS = [
  'The OS user who started or steered the run is not recorded: the journal names the lease holder (the run id), owner.json the host and process.',
  'Approvals are recorded only where the plan has approval gates (phases[].before, beforeEachRegion, beforeEachWave); change type (standard, normal, emergency) is not recorded.',
  'Announcements (calendar notices, status page) and webhook notifications sent outside hooks are not journaled.',
];

export function buildReport(input: ReportInput): Report {
  const { chain, entries } = verifyJournal(input.journalText);
  const summary = buildSummary(input.runId, entries, input.owner);
  const timeline = buildTimeline(entries);
  const actions = buildActions(entries);
  const gates = buildGates(entries);
  const analysis = buildAnalysis(entries);
  const approvals = buildApprovals(entries);
  const preflight = preflightSection(input.preflight, entries);
  const integrity = { ...chain, text: describeChain(chain) };
  return {
    format: REPORT_FORMAT,
    generatedAt: (input.now ?? new Date()).toISOString(),
    runId: input.runId,
    summary,
    timeline,
    actions,
    gates,
    analysis,
    approvals,
    traffic: buildTrafficChart(entries),
    preflight,
    integrity,
    compliance: buildCompliance({ entries: entries.length, chain, summary, timeline, actions, gates, analysis, preflight, approvals }),
    gaps: GAPS,
  };
}

function preflightSection(p: ReportInput['preflight'], entries: readonly JournalEntry[]): PreflightSection {
  const journaled = entries.find((e) => e.event.type === 'preflight.evaluated')?.event;
  if (!p && journaled?.type === 'preflight.evaluated') {
    return journaled.skipped
      ? { source: 'journal', note: 'preflight was skipped for this run (--skip-preflight or a resume), as its journal records', findings: [] }
      : { source: 'journal', note: `from the run's journal (covered by its hash chain): ${journaled.findings.length} finding(s) before the run started`, findings: journaled.findings };
  }
  if (!p) return { source: 'none', note: 'this journal holds no preflight result (runs before preflight was journaled); attach the output of daylight preflight -f plan.yaml -o json with --preflight FILE to include it', findings: [] };
  return { source: 'file', note: `from ${p.from} (attached, not part of the journal's hash chain)`, findings: p.findings };
}
