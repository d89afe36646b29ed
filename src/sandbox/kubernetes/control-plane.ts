// One region's real control plane on this machine: etcd and kube-apiserver (the controllers, the
// scheduler and kwok join here next), credentials and a kubeconfig, all in one run directory; stop()
// ends them in reverse order.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { kubeconfigYaml } from '../kubeconfig.ts';
import { writeCredentials } from './credentials.ts';
import type { ControlPlaneCredentials } from './credentials.ts';
import { startEtcd } from './etcd.ts';
import type { RunningEtcd } from './etcd.ts';
import { freePort } from './free-port.ts';
import { startApiServer } from './kube-apiserver.ts';
import type { RunningApiServer } from './kube-apiserver.ts';
import type { UpstreamName } from './upstream-modules.ts';

export interface ControlPlaneOptions {
  /** Region name: the kubeconfig's context, as with the simulated engine. */
  readonly region: string;
  readonly dir: string;
  readonly binaries: Readonly<Record<UpstreamName, string>>;
  /** The API server's port; a free one when absent. */
  readonly port?: number;
  /** A first start on a busy machine takes tens of seconds: etcd's, then the API server's post-start hooks. */
  readonly readyTimeoutMs?: number;
  readonly signal?: AbortSignal;
}

export interface ControlPlane {
  readonly region: string;
  readonly url: string;
  readonly kubeconfigPath: string;
  readonly credentials: ControlPlaneCredentials;
  readonly auditLogPath: string;
  readonly dir: string;
  stop(): Promise<void>;
}

const DEFAULT_READY_TIMEOUT_MS = 120_000;

export async function startControlPlane(o: ControlPlaneOptions): Promise<ControlPlane> {
  await mkdir(o.dir, { recursive: true });
  const credentials = await writeCredentials(o.dir);
  const readyTimeoutMs = o.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS;
  const etcd = await startEtcd({
    binary: o.binaries.etcd,
    dir: o.dir,
    clientPort: await freePort(),
    peerPort: await freePort(),
    readyTimeoutMs,
    signal: o.signal,
  });
  let apiServer: RunningApiServer;
  try {
    apiServer = await startApiServer({
      binary: o.binaries['kube-apiserver'],
      dir: o.dir,
      port: o.port ?? (await freePort()),
      etcdUrl: etcd.clientUrl,
      credentials,
      readyTimeoutMs,
      signal: o.signal,
    });
  } catch (e: unknown) {
    await etcd.process.stop();
    throw e;
  }
  const kubeconfigPath = join(o.dir, 'kubeconfig');
  await writeFile(kubeconfigPath, kubeconfigYaml([{ name: o.region, server: apiServer.url }], credentials.caPem, credentials.admin.token), { mode: 0o600 });
  return {
    region: o.region,
    url: apiServer.url,
    kubeconfigPath,
    credentials,
    auditLogPath: apiServer.auditLogPath,
    dir: o.dir,
    stop: () => stopAll(apiServer, etcd),
  };
}

async function stopAll(apiServer: RunningApiServer, etcd: RunningEtcd): Promise<void> {
  await apiServer.process.stop();
  await etcd.process.stop();
}
