// `daylight demo`: the main job on the embedded sandbox: bring up the demo fleet (two regions), run the demo
// plan on it (a zero-downtime patch of every worker), and report the run with the referee's count.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadPlanFile } from '../plan/load.ts';
import { loadFleetFile } from '../sandbox/fleet-load.ts';
import { startSandbox } from '../sandbox/sandbox.ts';
import type { RunningSandbox } from '../sandbox/sandbox.ts';
import { HELP_OPTION, numberFlag, OUTPUT_OPTION, outputFlag, parse, positionals, stringFlag } from './args.ts';
import type { Command, Io } from './command.ts';
import { journalKeyPath, journalSignerAt } from './journal-key.ts';
import { runSession } from './run-session.ts';
import { SERVE_OPTIONS, serveFromFlags } from './serve.ts';
import { DEMO_FLEET, untilSignal } from './sandbox.ts';
import { describeSandbox } from './sandbox-view.ts';
import { renderSummary, summariseRun } from '../engine/run-summary.ts';

export const DEMO_PLAN = fileURLToPath(new URL('../../examples/plans/demo.yaml', import.meta.url));

const HELP = `Usage: daylight demo [--speed X] [--keep] [--serve [--port N] [--host H] [--token-file F]] [--state-dir DIR] [--fleet FILE] [--plan FILE] [-o json]

Starts the sandbox with examples/fleets/demo.yaml (two regions of 12 workers behind a simulated global
load balancer), runs examples/plans/demo.yaml on it (every worker cordoned, drained through the Eviction
API, patched and rebooted, zone by zone, a canary first), and prints a summary with the referee's count
of what an outside observer saw. Ends by itself when the run ends; --keep leaves the sandbox up.
--serve starts the dashboard (daylight serve) on the demo's state directory before the run, prints its
URL, and keeps it up after the run until Ctrl-C.

Exit codes: 0 the run succeeded with 0 pods killed without eviction and 0 budget breaches; 1 otherwise.`;

export const demoCommand: Command = {
  name: 'demo',
  help: HELP,
  async run(argv, io) {
    const p = parse('demo', argv, { ...HELP_OPTION, ...OUTPUT_OPTION, fleet: { type: 'string' }, plan: { type: 'string' }, speed: { type: 'string' }, keep: { type: 'boolean' }, serve: { type: 'boolean' }, ...SERVE_OPTIONS, 'state-dir': { type: 'string' } });
    if (p.values.help) {
      io.out(HELP);
      return 0;
    }
    positionals(p, 0, 'daylight demo [--serve] [--state-dir DIR]');
    const json = outputFlag(p) === 'json';
    const fleet = await loadFleetFile(stringFlag(p, 'fleet') ?? DEMO_FLEET);
    const plan = await loadPlanFile(stringFlag(p, 'plan') ?? DEMO_PLAN);
    const work = await mkdtemp(join(tmpdir(), 'daylight-demo-'));
    const kubeconfig = join(work, 'sandbox.kubeconfig');
    const sandbox = await startSandbox({ fleet, port: 0, speed: numberFlag(p, 'speed', { min: 0.001, max: 100_000 }) ?? 120, kubeconfigPath: kubeconfig });
    try {
      if (!json) io.out(`${describeSandbox(sandbox, kubeconfig)}\nWaiting for every pod to be Ready...`);
      if (!(await waitUp(sandbox, 120_000))) {
        io.err('The sandbox fleet did not come up within 120 s.');
        return 1;
      }
      const stateDir = stringFlag(p, 'state-dir') ?? join(work, 'state');
      const server = p.values.serve ? await serveFromFlags(io, p, stateDir) : undefined;
      const code = await runDemo(io, { sandbox, plan, kubeconfig, stateDir, json });
      if (server) {
        if (!json) io.out(`The dashboard stays up at ${server.url}; stop it with Ctrl-C.`);
        await untilSignal();
        await server.close();
      } else if (p.values.keep) {
        if (!json) io.out('The sandbox keeps running; stop it with Ctrl-C.');
        await untilSignal();
      }
      return code;
    } finally {
      await sandbox.stop();
      await rm(work, { recursive: true, force: true });
    }
  },
};

interface DemoRun {
  readonly sandbox: RunningSandbox;
  readonly plan: Awaited<ReturnType<typeof loadPlanFile>>;
  readonly kubeconfig: string;
  readonly stateDir: string;
  readonly json: boolean;
}

async function runDemo(io: Io, d: DemoRun): Promise<number> {
  const view = d.json ? 'json' : io.isTty ? 'tty' : 'text';
  const end = await runSession({ plan: d.plan, stateDir: d.stateDir, kubeconfig: d.kubeconfig, view, write: (t) => process.stdout.write(t), signer: journalSignerAt(journalKeyPath()) });
  const referee = d.sandbox.fleet.referee.report();
  const clean = referee.podsKilledWithoutEviction === 0 && referee.pdbBreaches === 0;
  if (end.status === 'refused') {
    io.out(d.json ? JSON.stringify({ runId: null, status: 'refused', referee }) : 'The demo plan was refused by preflight.');
    return 1;
  }
  if (d.json) {
    io.out(JSON.stringify({ runId: end.runId, status: end.status, summary: summariseRun(end.state), referee }));
  } else {
    const t = referee.traffic;
    io.out(renderSummary(summariseRun(end.state)));
    io.out(`Referee: ${referee.evictions.accepted} evictions accepted, ${referee.evictions.rejectedByPdb} refused by budgets and retried; ${referee.podsKilledWithoutEviction} pods killed without eviction; ${referee.pdbBreaches} budget breaches; at most ${Object.entries(referee.maxConcurrentUnavailableNodes).map(([r, n]) => `${n} nodes in ${r}`).join(' and ')} unavailable at once; ${t.served} requests served, ${t.failed} failed.`);
  }
  return end.status === 'succeeded' && clean ? 0 : 1;
}

async function waitUp(s: RunningSandbox, timeoutMs: number): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (!s.fleet.serving || !s.fleet.allPodsReady()) {
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, 100));
  }
  return true;
}
