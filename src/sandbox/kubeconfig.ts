// The kubeconfig `sandbox up` writes: one cluster, user and context per region (context name = region
// name), each with the sandbox CA and the bearer token, so kubectl and Daylight connect as to a real cluster.
import { stringify } from 'yaml';

export interface KubeconfigRegion {
  readonly name: string;
  readonly server: string;
}

export function kubeconfigYaml(regions: readonly KubeconfigRegion[], caPem: string, token: string): string {
  const ca = Buffer.from(caPem).toString('base64');
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    'current-context': regions[0]?.name ?? '',
    clusters: regions.map((r) => ({ name: r.name, cluster: { server: r.server, 'certificate-authority-data': ca } })),
    users: regions.map((r) => ({ name: `${r.name}-admin`, user: { token } })),
    contexts: regions.map((r) => ({ name: r.name, context: { cluster: r.name, user: `${r.name}-admin` } })),
    preferences: {},
  });
}
