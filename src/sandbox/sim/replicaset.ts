// The ReplicaSet controller: keeps the number of active pods at spec.replicas, replacing pods that were
// evicted or deleted, removing the least useful pods first when scaling down.
import type { Pod, ReplicaSet } from '../k8s-types.ts';
import type { SimContext } from './context.ts';
import { isPodActive, isPodReady, writeStatus } from './objects.ts';
import { createPodFromTemplate, deletePod, generatePodName } from './pods.ts';
import { splitKey, WorkloadController } from './workload-queue.ts';

export class ReplicaSetController extends WorkloadController {
  readonly name = 'replicaset';

  constructor(ctx: SimContext) {
    super(ctx, { resource: 'replicasets.apps', kind: 'ReplicaSet' });
  }

  protected sync(key: string): void {
    const [namespace, name] = splitKey(key);
    const rs = this.ctx.store.get('replicasets.apps', namespace, name) as ReplicaSet | undefined;
    if (!rs || rs.metadata.deletionTimestamp) return;
    const want = rs.spec.replicas ?? 1;
    const have = this.ctx.owners.podCounts(rs.metadata.uid).active;
    if (have < want) {
      for (let i = have; i < want; i++) {
        createPodFromTemplate(this.ctx, { template: rs.spec.template, owner: rs, name: generatePodName(this.ctx, rs.metadata.namespace, rs.metadata.name) });
      }
    } else if (have > want) {
      const active = ownedPods(this.ctx, rs.metadata.uid).filter(isPodActive);
      for (const pod of active.sort(deletionOrder).slice(0, have - want)) deletePod(this.ctx, pod);
    }
    this.writeStatus(rs);
  }

  private writeStatus(rs: ReplicaSet): void {
    const { active, ready } = this.ctx.owners.podCounts(rs.metadata.uid);
    writeStatus(this.ctx, 'replicasets.apps', rs, {
      replicas: active,
      fullyLabeledReplicas: active,
      readyReplicas: ready,
      availableReplicas: ready,
      observedGeneration: rs.metadata.generation ?? 1,
    });
  }
}

export function ownedPods(ctx: SimContext, ownerUid: string): Pod[] {
  return ctx.owners.objects<Pod>(ownerUid, 'pods');
}

/** Kubernetes' order for scale-down: unscheduled, then pending, then not ready, then the youngest. */
function deletionOrder(a: Pod, b: Pod): number {
  const rank = (p: Pod) => (!p.spec.nodeName ? 0 : p.status.phase === 'Pending' ? 1 : !isPodReady(p) ? 2 : 3);
  return rank(a) - rank(b) || b.metadata.creationTimestamp.localeCompare(a.metadata.creationTimestamp);
}
