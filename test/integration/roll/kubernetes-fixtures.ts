// The run engine's integration fixtures on the sandbox's kubernetes engine (the upstream control plane with
// kwok nodes): the fleet up with every workload whole, the API read as the admin, and the referee from its
// extras server, behind the small shape the simulated fixtures (`fixtures.ts`) read a sandbox through.
import { mkdtemp, rm } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { backoffDelay } from '../../../src/lib/backoff.ts';
import { systemClock } from '../../../src/lib/clock.ts';
import { apiCall } from '../../../src/sandbox/kubernetes/api-request.ts';
import { startKubernetesSandbox } from '../../../src/sandbox/kubernetes/kubernetes-sandbox.ts';
import type { RunningKubernetesSandbox } from '../../../src/sandbox/kubernetes/kubernetes-sandbox.ts';
import { buildUpstream } from '../../../src/sandbox/kubernetes/upstream-build.ts';
import type { RefereeReport } from '../../../src/sandbox/referee.ts';
import { smallFleet } from '../../support/fleets.ts';
import type { SmallFleet } from '../../support/fleets.ts';
import { extrasReferee } from '../../support/sandbox.ts';
import type { RefereeSource } from '../../support/sandbox.ts';
import { REGION } from './fixtures.ts';
import type { RollTarget } from './fixtures.ts';

/**
 * kube-controller-manager's --node-monitor-grace-period: a reboot that outlasts it (plus the 5 s monitor
 * period) is seen Unknown, as a real one is; the real 50 s would make every reboot a minute long.
 */
export const GRACE_SECONDS = 10;

/**
 * A node-lifecycle controller that sees a silent node sooner, for fleets whose reboots must be seen Unknown
 * (reboots longer than {@link QUICK_NODE_MONITOR}'s grace plus its period, 7 s, not 15 s): a grace period of
 * 6 s checked every second. The nodes' heartbeat follows the grace at a quarter (1.5 to 1.8 s, see
 * kwok-stages.ts), so a node must miss three in a row to go Unknown, as a kubelet (10 s against 40 s) must.
 */
export const QUICK_NODE_MONITOR = { graceSeconds: 6, monitorPeriodSeconds: 1 } as const;
/** Real-time limit for the fleet to come up: every workload whole, every DaemonSet on every node. */
const UP_MS = 120_000;

export interface KubernetesFleet extends RollTarget {
  readonly sandbox: RunningKubernetesSandbox;
  readonly referee: RefereeSource;
  /** A temporary directory for the test's files (plans, state), removed with the sandbox. */
  readonly dir: string;
  /** Waits (real time) until `check` holds; throws naming `what` after `timeoutMs`. */
  until(what: string, check: () => Promise<boolean>, timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

interface Workloads {
  items: {
    kind?: string;
    metadata: { namespace: string; name: string; generation?: number };
    spec: { replicas?: number };
    status?: { availableReplicas?: number; readyReplicas?: number; numberReady?: number; desiredNumberScheduled?: number; observedGeneration?: number };
  }[];
}

/** `fleet` on the kubernetes engine, every Deployment and StatefulSet whole and every DaemonSet Ready on every node. */
export async function upKubernetesFleet(
  fleet: SmallFleet,
  o: { log?: (line: string) => void; /** The node-monitor grace period; {@link GRACE_SECONDS} when absent. */ graceSeconds?: number; /** The node-monitor period; kube-controller-manager's 5 s when absent. */ monitorPeriodSeconds?: number; /** Real `daylight agent` processes instead of the engine's built-in agent. */ nodeAgents?: 'built-in' | 'processes' } = {},
): Promise<KubernetesFleet> {
  const build = await buildUpstream({ cacheRoot: process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), log: (line) => o.log?.(`lab:build ${line}`) });
  const dir = await mkdtemp(join(tmpdir(), 'daylight-k8s-roll-'));
  const kubeconfigPath = join(dir, 'kubeconfig');
  let sandbox: RunningKubernetesSandbox | undefined;
  const stop = async () => {
    await sandbox?.stop();
    await rm(dir, { recursive: true, force: true });
  };
  try {
    sandbox = await startKubernetesSandbox({ fleet: smallFleet(fleet), binaries: build.binaries, dir: join(dir, 'run'), kubeconfigPath, nodeGracePeriodSeconds: o.graceSeconds ?? GRACE_SECONDS, nodeMonitorPeriodSeconds: o.monitorPeriodSeconds, nodeAgents: o.nodeAgents, log: o.log });
    const running = sandbox;
    const api = async (region: string, path: string): Promise<unknown> => {
      const plane = running.regions.get(region);
      if (!plane) throw new Error(`no region ${region}`);
      const answer = await apiCall({ url: plane.url, caPem: plane.credentials.caPem, token: plane.credentials.admin.token }, 'GET', path);
      try {
        return JSON.parse(answer.body);
      } catch {
        return answer.body;
      }
    };
    const until = async (what: string, check: () => Promise<boolean>, timeoutMs = 60_000) => {
      const deadline = Date.now() + timeoutMs;
      for (let attempt = 0; !(await check().catch(() => false)); attempt++) {
        if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting until ${what}`);
        await systemClock.sleep(backoffDelay({ baseMs: 250, capMs: 1000 }, attempt));
      }
    };
    const target: KubernetesFleet = { sandbox, kubeconfigPath, dir, api, until, referee: extrasReferee(sandbox.extrasUrl), stop };
    await until('every workload of the fleet is whole', () => fleetWhole(target), UP_MS);
    return target;
  } catch (e: unknown) {
    await stop();
    throw e;
  }
}

/** Every Deployment and StatefulSet has all its replicas available, and every DaemonSet is Ready on every node it is for. */
export async function fleetWhole(k: Pick<RollTarget, 'api'>): Promise<boolean> {
  const of = async (path: string) => ((await k.api(REGION, path)) as Workloads).items;
  const controllers = [...(await of('/apis/apps/v1/deployments')), ...(await of('/apis/apps/v1/statefulsets'))];
  const daemons = await of('/apis/apps/v1/daemonsets');
  return (
    controllers.every((w) => (w.status?.availableReplicas ?? 0) >= (w.spec.replicas ?? 1) && (w.status?.observedGeneration ?? 0) >= (w.metadata.generation ?? 0)) &&
    daemons.every((d) => (d.status?.desiredNumberScheduled ?? 0) > 0 && d.status?.numberReady === d.status?.desiredNumberScheduled)
  );
}

/** The referee's counts since `before`, for tests that share one sandbox. */
export function since(now: RefereeReport, before: RefereeReport): { killed: number; breaches: number; accepted: number; reboots: Record<string, number> } {
  const reboots: Record<string, number> = {};
  for (const [node, n] of Object.entries(now.reboots)) {
    const more = n - (before.reboots[node] ?? 0);
    if (more > 0) reboots[node.replace(`${REGION}/`, '')] = more;
  }
  return {
    killed: now.podsKilledWithoutEviction - before.podsKilledWithoutEviction,
    breaches: now.pdbBreaches - before.pdbBreaches,
    accepted: now.evictions.accepted - before.evictions.accepted,
    reboots,
  };
}
