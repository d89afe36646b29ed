// kwok for one sandbox control plane: it plays the kubelet of every node annotated as kwok's (status,
// heartbeats through node Leases, pod phases and deletion), following the Stage documents in its
// config file, so the control plane sees nodes and pods as it would with real kubelets.
import { join } from 'node:path';
import type { ComponentProcess } from './component-process.ts';
import { startComponent } from './component-process.ts';
import type { ComponentOptions } from './controller-component.ts';
import { writeComponentKubeconfig } from './controller-component.ts';
import { waitReady } from './wait-ready.ts';

/** The annotation kwok selects the nodes it plays by: nodes without it are left alone. */
export const KWOK_NODE_ANNOTATION = { key: 'kwok.x-k8s.io/node', value: 'fake' } as const;

export interface KwokOptions extends ComponentOptions {
  /** A kwok config: Stage documents (node heartbeats, pod lifecycle) and optionally a KwokConfiguration. */
  readonly configPath: string;
}

/** Pod addresses: kwok's default /24 runs out at 254 pods, a fleet here has thousands. */
const POD_CIDR = '10.128.0.0/12';

/** `port` is kwok's own plain-HTTP port, for /healthz and /metrics. */
export async function startKwok(o: KwokOptions): Promise<ComponentProcess> {
  const kubeconfig = await writeComponentKubeconfig(o, 'kwok', o.credentials.kwok);
  const args = [
    `--kubeconfig=${kubeconfig}`,
    `--config=${o.configPath}`,
    `--manage-nodes-with-annotation-selector=${KWOK_NODE_ANNOTATION.key}=${KWOK_NODE_ANNOTATION.value}`,
    `--server-address=127.0.0.1:${o.port}`,
    `--cidr=${POD_CIDR}`,
    // No node Leases: the node's status is its heartbeat (see kwok-stages.ts), so the engine can stop one
    // node's heartbeat for a reboot while kwok keeps playing the others.
    '--node-lease-duration-seconds=0',
  ];
  const process = startComponent('kwok', o.binary, args, join(o.dir, 'kwok.log'));
  try {
    await waitReady(process, { url: `http://127.0.0.1:${o.port}/healthz` }, o.readyTimeoutMs, o.signal);
  } catch (e: unknown) {
    await process.stop();
    throw e;
  }
  return process;
}
