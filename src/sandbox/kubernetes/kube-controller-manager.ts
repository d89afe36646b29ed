// kube-controller-manager for one sandbox control plane with its default controllers (disruption,
// node lifecycle with its real grace period, deployment, replicaset, daemonset, statefulset,
// endpointslice, garbage collector, service accounts ...), each acting under its own service account.
import type { ComponentProcess } from './component-process.ts';
import type { ComponentOptions } from './controller-component.ts';
import { servingArgs, startAndWait, writeComponentKubeconfig } from './controller-component.ts';
import { SERVICE_CLUSTER_IP_RANGE } from './credentials.ts';

export interface ControllerManagerOptions extends ComponentOptions {
  readonly extraArgs?: readonly string[];
}

export async function startControllerManager(o: ControllerManagerOptions): Promise<ComponentProcess> {
  const c = o.credentials;
  const kubeconfig = await writeComponentKubeconfig(o, 'kube-controller-manager', c.controllerManager);
  const args = [
    `--kubeconfig=${kubeconfig}`,
    ...servingArgs(o, kubeconfig),
    '--use-service-account-credentials=true',
    `--root-ca-file=${c.caFile}`,
    `--service-cluster-ip-range=${SERVICE_CLUSTER_IP_RANGE}`,
    // One instance per region: nothing to elect, and no lease wait at start.
    '--leader-elect=false',
    ...(o.extraArgs ?? []),
  ];
  return startAndWait('kube-controller-manager', args, o);
}
