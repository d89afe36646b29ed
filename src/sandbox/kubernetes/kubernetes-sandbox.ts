// The sandbox's kubernetes engine: one real control plane per region of a fleet file (etcd,
// kube-apiserver, kube-controller-manager, kube-scheduler, kwok), the fleet's nodes and workloads created
// through each API server, the node agent protocol played for kwok's nodes, one kubeconfig with a
// context per region, as the simulated engine writes, and the simulated engine's extras: the referee, a
// plain-HTTP ingress per region from the real EndpointSlices, the traffic balancer, faults and /metrics
// (API faults through a proxy in front of the region's API server).
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Fleet as FleetFile } from '../fleet-schema.ts';
import { kubeconfigYamlPerRegion } from '../kubeconfig.ts';
import { createAll, waitNodesReady } from './api-create.ts';
import { startControlPlane } from './control-plane.ts';
import type { ControlPlane } from './control-plane.ts';
import { regionObjects } from './fleet-objects.ts';
import { kwokStagesYaml } from './kwok-stages.ts';
import { startNodeAgent } from './node-agent.ts';
import { startLabHosts } from './lab-hosts.ts';
import type { LabHosts } from './lab-hosts.ts';
import { apiCallOk } from './api-request.ts';
import type { FleetObject } from '../build.ts';
import { fileURLToPath } from 'node:url';
import type { NodeAgent } from './node-agent.ts';
import { Referee } from '../referee.ts';
import { startExtrasServer } from './extras-server.ts';
import type { ExtrasServer } from './extras-server.ts';
import { startRegionReferee } from './region-referee.ts';
import type { RegionReferee } from './region-referee.ts';
import type { UpstreamName } from './upstream-modules.ts';
import type { IngressFaults } from '../ingress-faults.ts';
import type { IngressServer } from '../ingress-server.ts';
import { checkKubernetesEngineSupport } from './fleet-support.ts';
import { KubernetesIngress } from './kubernetes-ingress.ts';
import { apiFaultFor } from '../faults.ts';
import { startFaultProxy } from './fault-proxy.ts';
import type { FaultCounts, FaultProxy } from './fault-proxy.ts';

/** Real-time limit for kwok to make every node of a region Ready after it was created. */
const NODES_READY_MS = 60_000;

export interface KubernetesSandboxOptions {
  readonly fleet: FleetFile;
  /** Every upstream binary, as `findUpstream` or `buildUpstream` report them. */
  readonly binaries: Readonly<Record<UpstreamName, string>>;
  /** Run directory: one subdirectory per region with its logs, audit log, etcd data and credentials. */
  readonly dir: string;
  /** API port of the first region; the next regions use the ports after it. 0 or absent: free ports. */
  readonly port?: number;
  readonly kubeconfigPath?: string;
  /** Port of the extras server (the referee, status, faults, traffic, /metrics); a free one when absent. */
  readonly extrasPort?: number;
  /** Port of the first region's HTTP ingress; the next regions use the ports after it. 0 or absent: free ports. */
  readonly ingressPort?: number;
  /**
   * kube-controller-manager's --node-monitor-grace-period: how long a node may stay silent before it is
   * marked Unknown; its default (50 s) when absent. Shorter makes reboots visible sooner (tests); the
   * nodes' heartbeat follows it at a quarter.
   */
  readonly nodeGracePeriodSeconds?: number;
  /**
   * kube-controller-manager's --node-monitor-period: how often the node-lifecycle controller checks each
   * node's last heartbeat against the grace period; its default (5 s) when absent. A node goes Unknown
   * between the grace period and the grace period plus this after its last heartbeat, so tests with a short
   * grace period shorten it too.
   */
  readonly nodeMonitorPeriodSeconds?: number;
  /**
   * Who answers the node agent protocol: `built-in` (the default) plays it in-process for every node
   * (node-agent.ts); `processes` runs one real `daylight agent` per node, whose host is the lab's
   * (lab-hosts.ts), as the DaemonSet would on a real cluster.
   */
  readonly nodeAgents?: 'built-in' | 'processes';
  /**
   * How `processes` starts an agent (the lab adds --node's kubeconfig, --context and --lab-host); this
   * repository's CLI on this Node.js when absent.
   */
  readonly agentCommand?: { readonly command: string; readonly args: readonly string[]; readonly env?: Readonly<Record<string, string>> };
  readonly log?: (line: string) => void;
  readonly signal?: AbortSignal;
}

