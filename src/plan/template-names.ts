// The `{{name}}`s each template field of a plan may use: what the engine fills in for it. A name outside
// its field's list is a plan error at load, at its position, never text passed on as written.
import { z } from 'zod';
import { templateProblem } from '../lib/template.ts';
import type { HookEvent } from './hook-schema.ts';

/** A node action command (nodes phases, kubernetes control-plane and worker commands). */
export const NODE_COMMAND_NAMES = ['node.name', 'cluster', 'version', 'operation', 'run.id'] as const;

/** A pre-upgrade backup command of a kubernetes phase. */
export const BACKUP_COMMAND_NAMES = ['cluster', 'version', 'run.id'] as const;

/** Silence matcher names and values: the region leaving traffic. */
export const SILENCE_NAMES = ['cluster', 'region', 'run'] as const;

/** A traffic analysis or capacity query: the region leaving or coming back. */
export const QUERY_NAMES = ['region'] as const;

/** A gate's command or Prometheus query: the cluster it judges (a rollout stage's analysis runs on each of its clusters). */
export const GATE_COMMAND_NAMES = ['cluster'] as const;

const RUN_NAMES = ['run', 'plan', 'event'] as const;
const REGION_NAMES = [...RUN_NAMES, 'cluster', 'region'] as const;

/** A hook's command or URL, by when it runs: region hooks know the region; run-end knows the outcome. */
export const HOOK_NAMES: Readonly<Record<HookEvent, readonly string[]>> = {
  'run-start': RUN_NAMES,
  'pre-drain': REGION_NAMES,
  'post-drain': REGION_NAMES,
  'pre-restore': REGION_NAMES,
  'post-restore': REGION_NAMES,
  'run-end': [...RUN_NAMES, 'outcome'],
};

/** A string (of at least `minLength` characters) whose `{{name}}`s are all in `names`. */
export function templated(names: readonly string[], minLength = 1) {
  return z.string().min(minLength).superRefine((text, ctx) => {
    const problem = templateProblem(text, names);
    if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
  });
}
