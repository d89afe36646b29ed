// The kubeconfig `sandbox up` writes: one cluster, user and context per region (context name = region
// name), each with the sandbox CA and the bearer token, so kubectl and Daylight connect as to a real cluster.
import { stringify } from 'yaml';

export interface KubeconfigRegion {
  readonly name: string;
  readonly server: string;
}

/** A region with a certificate authority and token of its own: each real control plane has its own. */
export interface KubeconfigRegionWithCredentials extends KubeconfigRegion {
  readonly caPem: string;
  readonly token: string;
}

export function kubeconfigYaml(regions: readonly KubeconfigRegion[], caPem: string, token: string): string {
  return kubeconfigYamlPerRegion(regions.map((r) => ({ ...r, caPem, token })));
}

export function kubeconfigYamlPerRegion(regions: readonly KubeconfigRegionWithCredentials[]): string {
  const ca = (r: KubeconfigRegionWithCredentials) => Buffer.from(r.caPem).toString('base64');
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    'current-context': regions[0]?.name ?? '',
    clusters: regions.map((r) => ({ name: r.name, cluster: { server: r.server, 'certificate-authority-data': ca(r) } })),
    users: regions.map((r) => ({ name: `${r.name}-admin`, user: { token: r.token } })),
    contexts: regions.map((r) => ({ name: r.name, context: { cluster: r.name, user: `${r.name}-admin` } })),
    preferences: {},
  });
}
