// `daylight recover`: give back what interrupted runs left: nodes cordoned by a run that is no longer
// active (no live process, no lease), and nothing else.
import type { RunEvent } from '../engine/events.ts';
import { FileJournal } from '../journal/file-journal.ts';
import { JournalKeyMismatch } from '../engine/ports/journal-chain.ts';
import { recover, recoverTraffic } from '../engine/recover.ts';
import type { RecoverableRun, RecoveredNode, RecoveredRegion } from '../engine/recover.ts';
import { listRuns, ownerAlive, runPaths } from '../engine/run-dir.ts';
import { LiveState, replay } from '../engine/state.ts';
import { systemClock } from '../lib/clock.ts';
import { AlertmanagerSilences } from '../notify/silences.ts';
import type { LoadedPlan } from '../plan/load.ts';
import type { Plan } from '../plan/schema.ts';
import { trafficAdapter } from './regional-wiring.ts';
import { existsSync } from 'node:fs';
import { UserError } from '../lib/errors.ts';
import { connect } from '../kube/client.ts';
import { loadPlanFile } from '../plan/load.ts';
import { HELP_OPTION, OUTPUT_OPTION, outputFlag, parse, stringFlag } from './args.ts';
import { connectClusters, KUBECONFIG_OPTION } from './clusters.ts';
import type { Command } from './command.ts';
import { STATE_DIR_OPTION, stateDir } from './state-dir.ts';
import { journalKeyPath, journalSignerAt } from './journal-key.ts';
import type { JournalSigner } from '../engine/ports/journal-signing.ts';
import type { KubeCluster } from '../kube/adapter.ts';

const HELP = `Usage: daylight recover [-f plan.yaml | --context CTX ...] [--kubeconfig FILE] [--state-dir DIR] [--include-failed] [--dry-run] [-o json]

Puts back what runs that are no longer active (no live process on this machine, no lease on the
cluster) left behind:
  - nodes that carry the daylight.dev/cordoned-by annotation of such a run are uncordoned; nodes cordoned
    by people or by active runs are left alone;
  - with -f, regions such a run took out of the global load balancer get the weight and state the
    journal recorded before the run changed them (regions of failed runs stay out unless
    --include-failed: their validation or analysis failed);
  - with -f, Alertmanager silences such a run created are expired.
Clusters: those of the plan (-f), else the given contexts, else the current context.`;

export const recoverCommand: Command = {
  name: 'recover',
  help: HELP,
  async run(argv, io) {
    const p = parse('recover', argv, { ...HELP_OPTION, ...OUTPUT_OPTION, ...KUBECONFIG_OPTION, ...STATE_DIR_OPTION, file: { type: 'string', short: 'f' }, context: { type: 'string', multiple: true }, 'dry-run': { type: 'boolean' }, 'include-failed': { type: 'boolean' } });
    if (p.values.help) {
      io.out(HELP);
      return 0;
    }
    if (p.positionals.length) throw new UserError(`unexpected argument "${p.positionals[0]}"; see daylight recover --help`);
    const dir = stateDir(p);
    const file = stringFlag(p, 'file');
    const plan = file ? await loadPlanFile(file) : undefined;
    const clusters = await clustersFor(p, plan);
    try {
      const first = clusters[0];
      if (!first) throw new UserError('no cluster to recover');
      const dryRun = p.values['dry-run'] === true;
      const alive = (id: string) => ownerAlive(runPaths(dir, id)) !== undefined;
      // Entries recover appends are signed; the run's anchor stays at its last head (see docs/report.md).
      const signer = journalSignerAt(journalKeyPath());
      const notJournaled: string[] = [];
      const done = await recover({ clusters, clock: first.clock, runAlive: alive, dryRun, onRecovered: (n) => journalRecovery(dir, n, { now: first.clock.now(), signer, notJournaled }) });
      const regions = plan ? await recoverRegions({ dir, plan: plan.plan, clusters, dryRun, includeFailed: p.values['include-failed'] === true, alive, now: () => first.clock.now(), signer }) : [];
      if (outputFlag(p) === 'json') io.out(JSON.stringify([...done, ...regions]));
      else {
        const lines = [...done.map((n) => `${n.cluster}/${n.node} (run ${n.runId}): ${n.action}`), ...regions.map((r) => `${r.cluster} traffic (run ${r.runId}): ${r.action}`)];
        io.out(lines.length ? lines.join('\n') : `nothing to recover: no node carries the cordon of an inactive run${plan ? ', and no inactive run left traffic or silences changed' : ''}`);
      }
      for (const n of notJournaled) io.err(`warning: ${n}`);
      return 0;
    } finally {
      await Promise.all(clusters.map((c) => c.close()));
    }
  },
};

