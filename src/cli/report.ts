// `daylight report RUN`: the audit report of one run (summary, timeline, actions, gates, traffic,
// preflight, integrity, compliance) as one self-contained HTML file or as JSON, from its journal.
import { readFileSync, writeFileSync } from 'node:fs';
import { errnoCode, UserError } from '../lib/errors.ts';
import type { Finding } from '../preflight/types.ts';
import { buildReport, readRunFiles, renderReportHtml } from '../report/index.ts';
import type { RunFiles } from '../report/index.ts';
import { HELP_OPTION, OUTPUT_OPTION, parse, stringFlag } from './args.ts';
import type { Parsed } from './args.ts';
import { FROM_CLUSTER_HELP, FROM_CLUSTER_OPTIONS } from './cluster-journal-flags.ts';
import type { Command } from './command.ts';
import { documentFormat, FORMAT_OPTION } from './document-format.ts';
import { existingRun, STATE_DIR_OPTION, stateDir } from './state-dir.ts';

const HELP = `Usage: daylight report RUN [--format html|json] [--out FILE] [--preflight FILE] [--state-dir DIR]
       daylight report --from-cluster RUN [--kubeconfig FILE] [--context C] [--namespace N] [--format html|json] [--out FILE] [--preflight FILE]

The audit trail and compliance evidence of RUN, from its journal: summary, timeline of phases, waves,
nodes and regions, every action with actor, time, target and result, gates and analysis with their
values, the traffic chart, the journal's hash-chain check, and a table linking ISO/IEC 27001 A.8.8 and
A.8.32, NIS2 2024/2690 §6.4 and §6.6 and BSI OPS.1.1.3 to the evidence.
  --format html|json  html (default): one file that opens offline; json: the same content as data
  -o json             same as --format json
  --out FILE          write to FILE instead of standard output
  --preflight FILE    attach the output of daylight preflight -f plan.yaml -o json (the journal holds no
                      preflight findings)
${FROM_CLUSTER_HELP}
Exit codes: 0 written; 1 written, but the journal's hash chain is broken; 2 bad input.`;

export const reportCommand: Command = {
  name: 'report',
  help: HELP,
  async run(argv, io) {
    const p = parse('report', argv, { ...HELP_OPTION, ...OUTPUT_OPTION, ...STATE_DIR_OPTION, ...FORMAT_OPTION, ...FROM_CLUSTER_OPTIONS, out: { type: 'string' }, preflight: { type: 'string' } });
    if (p.values.help) {
      io.out(HELP);
      return 0;
    }
    const format = documentFormat(p);
    const [runId, ...extra] = p.positionals;
    if (extra.length > 0) throw new UserError(`unexpected argument "${extra[0]}"; use: daylight report RUN`);
    const run = await runSource(p, runId);
    const preflightFile = stringFlag(p, 'preflight');
    const report = buildReport({ ...run.files, ...(preflightFile ? { preflight: { findings: readFindings(preflightFile), from: preflightFile } } : {}) });
    const text = format === 'json' ? JSON.stringify(report, null, 2) : renderReportHtml(report);
    const out = stringFlag(p, 'out');
    if (out) {
      writeOut(out, text);
      io.out(`report of ${report.runId} written to ${out} (${format}); ${report.integrity.text}`);
    } else {
      io.out(text);
    }
    if (!report.integrity.ok) io.err(`daylight: ${run.where}: ${report.integrity.text}`);
    return report.integrity.ok ? 0 : 1;
  },
};

/** The run's journal (and owner record) from the state directory, or its ConfigMaps with --from-cluster. */
async function runSource(p: Parsed, runId: string | undefined): Promise<{ files: RunFiles; where: string }> {
  if (stringFlag(p, 'from-cluster') === undefined) {
    const paths = existingRun(stateDir(p), runId, 'report');
    return { files: readRunFiles(paths), where: paths.journal };
  }
  if (runId !== undefined) throw new UserError(`unexpected argument "${runId}" with --from-cluster; use: daylight report --from-cluster RUN`);
  // Loaded only when used: report --help and a report from a state directory load no Kubernetes client
  const { readClusterJournal } = await import('./cluster-journal.ts');
  const j = await readClusterJournal(p, process.env);
  // A missing chunk shows in the report as entries missing from the chain.
  return { files: { runId: j.runId, journalText: j.text }, where: j.where };
}

function writeOut(path: string, text: string): void {
  try {
    writeFileSync(path, text);
  } catch (e: unknown) {
    throw new UserError(`--out ${path}: cannot write it (${errnoCode(e) ?? 'unknown error'}); check that its folder exists and is writable`, { cause: e });
  }
}

/** Findings from `daylight preflight -o json` ({summary, findings}) or a bare list of them. */
function readFindings(path: string): Finding[] {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e: unknown) {
    const code = errnoCode(e);
    throw new UserError(`--preflight ${path}: ${code ? `cannot read it (${code})` : 'not JSON'}; pass the output of daylight preflight -f plan.yaml -o json`, { cause: e });
  }
  const list = Array.isArray(data) ? data : (data as { findings?: unknown } | null)?.findings;
  if (!Array.isArray(list)) throw new UserError(`--preflight ${path}: no "findings" list; pass the output of daylight preflight -f plan.yaml -o json`);
  list.forEach((f: unknown, i) => {
    const o = (f ?? {}) as Record<string, unknown>;
    const missing = ['rule', 'severity', 'cluster', 'subject', 'message', 'fix'].filter((k) => typeof o[k] !== 'string');
    if (missing.length > 0) throw new UserError(`--preflight ${path}: findings[${i}] lacks ${missing.join(', ')}; pass the output of daylight preflight -f plan.yaml -o json`);
  });
  return list as Finding[];
}
