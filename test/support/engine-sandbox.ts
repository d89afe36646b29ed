// One sandbox for tests whatever engine runs it: the simulated engine in-process, or the kubernetes engine
// (the upstream control plane with kwok) built by the same idempotent build `npm run lab:build` runs. A
// test file loops over ENGINES so each test is written once and runs on both; what only the simulated
// engine has (its clock, speed, faults, in-process fleet) is reached through `simulated`, absent on the
// other engine.
import { mkdtemp, rm } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Fleet } from '../../src/sandbox/fleet-schema.ts';
import { startKubernetesSandbox } from '../../src/sandbox/kubernetes/kubernetes-sandbox.ts';
import { buildUpstream } from '../../src/sandbox/kubernetes/upstream-build.ts';
import { startSandbox } from '../../src/sandbox/sandbox.ts';
import type { RunningSandbox } from '../../src/sandbox/sandbox.ts';
import { extrasReferee, sandboxClient, simulatedReferee } from './sandbox.ts';
import type { ApiTarget, RefereeSource, SandboxClient } from './sandbox.ts';

export type EngineName = 'simulated' | 'kubernetes';

/** Every engine a contract test runs on, the simulated one first (it is the quicker to fail). */
export const ENGINES: readonly EngineName[] = ['simulated', 'kubernetes'];

export interface EngineSandbox extends SandboxClient {
  readonly engine: EngineName;
  /** The referee of the whole fleet, wherever this engine serves it. */
  readonly referee: RefereeSource;
  /** The simulated engine itself, for what only it has (speed, simulated clock, faults); absent on kubernetes. */
  readonly simulated?: RunningSandbox;
  /** Every Deployment, StatefulSet and DaemonSet of the region at full strength and every pod Running and Ready, read through the API. */
  settled(region?: string): Promise<boolean>;
}

export interface EngineSandboxOptions {
  readonly engine: EngineName;
  /**
   * The kubernetes engine's node-monitor grace period (see `startKubernetesSandbox`); shorter than the
   * real 50 s so a test's reboot is seen. Ignored by the simulated engine.
   */
  readonly nodeGracePeriodSeconds?: number;
  readonly log?: (line: string) => void;
}

/**
 * Real-time limits for a test on this engine: the kubernetes engine runs in real time and pays real
 * start-up, readiness and shutdown delays, where the simulated engine runs them 600 times faster.
 */
export function waitMs(engine: EngineName): number {
  return engine === 'simulated' ? 20_000 : 120_000;
}

/** Time for a `before` that starts a sandbox: on a fresh machine the kubernetes engine builds its binaries first (about 35 minutes on 2 cores). */
export const START_TIMEOUT_MS = 90 * 60_000;

export async function startEngineSandbox(fleet: Fleet, o: EngineSandboxOptions): Promise<EngineSandbox> {
  const dir = await mkdtemp(join(tmpdir(), `daylight-${o.engine}-`));
  const kubeconfigPath = join(dir, 'kubeconfig');
  const firstRegion = fleet.spec.regions[0]?.name;
  if (!firstRegion) throw new Error('the fleet has no region');
  try {
    if (o.engine === 'simulated') {
      const sandbox = await startSandbox({ fleet, port: 0, kubeconfigPath });
      const client = sandboxClient(dir, kubeconfigPath, (region) => {
        const server = sandbox.servers.get(region);
        if (!server) throw new Error(`no region ${region}`);
        return { url: server.url, caPem: sandbox.tls.caPem, token: sandbox.token };
      });
      const stop = async () => {
        await sandbox.stop();
        await rm(dir, { recursive: true, force: true });
      };
      const s: EngineSandbox = { ...client, engine: o.engine, simulated: sandbox, referee: simulatedReferee({ ...client, stop }, firstRegion), settled: (region) => settled(client, region ?? firstRegion), stop };
      return s;
    }
    // A cached build takes a moment; a fresh machine builds here (about 35 minutes on 2 cores).
    const build = await buildUpstream({ cacheRoot: process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), log: (line) => o.log?.(`lab:build ${line}`) });
    const sandbox = await startKubernetesSandbox({
      fleet,
      binaries: build.binaries,
      dir: join(dir, 'run'),
      kubeconfigPath,
      nodeGracePeriodSeconds: o.nodeGracePeriodSeconds,
      log: o.log,
    });
    const client = sandboxClient(dir, kubeconfigPath, (region): ApiTarget => {
      const plane = sandbox.regions.get(region);
      if (!plane) throw new Error(`no region ${region}`);
      return { url: plane.url, caPem: plane.credentials.caPem, token: plane.credentials.admin.token };
    });
    const stop = async () => {
      await sandbox.stop();
      await rm(dir, { recursive: true, force: true });
    };
    return { ...client, engine: o.engine, referee: extrasReferee(sandbox.extrasUrl), settled: (region) => settled(client, region ?? firstRegion), stop };
  } catch (e: unknown) {
    await rm(dir, { recursive: true, force: true });
    throw e;
  }
}

interface Listed<T> {
  items?: T[];
}

interface Workload {
  metadata: { namespace: string; name: string };
  spec: { replicas?: number };
  status?: { readyReplicas?: number; numberReady?: number; desiredNumberScheduled?: number; updatedReplicas?: number };
}

interface PodLike {
  metadata: { deletionTimestamp?: string };
  status?: { phase?: string; conditions?: { type: string; status: string }[] };
}

/** Read through the API, so both engines are judged the same way. */
async function settled(client: Pick<SandboxClient, 'api'>, region: string): Promise<boolean> {
  const list = async <T>(path: string): Promise<T[]> => ((await client.api(region, path)) as Listed<T>).items ?? [];
  const [deployments, statefulSets, daemonSets, pods] = await Promise.all([
    list<Workload>('/apis/apps/v1/deployments'),
    list<Workload>('/apis/apps/v1/statefulsets'),
    list<Workload>('/apis/apps/v1/daemonsets'),
    list<PodLike>('/api/v1/pods'),
  ]);
  const full = [...deployments, ...statefulSets].every((w) => (w.status?.readyReplicas ?? 0) === (w.spec.replicas ?? 1));
  const daemons = daemonSets.every((d) => (d.status?.desiredNumberScheduled ?? 0) > 0 && d.status?.numberReady === d.status?.desiredNumberScheduled);
  const ready = pods.every((p) => !p.metadata.deletionTimestamp && p.status?.phase === 'Running' && (p.status.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True'));
  return full && daemons && ready;
}