export interface RunningKubernetesSandbox {
  readonly fleet: FleetFile;
  /** By region name, in the fleet file's order. */
  readonly regions: ReadonlyMap<string, ControlPlane>;
  /**
   * Where clients reach each region's API, as the kubeconfig says: the API server itself, or, for a region
   * the fleet file gives API faults (`faults.api`), the fault-injecting proxy in front of it.
   */
  readonly apiUrls: ReadonlyMap<string, string>;
  /** What a region's fault proxy did to resource requests so far; undefined for a region without `faults.api`. */
  apiFaultCounts(region: string): FaultCounts | undefined;
  readonly kubeconfig: string;
  /**
   * The sandbox extras the simulated engine serves on each region's API port (`GET /sandbox/v1/referee`),
   * on one HTTP server of ours, since the real kube-apiserver owns the API ports.
   */
  readonly extrasUrl: string;
  /**
   * The plain-HTTP ingress of each region (`http://127.0.0.1:<port>`), answering from the region's real
   * EndpointSlices, as the simulated engine's ingress answers from its own.
   */
  readonly ingress: ReadonlyMap<string, IngressServer>;
  /** The ingress faults now; the same ones PUT /sandbox/v1/faults on the extras server changes. */
  readonly ingressFaults: IngressFaults;
  /** With `nodeAgents: 'processes'`: the hosts under the nodes and their agent processes. */
  readonly labHosts?: LabHosts;
  stop(): Promise<void>;
}

