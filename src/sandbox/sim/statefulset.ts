// The StatefulSet controller: pods <name>-0 … <name>-(n-1), created in order and each only once the one
// before it is Ready (OrderedReady), recreated under the same name once the old pod is gone.
import type { Pod, StatefulSet } from '../k8s-types.ts';
import type { SimContext } from './context.ts';
import { isPodActive, isPodReady, writeStatus } from './objects.ts';
import { createPodFromTemplate, deletePod } from './pods.ts';
import { stableHash } from './random.ts';
import { ownedPods } from './replicaset.ts';
import { splitKey, WorkloadController } from './workload-queue.ts';

const REVISION_LABEL = 'controller-revision-hash';

export class StatefulSetController extends WorkloadController {
  readonly name = 'statefulset';

  constructor(ctx: SimContext) {
    super(ctx, { resource: 'statefulsets.apps', kind: 'StatefulSet' });
  }

  protected sync(key: string): void {
    const [namespace, name] = splitKey(key);
    const sts = this.ctx.store.get('statefulsets.apps', namespace, name) as StatefulSet | undefined;
    if (!sts || sts.metadata.deletionTimestamp) return;
    const revision = `${sts.metadata.name}-${stableHash(JSON.stringify(sts.spec.template))}`;
    const replicas = sts.spec.replicas ?? 1;
    const pods = new Map<number, Pod>();
    for (const p of ownedPods(this.ctx, sts.metadata.uid)) pods.set(ordinal(sts, p), p);
    const parallel = sts.spec.podManagementPolicy === 'Parallel';
    for (let i = 0; i < replicas; i++) {
      const pod = pods.get(i);
      if (!pod) {
        this.create(sts, i, revision);
        if (!parallel) break;
      } else if (!parallel && (!isPodActive(pod) || !isPodReady(pod))) {
        break;
      }
    }
    this.scaleDown(pods, replicas, parallel);
    this.roll(pods, replicas, revision);
    this.writeStatus(sts, revision);
  }

  private create(sts: StatefulSet, i: number, revision: string): void {
    const name = `${sts.metadata.name}-${i}`;
    createPodFromTemplate(this.ctx, {
      template: sts.spec.template,
      owner: sts,
      name,
      labels: { [REVISION_LABEL]: revision, 'statefulset.kubernetes.io/pod-name': name, 'apps.kubernetes.io/pod-index': String(i) },
      spec: { hostname: name, ...(sts.spec.serviceName ? { subdomain: sts.spec.serviceName } : {}) },
    });
  }

  /** Highest ordinal first, one at a time, and only while the rest are Ready. */
  private scaleDown(pods: Map<number, Pod>, replicas: number, parallel: boolean): void {
    const extra = [...pods.entries()].filter(([i, p]) => i >= replicas && isPodActive(p)).sort((a, b) => b[0] - a[0]);
    if (extra.length === 0) return;
    const settled = [...pods.values()].every((p) => isPodActive(p) && isPodReady(p));
    const victims = parallel ? extra : settled ? extra.slice(0, 1) : [];
    for (const [, p] of victims) deletePod(this.ctx, p);
  }

  /** RollingUpdate: replace the highest outdated pod once every pod is Ready. */
  private roll(pods: Map<number, Pod>, replicas: number, revision: string): void {
    const current = [...pods.entries()].filter(([i]) => i < replicas).sort((a, b) => b[0] - a[0]);
    if (current.length < replicas || current.some(([, p]) => !isPodActive(p) || !isPodReady(p))) return;
    const outdated = current.find(([, p]) => p.metadata.labels?.[REVISION_LABEL] !== revision);
    if (outdated) deletePod(this.ctx, outdated[1]);
  }

  private writeStatus(sts: StatefulSet, revision: string): void {
    const active = ownedPods(this.ctx, sts.metadata.uid).filter(isPodActive);
    const ready = active.filter(isPodReady).length;
    const updated = active.filter((p) => p.metadata.labels?.[REVISION_LABEL] === revision).length;
    writeStatus(this.ctx, 'statefulsets.apps', sts, {
      observedGeneration: sts.metadata.generation ?? 1,
      replicas: active.length,
      readyReplicas: ready,
      currentReplicas: updated,
      updatedReplicas: updated,
      availableReplicas: ready,
      currentRevision: revision,
      updateRevision: revision,
      collisionCount: 0,
    });
  }
}

function ordinal(sts: StatefulSet, p: Pod): number {
  const suffix = p.metadata.name.slice(sts.metadata.name.length + 1);
  const n = Number(suffix);
  return Number.isInteger(n) ? n : -1;
}
