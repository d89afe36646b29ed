// The compliance table: each requirement an auditor asks about (ISO/IEC 27001:2022 A.8.8 and A.8.32,
// NIS2 implementing regulation 2024/2690 §6.4 and §6.6, BSI OPS.1.1.3) linked to the evidence this run
// holds, with counts. Wording and mapping follow the Daylight reference, upgrades-and-operations.md §12.
import type { ChainResult } from './integrity.ts';
import { approvalText } from './approvals.ts';
import type { ActionRecord, AnalysisStep, ApprovalRecord, ComplianceRow, EvidenceStatus, GateEvaluation, PreflightSection, ReportSummary, Timeline } from './types.ts';

export interface ComplianceInput {
  readonly entries: number;
  readonly chain: ChainResult;
  readonly summary: ReportSummary;
  readonly timeline: Timeline;
  readonly actions: readonly ActionRecord[];
  readonly gates: readonly GateEvaluation[];
  readonly analysis: readonly AnalysisStep[];
  readonly preflight: PreflightSection;
  readonly approvals: readonly ApprovalRecord[];
}

const ISO = 'ISO/IEC 27001:2022';
const NIS2 = 'NIS2 IR (EU) 2024/2690';
const BSI = 'BSI IT-Grundschutz';
const SRC_ISO = 'reference §12.1 (paraphrase of ISO/IEC 27002:2022 guidance from secondary sources; the standard text is not public); field mapping §12.4';
const SRC_NIS2 = 'reference §12.3 (wording of the 27.06.2024 draft Annex; check against the Official Journal text of 18.10.2024); field mapping §12.4';
const SRC_BSI = 'reference §12.2 (OPS.1.1.3 requirement texts unverified; check the IT-Grundschutz-Kompendium, Edition 2023)';

interface Facts {
  readonly journal: string;
  readonly chainOk: boolean;
  readonly gatesBeforeWaves: { readonly passed: number; readonly total: number };
  readonly wavesStarted: number;
  readonly canary?: number;
  readonly validations: { readonly passed: number; readonly total: number };
  readonly afterPhase: { readonly passed: number; readonly total: number };
  readonly measurements: number;
  readonly cuts: number;
  readonly putBacks: number;
  readonly regionsDrained: number;
  readonly nodeActions: number;
  readonly versions: readonly string[];
  readonly deferred: readonly string[];
  readonly hooks: number;
  readonly silences: number;
}

export function buildCompliance(input: ComplianceInput): ComplianceRow[] {
  const f = factsOf(input);
  return [...isoRows(f, input), ...nis2Rows(f, input), bsiRow(f)];
}

function factsOf(input: ComplianceInput): Facts {
  const count = (list: readonly { passed: boolean }[]) => ({ passed: list.filter((g) => g.passed).length, total: list.length });
  const beforeWaves = input.gates.filter((g) => g.context.startsWith('before wave'));
  const waves = input.timeline.phases.flatMap((p) => p.waves);
  const started = waves.filter((w) => w.started);
  const versions = new Set(input.actions.filter((a) => a.action === 'node action' && a.ok).map((a) => a.result.replace(/^.*kubelet /, 'kubelet ')));
  const excluded = input.timeline.phases.flatMap((p) => p.excluded.map((x) => `${p.cluster}/${x.node} excluded: ${x.reason}`));
  const notMaintained = input.timeline.nodes.filter((n) => n.outcome && n.outcome !== 'maintained').map((n) => `${n.cluster}/${n.node} ${n.outcome}${n.message ? `: ${n.message}` : ''}`);
  const chain = input.chain;
  return {
    journal: `${input.entries} journal entr${input.entries === 1 ? 'y' : 'ies'} with actor, wall-clock and cluster time; hash chain ${chain.ok ? `verified (last hash ${chain.lastHash?.slice(0, 16) ?? 'none'}…)` : `BROKEN at line ${chain.break?.line ?? '?'}`}`,
    chainOk: chain.ok && input.entries > 0,
    gatesBeforeWaves: count(beforeWaves),
    wavesStarted: started.length,
    ...(waves[0] ? { canary: waves[0].nodes.length } : {}),
    validations: count(input.gates.filter((g) => g.context.startsWith('region validation'))),
    afterPhase: count(input.gates.filter((g) => g.context.startsWith('after phase'))),
    measurements: input.analysis.reduce((n, a) => n + a.records.length, 0),
    cuts: input.actions.filter((a) => a.action === 'switch-back').length,
    putBacks: input.actions.filter((a) => a.action === 'traffic put back').length,
    regionsDrained: input.actions.filter((a) => a.action === 'traffic drain' && a.ok).length,
    nodeActions: input.actions.filter((a) => a.action === 'node action').length,
    versions: [...versions],
    deferred: [...excluded, ...notMaintained],
    hooks: input.actions.filter((a) => a.action.startsWith('hook ')).length,
    silences: input.actions.filter((a) => a.action === 'silence').length,
  };
}

