// kube-scheduler for one sandbox control plane: the default profile (resources, taints, node
// selectors, topology spread), so pods land where a real cluster would put them.
import type { ComponentProcess } from './component-process.ts';
import type { ComponentOptions } from './controller-component.ts';
import { servingArgs, startAndWait, writeComponentKubeconfig } from './controller-component.ts';

export async function startScheduler(o: ComponentOptions): Promise<ComponentProcess> {
  const kubeconfig = await writeComponentKubeconfig(o, 'kube-scheduler', o.credentials.scheduler);
  const args = [`--kubeconfig=${kubeconfig}`, ...servingArgs(o, kubeconfig), '--leader-elect=false'];
  return startAndWait('kube-scheduler', args, o);
}
