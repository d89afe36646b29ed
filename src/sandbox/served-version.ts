// The version a region's API server serves at /version: the fleet's kubernetesVersion until every
// control-plane node has been upgraded past it (kubeadm replaces the API server with each node's upgrade).
import type { KObject, Node } from './k8s-types.ts';
import { CONTROL_PLANE_LABEL } from './build.ts';

/** The lowest kubelet version of the control-plane nodes when all are above `initial`; else `initial`. */
export function servedVersion(initial: string, nodes: readonly KObject[]): string {
  const versions = nodes
    .filter((n) => n.metadata.labels?.[CONTROL_PLANE_LABEL] !== undefined)
    .map((n) => (n as Node).status.nodeInfo.kubeletVersion);
  if (versions.length === 0) return initial;
  const lowest = versions.reduce((a, b) => (compare(a, b) <= 0 ? a : b));
  return compare(lowest, initial) > 0 ? lowest : initial;
}

function compare(a: string, b: string): number {
  const pa = a.replace(/^v/, '').split(/[.+-]/).map(Number);
  const pb = b.replace(/^v/, '').split(/[.+-]/).map(Number);
  for (let i = 0; i < 3; i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}