type Row = (control: string, title: string, requirement: string, evidence: string, status: EvidenceStatus) => ComplianceRow;

function rowsOf(framework: string, source: string): Row {
  return (control, title, requirement, evidence, status) => ({ framework, control, title, requirement, evidence, status, source });
}

const iso = rowsOf(ISO, SRC_ISO);
const nis2 = rowsOf(NIS2, SRC_NIS2);
const bsi = rowsOf(BSI, SRC_BSI);

function tested(f: Facts): { text: string; status: EvidenceStatus } {
  const g = f.gatesBeforeWaves;
  const parts = [
    `gates passed before ${g.passed} of ${g.total} gate evaluation(s) ahead of waves (${f.wavesStarted} wave(s) started)`,
    ...(f.canary !== undefined ? [`first wave (canary) of ${f.canary} node(s)`] : []),
    ...(f.validations.total > 0 ? [`region validation passed ${f.validations.passed} of ${f.validations.total}`] : []),
    ...(f.measurements > 0 ? [`${f.measurements} canary analysis measurement(s) while traffic came back`] : []),
  ];
  const status: EvidenceStatus = g.total > 0 && g.passed >= f.wavesStarted ? 'evidenced' : g.total > 0 || f.validations.total > 0 ? 'partial' : 'not-recorded';
  return { text: `${parts.join('; ')}${g.total === 0 ? '; the plan has no gates, so no wave was tested before it started' : ''}`, status };
}

function fallBack(f: Facts): { text: string; status: EvidenceStatus } {
  if (f.regionsDrained === 0 && f.cuts === 0) return { text: 'no region left traffic in this run, so no traffic fall-back was armed; nodes are given back (uncordoned) on abort and by daylight recover', status: 'partial' };
  return {
    text: `${f.regionsDrained} region(s) drained with switch-back armed (${f.measurements} analysis measurement(s)); switch-back ran ${f.cuts} time(s) (traffic.cut entries); ${f.putBacks} put-back(s) by recovery`,
    status: 'evidenced',
  };
}

function isoRows(f: Facts, input: ComplianceInput): ComplianceRow[] {
  const t = tested(f);
  const fb = fallBack(f);
  const plan = input.summary.plan;
  return [
    iso('A.8.8', 'Management of technical vulnerabilities', 'an audit log of all procedures undertaken', `${f.journal}; ${input.actions.length} action(s) recorded`, f.chainOk ? 'evidenced' : 'partial'),
    iso('A.8.8', 'Management of technical vulnerabilities', 'patches tested and evaluated before installation', t.text, t.status),
    iso('A.8.8', 'Management of technical vulnerabilities', 'asset and software inventory with versions', f.nodeActions > 0 ? `${f.nodeActions} node action(s) with bootID and kubelet version before and after${f.versions.length > 0 ? `: ${f.versions.slice(0, 5).join(', ')}` : ''}; the full inventory lives outside the run` : 'no node action in this run; the inventory lives outside the run', f.nodeActions > 0 ? 'partial' : 'not-recorded'),
    impactRow(f, input),
    iso('A.8.32', 'Change management', 'records of changes', `${f.journal}; plan ${plan ? `${plan.name} sha256 ${plan.sha256}` : 'not recorded'}`, f.chainOk && plan ? 'evidenced' : 'partial'),
    iso('A.8.32', 'Change management', 'tests and test acceptance', `${t.text}; gates after phases passed ${f.afterPhase.passed} of ${f.afterPhase.total}`, t.status),
    iso('A.8.32', 'Change management', 'emergency and contingency procedures including fall-back', fb.text, fb.status),
    authorisationRow(f, input),
    iso('A.8.32', 'Change management', 'communication to interested parties', `${f.hooks} hook(s) ran (webhooks and commands, with target and outcome), ${f.silences} alert silence(s); announcements (daylight calendar notices, status page) are not journaled`, f.hooks > 0 ? 'partial' : 'not-recorded'),
  ];
}

