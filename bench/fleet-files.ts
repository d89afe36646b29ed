// The fleet benchmark's two files, generated: a sandbox fleet of many small regions (one cluster each) and
// the plan that maintains them as a rollout of dev, staging and prod stages by cluster labels.
import { stringify } from 'yaml';

/** One cluster of the rollout: its name (the sandbox region and kubeconfig context) and its labels. */
export interface FleetCluster {
  readonly name: string;
  readonly env: 'dev' | 'staging' | 'prod';
  readonly region: string;
}

/** How the fleet is laid out: dev and staging clusters, and prod clusters per region, in plan order. */
export interface FleetLayout {
  readonly dev: number;
  readonly staging: number;
  readonly prod: readonly { readonly region: string; readonly clusters: number }[];
  readonly workersPerCluster: number;
}

/** `us-east:12,eu-west:8` as prod regions and their cluster counts. */
export function parseProdRegions(text: string): FleetLayout['prod'] {
  return text.split(',').map((part) => {
    const [region, n] = part.split(':');
    const clusters = Number(n);
    if (!region || !Number.isInteger(clusters) || clusters < 1) throw new Error(`--prod "${part}": write region:count, such as us-east:12`);
    return { region, clusters };
  });
}

export function fleetClusters(l: FleetLayout): FleetCluster[] {
  const regions = l.prod.map((p) => p.region);
  const pad = (i: number) => String(i + 1).padStart(2, '0');
  return [
    ...Array.from({ length: l.dev }, (_, i): FleetCluster => ({ name: `dev-${pad(i)}`, env: 'dev', region: regions[i % regions.length] ?? 'none' })),
    ...Array.from({ length: l.staging }, (_, i): FleetCluster => ({ name: `staging-${pad(i)}`, env: 'staging', region: regions[i % regions.length] ?? 'none' })),
    ...l.prod.flatMap((p) => Array.from({ length: p.clusters }, (_, i): FleetCluster => ({ name: `prod-${p.region}-${pad(i)}`, env: 'prod', region: p.region }))),
  ];
}

/**
 * One region per cluster: a control-plane node and the workers over two zones; a small Deployment under a
 * budget of one, spread over the zones, and a DaemonSet: about 15 pods a region, so fifty fit easily.
 */
export function fleetYaml(clusters: readonly FleetCluster[], workers: number): string {
  const half = Math.ceil(workers / 2);
  return stringify({
    apiVersion: 'sandbox.daylight.dev/v1alpha1',
    kind: 'Fleet',
    metadata: { name: 'rollout' },
    spec: {
      regions: clusters.map((c) => ({
        name: c.name,
        kubernetesVersion: 'v1.30.4',
        zones: [
          { name: `${c.name}-a`, racks: 1, nodesPerRack: half },
          { name: `${c.name}-b`, racks: 1, nodesPerRack: workers - half },
        ],
        node: { cpu: '8', memory: '32Gi', rebootSeconds: 120 },
      })),
      workloads: [
        { name: 'web', namespace: 'shop', kind: 'Deployment', replicas: 4, cpu: '250m', memory: '256Mi', startupSeconds: 10, readinessSeconds: 5, pdb: { maxUnavailable: 1 }, spread: 'zone' },
        { name: 'node-agent', namespace: 'kube-system', kind: 'DaemonSet', cpu: '50m', memory: '64Mi' },
      ],
    },
  });
}

export interface StagePolicy {
  readonly soak: string;
  readonly stagingConcurrency: number;
  readonly prodConcurrency: number;
  readonly maxUnavailable: string;
}

/** The rollout: dev all at once, staging a few at a time, prod one group per region a few regions at a time, a soak after each but the last. */
export function planYaml(clusters: readonly FleetCluster[], p: StagePolicy): string {
  return stringify({
    apiVersion: 'daylight.dev/v1alpha1',
    kind: 'MaintenancePlan',
    metadata: { name: 'fleet-os-patch' },
    spec: {
      clusters: clusters.map((c) => ({ name: c.name, context: c.name, labels: { env: c.env, region: c.region } })),
      phases: [
        {
          name: 'os-patch',
          type: 'nodes',
          selector: '!node-role.kubernetes.io/control-plane',
          maxUnavailable: p.maxUnavailable,
          topology: { key: 'topology.kubernetes.io/zone', serial: false },
          drain: { timeout: '10m', onTimeout: 'fail', ignoreDaemonSets: true, deleteEmptyDirData: true },
          action: { type: 'agent', operation: 'reboot' },
          ready: { timeout: '10m' },
          estimates: { action: '2m', ready: '15s' },
        },
      ],
      rollout: {
        stages: [
          { name: 'dev', clusters: { selector: 'env=dev' }, maxConcurrency: '100%', afterStageWait: p.soak },
          { name: 'staging', clusters: { selector: 'env=staging' }, maxConcurrency: p.stagingConcurrency, afterStageWait: p.soak },
          { name: 'prod', clusters: { selector: 'env=prod' }, groups: { by: 'region' }, maxConcurrency: p.prodConcurrency },
        ],
      },
      gates: [
        { type: 'kube', check: 'nodes-ready' },
        { type: 'kube', check: 'no-unexpected-cordons' },
      ],
    },
  });
}
