// The audit report of one run as data: what `daylight report --format json` prints, what the HTML
// rendering shows, and what a server or dashboard can reuse. Every time carries the wall clock and the
// cluster clock, and the journal entry (seq) it comes from.
import type { GateResult } from '../engine/events.ts';
import type { AnalysisRecord } from '../engine/ports/gates.ts';
import type { Finding } from '../preflight/types.ts';
import type { ChainResult } from './integrity.ts';

export const REPORT_FORMAT = 'daylight.dev/report/v1';

/** When something happened: the journal entry, the wall clock and the cluster clock (which the sandbox may run faster). */
export interface Stamp {
  readonly seq: number;
  /** ISO 8601 wall-clock time. */
  readonly wall: string;
  /** ISO 8601 cluster-clock time. */
  readonly cluster: string;
  /** Cluster clock, epoch ms. */
  readonly at: number;
}

export interface ReportSummary {
  readonly plan?: { readonly name: string; readonly path: string; readonly sha256: string };
  readonly clusters: readonly string[];
  /** The run.started holder, then each run.resumed holder. */
  readonly holders: readonly string[];
  /** The process that ran it last (owner.json); the OS user is not recorded. */
  readonly host?: { readonly host: string; readonly pid: number; readonly since: string };
  readonly started?: Stamp;
  readonly ended?: Stamp;
  /** Cluster time from start to end. */
  readonly durationMs?: number;
  /** Wall time from start to end. */
  readonly wallDurationMs?: number;
  readonly status: string;
  readonly reason?: string;
  /** Nodes by outcome ("maintained", "skipped", ...) or by where they were left ("left cordoned, not drained"). */
  readonly nodes: Readonly<Record<string, number>>;
  /** Each node or region not maintained as planned, and why: the same list as the run's own summary. */
  readonly problems: readonly string[];
  readonly warnings: readonly string[];
  readonly resumes: number;
  readonly pauses: readonly { readonly at: Stamp; readonly reason: string }[];
}

export interface WaveTimeline {
  /** As journaled: 0 is the first wave (people read it as wave 1). */
  readonly index: number;
  readonly nodes: readonly string[];
  readonly domain?: string;
  readonly reason?: string;
  readonly started?: Stamp;
  readonly completed?: Stamp;
  readonly durationMs?: number;
  readonly soakMs?: number;
  /** The gates evaluated before it started, passed or not. */
  readonly gatesPassed?: boolean;
}

export interface PhaseTimeline {
  readonly cluster: string;
  readonly phase: string;
  readonly budget: number;
  readonly planned: Stamp;
  readonly completed?: Stamp;
  readonly durationMs?: number;
  readonly waves: readonly WaveTimeline[];
  readonly excluded: readonly { readonly node: string; readonly reason: string }[];
  readonly windowWaits: readonly { readonly at: Stamp; readonly wave: number; readonly until: string }[];
}

export interface StepTimeline {
  /** cordon, drain, action, ready, uncordon (node); drain, validate, restore N (region); ... */
  readonly step: string;
  readonly started: Stamp;
  readonly ended?: Stamp;
  /** The duration the engine measured where it did, else the cluster time between the two entries. */
  readonly durationMs?: number;
  readonly result: string;
  readonly ok: boolean;
}

export interface NodeTimeline {
  readonly cluster: string;
  readonly node: string;
  readonly phase?: string;
  /** The wave's index as journaled (0-based). */
  readonly wave?: number;
  readonly outcome?: string;
  readonly message?: string;
  readonly started?: Stamp;
  readonly done?: Stamp;
  readonly durationMs?: number;
  readonly steps: readonly StepTimeline[];
}

export interface RegionTimeline {
  readonly cluster: string;
  readonly stage: string;
  readonly steps: readonly StepTimeline[];
}

export interface Timeline {
  readonly phases: readonly PhaseTimeline[];
  readonly nodes: readonly NodeTimeline[];
  readonly regions: readonly RegionTimeline[];
}

