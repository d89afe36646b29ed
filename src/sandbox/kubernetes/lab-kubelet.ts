// A kwok node's kubelet going down and coming back, as a real node's does through a reboot or a kubelet
// restart: while it is down kwok posts no heartbeats for it (the real node-lifecycle controller marks the
// node Unknown after its grace period) and, on a reboot, nobody runs, readies or finishes its pods; when it
// comes back after a reboot its pods are gone, and it posts Ready with a new boot id (and, after a kubelet
// upgrade, the new kubelet version). The engine's built-in agent and the lab hosts of real agent processes
// (lab-hosts.ts) both live through their operations with it.
import { randomUUID } from 'node:crypto';
import { mapLimit } from '../../lib/concurrency.ts';
import type { Pod } from '../k8s-types.ts';
import type { ApiTarget } from './api-create.ts';
import { apiCallOk } from './api-request.ts';
import { KUBELET_STOPPED_ANNOTATION } from './kwok-stages.ts';

const MERGE = 'application/merge-patch+json';
const STRATEGIC = 'application/strategic-merge-patch+json';
const PARALLEL_POD_WRITES = 8;

export interface LabKubelet {
  /**
   * The kubelet of `node` stops (`mark` says why, in the node's kwok annotation); with `podsDie` its pods
   * stop too, as on a reboot. `annotations` are written on the node in the same patch.
   */
  down(node: string, mark: string, podsDie: boolean, annotations?: Record<string, string>): Promise<void>;
  /**
   * The kubelet of `node` is back: after a reboot its pods are deleted and it has a new boot id (returned);
   * with `kubeletVersion` it reports that version. `annotations`, given the new boot id, are written in the
   * patch that ends the outage.
   */
  up(node: string, o: { readonly reboot: boolean; readonly kubeletVersion?: string; readonly annotations?: (bootId: string | undefined) => Record<string, string> }): Promise<string | undefined>;
}

/** `target`: kwok's identity, so the audit log tells the kubelet's writes from the clients'. */
export function labKubelet(target: ApiTarget): LabKubelet {
  const api = (method: string, path: string, body?: { contentType: string; json: unknown }, alsoFine: readonly number[] = []) => apiCallOk(target, method, path, body, alsoFine);
  const podsOn = async (node: string): Promise<Pod[]> =>
    (JSON.parse((await api('GET', `/api/v1/pods?fieldSelector=${encodeURIComponent(`spec.nodeName=${node}`)}`)).body) as { items: Pod[] }).items;
  const podPath = (p: Pod) => `/api/v1/namespaces/${p.metadata.namespace}/pods/${p.metadata.name}`;
  const setAnnotations = (node: string, annotations: Record<string, string | null>) =>
    api('PATCH', `/api/v1/nodes/${node}`, { contentType: MERGE, json: { metadata: { annotations } } });

  return {
    async down(node, mark, podsDie, annotations = {}) {
      await setAnnotations(node, { [KUBELET_STOPPED_ANNOTATION]: mark, ...annotations });
      if (!podsDie) return;
      const pods = await podsOn(node);
      await mapLimit(pods, PARALLEL_POD_WRITES, (p) => api('PATCH', podPath(p), { contentType: MERGE, json: { metadata: { annotations: { [KUBELET_STOPPED_ANNOTATION]: mark } } } }, [404]));
    },
    async up(node, o) {
      if (o.reboot) {
        const pods = await podsOn(node);
        await mapLimit(pods, PARALLEL_POD_WRITES, (p) => api('DELETE', `${podPath(p)}?gracePeriodSeconds=0`, undefined, [404]));
      }
      const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
      const condition = (type: string, value: string, reason: string, message: string) => ({ type, status: value, reason, message, lastHeartbeatTime: now, lastTransitionTime: now });
      const nodeInfo: Record<string, string> = {};
      if (o.reboot) nodeInfo.bootID = randomUUID();
      if (o.kubeletVersion) Object.assign(nodeInfo, { kubeletVersion: o.kubeletVersion, kubeProxyVersion: o.kubeletVersion });
      const conditions = [
        condition('Ready', 'True', 'KubeletReady', 'kubelet is posting ready status'),
        condition('MemoryPressure', 'False', 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available'),
        condition('DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'),
        condition('PIDPressure', 'False', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'),
      ];
      await api('PATCH', `/api/v1/nodes/${node}/status`, { contentType: STRATEGIC, json: { status: { conditions, nodeInfo } } });
      await setAnnotations(node, { [KUBELET_STOPPED_ANNOTATION]: null, ...(o.annotations?.(nodeInfo.bootID) ?? {}) });
      return nodeInfo.bootID;
    },
  };
}
