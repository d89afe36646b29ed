// `daylight agent`: the node agent for one node (DESIGN.md section 6), run by the daylight-agent DaemonSet
// with the node's name from the downward API. It carries out the action Daylight writes on its own Node
// through the host (src/agent/), answers it, and publishes whether the host needs a reboot. Commands are
// given as JSON argv arrays, never as shell strings.
import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { runAgent } from '../agent/agent.ts';
import { argvExec } from '../agent/exec.ts';
import { DEFAULT_SENTINEL_FILE, linuxHost } from '../agent/host.ts';
import { labHost } from '../agent/lab-host.ts';
import type { LinuxHostOptions, RebootMethod } from '../agent/host.ts';
import { kubeOwnNode } from '../agent/kube-node.ts';
import { agentMetrics } from '../agent/metrics.ts';
import type { AgentMetrics } from '../agent/metrics.ts';
import { KubeApi } from '../kube/api.ts';
import { IN_CLUSTER, loadKubeConfig } from '../kube/client.ts';
import { systemClock } from '../lib/clock.ts';
import { Duration } from '../lib/duration.ts';
import { UserError } from '../lib/errors.ts';
import { HELP_OPTION, numberFlag, parse, stringFlag } from './args.ts';
import type { Parsed } from './args.ts';
import type { Command } from './command.ts';

const HELP = `Usage: daylight agent [--node NAME] [--kubeconfig FILE|in-cluster] [--context CTX]
                      [--reboot-method signal|command] [--reboot-command JSON]
                      [--patch-command JSON] [--upgrade-command JSON ...] [--reboot-after-patch needed|always]
                      [--sentinel-file PATH | --sentinel-command JSON] [--sentinel-period 1m] [--confirm-grace 10m]

The node agent for one node: carries out the reboot, patch or upgrade Daylight writes in the node's
daylight.dev/action annotation, at most once per action id across its own restarts and the node's
reboot, and answers in daylight.dev/action-status. It publishes whether the host needs a reboot as the
label daylight.dev/reboot-required (true or false) and the condition daylight.dev/RebootRequired.

  --node NAME             the node (default: $NODE_NAME, set from the downward API)
  --kubeconfig            a kubeconfig file, or in-cluster (the pod's service account; the default in a pod)
  --reboot-method         signal: SIGRTMIN+5 to the host's PID 1 (needs hostPID and CAP_KILL; default);
                          command: --reboot-command, default systemctl reboot through nsenter (needs privilege)
  --patch-command JSON    the patch command as a JSON array, e.g. ["nsenter","--target","1","--mount","--","unattended-upgrade"]
  --upgrade-command JSON  one upgrade step as a JSON array; repeat for more; {{version}} is the kubelet version
  --reboot-after-patch    needed (when the sentinel says so; default) or always
  --sentinel-file PATH    the host's reboot-required file as the agent sees it (default ${DEFAULT_SENTINEL_FILE})
  --sentinel-command JSON a command instead: exit code 0 means a reboot is needed
  --sentinel-period       how often the sentinel is checked (default 1m)
  --confirm-grace         how long a reboot or an upgrade has to show on the node (default 10m)
  --metrics-port N        serve Prometheus metrics on /metrics (0: any free port, named in the log)
  --metrics-host ADDR     the address to serve them on (default 0.0.0.0, for the cluster's Prometheus)
  --lab-host URL          for the sandbox's kubernetes engine only: the host is the sandbox's lab host at URL
                          (daylight sandbox up --engine kubernetes --node-agents processes starts the agents with it)`;

export const AGENT_OPTIONS = {
  ...HELP_OPTION,
  node: { type: 'string' },
  kubeconfig: { type: 'string' },
  context: { type: 'string' },
  'reboot-method': { type: 'string' },
  'reboot-command': { type: 'string' },
  'patch-command': { type: 'string' },
  'upgrade-command': { type: 'string', multiple: true },
  'reboot-after-patch': { type: 'string' },
  'sentinel-file': { type: 'string' },
  'sentinel-command': { type: 'string' },
  'sentinel-period': { type: 'string' },
  'confirm-grace': { type: 'string' },
  'metrics-port': { type: 'string' },
  'metrics-host': { type: 'string' },
  'lab-host': { type: 'string' },
} as const;

