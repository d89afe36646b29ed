// A minimal OpenAPI v3 surface: for every served group version, the paths with the
// x-kubernetes-group-version-kind extension and the `fieldValidation` parameter. kubectl reads it to learn
// that the server validates fields itself, so `kubectl create -f` and `apply` need no client-side schema.
import type { ResourceRegistry, ResourceType } from '../resources.ts';
import { apiVersionOf } from '../resources.ts';
import { stableHash } from '../sim/random.ts';

const QUERY_PARAMS = ['fieldValidation', 'dryRun', 'fieldManager', 'pretty'];

function gvPath(group: string, version: string): string {
  return group ? `apis/${group}/${version}` : `api/${version}`;
}

export function openApiRoot(registry: ResourceRegistry): unknown {
  const paths: Record<string, { serverRelativeURL: string }> = {};
  for (const [group, versions] of registry.groups()) {
    for (const version of versions) {
      const p = gvPath(group, version);
      const hash = stableHash(JSON.stringify(openApiGroupVersion(registry, group, version)), 16).toUpperCase();
      paths[p] = { serverRelativeURL: `/openapi/v3/${p}?hash=${hash}` };
    }
  }
  return { paths };
}

/** The document of one group version, or undefined when none is served. */
export function openApiGroupVersion(registry: ResourceRegistry, group: string, version: string): unknown | undefined {
  const types = registry.all().filter((t) => t.group === group && t.version === version);
  if (types.length === 0) return undefined;
  const paths: Record<string, unknown> = {};
  for (const t of types) paths[itemPath(t)] = pathItem(t);
  return { openapi: '3.0.0', info: { title: 'Kubernetes', version: apiVersionOf({ group, version }) }, paths, components: { schemas: {} } };
}

function itemPath(t: ResourceType): string {
  const base = `/${gvPath(t.group, t.version)}`;
  return t.namespaced ? `${base}/namespaces/{namespace}/${t.resource}/{name}` : `${base}/${t.resource}/{name}`;
}

function pathItem(t: ResourceType): unknown {
  const gvk = { group: t.group, version: t.version, kind: t.kind };
  const query = QUERY_PARAMS.map((name) => ({ name, in: 'query', schema: { type: 'string', uniqueItems: true } }));
  const op = (action: string) => ({ 'x-kubernetes-action': action, 'x-kubernetes-group-version-kind': gvk, parameters: query, responses: { '200': { description: 'OK' } } });
  return {
    get: op('get'),
    put: op('put'),
    patch: op('patch'),
    delete: op('delete'),
    parameters: [
      { name: 'name', in: 'path', required: true, schema: { type: 'string' } },
      ...(t.namespaced ? [{ name: 'namespace', in: 'path', required: true, schema: { type: 'string' } }] : []),
    ],
  };
}
