// The machines under the kubernetes engine's nodes, for real node agents: one `daylight agent` process per
// node, whose lab host adapter (src/agent/lab-host.ts) asks this server over HTTP what the Linux adapter
// asks of a real host. A reboot kills the node's agent process, as the machine going down does, stops the
// node's kubelet (lab-kubelet.ts: no heartbeats, its pods stop), and after the node's reboot time brings
// the kubelet back with a new boot id and starts the agent again, as the DaemonSet's pod would be. An agent
// process that ends while its node is up is started again, as the kubelet restarts a container. The
// reboot-required sentinel is a file per node under the lab's directory: a patch creates it (it installed a
// kernel) and a reboot removes it (/var/run is a tmpfs); a file `patch-fails` beside it makes the node's
// patches exit 100 with its text as their output. The fleet file's node faults play here too: a node whose
// actions fail has a patch that exits 100 and a host that refuses to reboot; a node that never returns
// stays down. Tests kill the agents where they choose (`signalAgent`, `loseNextRebootRequest`,
// `killNextAgentStart`), as a crash, an OOM kill or a node's shutdown would.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { errorMessage } from '../../lib/errors.ts';
import { isExactVersion } from '../../lib/kube-version.ts';
import type { Node } from '../k8s-types.ts';
import type { NodeFault } from '../sim/context.ts';
import { NODE_TIMING } from '../sim/node-actions.ts';
import { numberAnnotation } from '../sim/objects.ts';
import type { ApiTarget } from './api-create.ts';
import { apiCallOk } from './api-request.ts';
import { labKubelet } from './lab-kubelet.ts';
import type { LabKubelet } from './lab-kubelet.ts';

/** How long an ended agent process waits before it is started again (the kubelet's first back-off is 10 s). */
const RESTART_DELAY_MS = 300;
/** Lines of each agent's log kept for a test's or a person's diagnosis. */
const LOG_LINES = 200;

export interface LabRegion {
  readonly name: string;
  /** kwok's identity: the kubelets are played with it. */
  readonly target: ApiTarget;
  readonly nodes: readonly string[];
}

/** How to start the agent of one node: its argv and environment; the lab adds `--lab-host URL`. */
export interface AgentCommand {
  readonly command: string;
  readonly args: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
}

export interface LabHostsOptions {
  readonly regions: readonly LabRegion[];
  /** The sentinel files go under `<dir>/<node>/`. */
  readonly dir: string;
  readonly agent: (node: string, region: string) => AgentCommand;
  readonly faults?: (node: string) => NodeFault | undefined;
  readonly log?: (line: string) => void;
}

/** What one node's host has been through, for tests and the sandbox's status. */
export interface LabHostRecord {
  readonly node: string;
  readonly region: string;
  /** Reboots the host went through (a request while one is under way is the same reboot). */
  readonly reboots: number;
  /** Reboot requests received, the repeated ones included. */
  readonly rebootRequests: number;
  readonly patches: number;
  readonly upgrades: readonly string[];
  /** Agent processes started on this host, the first included. */
  readonly agentStarts: number;
  /** Times an agent asked whether the host needs a reboot: an agent asks before each look at its node, so two asks by a new process mean it has looked. */
  readonly sentinelChecks: number;
  /** Whether the host is down (rebooting) now. */
  readonly down: boolean;
  /** The pid of the agent process running now. */
  readonly agentPid: number | undefined;
}

export interface LabHosts {
  /** `http://127.0.0.1:<port>`; a node's host is at `<url>/lab/v1/nodes/<node>`. */
  readonly url: string;
  record(node: string): LabHostRecord;
  /** The node's reboot-required sentinel file (absent: the host needs no reboot). */
  sentinelPath(node: string): string;
  /** The last lines the node's agent processes logged. */
  agentLog(node: string): readonly string[];
  /** The node's patch-fails file: while it exists the node's patches exit 100 with its text as their output. */
  patchFailsPath(node: string): string;
  /** Sends `signal` to the node's agent process (SIGKILL, SIGSTOP, ...); resolves once it ended, for a signal that ends it. */
  signalAgent(node: string, signal: NodeJS.Signals): Promise<void>;
  /** The next reboot request from the node's agent is lost: the agent is killed (SIGKILL) as it asks, and the host does not reboot. */
  loseNextRebootRequest(node: string): void;
  /** The node's next agent process is killed (SIGKILL) as soon as it starts, before it can read its node. */
  killNextAgentStart(node: string): void;
  stop(): Promise<void>;
}

