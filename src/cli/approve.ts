// `daylight approve|reject RUN`: answer a run's approval gate through its control file, as pause and resume
// do. The answer is judged against the run's journal first (judgeAnswer), so a wrong step, a second answer
// or a finished run is refused here with the reason.
import { userInfo } from 'node:os';
import { judgeAnswer } from '../engine/approvals.ts';
import type { ApprovalDecision } from '../engine/approvals.ts';
import type { RunEvent } from '../engine/events.ts';
import { ownerAlive, sendApproval } from '../engine/run-dir.ts';
import { replay } from '../engine/state.ts';
import { UserError } from '../lib/errors.ts';
import { readJournalEntries } from '../journal/file-journal.ts';
import { HELP_OPTION, OUTPUT_OPTION, outputFlag, parse, positionals, stringFlag } from './args.ts';
import type { Command } from './command.ts';
import { existingRun, STATE_DIR_OPTION, stateDir } from './state-dir.ts';

const APPROVE_HELP = `Usage: daylight approve RUN [--step STEP] [--comment TEXT] [--as NAME] [--state-dir DIR] [-o json]
       daylight approve RUN --in-cluster [--step STEP] [--comment TEXT] [--kubeconfig FILE] [--context CTX] [--namespace NS]

Approves the approval gate RUN waits at, so it goes on. Without --step: the one step it waits at (daylight
status RUN names it). Who approved (--as, else your OS user), when and the comment go in the run's journal
and its report. With --in-cluster, RUN is a MaintenanceRun of the controller (in --namespace, default
daylight-system): the answer goes in its annotations, in your Kubernetes user's name.`;

const REJECT_HELP = `Usage: daylight reject RUN [--step STEP] --comment TEXT [--as NAME] [--state-dir DIR] [-o json]
       daylight reject RUN --in-cluster [--step STEP] --comment TEXT [--kubeconfig FILE] [--context CTX] [--namespace NS]

Rejects the approval gate RUN waits at: the run ends failed with your reason, every node it holds given
back. Without --step: the one step it waits at. Who rejected (--as, else your OS user), when and the comment
go in the run's journal and its report.`;

function answerCommand(decision: ApprovalDecision, help: string): Command {
  const name = decision;
  return {
    name,
    help,
    async run(argv, io) {
      const p = parse(name, argv, { ...HELP_OPTION, ...OUTPUT_OPTION, ...STATE_DIR_OPTION, step: { type: 'string' }, comment: { type: 'string' }, as: { type: 'string' }, 'in-cluster': { type: 'boolean' }, kubeconfig: { type: 'string' }, context: { type: 'string' }, namespace: { type: 'string' } });
      if (p.values.help) {
        io.out(help);
        return 0;
      }
      if (p.values['in-cluster'] === true) {
        const local = ['as', 'state-dir'].find((f) => p.values[f] !== undefined);
        if (local) throw new UserError(`--in-cluster excludes --${local}: ${local === 'as' ? 'the answer is written in your Kubernetes user\'s name, the only one the admission policy accepts' : 'the run is the controller\'s, in the cluster'}`);
        const runId = positionals(p, 1, `daylight ${name} RUN --in-cluster`)[0] ?? '';
        const { answerInCluster } = await import('./approve-in-cluster.ts');
        const namespace = stringFlag(p, 'namespace') ?? 'daylight-system';
        const done = await answerInCluster({ runId, decision, step: stringFlag(p, 'step'), comment: stringFlag(p, 'comment'), kubeconfig: stringFlag(p, 'kubeconfig'), context: stringFlag(p, 'context'), namespace });
        if (outputFlag(p) === 'json') io.out(JSON.stringify({ runId, ...done, decision }));
        else io.out(`${decision === 'approve' ? 'approved' : 'rejected'} ${done.step} of MaintenanceRun ${namespace}/${runId} as ${done.by}; the controller takes the answer at its next look (within 2 s). Follow it: kubectl get maintenancerun ${runId} -n ${namespace} -w`);
        return 0;
      }
      const cluster = ['kubeconfig', 'context', 'namespace'].find((f) => p.values[f] !== undefined);
      if (cluster) throw new UserError(`--${cluster} is for --in-cluster (a MaintenanceRun of the controller)`);
      const paths = existingRun(stateDir(p), positionals(p, 1, `daylight ${name} RUN`)[0], name);
      const state = replay(paths.runId, readJournalEntries<RunEvent>(paths.journal));
      const judged = judgeAnswer(state, { step: stringFlag(p, 'step'), decision, by: stringFlag(p, 'as') ?? osUser(), via: 'cli', comment: stringFlag(p, 'comment'), at: new Date().toISOString() });
      if ('problem' in judged) throw new UserError(judged.problem);
      const sent = sendApproval(paths, judged.answer);
      const owner = ownerAlive(paths);
      if (outputFlag(p) === 'json') {
        io.out(JSON.stringify({ runId: paths.runId, ...sent, live: owner !== undefined }));
        return 0;
      }
      const what = `${decision === 'approve' ? 'approved' : 'rejected'} ${sent.step} of run ${paths.runId} as ${sent.by}`;
      io.out(owner ? `${what}; the process running it (${owner.pid}) takes the answer at once. Follow it with daylight status ${paths.runId}` : `${what}; no process runs it now: the answer is taken when it resumes (daylight resume ${paths.runId})`);
      return 0;
    },
  };
}

/** The person at the terminal, when --as does not name one. */
function osUser(): string {
  try {
    return userInfo().username;
  } catch {
    throw new UserError('your OS user cannot be read; name yourself with --as NAME');
  }
}

export const approveCommand = answerCommand('approve', APPROVE_HELP);
export const rejectCommand = answerCommand('reject', REJECT_HELP);
