// `daylight plan -f plan.yaml`: the schedule for every cluster: waves with the reason for each, the ETA
// and beside it the lower bound, the rollout's stages when the plan has one, and the blockers. Exit 1 when
// something blocks the run.
import { UserError } from '../lib/errors.ts';
import { loadPlanFile } from '../plan/load.ts';
import { planRun, planRunJson, renderPlan } from '../planner/index.ts';
import { HELP_OPTION, OUTPUT_OPTION, outputFlag, parse, positionals, stringFlag } from './args.ts';
import { connectClusters, KUBECONFIG_OPTION } from './clusters.ts';
import type { Command } from './command.ts';

const HELP = `Usage: daylight plan -f plan.yaml [--kubeconfig FILE] [-o json]

Reads every cluster of the plan and prints the waves (canary first, topology-serial, never more nodes
out than maxUnavailable allows, counting nodes already unavailable), the reason for each wave's shape,
the ETA in the maintenance window, and the lower bound no schedule can beat. A plan with spec.rollout
also gets its stages in order: groups and clusters, maxConcurrency, maxAllowedFailures, gates, the soak,
and each stage's ETA and end from the start.
Exit codes: 0 the plan can run; 1 something blocks it; 2 bad input.`;

export const planCommand: Command = {
  name: 'plan',
  help: HELP,
  async run(argv, io) {
    const p = parse('plan', argv, { ...HELP_OPTION, ...OUTPUT_OPTION, ...KUBECONFIG_OPTION, file: { type: 'string', short: 'f' } });
    if (p.values.help) {
      io.out(HELP);
      return 0;
    }
    positionals(p, 0, 'daylight plan -f plan.yaml');
    const file = stringFlag(p, 'file');
    if (!file) throw new UserError('missing the plan: pass -f plan.yaml');
    const plan = await loadPlanFile(file);
    const connected = await connectClusters(plan.plan, { kubeconfig: stringFlag(p, 'kubeconfig') });
    try {
      const snapshots = [];
      for (const cluster of connected.clusters.values()) snapshots.push(await cluster.snapshot());
      const now = connected.clusters.values().next().value?.clock.now() ?? Date.now();
      const run = planRun({ snapshots, plan: plan.plan, now });
      io.out(outputFlag(p) === 'json' ? JSON.stringify(planRunJson(run)) : renderPlan(run));
      return run.blockers.length > 0 ? 1 : 0;
    } finally {
      await connected.close();
    }
  },
};
