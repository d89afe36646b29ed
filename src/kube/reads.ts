// Reading the cluster: paged lists of nodes, pods, budgets and workloads turned into views, and the
// whole snapshot the planner starts from.
import type { ConfigurationOptions, V1ListMeta, V1Node, V1Pod } from '@kubernetes/client-node';
import type { Clock } from '../lib/clock.ts';
import type { KubeApi } from './api.ts';
import { statusCode } from './api-error.ts';
import type { ReplicaSetOwners } from './replica-set-owners.ts';
import type { ClusterSnapshot, PdbView, PodView, WorkloadView } from './types.ts';
import { daemonSetView, deploymentView, nodeView, pdbView, podView, replicaSetView, statefulSetView } from './views.ts';

/** Items per page, as kubectl's --chunk-size. */
export const PAGE_SIZE = 500;
/** A continue token can expire (410) on a long list; start over this many times. */
const LIST_RESTARTS = 2;

export interface Page<T> {
  readonly items: T[];
  readonly metadata?: V1ListMeta;
}

export type PageFetch<T> = (page: { limit: number; _continue?: string }, options: ConfigurationOptions) => Promise<Page<T>>;

/** Every item of a list, page by page; the resourceVersion is the first page's, from which a watch may start. */
export async function listAll<T>(api: KubeApi, what: string, fetch: PageFetch<T>, signal?: AbortSignal): Promise<{ items: T[]; resourceVersion: string }> {
  for (let restart = 0; ; restart++) {
    try {
      return await listPages(api, what, fetch, signal);
    } catch (e: unknown) {
      if (statusCode(e) !== 410 || restart >= LIST_RESTARTS) throw e;
    }
  }
}

async function listPages<T>(api: KubeApi, what: string, fetch: PageFetch<T>, signal?: AbortSignal): Promise<{ items: T[]; resourceVersion: string }> {
  const items: T[] = [];
  let resourceVersion: string | undefined;
  let cont: string | undefined;
  do {
    const page = await api.call(what, (o) => fetch({ limit: PAGE_SIZE, ...(cont ? { _continue: cont } : {}) }, o), { signal });
    for (const item of page.items) items.push(item);
    resourceVersion ??= page.metadata?.resourceVersion ?? '';
    cont = page.metadata?._continue || undefined;
  } while (cont);
  return { items, resourceVersion: resourceVersion ?? '' };
}

export async function listNodeObjects(api: KubeApi, signal?: AbortSignal, fieldSelector?: string): Promise<{ items: V1Node[]; resourceVersion: string }> {
  return listAll(api, 'list nodes', (p, o) => api.core.listNode({ ...p, fieldSelector }, o), signal);
}

export async function listPodObjects(api: KubeApi, signal?: AbortSignal, fieldSelector?: string): Promise<{ items: V1Pod[]; resourceVersion: string }> {
  return listAll(api, fieldSelector ? `list pods (${fieldSelector})` : 'list pods', (p, o) => api.core.listPodForAllNamespaces({ ...p, fieldSelector }, o), signal);
}

export async function readNode(api: KubeApi, name: string, signal?: AbortSignal): Promise<V1Node | undefined> {
  try {
    return await api.call(`read node ${name}`, (o) => api.core.readNode({ name }, o), { signal });
  } catch (e: unknown) {
    if (statusCode(e) === 404) return undefined;
    throw e;
  }
}

export async function podsOnNode(api: KubeApi, owners: ReplicaSetOwners, node: string, signal?: AbortSignal): Promise<PodView[]> {
  const pods = (await listPodObjects(api, signal, `spec.nodeName=${node}`)).items;
  await owners.learn(api, pods, signal);
  return pods.map((p) => podView(p, owners.lookup));
}

export async function listPdbs(api: KubeApi, signal?: AbortSignal): Promise<PdbView[]> {
  const { items } = await listAll(api, 'list PodDisruptionBudgets', (p, o) => api.policy.listPodDisruptionBudgetForAllNamespaces(p, o), signal);
  return items.map(pdbView);
}

/** Deployments, StatefulSets, DaemonSets and ReplicaSets; the ReplicaSets also teach `owners`. */
export async function listWorkloads(api: KubeApi, owners: ReplicaSetOwners, signal?: AbortSignal): Promise<WorkloadView[]> {
  const [deployments, statefulSets, daemonSets, replicaSets] = await Promise.all([
    listAll(api, 'list Deployments', (p, o) => api.apps.listDeploymentForAllNamespaces(p, o), signal),
    listAll(api, 'list StatefulSets', (p, o) => api.apps.listStatefulSetForAllNamespaces(p, o), signal),
    listAll(api, 'list DaemonSets', (p, o) => api.apps.listDaemonSetForAllNamespaces(p, o), signal),
    listAll(api, 'list ReplicaSets', (p, o) => api.apps.listReplicaSetForAllNamespaces(p, o), signal),
  ]);
  owners.replaceAll(replicaSets.items);
  return [
    ...deployments.items.map(deploymentView),
    ...statefulSets.items.map(statefulSetView),
    ...daemonSets.items.map(daemonSetView),
    ...replicaSets.items.map(replicaSetView),
  ];
}

export async function serverVersion(api: KubeApi, signal?: AbortSignal): Promise<string> {
  const info = await api.call('read the server version', (o) => api.version.getCode({}, o), { signal });
  return info.gitVersion;
}

export interface SnapshotSource {
  readonly api: KubeApi;
  readonly owners: ReplicaSetOwners;
  readonly clock: Clock;
  readonly cluster: string;
}

/** Everything the planner reads, in one go: the lists run side by side, pods page by page. */
export async function takeSnapshot(s: SnapshotSource, signal?: AbortSignal): Promise<ClusterSnapshot> {
  const takenAt = s.clock.now();
  const [version, nodes, pods, pdbs, workloads] = await Promise.all([
    serverVersion(s.api, signal),
    listNodeObjects(s.api, signal),
    listPodObjects(s.api, signal),
    listPdbs(s.api, signal),
    listWorkloads(s.api, s.owners, signal),
  ]);
  return {
    cluster: s.cluster,
    takenAt,
    version,
    nodes: nodes.items.map(nodeView),
    pods: pods.items.map((p) => podView(p, s.owners.lookup)),
    pdbs,
    workloads,
  };
}