export interface ActionRecord {
  /** cordon, drain, node action, uncordon, delete pods, traffic drain, traffic share, switch-back, ... */
  readonly action: string;
  readonly actor: string;
  /** cluster/node, a region, an Alertmanager, a hook's command or URL (without credentials). */
  readonly target: string;
  readonly requested: Stamp;
  readonly confirmed?: Stamp;
  readonly result: string;
  /** false: failed, refused, blocked, or never confirmed in the journal. */
  readonly ok: boolean;
  readonly details?: readonly string[];
}

export interface GateEvaluation {
  readonly at: Stamp;
  readonly cluster: string;
  /** "before wave 2 of os-patch", "after phase os-patch", "region preconditions", "region validation". */
  readonly context: string;
  readonly passed: boolean;
  readonly results: readonly GateResult[];
}

/** An approval gate of the run: asked for, and who answered it, when, how and with what comment. */
export interface ApprovalRecord {
  /** phase/os-patch, phase/os-patch/region/eu-west, phase/os-patch/wave/2. */
  readonly step: string;
  readonly phase: string;
  readonly cluster?: string;
  readonly name?: string;
  readonly message?: string;
  readonly requested: Stamp;
  readonly status: 'waiting' | 'approved' | 'rejected';
  /** The person (`--as`, the OS user, the dashboard token's name), or `daylight (timeout)`. */
  readonly by?: string;
  /** cli, dashboard, annotation, timeout. */
  readonly via?: string;
  /** When the person answered (ISO 8601 wall clock). */
  readonly answeredAt?: string;
  readonly comment?: string;
  /** The entry where the run took the answer. */
  readonly taken?: Stamp;
}

export interface AnalysisStep {
  readonly at: Stamp;
  readonly cluster: string;
  /** 1-based restore step. */
  readonly step: number;
  readonly percent?: number;
  readonly records: readonly AnalysisRecord[];
  readonly failures: number;
  readonly inconclusive: number;
  readonly successes: number;
}

export interface TrafficPoint {
  readonly at: Stamp;
  /** Every region's weight after this change. */
  readonly weights: Readonly<Record<string, number>>;
  /** The region the change was about. */
  readonly region: string;
  readonly event: string;
  readonly note: string;
}

export interface TrafficChart {
  /** In the balancer's unit (HAProxy 0-256, Gateway API 0-1,000,000, sandbox any); drained counts as 0. */
  readonly unit: 'weight';
  readonly regions: readonly string[];
  readonly points: readonly TrafficPoint[];
}

export interface PreflightSection {
  /** Where the findings come from: the run's journal, a file given with --preflight, or nowhere. */
  readonly source: 'journal' | 'file' | 'none';
  readonly note: string;
  readonly findings: readonly Finding[];
}

export type EvidenceStatus = 'evidenced' | 'partial' | 'not-recorded';

export interface ComplianceRow {
  /** "ISO/IEC 27001:2022", "NIS2 IR (EU) 2024/2690", "BSI IT-Grundschutz". */
  readonly framework: string;
  /** "A.8.32", "§6.6.1", "OPS.1.1.3". */
  readonly control: string;
  readonly title: string;
  /** The requirement as the reference paraphrases it. */
  readonly requirement: string;
  /** What in this run serves as evidence, with counts. */
  readonly evidence: string;
  readonly status: EvidenceStatus;
  /** Where the wording comes from, with its caveats (unverified texts). */
  readonly source: string;
}

export interface Report {
  readonly format: typeof REPORT_FORMAT;
  readonly generatedAt: string;
  readonly runId: string;
  readonly summary: ReportSummary;
  readonly timeline: Timeline;
  readonly actions: readonly ActionRecord[];
  readonly gates: readonly GateEvaluation[];
  readonly analysis: readonly AnalysisStep[];
  /** The approval gates asked for, with their answers. */
  readonly approvals: readonly ApprovalRecord[];
  readonly traffic: TrafficChart;
  readonly preflight: PreflightSection;
  readonly integrity: ChainResult & { readonly text: string };
  readonly compliance: readonly ComplianceRow[];
  /** What the journal does not record, so an auditor knows to look elsewhere. */
  readonly gaps: readonly string[];
}
