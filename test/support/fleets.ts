// Fleet fixtures for tests: factory functions that return fresh fleet files, small enough to reason about.
import { parseFleet } from '../../src/sandbox/fleet-load.ts';
import type { Fleet } from '../../src/sandbox/fleet-schema.ts';

export interface SmallFleet {
  /** Extra YAML under `spec.workloads`, one list item per string. */
  readonly workloads?: string[];
  /** YAML of `spec.faults`. */
  readonly faults?: string;
  readonly regions?: number;
  readonly zones?: number;
  readonly racks?: number;
  readonly nodesPerRack?: number;
  readonly speed?: number;
  readonly rebootSeconds?: number;
  /** How long a kubelet upgrade keeps the node quiet (the fleet file's default, 60, when absent). */
  readonly upgradeSeconds?: number;
}

/** One region (by default) of three zones with two nodes each, plus a control-plane node. */
export function smallFleetYaml(o: SmallFleet = {}): string {
  const regions = Array.from({ length: o.regions ?? 1 }, (_, r) => {
    const name = r === 0 ? 'eu-central' : `region-${r + 1}`;
    const zones = Array.from({ length: o.zones ?? 3 }, (_, z) => `        - {name: ${name}-${String.fromCharCode(97 + z)}, racks: ${o.racks ?? 1}, nodesPerRack: ${o.nodesPerRack ?? 2}}`);
    return [`    - name: ${name}`, '      zones:', ...zones, `      node: {cpu: "4", memory: 16Gi, rebootSeconds: ${o.rebootSeconds ?? 60}${o.upgradeSeconds === undefined ? '' : `, upgradeSeconds: ${o.upgradeSeconds}`}}`].join('\n');
  });
  const workloads = o.workloads ?? [
    '{name: web, namespace: shop, kind: Deployment, replicas: 4, cpu: 500m, memory: 256Mi, startupSeconds: 5, readinessSeconds: 5, pdb: {minAvailable: 3}, spread: zone, service: {rpsPerPod: 100}}',
  ];
  return [
    'apiVersion: sandbox.daylight.dev/v1alpha1',
    'kind: Fleet',
    'metadata: {name: test}',
    'spec:',
    `  speed: ${o.speed ?? 600}`,
    '  regions:',
    ...regions,
    ...(workloads.length ? ['  workloads:', ...workloads.map((w) => `    - ${w}`)] : ['  workloads: []']),
    '  traffic: {rps: 100}',
    ...(o.faults ? [`  faults: ${o.faults}`] : []),
    '',
  ].join('\n');
}

export function smallFleet(o: SmallFleet = {}): Fleet {
  return parseFleet('test-fleet.yaml', smallFleetYaml(o));
}
