// One region's real control plane on this machine: etcd, kube-apiserver and, when their binaries are
// given, kube-controller-manager, kube-scheduler and kwok, with credentials and a kubeconfig in one run
// directory; a failed start and stop() end what was started, in reverse order.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { kubeconfigYaml } from '../kubeconfig.ts';
import type { ComponentProcess } from './component-process.ts';
import type { ComponentOptions } from './controller-component.ts';
import { writeCredentials } from './credentials.ts';
import type { ControlPlaneCredentials } from './credentials.ts';
import { startEtcd } from './etcd.ts';
import { freePort } from './free-port.ts';
import { startApiServer } from './kube-apiserver.ts';
import { startControllerManager } from './kube-controller-manager.ts';
import { startScheduler } from './kube-scheduler.ts';
import { startKwok } from './kwok.ts';
import type { UpstreamName } from './upstream-modules.ts';

export interface ControlPlaneOptions {
  /** Region name: the kubeconfig's context, as with the simulated engine. */
  readonly region: string;
  readonly dir: string;
  /** etcd and kube-apiserver are needed; the controller manager and scheduler start when given. */
  readonly binaries: Readonly<Partial<Record<UpstreamName, string>>> & { readonly etcd: string; readonly 'kube-apiserver': string };
  /** kwok's Stage documents; kwok starts when this and its binary are given. */
  readonly kwokConfigPath?: string;
  /** Extra kube-controller-manager flags (the sandbox engine's shorter node-monitor grace period). */
  readonly controllerManagerArgs?: readonly string[];
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
  /** etcd's client URL (plain HTTP on 127.0.0.1): tests compact its history through it. */
  readonly etcdUrl: string;
  readonly dir: string;
  /** The components running, in the order they started. */
  readonly components: readonly ComponentProcess[];
  stop(): Promise<void>;
}

const DEFAULT_READY_TIMEOUT_MS = 120_000;

export async function startControlPlane(o: ControlPlaneOptions): Promise<ControlPlane> {
  await mkdir(o.dir, { recursive: true });
  const credentials = await writeCredentials(o.dir);
  const readyTimeoutMs = o.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS;
  const started: ComponentProcess[] = [];
  const stop = async (): Promise<void> => {
    for (const component of [...started].reverse()) await component.stop();
  };
  try {
    const etcd = await startEtcd({ binary: o.binaries.etcd, dir: o.dir, clientPort: await freePort(), peerPort: await freePort(), readyTimeoutMs, signal: o.signal });
    started.push(etcd.process);
    const port = o.port ?? (await freePort());
    const api = await startApiServer({ binary: o.binaries['kube-apiserver'], dir: o.dir, port, etcdUrl: etcd.clientUrl, credentials, readyTimeoutMs, signal: o.signal });
    started.push(api.process);
    const component = async (binary: string): Promise<ComponentOptions> =>
      ({ binary, dir: o.dir, apiServerUrl: api.url, port: await freePort(), credentials, readyTimeoutMs, signal: o.signal });
    if (o.binaries['kube-controller-manager']) started.push(await startControllerManager({ ...(await component(o.binaries['kube-controller-manager'])), extraArgs: o.controllerManagerArgs }));
    if (o.binaries['kube-scheduler']) started.push(await startScheduler(await component(o.binaries['kube-scheduler'])));
    if (o.binaries.kwok && o.kwokConfigPath) started.push(await startKwok({ ...(await component(o.binaries.kwok)), configPath: o.kwokConfigPath }));
    const kubeconfigPath = join(o.dir, 'kubeconfig');
    await writeFile(kubeconfigPath, kubeconfigYaml([{ name: o.region, server: api.url }], credentials.caPem, credentials.admin.token), { mode: 0o600 });
    return { region: o.region, url: api.url, kubeconfigPath, credentials, auditLogPath: api.auditLogPath, etcdUrl: etcd.clientUrl, dir: o.dir, components: started, stop };
  } catch (e: unknown) {
    await stop();
    throw e;
  }
}