export interface AgentSettings {
  readonly node: string;
  readonly kubeconfig: string;
  readonly context?: string;
  readonly host: Omit<LinuxHostOptions, 'exec' | 'kill' | 'exists'>;
  readonly rebootAfterPatch: 'needed' | 'always';
  readonly sentinelPeriodMs: number;
  readonly confirmGraceMs: number;
  readonly metrics?: { readonly port: number; readonly host: string };
  /** The sandbox's lab host instead of this machine (see src/agent/lab-host.ts). */
  readonly labHost?: string;
}

/** A command flag: a non-empty JSON array of strings, or a UserError naming the flag and what it got. */
function argvFlag(p: Parsed, name: string, raw = stringFlag(p, name)): string[] | undefined {
  if (raw === undefined) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw new UserError(`--${name} ${raw}: expected a JSON array of strings, like ["systemctl","reboot"] (a command is never a shell string)`);
  }
  if (!Array.isArray(value) || value.length === 0 || !value.every((v) => typeof v === 'string' && v !== '')) {
    throw new UserError(`--${name} ${raw}: expected a non-empty JSON array of non-empty strings, like ["systemctl","reboot"]`);
  }
  return value as string[];
}

function durationFlag(p: Parsed, name: string, fallback: string): number {
  const raw = stringFlag(p, name) ?? fallback;
  try {
    const ms = Duration.parse(raw).ms;
    if (ms < 1_000) throw new RangeError('it must be at least 1s');
    return ms;
  } catch (e: unknown) {
    throw new UserError(`--${name} ${raw}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** The flags and environment, checked: every mistake is a UserError that names the flag. */
export function agentSettings(p: Parsed, env: Readonly<Record<string, string | undefined>>): AgentSettings {
  const node = stringFlag(p, 'node') ?? env.NODE_NAME;
  if (!node) throw new UserError('no node to look after: pass --node, or set NODE_NAME (the DaemonSet sets it from spec.nodeName)');
  const method = stringFlag(p, 'reboot-method') ?? 'signal';
  if (method !== 'signal' && method !== 'command') throw new UserError(`--reboot-method ${method}: expected signal or command`);
  const rebootCommand = argvFlag(p, 'reboot-command');
  if (rebootCommand && method !== 'command') throw new UserError('--reboot-command is used only with --reboot-method command');
  const reboot: RebootMethod = method === 'signal' ? { method } : { method, ...(rebootCommand ? { command: rebootCommand } : {}) };
  const after = stringFlag(p, 'reboot-after-patch') ?? 'needed';
  if (after !== 'needed' && after !== 'always') throw new UserError(`--reboot-after-patch ${after}: expected needed or always`);
  const sentinelCommand = argvFlag(p, 'sentinel-command');
  const sentinelFile = stringFlag(p, 'sentinel-file');
  if (sentinelCommand && sentinelFile) throw new UserError('--sentinel-file and --sentinel-command exclude each other: the command is checked instead of the file');
  const upgrades = ((p.values['upgrade-command'] as string[] | undefined) ?? []).map((raw) => argvFlag(p, 'upgrade-command', raw) as string[]);
  const patchCommand = argvFlag(p, 'patch-command');
  const context = stringFlag(p, 'context');
  const metricsPort = numberFlag(p, 'metrics-port', { min: 0, max: 65_535, integer: true });
  if (metricsPort === undefined && stringFlag(p, 'metrics-host') !== undefined) throw new UserError('--metrics-host needs --metrics-port');
  const lab = stringFlag(p, 'lab-host');
  if (lab !== undefined && !/^http:\/\/(127\.0\.0\.1|localhost)(:\d+)?\//.test(lab)) throw new UserError(`--lab-host ${lab}: expected the sandbox's lab host on this machine, like http://127.0.0.1:PORT/lab/v1/nodes/NODE`);
  const hostFlags = ['reboot-method', 'reboot-command', 'patch-command', 'upgrade-command', 'sentinel-file', 'sentinel-command'].filter((f) => p.values[f] !== undefined);
  if (lab !== undefined && hostFlags.length) throw new UserError(`--lab-host excludes --${hostFlags[0]}: the lab host reboots, patches, upgrades and keeps the sentinel itself`);
  return {
    ...(lab !== undefined ? { labHost: lab } : {}),
    ...(metricsPort !== undefined ? { metrics: { port: metricsPort, host: stringFlag(p, 'metrics-host') ?? '0.0.0.0' } } : {}),
    node,
    kubeconfig: stringFlag(p, 'kubeconfig') ?? (env.KUBERNETES_SERVICE_HOST ? IN_CLUSTER : env.KUBECONFIG ?? ''),
    ...(context ? { context } : {}),
    host: {
      reboot,
      ...(patchCommand ? { patchCommand } : {}),
      ...(upgrades.length ? { upgradeCommands: upgrades } : {}),
      ...(sentinelFile ? { sentinelFile } : {}),
      ...(sentinelCommand ? { sentinelCommand } : {}),
    },
    rebootAfterPatch: after,
    sentinelPeriodMs: durationFlag(p, 'sentinel-period', '1m'),
    confirmGraceMs: durationFlag(p, 'confirm-grace', '10m'),
  };
}

/** /metrics in Prometheus' text format; anything else is 404. */
function serveMetrics(metrics: AgentMetrics, at: { port: number; host: string }): Promise<Server> {
  const server = createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/metrics') {
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' });
      res.end(metrics.text());
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found: the agent serves /metrics\n');
    }
  });
  return new Promise((resolve, reject) => {
    server.once('error', (e) => reject(new UserError(`--metrics-port ${at.port}: cannot listen on ${at.host}: ${e.message}`)));
    server.listen(at.port, at.host, () => resolve(server));
  });
}