export async function startKubernetesSandbox(o: KubernetesSandboxOptions): Promise<RunningKubernetesSandbox> {
  // Before anything starts: a fleet asking for a fault this engine cannot play is refused, not run without it.
  checkKubernetesEngineSupport(o.fleet.spec);
  const log = o.log ?? (() => {});
  await mkdir(o.dir, { recursive: true });
  const kwokConfigPath = join(o.dir, 'kwok-stages.yaml');
  await writeFile(kwokConfigPath, kwokStagesYaml(o.nodeGracePeriodSeconds));
  const regions = new Map<string, ControlPlane>();
  const agents: NodeAgent[] = [];
  const referees: RegionReferee[] = [];
  const referee = new Referee(o.fleet.spec.regions.map((r) => r.name));
  let extras: ExtrasServer | undefined;
  let ingress: KubernetesIngress | undefined;
  let labHosts: LabHosts | undefined;
  const proxies: FaultProxy[] = [];
  const stop = async (): Promise<void> => {
    await labHosts?.stop();
    await extras?.stop();
    await ingress?.close();
    for (const p of proxies) await p.stop();
    for (const r of referees) await r.stop();
    for (const agent of agents) await agent.stop();
    for (const plane of [...regions.values()].reverse()) await plane.stop();
  };
  const controllerManagerArgs = [
    ...(o.nodeGracePeriodSeconds === undefined ? [] : [`--node-monitor-grace-period=${o.nodeGracePeriodSeconds}s`]),
    ...(o.nodeMonitorPeriodSeconds === undefined ? [] : [`--node-monitor-period=${o.nodeMonitorPeriodSeconds}s`]),
  ];
  try {
    // One region after the other: each start is CPU-bound, and a small machine starts one faster alone.
    for (const [i, region] of o.fleet.spec.regions.entries()) {
      const started = performance.now();
      const plane = await startControlPlane({
        region: region.name,
        dir: join(o.dir, region.name),
        binaries: o.binaries,
        kwokConfigPath,
        port: o.port ? o.port + i : undefined,
        controllerManagerArgs,
        signal: o.signal,
      });
      regions.set(region.name, plane);
      const c = plane.credentials;
      // Started before the fleet's objects: the referee sees every budget and node from its first status.
      referees.push(startRegionReferee({
        region: region.name,
        target: { url: plane.url, caPem: c.caPem, token: c.kwok.token },
        auditLogPath: plane.auditLogPath,
        identities: { users: new Set([c.kwok.user, c.controllerManager.user, c.scheduler.user]) },
        referee,
        log: (line) => log(`${region.name}: ${line}`),
      }));
      const objects = regionObjects(o.fleet.spec, region, i);
      const admin = { url: plane.url, caPem: plane.credentials.caPem, token: plane.credentials.admin.token };
      // Namespaces and nodes first, and the nodes Ready, before any workload is scheduled.
      const workloadsFrom = objects.findIndex((x) => x.resource !== 'namespaces' && x.resource !== 'nodes');
      const base = workloadsFrom < 0 ? objects : objects.slice(0, workloadsFrom);
      await createAll(admin, base, o.signal);
      await waitNodesReady(admin, base.filter((x) => x.resource === 'nodes').map((x) => x.object.metadata.name), NODES_READY_MS, o.signal);
      await createAll(admin, objects.slice(base.length), o.signal);
      if (o.nodeAgents === 'processes') await createAll(admin, agentRbac(plane.credentials.agent.user), o.signal);
      else agents.push(startNodeAgent({
        target: { url: plane.url, caPem: plane.credentials.caPem, token: plane.credentials.kwok.token },
        log: (line) => log(`${region.name}: ${line}`),
        faults: (node) => o.fleet.spec.faults.nodes[node],
      }));
      log(`${region.name}: control plane at ${plane.url}, ${objects.length} objects created, in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    }
    if (o.nodeAgents === 'processes') labHosts = await startAgentProcesses(o, regions, log);
    const apiUrls = new Map<string, string>();
    const faultProxies = new Map<string, FaultProxy>();
    for (const p of regions.values()) {
      const fault = apiFaultFor(o.fleet.spec, p.region);
      if (fault.errorRate === 0 && fault.latencyMs === 0) {
        apiUrls.set(p.region, p.url);
        continue;
      }
      const proxy = await startFaultProxy({ upstream: p.url, caPem: p.credentials.caPem, certFile: p.credentials.servingCertFile, keyFile: p.credentials.servingKeyFile, fault });
      proxies.push(proxy);
      faultProxies.set(p.region, proxy);
      apiUrls.set(p.region, proxy.url);
      log(`${p.region}: API faults (errorRate ${fault.errorRate}, latencyMs ${fault.latencyMs}) through ${proxy.url}, in front of ${p.url}`);
    }
    const kubeconfig = kubeconfigYamlPerRegion(
      [...regions.values()].map((p) => ({ name: p.region, server: apiUrls.get(p.region) ?? p.url, caPem: p.credentials.caPem, token: p.credentials.admin.token })),
    );
    if (o.kubeconfigPath) await writeFile(o.kubeconfigPath, kubeconfig, { mode: 0o600 });
    // The engine's own identity (kwok's) watches the EndpointSlices, as the referee watches its sources.
    ingress = new KubernetesIngress({
      fleet: o.fleet,
      regions: [...regions.values()].map((p) => ({ name: p.region, target: { url: p.url, caPem: p.credentials.caPem, token: p.credentials.kwok.token } })),
      sink: referee,
      log,
    });
    await ingress.listen(o.ingressPort ?? 0);
    const running = ingress;
    extras = await startExtrasServer({
      port: o.extrasPort,
      ingress: running,
      fleet: o.fleet.metadata.name,
      report: async () => {
        for (const r of referees) await r.catchUp();
        const { kills, breaches } = referee.details();
        const peakUnavailable = Object.fromEntries(referees.map((r, i) => [o.fleet.spec.regions[i]?.name ?? '?', r.peakUnavailable()]));
        return { report: referee.report(), details: { kills, breaches, peakUnavailable } };
      },
    });
    const apiFaultCounts = (region: string) => faultProxies.get(region)?.counts();
    return { fleet: o.fleet, regions, apiUrls, apiFaultCounts, kubeconfig, extrasUrl: extras.url, ingress: running.servers, ingressFaults: running.faults, ...(labHosts ? { labHosts } : {}), stop };
  } catch (e: unknown) {
    await stop();
    throw e;
  }
}

/** This repository's CLI, on the Node.js running the sandbox. */
const CLI_ENTRY = fileURLToPath(new URL('../../cli/entry.ts', import.meta.url));

/**
 * One `daylight agent` per node of every region, as the agents' own user (credentials.ts), which may do only
 * what the chart's ServiceAccount may; the API server straight, as a DaemonSet reaches it in the cluster.
 */
async function startAgentProcesses(o: KubernetesSandboxOptions, regions: ReadonlyMap<string, ControlPlane>, log: (line: string) => void): Promise<LabHosts> {
  const planes = [...regions.values()];
  const kubeconfigPath = join(o.dir, 'agents.kubeconfig');
  await writeFile(kubeconfigPath, kubeconfigYamlPerRegion(planes.map((p) => ({ name: p.region, server: p.url, caPem: p.credentials.caPem, token: p.credentials.agent.token }))), { mode: 0o600 });
  const command = o.agentCommand ?? { command: process.execPath, args: [CLI_ENTRY, 'agent'] };
  return startLabHosts({
    dir: join(o.dir, 'hosts'),
    regions: await Promise.all(planes.map(async (p) => ({
      name: p.region,
      target: { url: p.url, caPem: p.credentials.caPem, token: p.credentials.kwok.token },
      nodes: await listNodeNames({ url: p.url, caPem: p.credentials.caPem, token: p.credentials.admin.token }, p.region),
    }))),
    agent: (_node, region) => ({ command: command.command, args: [...command.args, '--kubeconfig', kubeconfigPath, '--context', region, '--sentinel-period', '2s'], ...(command.env ? { env: command.env } : {}) }),
    faults: (node) => o.fleet.spec.faults.nodes[node],
    log,
  });
}

async function listNodeNames(target: { url: string; caPem: string; token: string }, region: string): Promise<string[]> {
  const answer = await apiCallOk(target, 'GET', '/api/v1/nodes');
  const names = (JSON.parse(answer.body) as { items: { metadata: { name: string } }[] }).items.map((n) => n.metadata.name);
  if (names.length === 0) throw new Error(`${region}: no nodes to start agents on`);
  return names;
}

/** What the agents' user may do, as the chart's ServiceAccount: read Nodes, patch them and their status; record Events in `default`. */
function agentRbac(user: string): FleetObject[] {
  const role = {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRole',
    metadata: { name: 'daylight-agent' },
    rules: [
      { apiGroups: [''], resources: ['nodes'], verbs: ['get', 'list', 'watch', 'patch'] },
      { apiGroups: [''], resources: ['nodes/status'], verbs: ['patch'] },
    ],
  };
  const events = {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'Role',
    metadata: { name: 'daylight-agent-events', namespace: 'default' },
    rules: [{ apiGroups: ['', 'events.k8s.io'], resources: ['events'], verbs: ['create', 'patch'] }],
  };
  const eventsBinding = {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: { name: 'daylight-agent-events', namespace: 'default' },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'daylight-agent-events' },
    subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: user }],
  };
  const binding = {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRoleBinding',
    metadata: { name: 'daylight-agent' },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'daylight-agent' },
    subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: user }],
  };
  return [
    { resource: 'clusterroles.rbac.authorization.k8s.io', object: role },
    { resource: 'clusterrolebindings.rbac.authorization.k8s.io', object: binding },
    { resource: 'roles.rbac.authorization.k8s.io', object: events },
    { resource: 'rolebindings.rbac.authorization.k8s.io', object: eventsBinding },
  ];
}