/**
 * Who authorised the change: the run's approval gates with their answers. Evidenced when people approved
 * every gate asked, in a verified journal; partial when a timeout answered or one is unanswered.
 */
function authorisationRow(f: Facts, input: ComplianceInput): ComplianceRow {
  const a = input.approvals;
  if (a.length === 0) return iso('A.8.32', 'Change management', 'authorisation', `the journal records the lease holder (${input.summary.holders.join(', ') || 'none'}), not an approver: the plan has no approval gate; record the approval in the change ticket together with this run id and the journal's last hash, or add an approval gate (phases[].before: [{type: approval}])`, 'not-recorded');
  const byPeople = a.every((x) => x.status !== 'waiting' && x.via !== 'timeout');
  return iso('A.8.32', 'Change management', 'authorisation', `${a.length} approval gate(s) in the journal: ${a.map(approvalText).join('; ')}`, byPeople && f.chainOk ? 'evidenced' : 'partial');
}

function impactRow(f: Facts, input: ComplianceInput): ComplianceRow {
  const pf = input.preflight;
  const blocking = pf.findings.filter((x) => x.severity === 'blocking').length;
  const waves = input.timeline.phases.reduce((n, p) => n + p.waves.length, 0);
  const planned = `${input.timeline.phases.length} phase run(s) planned with ${waves} wave(s), each with the reason for its shape, and the budget counted per cluster`;
  const findings = pf.source === 'none' ? pf.note : pf.source === 'journal' ? `${pf.findings.length} preflight finding(s) (${blocking} blocking) journaled at the start of the run (hash-chained); ${pf.note}` : `${pf.findings.length} preflight finding(s) (${blocking} blocking) from the attached preflight output (not hash-chained)`;
  return iso('A.8.32', 'Change management', 'planning and impact assessment including dependencies', `${planned}; ${findings}`, pf.source === 'none' ? 'partial' : f.chainOk ? 'evidenced' : 'partial');
}

function nis2Rows(f: Facts, input: ComplianceInput): ComplianceRow[] {
  const t = tested(f);
  const reviewed = f.validations.total + f.afterPhase.total;
  return [
    nis2('§6.4.1–6.4.2', 'Change management, repairs and maintenance', 'apply documented procedures to releases, modifications and maintenance', `the run executed plan ${input.summary.plan?.name ?? '(not recorded)'} (sha256 ${input.summary.plan?.sha256.slice(0, 16) ?? '?'}…) in ${input.timeline.phases.length} phase run(s); ${f.journal}`, f.chainOk ? 'evidenced' : 'partial'),
    nis2('§6.4.3', 'Change management, repairs and maintenance', 'when an emergency prevented the regular procedure, document the result of the change and why', `the journal does not classify a change as emergency and does not record whether preflight was skipped (--skip-preflight); outcome: ${input.summary.status}${input.summary.reason ? ` (${input.summary.reason})` : ''}`, 'not-recorded'),
    nis2('§6.4.4', 'Change management, repairs and maintenance', 'post-change review', reviewed > 0 ? `validation results: ${f.validations.passed} of ${f.validations.total} region validation(s) and ${f.afterPhase.passed} of ${f.afterPhase.total} after-phase gate evaluation(s) passed; this report is the input to the review` : 'no validation or after-phase gate in this run; the review itself is done by people', reviewed > 0 ? 'partial' : 'not-recorded'),
    nis2('§6.6.1', 'Security patch management', 'test before production', t.text, t.status),
    nis2('§6.6.1', 'Security patch management', 'integrity check', `journal hash chain ${input.chain.ok ? 'verified' : 'BROKEN'}; the plan is identified by its sha256; the integrity and source of patch artefacts (digests, signatures) are not recorded by the run`, input.chain.ok ? 'partial' : 'not-recorded'),
    nis2('§6.6.2', 'Security patch management', 'document and substantiate a decision not to patch', f.deferred.length > 0 ? `${f.deferred.length} node(s) not patched, each with its reason: ${f.deferred.slice(0, 5).join('; ')}${f.deferred.length > 5 ? '; …' : ''}` : 'every selected node was maintained; no deferral to document', 'evidenced'),
  ];
}

function bsiRow(f: Facts): ComplianceRow {
  return bsi('OPS.1.1.3', 'Patch- und Änderungsmanagement', 'patch and change management (requirement texts unverified)', `${f.journal}; ${tested(f).text}; ${fallBack(f).text}`, f.chainOk ? 'partial' : 'not-recorded');
}
