// `daylight run -f plan.yaml`: executes a plan, journaled; `--resume RUN` continues one after a crash or
// Ctrl-C. Exit 0 only when the run succeeded.
import { UserError } from '../lib/errors.ts';
import { loadPlanFile } from '../plan/load.ts';
import { HELP_OPTION, OUTPUT_OPTION, outputFlag, parse, stringFlag } from './args.ts';
import { KUBECONFIG_OPTION } from './clusters.ts';
import type { Command, Io } from './command.ts';
import { journalKeyPath, journalSignerAt } from './journal-key.ts';
import { runSession } from './run-session.ts';
import { existingRun, STATE_DIR_OPTION, stateDir } from './state-dir.ts';
import { renderSummary, summariseRun } from '../engine/run-summary.ts';

const HELP = `Usage: daylight run -f plan.yaml [--resume RUN] [--kubeconfig FILE] [--state-dir DIR] [--skip-preflight] [-o json]
       daylight run -f plan.yaml --in-cluster [--kubeconfig FILE] [--context CTX] [--namespace NS] [-o json]

Executes the plan: waves of nodes cordoned, drained through the Eviction API, patched or rebooted,
confirmed, given back; gates before every wave. Every step is journaled in
<state-dir>/runs/<run-id>/journal.jsonl before it is taken. Ctrl-C pauses cleanly; continue with
--resume RUN. From another terminal: daylight status|pause|resume|abort RUN.

Flags:
  -f, --file FILE     the plan
  --resume RUN        continue that run instead of starting a new one (a rollout whose run was
                      aborted or failed goes on in a new run, its finished clusters not done again)
  --kubeconfig FILE   use this kubeconfig for every cluster of the plan
  --state-dir DIR     where runs are kept (default $XDG_STATE_HOME/daylight, else ~/.local/state/daylight)
  --skip-preflight    start even with blocking preflight findings
  -o json             one JSON event per line, each with runId
  --in-cluster        hand the plan to daylight controller instead: the file becomes the MaintenancePlan of its
                      name in --namespace (default daylight-system), and a MaintenanceRun of it is created
  --context CTX       with --in-cluster: the context of the cluster the controller runs in

Exit codes: 0 the run succeeded; 1 it failed, was aborted or paused, or preflight refused it; 2 bad input.`;

export const runCommand: Command = {
  name: 'run',
  help: HELP,
  async run(argv, io) {
    const p = parse('run', argv, { ...HELP_OPTION, ...OUTPUT_OPTION, ...KUBECONFIG_OPTION, ...STATE_DIR_OPTION, file: { type: 'string', short: 'f' }, resume: { type: 'string' }, 'skip-preflight': { type: 'boolean' }, 'in-cluster': { type: 'boolean' }, context: { type: 'string' }, namespace: { type: 'string' } });
    if (p.values.help) {
      io.out(HELP);
      return 0;
    }
    if (p.positionals.length) throw new UserError(`unexpected argument "${p.positionals[0]}"; see daylight run --help`);
    const file = stringFlag(p, 'file');
    if (!file) throw new UserError('missing the plan: pass -f plan.yaml');
    if (p.values['in-cluster'] === true) {
      const local = ['resume', 'state-dir', 'skip-preflight'].find((f) => p.values[f] !== undefined);
      if (local) throw new UserError(`--in-cluster excludes --${local}: the controller keeps the run, its journal and its preflight`);
      const plan = await loadPlanFile(file);
      const { runInCluster } = await import('./run-in-cluster.ts');
      return runInCluster(io, { plan, kubeconfig: stringFlag(p, 'kubeconfig'), context: stringFlag(p, 'context'), namespace: stringFlag(p, 'namespace') ?? 'daylight-system', json: outputFlag(p) === 'json' });
    }
    const onlyInCluster = ['context', 'namespace'].find((f) => p.values[f] !== undefined);
    if (onlyInCluster) throw new UserError(`--${onlyInCluster} is for --in-cluster; a plan run here reaches each cluster by its own context`);
    const dir = stateDir(p);
    const resume = stringFlag(p, 'resume');
    // before any cluster is read: a run that is not there is the user's to fix, not a connection to make
    if (resume !== undefined) existingRun(dir, resume, `run -f ${file} --resume`);
    const plan = await loadPlanFile(file);
    return runAndReport(io, { plan, stateDir: dir, kubeconfig: stringFlag(p, 'kubeconfig'), resume, json: outputFlag(p) === 'json', skipPreflight: p.values['skip-preflight'] === true });
  },
};

export interface RunRequest {
  readonly plan: Awaited<ReturnType<typeof loadPlanFile>>;
  readonly stateDir: string;
  readonly kubeconfig?: string;
  readonly resume?: string;
  readonly json: boolean;
  readonly skipPreflight?: boolean;
}

/** Runs with Ctrl-C as pause (a second Ctrl-C ends the process at once) and prints the outcome. */
export async function runAndReport(io: Io, r: RunRequest): Promise<number> {
  const interrupt = new AbortController();
  let presses = 0;
  const onSigint = () => {
    presses++;
    if (presses === 1) {
      io.err('Pausing at once: in-flight waits stop, cordoned nodes stay with the run. Ctrl-C again to quit without recording.');
      interrupt.abort();
    } else {
      process.exit(130);
    }
  };
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigint);
  try {
    const view = r.json ? 'json' : io.isTty ? 'tty' : 'text';
    const end = await runSession({ plan: r.plan, stateDir: r.stateDir, kubeconfig: r.kubeconfig, resume: r.resume, view, write: (t) => process.stdout.write(t), skipPreflight: r.skipPreflight, interrupt: interrupt.signal, signer: journalSignerAt(journalKeyPath()) });
    if (end.status === 'refused') return 1;
    const summary = summariseRun(end.state);
    if (r.json) io.out(JSON.stringify({ type: 'run.summary', ...summary }));
    else io.out(renderSummary(summary));
    if (end.status === 'paused' && !r.json) io.out(`Resume with: daylight run -f ${r.plan.path} --resume ${end.runId}`);
    return end.status === 'succeeded' ? 0 : 1;
  } finally {
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigint);
  }
}
