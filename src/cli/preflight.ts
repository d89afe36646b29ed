// `daylight preflight -f plan.yaml`: what would break zero downtime, found before anything is touched.
// Exit 1 when a finding blocks the run.
import { UserError } from '../lib/errors.ts';
import { nodePhases } from '../plan/kubernetes-phase.ts';
import { loadPlanFile } from '../plan/load.ts';
import { renderFindings, runPreflight, summarise } from '../preflight/index.ts';
import type { Finding } from '../preflight/index.ts';
import { HELP_OPTION, OUTPUT_OPTION, outputFlag, parse, positionals, stringFlag } from './args.ts';
import { connectClusters, KUBECONFIG_OPTION } from './clusters.ts';
import type { Command } from './command.ts';

const HELP = `Usage: daylight preflight -f plan.yaml [--kubeconfig FILE] [-o json]

Reads every cluster of the plan and reports, with severity and the fix, what would break a
zero-downtime run: budgets that allow no disruption, single replicas, unmanaged pods, emptyDir data,
missing readiness probes, too little spare capacity, nodes already NotReady or cordoned, ...
Exit codes: 0 nothing blocks; 1 a blocking finding; 2 bad input.`;

export const preflightCommand: Command = {
  name: 'preflight',
  help: HELP,
  async run(argv, io) {
    const p = parse('preflight', argv, { ...HELP_OPTION, ...OUTPUT_OPTION, ...KUBECONFIG_OPTION, file: { type: 'string', short: 'f' } });
    if (p.values.help) {
      io.out(HELP);
      return 0;
    }
    positionals(p, 0, 'daylight preflight -f plan.yaml');
    const file = stringFlag(p, 'file');
    if (!file) throw new UserError('missing the plan: pass -f plan.yaml');
    const plan = await loadPlanFile(file);
    const connected = await connectClusters(plan.plan, { kubeconfig: stringFlag(p, 'kubeconfig') });
    try {
      const findings: Finding[] = [];
      for (const cluster of connected.clusters.values()) {
        const snapshot = await cluster.snapshot();
        for (const phase of plan.plan.spec.phases.flatMap(nodePhases)) findings.push(...runPreflight({ snapshot, plan: plan.plan, phase }));
      }
      const summary = summarise(findings);
      io.out(outputFlag(p) === 'json' ? JSON.stringify({ summary, findings }) : renderFindings(findings));
      return summary.blocking > 0 ? 1 : 0;
    } finally {
      await connected.close();
    }
  },
};