async function clustersFor(p: ReturnType<typeof parse>, plan: LoadedPlan | undefined): Promise<KubeCluster[]> {
  const kubeconfig = stringFlag(p, 'kubeconfig');
  if (plan) return [...(await connectClusters(plan.plan, { kubeconfig })).clusters.values()];
  const contexts = (p.values.context as string[] | undefined) ?? [undefined];
  const out: KubeCluster[] = [];
  for (const context of contexts) out.push(await connect({ name: context ?? 'current', kubeconfig, context, env: process.env }));
  return out;
}

interface RegionRecovery {
  readonly dir: string;
  readonly plan: Plan;
  readonly clusters: readonly KubeCluster[];
  readonly dryRun: boolean;
  readonly includeFailed: boolean;
  readonly alive: (runId: string) => boolean;
  readonly now: () => number;
  readonly signer: JournalSigner;
}

/** Traffic and silences of inactive runs of this plan, each run's journal told what was put back. */
async function recoverRegions(o: RegionRecovery): Promise<RecoveredRegion[]> {
  const journals: FileJournal<RunEvent>[] = [];
  try {
    const runs: RecoverableRun[] = [];
    for (const runId of listRuns(o.dir)) {
      if (o.alive(runId)) continue;
      // Runs of other plans are only read: their journals may be signed by another machine's key.
      if (planOf(runPaths(o.dir, runId).journal, runId) !== o.plan.metadata.name) continue;
      const journal = FileJournal.open<RunEvent>(runPaths(o.dir, runId).journal, runId, o.now, { signer: o.signer });
      journals.push(journal);
      const live = new LiveState(runId, journal.entries);
      runs.push({
        runId,
        get state() {
          return live.state;
        },
        record: async (e) => {
          live.follow(await journal.append(e));
        },
      });
    }
    if (!runs.some((r) => Object.keys(r.state.regions).length > 0)) return [];
    const paths = runPaths(o.dir, runs[0]?.runId ?? 'recover');
    const traffic = o.plan.spec.traffic && o.plan.spec.traffic.provider !== 'none' ? trafficAdapter({ plan: o.plan, clusters: new Map(o.clusters.map((c) => [c.name, c])), clock: o.clusters[0]?.clock ?? systemClock, paths, ask: (q) => process.stdout.write(`${q}\n`) }) : undefined;
    try {
      return await recoverTraffic({ runs, ...(traffic ? { traffic } : {}), ...(o.plan.spec.silences ? { silences: silencesOf(o.plan.spec.silences.alertmanager) } : {}), includeFailed: o.includeFailed, dryRun: o.dryRun });
    } finally {
      await traffic?.close();
    }
  } finally {
    for (const j of journals) j.close();
  }
}

function silencesOf(url: string): NonNullable<Parameters<typeof recoverTraffic>[0]['silences']> {
  const am = new AlertmanagerSilences({ url });
  return {
    expire: async (id, signal) => void (await am.expire(id, { signal })),
    findByMarker: async (marker, signal) => (await am.list({ createdBy: 'daylight', commentIncludes: marker }, { signal })).filter((s) => s.state !== 'expired').map((s) => s.id),
  };
}

/** The plan a run recorded, read without a key. */
function planOf(path: string, runId: string): string | undefined {
  const journal = FileJournal.open<RunEvent>(path, runId, () => 0);
  try {
    return replay(runId, journal.entries).plan?.name;
  } finally {
    journal.close();
  }
}

/**
 * The run's own journal says its node was given back, when the journal is on this machine. A journal
 * signed by another machine's key cannot take the entry: the node stays given back, and the CLI says so.
 */
async function journalRecovery(dir: string, n: RecoveredNode, at: { now: number; signer: JournalSigner; notJournaled: string[] }): Promise<void> {
  const paths = runPaths(dir, n.runId);
  if (!existsSync(paths.journal)) return;
  let journal: FileJournal<RunEvent>;
  try {
    journal = FileJournal.open<RunEvent>(paths.journal, n.runId, () => at.now, { signer: at.signer });
  } catch (e: unknown) {
    if (!(e instanceof JournalKeyMismatch)) throw e;
    at.notJournaled.push(`${n.cluster}/${n.node} was given back, but run ${n.runId}'s journal could not record it: ${e.message}`);
    return;
  }
  try {
    // Not `done`: a node given back before its action is maintained by a resumed run, or named as not maintained.
    await journal.append({ type: 'node.recovered', cluster: n.cluster, node: n.node, by: 'daylight recover' });
  } finally {
    journal.close();
  }
}
