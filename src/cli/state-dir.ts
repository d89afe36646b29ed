// Where runs are kept: --state-dir, else $XDG_STATE_HOME/daylight, else ~/.local/state/daylight. The CLI
// is the only layer that reads the environment.
import { homedir } from 'node:os';
import { join } from 'node:path';
import { existsSync } from 'node:fs';
import { UserError } from '../lib/errors.ts';
import { runIdProblem } from '../lib/run-id.ts';
import { listRuns, runPaths } from '../engine/run-dir.ts';
import type { RunPaths } from '../engine/run-dir.ts';
import { stringFlag } from './args.ts';
import type { Parsed } from './args.ts';

export const STATE_DIR_OPTION = { 'state-dir': { type: 'string' as const } };

export function stateDir(p: Parsed, env: NodeJS.ProcessEnv = process.env): string {
  const flag = stringFlag(p, 'state-dir');
  if (flag) return flag;
  if (env.XDG_STATE_HOME) return join(env.XDG_STATE_HOME, 'daylight');
  return join(env.HOME ?? homedir(), '.local', 'state', 'daylight');
}

/** The run id a user gave, or a UserError naming it when it is no run id (a path, say). */
export function checkedRunId(runId: string): string {
  const problem = runIdProblem(runId);
  if (problem) throw new UserError(`${problem}; list the runs with daylight status`);
  return runId;
}

/** The paths of an existing run, or a UserError that says which runs there are and how to list them. */
export function existingRun(dir: string, runId: string | undefined, command: string): RunPaths {
  const runs = listRuns(dir);
  if (!runId) throw new UserError(`missing RUN; use: daylight ${command} RUN${runs.length ? ` (runs in ${dir}: ${runs.slice(-5).join(', ')})` : ''}`);
  const paths = runPaths(dir, checkedRunId(runId));
  if (!existsSync(paths.journal)) {
    const where = runs.length ? `; runs there: ${runs.slice(-5).join(', ')}` : ' (no runs there yet)';
    throw new UserError(`no run "${runId}" in ${dir}${where}. List the runs with daylight status --state-dir ${dir}; if the run was started with another --state-dir, pass that one`);
  }
  return paths;
}
