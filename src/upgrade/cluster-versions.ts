// The versions a live cluster runs, for the upgrade path: every kube-apiserver (GET /version, and the
// image tags of kubeadm's static kube-apiserver pods where they are visible) and every node's kubelet.
import type { V1Pod } from '@kubernetes/client-node';
import type { KubeApi } from '../kube/api.ts';
import { statusCode } from '../kube/api-error.ts';
import { listNodeObjects, serverVersion } from '../kube/reads.ts';
import type { NodeVersion } from './path.ts';
import { parseVersion } from './version.ts';

export const CONTROL_PLANE_LABELS = ['node-role.kubernetes.io/control-plane', 'node-role.kubernetes.io/master'] as const;

export interface ApiserverVersion {
  readonly version: string;
  /** Where it was read: "GET /version" or "pod kube-system/kube-apiserver-cp-1". */
  readonly source: string;
}

export interface ClusterVersions {
  readonly apiservers: readonly ApiserverVersion[];
  readonly nodes: readonly NodeVersion[];
}

export async function readClusterVersions(api: KubeApi, signal?: AbortSignal): Promise<ClusterVersions> {
  const [version, pods, nodes] = await Promise.all([serverVersion(api, signal), apiserverPods(api, signal), listNodeObjects(api, signal)]);
  return {
    apiservers: apiserverVersions(version, pods),
    nodes: nodes.items.map((n) => {
      const labels = n.metadata?.labels ?? {};
      return { name: n.metadata?.name ?? '', kubeletVersion: n.status?.nodeInfo?.kubeletVersion ?? '', controlPlane: CONTROL_PLANE_LABELS.some((l) => l in labels) };
    }),
  };
}

/**
 * One entry per kube-apiserver pod whose image carries a version; GET /version answers for one instance
 * only (whichever the load balancer picked), so it stands alone only when no pod tells more.
 */
export function apiserverVersions(fromVersion: string, pods: readonly V1Pod[]): ApiserverVersion[] {
  const fromPods: ApiserverVersion[] = [];
  for (const p of pods) {
    const image = p.spec?.containers?.find((c) => c.name === 'kube-apiserver')?.image ?? p.spec?.containers?.[0]?.image ?? '';
    const tag = /:(v?\d+\.\d+\.\d+[^@]*)(?:@.*)?$/.exec(image)?.[1];
    if (tag && parseVersion(tag)) fromPods.push({ version: tag, source: `pod ${p.metadata?.namespace ?? 'kube-system'}/${p.metadata?.name ?? ''}` });
  }
  const own = { version: fromVersion, source: 'GET /version' };
  const minor = parseVersion(fromVersion)?.minor;
  if (fromPods.length === 0 || !fromPods.some((a) => parseVersion(a.version)?.minor === minor)) return [...fromPods, own];
  return fromPods;
}

/** kubeadm's static kube-apiserver pods; none (managed control planes) or forbidden is not an error. */
async function apiserverPods(api: KubeApi, signal?: AbortSignal): Promise<V1Pod[]> {
  try {
    const list = await api.call('list kube-apiserver pods in kube-system', (o) => api.core.listNamespacedPod({ namespace: 'kube-system', labelSelector: 'component=kube-apiserver' }, o), { signal });
    return list.items;
  } catch (e: unknown) {
    const code = statusCode(e);
    if (code === 403 || code === 404) return [];
    throw e;
  }
}
