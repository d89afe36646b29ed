// The two sandbox engines the differential suite compares, behind one small port: where to send a request
// (URL, CA, token) and the names of the fleet's worker nodes. Both run the same one-region fleet.
import { mkdtemp, rm } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ApiTarget } from '../../src/sandbox/kubernetes/api-create.ts';
import { startKubernetesSandbox } from '../../src/sandbox/kubernetes/kubernetes-sandbox.ts';
import { buildUpstream } from '../../src/sandbox/kubernetes/upstream-build.ts';
import { smallFleet } from '../support/fleets.ts';
import { startTestSandbox } from '../support/sandbox.ts';

export type EngineName = 'simulated' | 'kubernetes';

export interface DifferentialEngine {
  readonly name: EngineName;
  readonly target: ApiTarget;
  /** A kubeconfig for this engine, for clients other than ours. */
  readonly kubeconfigPath: string;
  /** Compacts the history watches resume from up to now (etcd's compaction; the simulated store's). */
  compact(): Promise<void>;
  stop(): Promise<void>;
}

const REGION = 'eu-central';

/** One region, one zone, two workers and a control-plane node, no workloads: each scenario brings its own. */
const fleet = () => smallFleet({ zones: 1, racks: 1, nodesPerRack: 2, workloads: [], speed: 1 });

export async function startSimulated(): Promise<DifferentialEngine> {
  // Real time, as the kubernetes engine runs: the scenarios compare answers, not durations.
  const s = await startTestSandbox(fleet(), { speed: 1 });
  const server = s.sandbox.servers.get(REGION);
  const region = s.sandbox.fleet.regions.find((r) => r.name === REGION);
  if (!server || !region) throw new Error(`the simulated engine serves no region ${REGION}`);
  const compact = () => Promise.resolve(region.store.compact());
  return { name: 'simulated', target: { url: server.url, caPem: s.sandbox.tls.caPem, token: s.sandbox.token }, kubeconfigPath: s.kubeconfigPath, compact, stop: s.stop };
}

export async function startKubernetes(log: (line: string) => void): Promise<DifferentialEngine> {
  // A cached build takes a moment; a fresh machine builds here (about 35 minutes on 2 cores).
  const build = await buildUpstream({ cacheRoot: process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), log: (line) => log(`lab:build ${line}`) });
  const dir = await mkdtemp(join(tmpdir(), 'daylight-differential-'));
  try {
    const kubeconfigPath = join(dir, 'kubeconfig');
    const sandbox = await startKubernetesSandbox({ fleet: fleet(), binaries: build.binaries, dir: join(dir, 'run'), kubeconfigPath });
    const plane = sandbox.regions.get(REGION);
    if (!plane) throw new Error(`the kubernetes engine runs no region ${REGION}`);
    const stop = async () => {
      await sandbox.stop();
      await rm(dir, { recursive: true, force: true });
    };
    return { name: 'kubernetes', target: { url: plane.url, caPem: plane.credentials.caPem, token: plane.credentials.admin.token }, kubeconfigPath, compact: () => compactEtcd(plane.etcdUrl), stop };
  } catch (e: unknown) {
    await rm(dir, { recursive: true, force: true });
    throw e;
  }
}

/** Compacts etcd to its current revision through its JSON gateway, as kube-apiserver's periodic compaction does. */
async function compactEtcd(etcdUrl: string): Promise<void> {
  const call = async (path: string, body: unknown): Promise<{ header?: { revision?: string } }> => {
    const res = await fetch(`${etcdUrl}${path}`, { method: 'POST', body: JSON.stringify(body) });
    if (!res.ok) throw new Error(`etcd ${path} answered ${res.status}: ${await res.text()}`);
    return (await res.json()) as { header?: { revision?: string } };
  };
  const revision = (await call('/v3/kv/range', { key: Buffer.from('/').toString('base64') })).header?.revision;
  if (!revision) throw new Error('etcd did not say its revision');
  await call('/v3/kv/compaction', { revision, physical: true });
}