interface Host {
  readonly node: string;
  readonly region: LabRegion;
  readonly kubelet: LabKubelet;
  reboots: number;
  rebootRequests: number;
  patches: number;
  readonly upgrades: string[];
  agentStarts: number;
  sentinelChecks: number;
  down: boolean;
  loseNextReboot: boolean;
  killNextStart: boolean;
  child: ChildProcess | undefined;
  exited: Promise<void>;
  readonly log: string[];
}

export async function startLabHosts(o: LabHostsOptions): Promise<LabHosts> {
  const log = o.log ?? (() => {});
  const hosts = new Map<string, Host>();
  const timers = new Set<NodeJS.Timeout>();
  let stopping = false;
  for (const region of o.regions) {
    const kubelet = labKubelet(region.target);
    for (const node of region.nodes) {
      hosts.set(node, { node, region, kubelet, reboots: 0, rebootRequests: 0, patches: 0, upgrades: [], agentStarts: 0, sentinelChecks: 0, down: false, loseNextReboot: false, killNextStart: false, child: undefined, exited: Promise.resolve(), log: [] });
      await mkdir(join(o.dir, node), { recursive: true });
    }
  }
  const sentinelPath = (node: string) => join(o.dir, node, 'reboot-required');
  const patchFailsPath = (node: string) => join(o.dir, node, 'patch-fails');
  const later = (ms: number, f: () => Promise<void> | void) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      Promise.resolve(f()).catch((e: unknown) => log(`lab host: ${errorMessage(e)}`));
    }, ms);
    timers.add(timer);
  };
  const readNode = async (h: Host): Promise<Node> => JSON.parse((await apiCallOk(h.region.target, 'GET', `/api/v1/nodes/${h.node}`)).body) as Node;

  let url = '';
  const startAgent = (h: Host) => {
    if (stopping || h.down || h.child) return;
    const c = o.agent(h.node, h.region.name);
    const child = spawn(c.command, [...c.args, '--lab-host', `${url}/lab/v1/nodes/${h.node}`], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...c.env, NODE_NAME: h.node } });
    h.child = child;
    h.agentStarts++;
    if (h.killNextStart) {
      h.killNextStart = false;
      child.kill('SIGKILL');
    }
    let rest = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      const lines = (rest + chunk.toString('utf8')).split('\n');
      rest = lines.pop() ?? '';
      for (const line of lines) {
        h.log.push(line);
        if (h.log.length > LOG_LINES) h.log.shift();
      }
    });
    h.exited = new Promise<void>((resolve) => {
      child.once('close', (code, signal) => {
        if (h.child === child) h.child = undefined;
        h.log.push(`(agent process ${child.pid ?? '?'} ended: ${signal ?? `exit ${code}`})`);
        resolve();
        // As the kubelet restarts a container that ended, while the node is up
        if (!stopping && !h.down) later(RESTART_DELAY_MS, () => startAgent(h));
      });
    });
  };
  const killAgent = async (h: Host, signal: NodeJS.Signals) => {
    const child = h.child;
    if (!child) return;
    child.kill(signal);
    if (signal === 'SIGKILL' || signal === 'SIGTERM') await h.exited;
  };

  async function reboot(h: Host): Promise<void> {
    h.down = true;
    // The machine goes down: its processes end, the kubelet stops posting, its pods stop
    await killAgent(h, 'SIGKILL');
    await h.kubelet.down(h.node, `lab-reboot-${h.reboots + 1}`, true);
    await rm(sentinelPath(h.node), { force: true });
    if (o.faults?.(h.node)?.neverReturns) return void log(`lab host: ${h.node} never comes back (faults.nodes.${h.node}.neverReturns)`);
    const seconds = numberAnnotation(await readNode(h), NODE_TIMING.rebootSeconds, 120);
    later(seconds * 1000, async () => {
      if (stopping) return;
      const bootId = await h.kubelet.up(h.node, { reboot: true });
      h.reboots++;
      h.down = false;
      log(`lab host: ${h.node} rebooted, boot id ${bootId ?? '?'}`);
      startAgent(h);
    });
  }

  async function upgrade(h: Host, version: string): Promise<void> {
    // `systemctl restart kubelet` after the packages: the node goes quiet, its containers (the agent too) keep running
    await h.kubelet.down(h.node, `lab-upgrade-${version}`, false);
    const seconds = numberAnnotation(await readNode(h), NODE_TIMING.upgradeSeconds, 60);
    later(seconds * 1000, async () => {
      if (stopping) return;
      await h.kubelet.up(h.node, { reboot: false, kubeletVersion: version });
      log(`lab host: ${h.node} kubelet at ${version}`);
    });
  }

  const reply = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  const readBody = async (req: IncomingMessage): Promise<unknown> => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    return text ? (JSON.parse(text) as unknown) : {};
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const m = /^\/lab\/v1\/nodes\/([^/]+)\/(reboot|patch|upgrade|reboot-required)$/.exec(req.url ?? '');
    const h = m ? hosts.get(decodeURIComponent(m[1] ?? '')) : undefined;
    if (!m || !h) return reply(res, 404, { error: `no lab host at ${req.url ?? ''}` });
    const op = m[2];
    const fault = o.faults?.(h.node);
    if (op === 'reboot-required' && req.method === 'GET') {
      h.sentinelChecks++;
      return reply(res, 200, { required: existsSync(sentinelPath(h.node)) });
    }
    if (req.method !== 'POST') return reply(res, 405, { error: `${req.method ?? ''} is not served here` });
    if (op === 'reboot') {
      h.rebootRequests++;
      if (h.loseNextReboot) {
        h.loseNextReboot = false;
        await killAgent(h, 'SIGKILL');
        return reply(res, 503, { error: 'the agent was killed as it asked; the host never heard it' });
      }
      if (fault?.failActions) return reply(res, 500, { error: `the host refused to reboot (faults.nodes.${h.node}.failActions)` });
      // A request while the host is going down is the same reboot
      if (!h.down) void reboot(h).catch((e: unknown) => log(`lab host: ${h.node}: reboot: ${errorMessage(e)}`));
      return reply(res, 202, { rebooting: true });
    }
    if (op === 'patch') {
      h.patches++;
      const fails = await readFile(patchFailsPath(h.node), 'utf8').catch(() => undefined);
      if (fails !== undefined) return reply(res, 200, { code: 100, outputTail: fails });
      if (fault?.failActions) return reply(res, 200, { code: 100, outputTail: `E: Failed to fetch http://deb.debian.org/debian-security/pool/updates/main/l/linux/linux-image-amd64.deb  Connection failed (faults.nodes.${h.node}.failActions)\nE: Unable to fetch some archives\n` });
      await writeFile(sentinelPath(h.node), '');
      return reply(res, 200, { code: 0, outputTail: '3 upgraded, 0 newly installed, 0 to remove and 0 not upgraded.\nlinux-image-amd64 installed: a reboot is required\n' });
    }
    const version = ((await readBody(req)) as { version?: unknown }).version;
    if (typeof version !== 'string' || !isExactVersion(version)) return reply(res, 400, { error: `an upgrade needs a version like v1.31.2, got ${JSON.stringify(version)}` });
    h.upgrades.push(version);
    if (fault?.failActions) return reply(res, 200, { code: 1, outputTail: `kubeadm upgrade node: the control plane is not at ${version} (faults.nodes.${h.node}.failActions)\n` });
    await upgrade(h, version);
    return reply(res, 200, { code: 0, outputTail: `[upgrade] The configuration for this node was successfully upgraded to ${version}\n` });
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => reply(res, 500, { error: errorMessage(e) }));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  for (const h of hosts.values()) startAgent(h);
  log(`lab hosts at ${url}: one daylight agent per node (${hosts.size})`);

  const host = (node: string): Host => {
    const h = hosts.get(node);
    if (!h) throw new Error(`no lab host for node ${node}`);
    return h;
  };
  return {
    url,
    record: (node) => {
      const h = host(node);
      return { node, region: h.region.name, reboots: h.reboots, rebootRequests: h.rebootRequests, patches: h.patches, upgrades: [...h.upgrades], agentStarts: h.agentStarts, sentinelChecks: h.sentinelChecks, down: h.down, agentPid: h.child?.pid };
    },
    sentinelPath,
    patchFailsPath,
    loseNextRebootRequest: (node) => void (host(node).loseNextReboot = true),
    killNextAgentStart: (node) => void (host(node).killNextStart = true),
    agentLog: (node) => [...host(node).log],
    signalAgent: (node, signal) => killAgent(host(node), signal),
    async stop() {
      stopping = true;
      for (const t of timers) clearTimeout(t);
      timers.clear();
      await Promise.all([...hosts.values()].map((h) => (h.child?.kill('SIGCONT'), killAgent(h, 'SIGTERM'))));
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
