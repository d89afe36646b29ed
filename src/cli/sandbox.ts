// `daylight sandbox up`: serves a simulated fleet that speaks the Kubernetes API until Ctrl-C.
import { rename, rm, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { UserError, errnoCode } from '../lib/errors.ts';
import { loadFleetFile } from '../sandbox/fleet-load.ts';
import { startSandbox } from '../sandbox/sandbox.ts';
import type { RunningSandbox } from '../sandbox/sandbox.ts';
import { HELP_OPTION, numberFlag, OUTPUT_OPTION, outputFlag, parse, stringFlag } from './args.ts';
import type { Command, Io } from './command.ts';
import { runKubernetesEngine } from './sandbox-kubernetes.ts';
import { describeSandbox } from './sandbox-view.ts';

export const DEMO_FLEET = fileURLToPath(new URL('../../examples/fleets/demo.yaml', import.meta.url));

const HELP = `Usage: daylight sandbox up [--fleet FILE] [--engine simulated|kubernetes] [--port N] [--ingress-port N] [--kubeconfig OUT] [--endpoints OUT.json] [--speed X] [--node-agents built-in|processes] [-o json]

Serves a simulated Kubernetes fleet on 127.0.0.1: one HTTPS API server per region, with the sandbox's
own certificate authority and a bearer token, both written into a kubeconfig with one context per
region. kubectl and Daylight talk to it as to a real cluster. Runs until Ctrl-C or SIGTERM.

Each region also has a plain-HTTP ingress: any request to it is answered by a Ready pod of the region's
Services (200, JSON {region, pod, node}, header x-daylight-region), or 503 when the region has none. Put
HAProxy or a load generator in front of it. PUT /sandbox/v1/faults on any API port, with
{"ingress": {"<region>": {"errorRate": 0.2, "latencyMs": 50}}}, makes a region's ingress fail or slow down;
/metrics counts its answers (daylight_sandbox_ingress_requests_total by code).

With --engine kubernetes, each region is a real control plane instead (etcd, kube-apiserver,
kube-controller-manager, kube-scheduler built by \`npm run lab:build\`, kwok playing the nodes' kubelets),
running in real time. Its sandbox extras are on one HTTP server of their own, since the real
kube-apiservers own the API ports: the referee (from the audit logs and watches), the status, the ingress
faults (PUT /sandbox/v1/faults), the traffic weights and /metrics. Each region's ingress answers from the
real EndpointSlices. API faults (faults.api) go through a proxy in front of the region's API server (the
kubeconfig points at it), node faults (faults.nodes) through the node agent; pod faults (faults.pods)
cannot be played there and such a fleet is refused. --speed does not apply.

Flags:
  --fleet FILE          fleet file (default: the embedded demo, examples/fleets/demo.yaml)
  --engine NAME         simulated (default) or kubernetes
  --port N              API port of the first region; the next regions use N+1, N+2, ... (default 6443; 0 = any free port)
  --ingress-port N      ingress port of the first region; the next regions use N+1, N+2, ... (default: any free port)
  --kubeconfig OUT      where to write the kubeconfig (default ./sandbox.kubeconfig)
  --endpoints OUT.json  once everything listens, write every region's URLs there:
                        {"regions": {"<region>": {"api": "https://...", "ingress": "http://...", "metrics": "https://.../metrics"}}}
  --speed X             simulated seconds per real second (default: the fleet file's spec.speed)
  --node-agents HOW     with --engine kubernetes: built-in (default) answers node actions in-process;
                        processes runs one real \`daylight agent\` per node on the sandbox's lab hosts, which
                        reboot the node under it and start it again (hosts/<node>/reboot-required is each
                        host's sentinel, in the run directory the log names)
  -o json               print one JSON line with the endpoints once everything listens`;

export const sandboxCommand: Command = {
  name: 'sandbox',
  help: HELP,
  async run(argv, io) {
    const p = parse('sandbox', argv, { ...HELP_OPTION, ...OUTPUT_OPTION, fleet: { type: 'string' }, port: { type: 'string' }, 'ingress-port': { type: 'string' }, kubeconfig: { type: 'string' }, endpoints: { type: 'string' }, speed: { type: 'string' }, engine: { type: 'string' }, 'node-agents': { type: 'string' } });
    if (p.values.help) {
      io.out(HELP);
      return 0;
    }
    const [sub, ...extra] = p.positionals;
    if (sub !== 'up') throw new UserError(`${sub ? `unknown subcommand "${sub}"` : 'missing subcommand'}; use: daylight sandbox up [--fleet FILE]`);
    if (extra.length) throw new UserError(`unexpected argument "${extra[0]}"; see daylight sandbox --help`);
    const engine = stringFlag(p, 'engine') ?? 'simulated';
    if (engine !== 'simulated' && engine !== 'kubernetes') throw new UserError(`--engine ${engine} is not an engine; use --engine simulated or --engine kubernetes`);
    const fleet = await loadFleetFile(stringFlag(p, 'fleet') ?? DEMO_FLEET);
    if (engine === 'kubernetes') return runKubernetesEngine(p, fleet, io);
    if (stringFlag(p, 'node-agents') !== undefined) throw new UserError('--node-agents is for --engine kubernetes: the simulated engine answers node actions with its simulated kubelets');
    const port = numberFlag(p, 'port', { min: 0, max: 65535, integer: true }) ?? 6443;
    const ingressPort = numberFlag(p, 'ingress-port', { min: 0, max: 65535, integer: true }) ?? 0;
    checkPortRanges(port, ingressPort, fleet.spec.regions.length);
    const speed = numberFlag(p, 'speed', { min: 0.001, max: 100_000 });
    const kubeconfigPath = stringFlag(p, 'kubeconfig') ?? 'sandbox.kubeconfig';
    const endpointsPath = stringFlag(p, 'endpoints');
    const output = outputFlag(p);
    const sandbox = await start({ fleet, port, ingressPort, speed, kubeconfigPath });
    if (endpointsPath) await writeEndpointsFile(sandbox, endpointsPath);
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
    if (errnoCode(e) === 'EADDRINUSE') {
      const which = o.ingressPort ? `port ${o.port} or ingress port ${o.ingressPort} (or one after them) is in use; pass --port N and --ingress-port N with free ports` : `port ${o.port} (or one after it) is in use; pass --port N with a free port`;
      throw new UserError(`${which}, or 0 for any`, { cause: e });
    }
    if (errnoCode(e) === 'EACCES' || errnoCode(e) === 'ENOENT') throw new UserError(`cannot write the kubeconfig to ${o.kubeconfigPath}: ${errnoCode(e)}`, { cause: e });
    throw e;
  }
}

export function endpoints(s: RunningSandbox, kubeconfig: string | undefined): unknown {
  const regions = Object.fromEntries(
    [...s.servers].map(([name, srv]) => [name, { api: srv.url, ingress: s.ingress.get(name)?.url, metrics: `${srv.url}/metrics`, referee: `${srv.url}/sandbox/v1/referee` }]),
  );
  return { fleet: s.fleet.file.metadata.name, kubeconfig, speed: s.speed, regions };
}

/** The contract of `--endpoints`: `{"regions": {"<name>": {"api", "ingress", "metrics"}}}`. */
export function endpointsFile(s: RunningSandbox): { regions: Record<string, { api: string; ingress: string; metrics: string }> } {
  const regions = Object.fromEntries([...s.servers].map(([name, srv]) => [name, { api: srv.url, ingress: s.ingress.get(name)?.url ?? '', metrics: `${srv.url}/metrics` }]));
  return { regions };
}

/** Written whole or not at all (a temp file renamed), so a script polling for it never reads half. */
async function writeEndpointsFile(s: RunningSandbox, path: string): Promise<void> {
  const temp = `${path}.${process.pid}.tmp`;
  try {
    await writeFile(temp, `${JSON.stringify(endpointsFile(s), null, 2)}\n`);
    await rename(temp, path);
  } catch (e: unknown) {
    await rm(temp, { force: true });
    await s.stop();
    throw new UserError(`cannot write the endpoints file to ${path}: ${errnoCode(e) ?? String(e)}; pass --endpoints with a path in a writable directory`, { cause: e });
  }
}

/** Fixed API and ingress ports must not overlap: each takes one port per region from where it starts. */
function checkPortRanges(port: number, ingressPort: number, regions: number): void {
  if (!port || !ingressPort) return;
  if (ingressPort < port + regions && port < ingressPort + regions) {
    throw new UserError(`--ingress-port ${ingressPort} overlaps the API ports ${port}-${port + regions - 1} of the ${regions} region(s); pick a port outside that range, or leave --ingress-port out for free ports`);
  }
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
