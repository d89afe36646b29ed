// One region of a fleet file as the objects to create on a real API server: the same namespaces, nodes,
// workloads, budgets and Services as the simulated engine builds, with what kwok needs on top (its node
// annotation, the pods' delays) and without what a real server assigns itself (uids, times, conditions).
import { barePodNames, nodeObject, nodePlaces, regionNamespaces, template, workloadObjects, workloadsOf } from '../build.ts';
import type { FleetObject } from '../build.ts';
import type { FleetSpec, RegionSpec, WorkloadSpec } from '../fleet-schema.ts';
import type { Node, PodTemplate } from '../k8s-types.ts';
import { KWOK_NODE_ANNOTATION } from './kwok.ts';
import { goDuration, KWOK_DELAY } from './kwok-stages.ts';

/** In the order to create them: namespaces, nodes, then each workload with its budget and Service. */
export function regionObjects(spec: FleetSpec, region: RegionSpec, regionIndex: number): FleetObject[] {
  const namespaces = regionNamespaces(spec, region.name).map((name) => ({
    resource: 'namespaces',
    object: { apiVersion: 'v1', kind: 'Namespace', metadata: { name } },
  }));
  const nodes = nodePlaces(region, regionIndex).map((place) => ({ resource: 'nodes', object: kwokNode(region, place) }));
  const workloads = workloadsOf(spec, region.name).flatMap(workloadOnKwok);
  return [...namespaces, ...nodes, ...workloads];
}

function kwokNode(region: RegionSpec, place: ReturnType<typeof nodePlaces>[number]): FleetObject['object'] {
  // nodeObject's type is an Omit<> over an indexed type, which loses the known fields; it builds a Node.
  const node = nodeObject(region, place, new Date().toISOString()) as unknown as Node;
  // kwok registers the node (conditions, phase) when it first sees it; the API server sets the rest.
  const { conditions: _conditions, ...status } = node.status;
  const { uid: _uid, resourceVersion: _rv, creationTimestamp: _created, ...metadata } = node.metadata;
  const annotations = { ...metadata.annotations, [KWOK_NODE_ANNOTATION.key]: KWOK_NODE_ANNOTATION.value };
  return { ...node, metadata: { ...metadata, annotations }, status };
}

function workloadOnKwok(w: WorkloadSpec): FleetObject[] {
  const objects = workloadObjects(w).map(({ resource, object }) => {
    const spec = object.spec as { template?: PodTemplate } | undefined;
    if (!spec?.template) return { resource, object };
    return { resource, object: { ...object, spec: { ...spec, template: withDelays(spec.template, w) } } };
  });
  if (w.kind !== 'Pod') return objects;
  const t = withDelays(template(w), w);
  const pods = barePodNames(w).map((name) => ({
    resource: 'pods',
    object: { apiVersion: 'v1', kind: 'Pod', metadata: { ...t.metadata, name, namespace: w.namespace }, spec: t.spec },
  }));
  return [...pods, ...objects];
}

/** The fleet's timings as kwok's per-pod delays: start-up, readiness, and shutdown within the grace period. */
function withDelays(t: PodTemplate, w: WorkloadSpec): PodTemplate {
  const annotations = {
    ...t.metadata?.annotations,
    [KWOK_DELAY.start]: goDuration(w.startupSeconds),
    [KWOK_DELAY.ready]: goDuration(w.readinessSeconds),
    [KWOK_DELAY.stop]: goDuration(Math.min(w.shutdownSeconds, w.terminationGracePeriodSeconds)),
  };
  return { ...t, metadata: { ...t.metadata, annotations } };
}
