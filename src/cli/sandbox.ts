// `daylight sandbox up`: serves a simulated fleet that speaks the Kubernetes API until Ctrl-C.
import { fileURLToPath } from 'node:url';
import { UserError, errnoCode } from '../lib/errors.ts';
import { loadFleetFile } from '../sandbox/fleet-load.ts';
import { startSandbox } from '../sandbox/sandbox.ts';
import type { RunningSandbox } from '../sandbox/sandbox.ts';
import { HELP_OPTION, numberFlag, OUTPUT_OPTION, outputFlag, parse, stringFlag } from './args.ts';
import type { Command, Io } from './command.ts';
import { describeSandbox } from './sandbox-view.ts';

export const DEMO_FLEET = fileURLToPath(new URL('../../examples/fleets/demo.yaml', import.meta.url));

const HELP = `Usage: daylight sandbox up [--fleet FILE] [--port N] [--kubeconfig OUT] [--speed X] [-o json]

Serves a simulated Kubernetes fleet on 127.0.0.1: one HTTPS API server per region, with the sandbox's
own certificate authority and a bearer token, both written into a kubeconfig with one context per
region. kubectl and Daylight talk to it as to a real cluster. Runs until Ctrl-C or SIGTERM.

Flags:
  --fleet FILE        fleet file (default: the embedded demo, examples/fleets/demo.yaml)
  --port N            port of the first region; the next regions use N+1, N+2, ... (default 6443; 0 = any free port)
  --kubeconfig OUT    where to write the kubeconfig (default ./sandbox.kubeconfig)
  --speed X           simulated seconds per real second (default: the fleet file's spec.speed)
  -o json             print one JSON line with the endpoints once everything listens`;

export const sandboxCommand: Command = {
  name: 'sandbox',
  summary: 'serve a simulated Kubernetes fleet (one API server per region)',
  help: HELP,
  async run(argv, io) {
    const p = parse('sandbox', argv, { ...HELP_OPTION, ...OUTPUT_OPTION, fleet: { type: 'string' }, port: { type: 'string' }, kubeconfig: { type: 'string' }, speed: { type: 'string' } });
    if (p.values.help) {
      io.out(HELP);
      return 0;
    }
    const [sub, ...extra] = p.positionals;
    if (sub !== 'up') throw new UserError(`${sub ? `unknown subcommand "${sub}"` : 'missing subcommand'}; use: daylight sandbox up [--fleet FILE]`);
    if (extra.length) throw new UserError(`unexpected argument "${extra[0]}"; see daylight sandbox --help`);
    const fleet = await loadFleetFile(stringFlag(p, 'fleet') ?? DEMO_FLEET);
    const port = numberFlag(p, 'port', { min: 0, max: 65535, integer: true }) ?? 6443;
    const speed = numberFlag(p, 'speed', { min: 0.001, max: 100_000 });
    const kubeconfigPath = stringFlag(p, 'kubeconfig') ?? 'sandbox.kubeconfig';
    const output = outputFlag(p);
    const sandbox = await start({ fleet, port, speed, kubeconfigPath });
    if (output === 'json') io.out(JSON.stringify(endpoints(sandbox, kubeconfigPath)));
    else io.out(`${describeSandbox(sandbox, kubeconfigPath)}\nStop with Ctrl-C.`);
    await untilSignal();
    await sandbox.stop();
    if (output === 'text') io.out(stoppedLine(sandbox));
    return 0;
  },
};

async function start(o: Parameters<typeof startSandbox>[0]): Promise<RunningSandbox> {
  try {
    return await startSandbox(o);
  } catch (e: unknown) {
    if (errnoCode(e) === 'EADDRINUSE') throw new UserError(`port ${o.port} (or one after it) is in use; pass --port N with a free port, or --port 0 for any`, { cause: e });
    if (errnoCode(e) === 'EACCES' || errnoCode(e) === 'ENOENT') throw new UserError(`cannot write the kubeconfig to ${o.kubeconfigPath}: ${errnoCode(e)}`, { cause: e });
    throw e;
  }
}

export function endpoints(s: RunningSandbox, kubeconfig: string | undefined): unknown {
  const regions = Object.fromEntries([...s.servers].map(([name, srv]) => [name, { api: srv.url, metrics: `${srv.url}/metrics`, referee: `${srv.url}/sandbox/v1/referee` }]));
  return { fleet: s.fleet.file.metadata.name, kubeconfig, speed: s.speed, regions };
}

function stoppedLine(s: RunningSandbox): string {
  const r = s.fleet.referee.report();
  return `Sandbox stopped. Referee: ${r.evictions.accepted} evictions accepted, ${r.evictions.rejectedByPdb} refused by budgets, ${r.podsKilledWithoutEviction} pods killed without eviction, ${r.pdbBreaches} budget breaches, ${r.traffic.failed} of ${r.traffic.served + r.traffic.failed} requests failed.`;
}

/** Resolves on the first SIGINT or SIGTERM. */
export function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const done = (signal: NodeJS.Signals) => {
      process.off('SIGINT', done);
      process.off('SIGTERM', done);
      resolve(signal);
    };
    process.on('SIGINT', done);
    process.on('SIGTERM', done);
  });
}

export type { Io };
