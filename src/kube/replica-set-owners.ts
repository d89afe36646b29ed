// Which workload sits above each ReplicaSet (the Deployment a person manages), learned from snapshots and
// looked up on demand, so a pod's workload is named without listing every ReplicaSet each time.
import type { V1Pod, V1ReplicaSet } from '@kubernetes/client-node';
import { mapLimit } from '../lib/concurrency.ts';
import type { KubeApi } from './api.ts';
import { statusCode } from './api-error.ts';
import type { OwnerView } from './types.ts';
import type { WorkloadLookup } from './views.ts';
import { controllerOf, replicaSetOwners } from './views.ts';

const LOOKUP_CONCURRENCY = 4;

export class ReplicaSetOwners {
  /** ReplicaSet UID → its controller, or undefined for a ReplicaSet nobody owns. A UID never changes owner. */
  private owners = new Map<string, OwnerView | undefined>();

  /** Forgets what it knew and learns from a full list. */
  replaceAll(sets: readonly V1ReplicaSet[]): void {
    this.owners = replicaSetOwners(sets);
  }

  readonly lookup: WorkloadLookup = (_namespace, c) => {
    if (c.kind !== 'ReplicaSet') return undefined;
    const owner = this.owners.get(c.uid);
    return owner ? { kind: owner.kind, name: owner.name } : undefined;
  };

  /** Reads the ReplicaSets of `pods` it does not know yet (a few at a time). */
  async learn(api: KubeApi, pods: readonly V1Pod[], signal?: AbortSignal): Promise<void> {
    const unknown = new Map<string, { namespace: string; name: string }>();
    for (const p of pods) {
      const c = controllerOf(p.metadata?.ownerReferences);
      if (c?.kind === 'ReplicaSet' && !this.owners.has(c.uid)) unknown.set(c.uid, { namespace: p.metadata?.namespace ?? 'default', name: c.name });
    }
    await mapLimit([...unknown], LOOKUP_CONCURRENCY, async ([uid, ref]) => {
      const rs = await readReplicaSet(api, ref, signal);
      this.owners.set(uid, rs?.metadata?.uid === uid ? controllerOf(rs.metadata.ownerReferences) : undefined);
    });
  }
}

async function readReplicaSet(api: KubeApi, ref: { namespace: string; name: string }, signal?: AbortSignal): Promise<V1ReplicaSet | undefined> {
  try {
    return await api.call(`read ReplicaSet ${ref.namespace}/${ref.name}`, (o) => api.apps.readNamespacedReplicaSet(ref, o), { signal });
  } catch (e: unknown) {
    if (statusCode(e) === 404) return undefined;
    throw e;
  }
}
