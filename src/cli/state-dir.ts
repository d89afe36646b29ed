// Where runs are kept: --state-dir, else $XDG_STATE_HOME/daylight, else ~/.local/state/daylight. The CLI
// is the only layer that reads the environment.
import { homedir } from 'node:os';
import { join } from 'node:path';
import { existsSync } from 'node:fs';
import { UserError } from '../lib/errors.ts';
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

/** The paths of an existing run, or a UserError that lists the runs there are. */
export function existingRun(dir: string, runId: string | undefined, command: string): RunPaths {
  const runs = listRuns(dir);
  if (!runId) throw new UserError(`missing RUN; use: daylight ${command} RUN${runs.length ? ` (runs in ${dir}: ${runs.slice(-5).join(', ')})` : ''}`);
  const paths = runPaths(dir, runId);
  if (!existsSync(paths.journal)) {
    throw new UserError(`no run "${runId}" in ${dir}${runs.length ? `; runs there: ${runs.slice(-5).join(', ')}` : ' (no runs yet; pass --state-dir if they are elsewhere)'}`);
  }
  return paths;
}
