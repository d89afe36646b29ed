// CustomResourceDefinitions: a created definition makes its resource servable (discovery and REST) and
// is marked Established; objects of it are stored as they are.
import type { KObject } from '../k8s-types.ts';
import type { ResourceRegistry, ResourceType } from '../resources.ts';
import type { Change } from '../store.ts';
import type { Controller, SimContext } from './context.ts';
import { iso, writeStatus } from './objects.ts';

interface CrdSpec {
  group: string;
  scope: 'Namespaced' | 'Cluster';
  names: { plural: string; singular?: string; kind: string; shortNames?: string[]; categories?: string[]; listKind?: string };
  versions: { name: string; served: boolean; storage: boolean; subresources?: { status?: unknown; scale?: unknown } }[];
}

export function crdResources(crd: KObject): ResourceType[] {
  const spec = crd.spec as CrdSpec;
  return (spec.versions ?? [])
    .filter((v) => v.served)
    .map((v) => ({
      group: spec.group,
      version: v.name,
      resource: spec.names.plural,
      singular: spec.names.singular ?? spec.names.kind.toLowerCase(),
      kind: spec.names.kind,
      namespaced: spec.scope !== 'Cluster',
      shortNames: spec.names.shortNames,
      categories: spec.names.categories,
      subresources: [...(v.subresources?.status ? ['status'] : []), ...(v.subresources?.scale ? ['scale'] : [])],
      generation: true,
      custom: true,
    }));
}

export class CrdController implements Controller {
  readonly name = 'crd';
  private readonly ctx: SimContext;
  private readonly registry: ResourceRegistry;
  private readonly queue = new Set<string>();

  constructor(ctx: SimContext, registry: ResourceRegistry) {
    this.ctx = ctx;
    this.registry = registry;
  }

  onChange(change: Change): void {
    if (change.resource !== 'customresourcedefinitions.apiextensions.k8s.io') return;
    const old = change.old ?? (change.type === 'DELETED' ? change.object : undefined);
    if (old) for (const t of crdResources(old)) this.registry.remove(t.group, t.version, t.resource);
    if (change.type === 'DELETED') {
      const spec = change.object.spec as CrdSpec;
      const key = `${spec.names.plural}.${spec.group}`;
      for (const o of this.ctx.store.list(key)) this.ctx.store.remove(key, o.metadata.namespace, o.metadata.name);
      return;
    }
    for (const t of crdResources(change.object)) this.registry.add(t);
    this.queue.add(change.object.metadata.name);
  }

  reconcile(): boolean {
    if (this.queue.size === 0) return false;
    const names = [...this.queue];
    this.queue.clear();
    for (const name of names) {
      const crd = this.ctx.store.get('customresourcedefinitions.apiextensions.k8s.io', undefined, name);
      if (!crd) continue;
      const spec = crd.spec as CrdSpec;
      const at = iso(this.ctx.clock.nowMs());
      writeStatus(this.ctx, 'customresourcedefinitions.apiextensions.k8s.io', crd, {
        acceptedNames: spec.names,
        storedVersions: spec.versions.filter((v) => v.storage).map((v) => v.name),
        conditions: [
          { type: 'NamesAccepted', status: 'True', reason: 'NoConflicts', message: 'no conflicts found', lastTransitionTime: at },
          { type: 'Established', status: 'True', reason: 'InitialNamesAccepted', message: 'the initial names have been accepted', lastTransitionTime: at },
        ],
      });
    }
    return true;
  }
}
