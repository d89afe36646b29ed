// `daylight skip RUN --stage S | --group STAGE/GROUP | --cluster C`: a person's decision that part of a
// rollout is not maintained in this run, sent through the run's control file as pause and approvals are,
// judged first against the run's plan and journal so a name the rollout does not have, or a part already
// done, is refused here with the reason. The run journals it (rollout.skipped, who and why) and ends degraded.
import { userInfo } from 'node:os';
import type { RunEvent } from '../engine/events.ts';
import { skipKey } from '../engine/ports/skips.ts';
import type { SkipTarget } from '../engine/ports/skips.ts';
import { skipProblem } from '../engine/rollout-runner.ts';
import { ownerAlive, sendSkip } from '../engine/run-dir.ts';
import { isFinished, replay } from '../engine/state.ts';
import type { RunState } from '../engine/state.ts';
import { readJournalEntries } from '../journal/file-journal.ts';
import { UserError } from '../lib/errors.ts';
import { loadPlanFile } from '../plan/load.ts';
import { resolveRollout } from '../planner/rollout.ts';
import { HELP_OPTION, OUTPUT_OPTION, outputFlag, parse, positionals, stringFlag } from './args.ts';
import type { Command } from './command.ts';
import { existingRun, STATE_DIR_OPTION, stateDir } from './state-dir.ts';

const HELP = `Usage: daylight skip RUN (--stage NAME | --group STAGE/GROUP | --cluster NAME) [--comment TEXT] [--as NAME] [-f plan.yaml] [--state-dir DIR] [-o json]

Skips part of RUN's rollout: a stage, a group of a stage, or a cluster is not maintained in this run. It
applies to what has not started (a cluster under way finishes); the run journals who skipped what and why,
and ends degraded, naming it. Who (--as, else your OS user) and the comment go in the journal and the report.
The plan is the one the run started with, or -f.`;

export const skipCommand: Command = {
  name: 'skip',
  help: HELP,
  async run(argv, io) {
    const p = parse('skip', argv, { ...HELP_OPTION, ...OUTPUT_OPTION, ...STATE_DIR_OPTION, stage: { type: 'string' }, group: { type: 'string' }, cluster: { type: 'string' }, comment: { type: 'string' }, as: { type: 'string' }, file: { type: 'string', short: 'f' } });
    if (p.values.help) {
      io.out(HELP);
      return 0;
    }
    const given = (['stage', 'group', 'cluster'] as const).filter((k) => stringFlag(p, k) !== undefined);
    if (given.length !== 1) throw new UserError(`name exactly one part to skip: --stage NAME, --group STAGE/GROUP or --cluster NAME${given.length > 1 ? ` (got --${given.join(' and --')})` : ''}`);
    const kind = given[0] as 'stage' | 'group' | 'cluster';
    const target = { [kind]: stringFlag(p, kind) ?? '' } as SkipTarget;
    const paths = existingRun(stateDir(p), positionals(p, 1, 'daylight skip RUN')[0], 'skip');
    const state = replay(paths.runId, readJournalEntries<RunEvent>(paths.journal));
    if (isFinished(state.status)) throw new UserError(`run ${paths.runId} is over (${state.status}); there is nothing to skip`);
    const file = stringFlag(p, 'file') ?? state.plan?.path;
    if (!file) throw new UserError(`run ${paths.runId} records no plan file; pass -f plan.yaml`);
    const rollout = resolveRollout((await loadPlanFile(file)).plan.spec);
    if (!rollout.explicit) throw new UserError(`the plan of run ${paths.runId} (${file}) has no spec.rollout: there are no stages or groups to skip; abort the run, or remove the cluster from the plan`);
    const problem = skipProblem(rollout, target) ?? doneProblem(state, target);
    if (problem) throw new UserError(problem);
    const sent = sendSkip(paths, { target, by: stringFlag(p, 'as') ?? osUser(), via: 'cli', ...(stringFlag(p, 'comment') ? { comment: stringFlag(p, 'comment') as string } : {}) });
    const owner = ownerAlive(paths);
    if (outputFlag(p) === 'json') {
      io.out(JSON.stringify({ runId: paths.runId, ...sent, key: skipKey(target), live: owner !== undefined }));
      return 0;
    }
    const what = `skip of ${kind} ${stringFlag(p, kind)} sent to run ${paths.runId} as ${sent.by}`;
    io.out(owner ? `${what}; the process running it (${owner.pid}) takes it before the next part starts. Follow it with daylight status ${paths.runId}` : `${what}; no process runs it now: it is taken when the run resumes (daylight resume ${paths.runId})`);
    return 0;
  },
};

/** A part already done, or already skipped, is not skipped again. */
function doneProblem(s: RunState, t: SkipTarget): string | undefined {
  const key = skipKey(t);
  if (s.skipped[key]) return `${key.replace('/', ' ')} is already skipped, by ${s.skipped[key]?.by}`;
  if ('stage' in t && s.stages[t.stage]?.status === 'completed') return `stage ${t.stage} is completed; there is nothing of it to skip`;
  if ('cluster' in t && s.failedClusters[t.cluster]) return `cluster ${t.cluster} failed already; it is not maintained again in this run`;
  return undefined;
}

function osUser(): string {
  try {
    return userInfo().username;
  } catch {
    throw new UserError('your OS user cannot be read; name yourself with --as NAME');
  }
}
