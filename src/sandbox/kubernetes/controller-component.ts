// What kube-controller-manager and kube-scheduler share: a kubeconfig with the component's own token,
// an HTTPS port for /healthz and /metrics, and a start that waits until /healthz answers.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { kubeconfigYaml } from '../kubeconfig.ts';
import type { ComponentProcess } from './component-process.ts';
import { startComponent } from './component-process.ts';
import type { ClientIdentity, ControlPlaneCredentials } from './credentials.ts';
import { waitReady } from './wait-ready.ts';

export interface ComponentOptions {
  readonly binary: string;
  readonly dir: string;
  readonly apiServerUrl: string;
  /** The component's own HTTPS port, for /healthz and /metrics. */
  readonly port: number;
  readonly credentials: ControlPlaneCredentials;
  readonly readyTimeoutMs: number;
  readonly signal?: AbortSignal;
}

/** Writes a kubeconfig for a component that authenticates with its static token. */
export async function writeComponentKubeconfig(o: ComponentOptions, name: string, identity: ClientIdentity): Promise<string> {
  const path = join(o.dir, `${name}.kubeconfig`);
  await writeFile(path, kubeconfigYaml([{ name, server: o.apiServerUrl }], o.credentials.caPem, identity.token), { mode: 0o600 });
  return path;
}

/**
 * The component serves /healthz with the sandbox's serving certificate (valid for 127.0.0.1), so the
 * probe verifies it like any other; it asks the API server who its callers are.
 */
export function servingArgs(o: ComponentOptions, kubeconfig: string): string[] {
  return [
    '--bind-address=127.0.0.1',
    `--secure-port=${o.port}`,
    `--tls-cert-file=${o.credentials.servingCertFile}`,
    `--tls-private-key-file=${o.credentials.servingKeyFile}`,
    `--authentication-kubeconfig=${kubeconfig}`,
    `--authorization-kubeconfig=${kubeconfig}`,
  ];
}

export async function startAndWait(name: string, args: readonly string[], o: ComponentOptions): Promise<ComponentProcess> {
  const process = startComponent(name, o.binary, args, join(o.dir, `${name}.log`));
  try {
    await waitReady(process, { url: `https://127.0.0.1:${o.port}/healthz`, caPem: o.credentials.caPem }, o.readyTimeoutMs, o.signal);
  } catch (e: unknown) {
    await process.stop();
    throw e;
  }
  return process;
}