export const agentCommand: Command = {
  name: 'agent',
  help: HELP,
  async run(argv, io) {
    const p = parse('agent', argv, AGENT_OPTIONS);
    if (p.values.help) {
      io.out(HELP);
      return 0;
    }
    if (p.positionals.length) throw new UserError(`unexpected argument "${p.positionals[0]}"; see daylight agent --help`);
    const s = agentSettings(p, process.env);
    const kc = loadKubeConfig({ ...(s.kubeconfig ? { kubeconfig: s.kubeconfig } : {}), env: process.env });
    if (s.context) kc.setCurrentContext(s.context);
    const api = new KubeApi(kc);
    const log = (line: string) => io.err(JSON.stringify({ time: new Date().toISOString(), node: s.node, msg: line }));
    const own = kubeOwnNode(api, s.node, { log });
    const host = s.labHost ? labHost(s.labHost) : linuxHost({ ...s.host, exec: argvExec, kill: (pid, signal) => process.kill(pid, signal), exists: existsSync });
    const metrics = agentMetrics(s.node);
    const server = s.metrics ? await serveMetrics(metrics, s.metrics) : undefined;
    if (server) log(`metrics on http://${s.metrics?.host}:${(server.address() as AddressInfo).port}/metrics`);
    const stop = new AbortController();
    const onSignal = () => stop.abort();
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
    log(`looking after node ${s.node} (${s.labHost ? `the sandbox's lab host at ${s.labHost}` : `reboot by ${s.host.reboot.method}`})`);
    try {
      await runAgent({ node: own, host, clock: systemClock, confirmGraceMs: s.confirmGraceMs, sentinelPeriodMs: s.sentinelPeriodMs, rebootAfterPatch: s.rebootAfterPatch, log, metrics }, stop.signal);
    } finally {
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
      own.close();
      await api.close();
      await new Promise<void>((done) => (server ? server.close(() => done()) : done()));
    }
    log('stopped');
    return 0;
  },
};
