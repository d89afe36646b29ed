// API discovery documents (/api, /apis, /api/v1, /apis/<group>/<version>, /version), built from the
// region's resource registry so custom resources appear once their definition is created.
import { apiVersionOf, VERBS } from '../resources.ts';
import type { ResourceRegistry, ResourceType } from '../resources.ts';

export function coreVersions(serverAddress: string): unknown {
  return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }] };
}

export function groupList(registry: ResourceRegistry): unknown {
  const groups = [...registry.groups()].filter(([g]) => g !== '').map(([name, versions]) => groupEntry(name, versions));
  return { kind: 'APIGroupList', apiVersion: 'v1', groups };
}

export function group(registry: ResourceRegistry, name: string): unknown | undefined {
  const versions = registry.groups().get(name);
  return versions ? { kind: 'APIGroup', apiVersion: 'v1', ...groupEntry(name, versions) } : undefined;
}

function groupEntry(name: string, versions: string[]): Record<string, unknown> {
  const list = versions.map((v) => ({ groupVersion: `${name}/${v}`, version: v }));
  return { name, versions: list, preferredVersion: list[0] };
}

/** The APIResourceList of a group version, with subresources the way kubectl looks for them. */
export function resourceList(registry: ResourceRegistry, group: string, version: string): unknown | undefined {
  const types = registry.all().filter((t) => t.group === group && t.version === version);
  if (types.length === 0) return undefined;
  const resources = types.flatMap((t) => [resourceEntry(t), ...subresourceEntries(t)]);
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: apiVersionOf({ group, version }), resources };
}

function resourceEntry(t: ResourceType): unknown {
  const entry: Record<string, unknown> = { name: t.resource, singularName: t.singular, namespaced: t.namespaced, kind: t.kind, verbs: [...(t.verbs ?? VERBS)] };
  if (t.shortNames?.length) entry.shortNames = t.shortNames;
  if (t.categories?.length) entry.categories = t.categories;
  return entry;
}

function subresourceEntries(t: ResourceType): unknown[] {
  return (t.subresources ?? []).map((sub) => {
    if (sub === 'eviction') return { name: `${t.resource}/eviction`, singularName: t.singular, namespaced: t.namespaced, group: 'policy', version: 'v1', kind: 'Eviction', verbs: ['create'] };
    if (sub === 'token') return { name: `${t.resource}/token`, singularName: '', namespaced: t.namespaced, group: 'authentication.k8s.io', version: 'v1', kind: 'TokenRequest', verbs: ['create'] };
    if (sub === 'scale') return { name: `${t.resource}/scale`, singularName: t.singular, namespaced: t.namespaced, group: 'autoscaling', version: 'v1', kind: 'Scale', verbs: ['get', 'patch', 'update'] };
    return { name: `${t.resource}/${sub}`, singularName: t.singular, namespaced: t.namespaced, kind: t.kind, verbs: ['get', 'patch', 'update'] };
  });
}

export function versionInfo(gitVersion: string): unknown {
  const m = /^v(\d+)\.(\d+)/.exec(gitVersion);
  return {
    major: m?.[1] ?? '1',
    minor: m?.[2] ?? '0',
    gitVersion,
    gitCommit: '0000000000000000000000000000000000000000',
    gitTreeState: 'clean',
    buildDate: '2026-01-01T00:00:00Z',
    goVersion: 'go1.22.5',
    compiler: 'gc',
    platform: 'linux/amd64',
  };
}
