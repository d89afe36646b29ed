// `daylight demo`: the embedded sandbox fleet brought up on this machine, shown region by region, with
// the referee's count at the end; `--keep` leaves it running for kubectl.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadFleetFile } from '../sandbox/fleet-load.ts';
import type { PodDisruptionBudget } from '../sandbox/k8s-types.ts';
import { startSandbox } from '../sandbox/sandbox.ts';
import type { RunningSandbox } from '../sandbox/sandbox.ts';
import { HELP_OPTION, numberFlag, OUTPUT_OPTION, outputFlag, parse, stringFlag } from './args.ts';
import type { Command } from './command.ts';
import { DEMO_FLEET, endpoints, untilSignal } from './sandbox.ts';
import { describeSandbox } from './sandbox-view.ts';

const HELP = `Usage: daylight demo [--fleet FILE] [--speed X] [--keep] [--kubeconfig OUT] [-o json]

Brings up the embedded sandbox fleet (two regions, three zones each, workloads with disruption
budgets, a DaemonSet, a StatefulSet, an unmanaged pod), waits until every workload serves, and shows
the fleet and the referee's count. With --keep it stays up for kubectl until Ctrl-C.

Flags:
  --fleet FILE       another fleet file (default: examples/fleets/demo.yaml)
  --speed X          simulated seconds per real second (default: the fleet's spec.speed)
  --keep             keep the sandbox running after the tour
  --kubeconfig OUT   where to write the kubeconfig (default: a temporary directory)
  -o json            print the summary as JSON`;

export const demoCommand: Command = {
  name: 'demo',
  summary: 'bring up the embedded sandbox fleet and show it (the way in for a new user)',
  help: HELP,
  async run(argv, io) {
    const p = parse('demo', argv, { ...HELP_OPTION, ...OUTPUT_OPTION, fleet: { type: 'string' }, speed: { type: 'string' }, keep: { type: 'boolean' }, kubeconfig: { type: 'string' } });
    if (p.values.help) {
      io.out(HELP);
      return 0;
    }
    const fleet = await loadFleetFile(stringFlag(p, 'fleet') ?? DEMO_FLEET);
    const kubeconfigPath = stringFlag(p, 'kubeconfig') ?? join(await mkdtemp(join(tmpdir(), 'daylight-demo-')), 'sandbox.kubeconfig');
    const sandbox = await startSandbox({ fleet, port: 0, speed: numberFlag(p, 'speed', { min: 0.001, max: 100_000 }), kubeconfigPath });
    const json = outputFlag(p) === 'json';
    try {
      if (!json) io.out(describeSandbox(sandbox, kubeconfigPath));
      const ready = await waitServing(sandbox, 120_000);
      const summary = summarise(sandbox, ready);
      io.out(json ? JSON.stringify({ ...(endpoints(sandbox, kubeconfigPath) as object), ...summary }) : render(summary));
      if (p.values.keep) {
        if (!json) io.out('The sandbox keeps running; stop it with Ctrl-C.');
        await untilSignal();
      }
      return ready ? 0 : 1;
    } finally {
      await sandbox.stop();
    }
  },
};

async function waitServing(s: RunningSandbox, timeoutMs: number): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (!s.fleet.serving || !s.fleet.allPodsReady()) {
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, 100));
  }
  return true;
}

interface Summary {
  readonly serving: boolean;
  readonly simulatedSeconds: number;
  readonly regions: { name: string; nodes: number; ready: number; pods: number; podsReady: number; budgets: string[] }[];
  readonly referee: ReturnType<RunningSandbox['fleet']['referee']['report']>;
}

function summarise(s: RunningSandbox, serving: boolean): Summary {
  const started = Date.parse(s.fleet.regions[0]?.store.list('namespaces')[0]?.metadata.creationTimestamp ?? '') || s.fleet.clock.nowMs();
  return {
    serving,
    simulatedSeconds: Math.round((s.fleet.clock.nowMs() - started) / 1000),
    regions: s.fleet.regions.map((r) => {
      const c = r.counts();
      const budgets = (r.store.list('poddisruptionbudgets.policy') as PodDisruptionBudget[]).map(
        (b) => `${b.metadata.namespace}/${b.metadata.name}: ${b.status?.currentHealthy ?? 0} healthy, needs ${b.status?.desiredHealthy ?? 0}, allows ${b.status?.disruptionsAllowed ?? 0} disruption(s)`,
      );
      return { name: r.name, nodes: c.nodes.total, ready: c.nodes.ready, pods: c.pods.total, podsReady: c.pods.ready, budgets };
    }),
    referee: s.fleet.referee.report(),
  };
}

function render(s: Summary): string {
  const lines = [s.serving ? `Every pod is Ready and the traffic flows after ${s.simulatedSeconds} simulated seconds.` : 'The fleet did not come up within 120 s of real time.'];
  for (const r of s.regions) {
    lines.push(`${r.name}: ${r.ready}/${r.nodes} nodes Ready, ${r.podsReady}/${r.pods} pods Ready`);
    for (const b of r.budgets) lines.push(`  budget ${b}`);
  }
  const t = s.referee.traffic;
  lines.push(`Referee: ${t.served} requests served, ${t.failed} failed; ${s.referee.podsKilledWithoutEviction} pods killed without eviction; ${s.referee.pdbBreaches} budget breaches.`);
  return lines.join('\n');
}
