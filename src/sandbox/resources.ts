// The resource types the sandbox serves: what discovery lists and what the router resolves a URL to.
// Custom resource definitions add entries at run time.

export interface ResourceType {
  readonly group: string;
  readonly version: string;
  /** Plural name in URLs: `pods`, `deployments`. */
  readonly resource: string;
  readonly singular: string;
  readonly kind: string;
  readonly namespaced: boolean;
  readonly shortNames?: readonly string[];
  readonly categories?: readonly string[];
  /** Subresources served besides the object: `status`, `eviction`, `scale`. */
  readonly subresources?: readonly string[];
  /** Whether spec changes bump `metadata.generation` (workloads and anything with a status subresource). */
  readonly generation?: boolean;
  /** Defined by a CustomResourceDefinition: stored as-is, no strategic merge patch. */
  readonly custom?: boolean;
  /** Another API's view of a stored resource: its store key (`events` for events.k8s.io/v1 Events). */
  readonly storedAs?: string;
  /** The verbs discovery lists, when not all of them: a review is only created (`create`), never listed. */
  readonly verbs?: readonly string[];
}

/** `pods`, `deployments.apps`: the key a resource type is stored under. */
export function resourceKey(t: Pick<ResourceType, 'group' | 'resource' | 'storedAs'>): string {
  if (t.storedAs) return t.storedAs;
  return t.group ? `${t.resource}.${t.group}` : t.resource;
}

export function apiVersionOf(t: Pick<ResourceType, 'group' | 'version'>): string {
  return t.group ? `${t.group}/${t.version}` : t.version;
}

const ALL = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'] as const;

function core(resource: string, kind: string, namespaced: boolean, extra: Partial<ResourceType> = {}): ResourceType {
  return { group: '', version: 'v1', resource, kind, namespaced, singular: kind.toLowerCase(), ...extra };
}

function grouped(group: string, version: string, def: { resource: string; kind: string; namespaced: boolean } & Partial<ResourceType>): ResourceType {
  return { group, version, singular: def.kind.toLowerCase(), ...def };
}

export const BUILTIN_RESOURCES: readonly ResourceType[] = [
  core('namespaces', 'Namespace', false, { shortNames: ['ns'], subresources: ['status'] }),
  core('nodes', 'Node', false, { shortNames: ['no'], subresources: ['status'] }),
  core('pods', 'Pod', true, { shortNames: ['po'], categories: ['all'], subresources: ['status', 'eviction'] }),
  core('services', 'Service', true, { shortNames: ['svc'], categories: ['all'], subresources: ['status'] }),
  core('events', 'Event', true, { shortNames: ['ev'] }),
  core('configmaps', 'ConfigMap', true, { shortNames: ['cm'] }),
  core('secrets', 'Secret', true),
  core('serviceaccounts', 'ServiceAccount', true, { shortNames: ['sa'], subresources: ['token'] }),
  core('persistentvolumeclaims', 'PersistentVolumeClaim', true, { shortNames: ['pvc'], subresources: ['status'] }),
  grouped('apps', 'v1', { resource: 'deployments', kind: 'Deployment', namespaced: true, shortNames: ['deploy'], categories: ['all'], subresources: ['status', 'scale'], generation: true }),
  grouped('apps', 'v1', { resource: 'replicasets', kind: 'ReplicaSet', namespaced: true, shortNames: ['rs'], categories: ['all'], subresources: ['status', 'scale'], generation: true }),
  grouped('apps', 'v1', { resource: 'daemonsets', kind: 'DaemonSet', namespaced: true, shortNames: ['ds'], categories: ['all'], subresources: ['status'], generation: true }),
  grouped('apps', 'v1', { resource: 'statefulsets', kind: 'StatefulSet', namespaced: true, shortNames: ['sts'], categories: ['all'], subresources: ['status', 'scale'], generation: true }),
  grouped('policy', 'v1', { resource: 'poddisruptionbudgets', kind: 'PodDisruptionBudget', namespaced: true, shortNames: ['pdb'], subresources: ['status'], generation: true }),
  grouped('discovery.k8s.io', 'v1', { resource: 'endpointslices', kind: 'EndpointSlice', namespaced: true }),
  grouped('coordination.k8s.io', 'v1', { resource: 'leases', kind: 'Lease', namespaced: true }),
  grouped('rbac.authorization.k8s.io', 'v1', { resource: 'roles', kind: 'Role', namespaced: true }),
  grouped('rbac.authorization.k8s.io', 'v1', { resource: 'rolebindings', kind: 'RoleBinding', namespaced: true }),
  grouped('rbac.authorization.k8s.io', 'v1', { resource: 'clusterroles', kind: 'ClusterRole', namespaced: false }),
  grouped('rbac.authorization.k8s.io', 'v1', { resource: 'clusterrolebindings', kind: 'ClusterRoleBinding', namespaced: false }),
  // Answered at once, never stored (server.ts): what the requester may do.
  grouped('authorization.k8s.io', 'v1', { resource: 'selfsubjectaccessreviews', kind: 'SelfSubjectAccessReview', namespaced: false, verbs: ['create'] }),
  // The same Events as core/v1's, with renamed fields (api/kinds.ts converts them).
  grouped('events.k8s.io', 'v1', { resource: 'events', kind: 'Event', namespaced: true, shortNames: ['ev'], storedAs: 'events' }),
  grouped('apiextensions.k8s.io', 'v1', { resource: 'customresourcedefinitions', kind: 'CustomResourceDefinition', namespaced: false, shortNames: ['crd', 'crds'], subresources: ['status'], generation: true }),
];

export const VERBS = ALL;

/** The types served now: built-ins plus whatever custom resource definitions registered. */
export class ResourceRegistry {
  private readonly byKey = new Map<string, ResourceType>();

  constructor(types: readonly ResourceType[] = BUILTIN_RESOURCES) {
    for (const t of types) this.add(t);
  }

  add(t: ResourceType): void {
    this.byKey.set(`${t.group}/${t.version}/${t.resource}`, t);
  }

  remove(group: string, version: string, resource: string): void {
    this.byKey.delete(`${group}/${version}/${resource}`);
  }

  find(group: string, version: string, resource: string): ResourceType | undefined {
    return this.byKey.get(`${group}/${version}/${resource}`);
  }

  all(): ResourceType[] {
    return [...this.byKey.values()];
  }

  /** Group name → versions served, core group first, as discovery lists them. */
  groups(): Map<string, string[]> {
    const out = new Map<string, string[]>();
    for (const t of this.byKey.values()) {
      const versions = out.get(t.group) ?? [];
      if (!versions.includes(t.version)) versions.push(t.version);
      out.set(t.group, versions);
    }
    return out;
  }
}
