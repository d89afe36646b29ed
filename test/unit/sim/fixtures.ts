// Shared fixtures for the in-process simulation tests: fleets on a fixed simulated epoch, workload entries
// for the fleet file, and small readers and writers of a region's stored objects.
import { SandboxFleet } from '../../../src/sandbox/fleet.ts';
import type { Deployment, KObject, Node, Pod, PodDisruptionBudget } from '../../../src/sandbox/k8s-types.ts';
import type { Region } from '../../../src/sandbox/region.ts';
import { isPodActive, isPodReady } from '../../../src/sandbox/sim/objects.ts';
import { ACTION_ANNOTATION, readActionStatus } from '../../../src/sandbox/sim/node-status.ts';
import type { NodeActionStatus } from '../../../src/sandbox/sim/node-status.ts';
import { smallFleet } from '../../support/fleets.ts';
import type { SmallFleet } from '../../support/fleets.ts';

/** Simulated time at which every test fleet starts: a whole second, so timestamps are exact. */
export const START_MS = Date.parse('2025-03-01T08:00:00Z');
export const NS = 'shop';
export const REGION = 'eu-central';
export const WORKLOAD_LABEL = 'app.kubernetes.io/name';
export const CONTROL_PLANE_LABEL = 'node-role.kubernetes.io/control-plane';
export const ZONE_LABEL = 'topology.kubernetes.io/zone';
export const SECOND = 1000;
export const MINUTE = 60 * SECOND;

export interface SimFleet {
  readonly fleet: SandboxFleet;
  readonly region: Region;
}

/** A fresh fleet from `smallFleet` (one region of three zones, two workers each, one control-plane node). */
export function startFleet(o: SmallFleet = {}): SimFleet {
  const fleet = new SandboxFleet(smallFleet(o), { startMs: START_MS });
  return { fleet, region: fleet.region(REGION) as Region };
}

/** One `spec.workloads` entry; JSON is a YAML flow mapping. Defaults: namespace shop, a Deployment. */
export function workload(fields: { readonly name: string } & Record<string, unknown>): string {
  return JSON.stringify({ namespace: NS, kind: 'Deployment', ...fields });
}

/** `spec.faults` as YAML. */
export function faults(f: Record<string, unknown>): string {
  return JSON.stringify(f);
}

/** The pods of a workload (by its name label), in name order. */
export function podsOf(region: Region, name: string, namespace = NS): Pod[] {
  return (region.store.list('pods', namespace) as Pod[]).filter((p) => p.metadata.labels?.[WORKLOAD_LABEL] === name);
}

export function activePodsOf(region: Region, name: string, namespace = NS): Pod[] {
  return podsOf(region, name, namespace).filter(isPodActive);
}

export function readyPodsOf(region: Region, name: string, namespace = NS): Pod[] {
  return podsOf(region, name, namespace).filter((p) => isPodActive(p) && isPodReady(p));
}

export function pod(region: Region, name: string, namespace = NS): Pod | undefined {
  return region.store.get('pods', namespace, name) as Pod | undefined;
}

export function condition(p: Pod | Node, type: string): { status: string; reason?: string; message?: string } | undefined {
  return p.status.conditions?.find((c) => c.type === type);
}

/**
 * Advances until `count` pods of the workload are Ready and no other pod of it exists; fails the test
 * otherwise. Settles first, so a change just written is seen by the controllers before the check.
 */
export function untilReady(sim: SimFleet, name: string, count: number, limitMs = 5 * MINUTE, namespace = NS): void {
  sim.fleet.settle();
  const ok = sim.fleet.advanceUntil(() => {
    const pods = podsOf(sim.region, name, namespace);
    return pods.length === count && pods.every((p) => isPodActive(p) && isPodReady(p));
  }, limitMs);
  if (!ok) throw new Error(`${namespace}/${name} did not reach ${count} Ready pods in ${limitMs} ms: ${describePods(podsOf(sim.region, name, namespace))}`);
}

export function describePods(pods: readonly Pod[]): string {
  return pods.map((p) => `${p.metadata.name}@${p.spec.nodeName ?? '-'}:${p.status.phase}${isPodReady(p) ? '/ready' : ''}${p.metadata.deletionTimestamp ? '/terminating' : ''}`).join(', ') || '(none)';
}

export function nodes(region: Region): Node[] {
  return region.store.list('nodes') as Node[];
}

export function workerNodes(region: Region): Node[] {
  return nodes(region).filter((n) => n.metadata.labels?.[CONTROL_PLANE_LABEL] === undefined);
}

export function node(region: Region, name: string): Node {
  const n = region.store.get('nodes', undefined, name) as Node | undefined;
  if (!n) throw new Error(`no node ${name}`);
  return n;
}

export function isNodeReady(n: Node): boolean {
  return condition(n, 'Ready')?.status === 'True';
}

/** Sets spec.unschedulable as `kubectl cordon` (true) or `uncordon` (false) does. */
export function cordon(region: Region, name: string, unschedulable = true): void {
  const n = node(region, name);
  region.store.replace('nodes', { ...n, spec: { ...n.spec, unschedulable } });
}

/** Writes the node agent's action annotation, as Daylight does. */
export function requestAction(region: Region, name: string, action: Record<string, unknown> | string): void {
  const n = node(region, name);
  const raw = typeof action === 'string' ? action : JSON.stringify(action);
  region.store.replace('nodes', { ...n, metadata: { ...n.metadata, annotations: { ...n.metadata.annotations, [ACTION_ANNOTATION]: raw } } });
}

export function actionStatus(region: Region, name: string): NodeActionStatus | undefined {
  return readActionStatus(node(region, name));
}

export function deployment(region: Region, name: string, namespace = NS): Deployment {
  const d = region.store.get('deployments.apps', namespace, name) as Deployment | undefined;
  if (!d) throw new Error(`no deployment ${namespace}/${name}`);
  return d;
}

export function pdb(region: Region, name: string, namespace = NS): PodDisruptionBudget {
  const p = region.store.get('poddisruptionbudgets.policy', namespace, name) as PodDisruptionBudget | undefined;
  if (!p) throw new Error(`no PodDisruptionBudget ${namespace}/${name}`);
  return p;
}

/** Replaces an object's spec and bumps metadata.generation, as the API server does on a spec change. */
export function updateSpec<T extends KObject>(region: Region, resource: string, o: T, spec: T['spec']): void {
  const latest = region.store.get(resource, o.metadata.namespace, o.metadata.name) as T;
  region.store.replace(resource, { ...latest, metadata: { ...latest.metadata, generation: (latest.metadata.generation ?? 1) + 1 }, spec });
}

/** Scales a Deployment as `kubectl scale` does. */
export function scaleDeployment(region: Region, name: string, replicas: number, namespace = NS): void {
  const d = deployment(region, name, namespace);
  updateSpec(region, 'deployments.apps', d, { ...d.spec, replicas });
}

/** How many pods of each zone's nodes a list of pods occupies. */
export function perZone(region: Region, pods: readonly Pod[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const p of pods) {
    const zone = node(region, p.spec.nodeName as string).metadata.labels?.[ZONE_LABEL] ?? '?';
    out[zone] = (out[zone] ?? 0) + 1;
  }
  return out;
}
