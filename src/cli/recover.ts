// `daylight recover`: give back what interrupted runs left: nodes cordoned by a run that is no longer
// active (no live process, no lease), and nothing else.
import { Journal } from '../engine/journal.ts';
import { recover } from '../engine/recover.ts';
import type { RecoveredNode } from '../engine/recover.ts';
import { ownerAlive, runPaths } from '../engine/run-dir.ts';
import { existsSync } from 'node:fs';
import { UserError } from '../lib/errors.ts';
import { connect } from '../kube/client.ts';
import { loadPlanFile } from '../plan/load.ts';
import { HELP_OPTION, OUTPUT_OPTION, outputFlag, parse, stringFlag } from './args.ts';
import { connectClusters, KUBECONFIG_OPTION } from './clusters.ts';
import type { Command } from './command.ts';
import { STATE_DIR_OPTION, stateDir } from './state-dir.ts';
import type { KubeCluster } from '../kube/adapter.ts';

const HELP = `Usage: daylight recover [-f plan.yaml | --context CTX ...] [--kubeconfig FILE] [--state-dir DIR] [--dry-run] [-o json]

Uncordons the nodes that carry the daylight.dev/cordoned-by annotation of a run that is no longer active
(no live process on this machine, no lease on the cluster). Nodes cordoned by people or by active runs
are left alone. Clusters: those of the plan (-f), else the given contexts, else the current context.`;

export const recoverCommand: Command = {
  name: 'recover',
  summary: 'put back what an interrupted run left (cordons)',
  help: HELP,
  async run(argv, io) {
    const p = parse('recover', argv, { ...HELP_OPTION, ...OUTPUT_OPTION, ...KUBECONFIG_OPTION, ...STATE_DIR_OPTION, file: { type: 'string', short: 'f' }, context: { type: 'string', multiple: true }, 'dry-run': { type: 'boolean' } });
    if (p.values.help) {
      io.out(HELP);
      return 0;
    }
    if (p.positionals.length) throw new UserError(`unexpected argument "${p.positionals[0]}"; see daylight recover --help`);
    const dir = stateDir(p);
    const clusters = await clustersFor(p);
    try {
      const first = clusters[0];
      if (!first) throw new UserError('no cluster to recover');
      const done = await recover({ clusters, clock: first.clock, runAlive: (id) => ownerAlive(runPaths(dir, id)) !== undefined, dryRun: p.values['dry-run'] === true, onRecovered: (n) => journalRecovery(dir, n, first.clock.now()) });
      if (outputFlag(p) === 'json') io.out(JSON.stringify(done));
      else io.out(done.length ? done.map((n) => `${n.cluster}/${n.node} (run ${n.runId}): ${n.action}`).join('\n') : 'nothing to recover: no node carries the cordon of an inactive run');
      return 0;
    } finally {
      await Promise.all(clusters.map((c) => c.close()));
    }
  },
};

async function clustersFor(p: ReturnType<typeof parse>): Promise<KubeCluster[]> {
  const kubeconfig = stringFlag(p, 'kubeconfig');
  const file = stringFlag(p, 'file');
  if (file) {
    const plan = await loadPlanFile(file);
    return [...(await connectClusters(plan.plan, { kubeconfig })).clusters.values()];
  }
  const contexts = (p.values.context as string[] | undefined) ?? [undefined];
  const out: KubeCluster[] = [];
  for (const context of contexts) out.push(await connect({ name: context ?? 'current', kubeconfig, context, env: process.env }));
  return out;
}

/** The run's own journal says its node was given back, when the journal is on this machine. */
function journalRecovery(dir: string, n: RecoveredNode, now: number): void {
  const paths = runPaths(dir, n.runId);
  if (!existsSync(paths.journal)) return;
  const journal = Journal.open(paths.journal, n.runId, () => now);
  try {
    journal.append({ type: 'node.uncordoned', cluster: n.cluster, node: n.node, changed: true });
    journal.append({ type: 'node.done', cluster: n.cluster, node: n.node, outcome: 'skipped', message: 'given back by daylight recover' });
  } finally {
    journal.close();
  }
}
