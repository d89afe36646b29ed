// The Deployment controller: one ReplicaSet per pod template, and a rolling update that never has more
// than replicas + maxSurge pods nor fewer than replicas - maxUnavailable available.
import type { Deployment, ReplicaSet } from '../k8s-types.ts';
import type { Change } from '../store.ts';
import type { SimContext } from './context.ts';
import { controllerOf, createObject, ownerRef, setCondition, writeStatus } from './objects.ts';
import { stableHash } from './random.ts';
import { scaled, splitKey, WorkloadController } from './workload-queue.ts';

const HASH_LABEL = 'pod-template-hash';
const REVISION = 'deployment.kubernetes.io/revision';

interface Counts {
  readonly spec: number;
  readonly available: number;
}

export class DeploymentController extends WorkloadController {
  readonly name = 'deployment';

  constructor(ctx: SimContext) {
    super(ctx, { resource: 'deployments.apps', kind: 'Deployment', dependents: ['replicasets.apps'] });
  }

  /** Also wakes the Deployment when a pod of one of its ReplicaSets is gone: Recreate waits for that. */
  override onChange(change: Change): void {
    super.onChange(change);
    if (change.resource !== 'pods' || change.type !== 'DELETED') return;
    const rsRef = controllerOf(change.object);
    if (rsRef?.kind !== 'ReplicaSet') return;
    const rs = this.ctx.store.get('replicasets.apps', change.object.metadata.namespace, rsRef.name);
    const owner = rs && controllerOf(rs);
    if (owner?.kind === 'Deployment') this.queue.add(`${change.object.metadata.namespace}/${owner.name}`);
  }

  protected sync(key: string): void {
    const [namespace, name] = splitKey(key);
    const d = this.ctx.store.get('deployments.apps', namespace, name) as Deployment | undefined;
    if (!d || d.metadata.deletionTimestamp) return;
    const all = this.replicaSets(d);
    const hash = stableHash(JSON.stringify(d.spec.template));
    const current = all.find((rs) => rs.metadata.labels?.[HASH_LABEL] === hash) ?? this.createReplicaSet(d, hash, all);
    const old = all.filter((rs) => rs !== current);
    if (!d.spec.paused) this.roll(d, current, old);
    this.writeStatus(d, current, this.replicaSets(d));
  }

  private replicaSets(d: Deployment): ReplicaSet[] {
    return this.ctx.owners
      .dependents(d.metadata.uid, 'replicasets.apps')
      .map((x) => this.ctx.store.get('replicasets.apps', x.namespace, x.name) as ReplicaSet | undefined)
      .filter((rs): rs is ReplicaSet => rs !== undefined)
      .sort((a, b) => revision(a) - revision(b));
  }

  private createReplicaSet(d: Deployment, hash: string, all: ReplicaSet[]): ReplicaSet {
    const labels = { ...d.spec.template.metadata?.labels, [HASH_LABEL]: hash };
    const next = Math.max(0, ...all.map(revision)) + 1;
    return createObject<ReplicaSet>(this.ctx, 'replicasets.apps', {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: { name: `${d.metadata.name}-${hash}`, namespace: d.metadata.namespace, labels, annotations: { [REVISION]: String(next) }, ownerReferences: [ownerRef(d)], generation: 1 },
      spec: {
        replicas: 0,
        minReadySeconds: d.spec.minReadySeconds,
        selector: { ...d.spec.selector, matchLabels: { ...d.spec.selector.matchLabels, [HASH_LABEL]: hash } },
        template: { ...d.spec.template, metadata: { ...d.spec.template.metadata, labels } },
      },
    });
  }

  private roll(d: Deployment, current: ReplicaSet, old: ReplicaSet[]): void {
    const replicas = d.spec.replicas ?? 1;
    if (d.spec.strategy?.type === 'Recreate') {
      old.forEach((rs) => this.scale(rs, 0));
      // Recreate: the new pods start only once every old pod is gone, terminating ones included.
      if (old.every((rs) => this.ctx.owners.objects(rs.metadata.uid, 'pods').length === 0)) this.scale(current, replicas);
      return;
    }
    const { maxSurge, maxUnavailable } = rollingLimits(d);
    if (old.length === 0 || old.every((rs) => counts(rs).spec === 0)) {
      this.scale(current, replicas);
      return;
    }
    const total = [current, ...old].reduce((n, rs) => n + counts(rs).spec, 0);
    const room = replicas + maxSurge - total;
    if (room > 0 && counts(current).spec < replicas) this.scale(current, counts(current).spec + Math.min(room, replicas - counts(current).spec));
    this.scaleDownOld(old, [current, ...old].reduce((n, rs) => n + counts(rs).available, 0) - (replicas - maxUnavailable));
  }

  /** Old ReplicaSets lose their unavailable pods first (free), then available ones within the budget. */
  private scaleDownOld(old: ReplicaSet[], budget: number): void {
    let left = Math.max(0, budget);
    for (const rs of old) {
      const c = counts(rs);
      const unhealthy = Math.max(0, c.spec - c.available);
      const healthy = Math.min(c.spec - unhealthy, left);
      left -= healthy;
      if (unhealthy + healthy > 0) this.scale(rs, c.spec - unhealthy - healthy);
    }
  }

  private scale(rs: ReplicaSet, replicas: number): void {
    const latest = this.ctx.store.get('replicasets.apps', rs.metadata.namespace, rs.metadata.name) as ReplicaSet | undefined;
    if (!latest || (latest.spec.replicas ?? 1) === replicas) return;
    this.ctx.store.replace('replicasets.apps', {
      ...latest,
      metadata: { ...latest.metadata, generation: (latest.metadata.generation ?? 1) + 1 },
      spec: { ...latest.spec, replicas },
    });
  }

  private writeStatus(d: Deployment, current: ReplicaSet, all: ReplicaSet[]): void {
    const replicas = d.spec.replicas ?? 1;
    const sum = (field: string) => all.reduce((n, rs) => n + (((rs.status ?? {}) as Record<string, number>)[field] ?? 0), 0);
    const newest = all.find((rs) => rs.metadata.uid === current.metadata.uid) ?? current;
    const total = sum('replicas');
    const available = sum('availableReplicas');
    const updated = ((newest.status ?? {}) as Record<string, number>).replicas ?? 0;
    const now = this.ctx.clock.nowMs();
    const minAvailable = replicas - rollingLimits(d).maxUnavailable;
    const done = updated === replicas && available >= replicas && total === replicas;
    let conditions = setCondition((d.status?.conditions ?? []) as never, available >= minAvailable
      ? { type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable', message: 'Deployment has minimum availability.' }
      : { type: 'Available', status: 'False', reason: 'MinimumReplicasUnavailable', message: 'Deployment does not have minimum availability.' }, now);
    conditions = setCondition(conditions, done
      ? { type: 'Progressing', status: 'True', reason: 'NewReplicaSetAvailable', message: `ReplicaSet "${current.metadata.name}" has successfully progressed.` }
      : { type: 'Progressing', status: 'True', reason: 'ReplicaSetUpdated', message: `ReplicaSet "${current.metadata.name}" is progressing.` }, now);
    const status = {
      observedGeneration: d.metadata.generation ?? 1,
      replicas: total,
      updatedReplicas: updated,
      readyReplicas: sum('readyReplicas'),
      availableReplicas: available,
      ...(total - available > 0 ? { unavailableReplicas: total - available } : {}),
      conditions,
    };
    const latest = this.ctx.store.get('deployments.apps', d.metadata.namespace, d.metadata.name) as Deployment | undefined;
    if (!latest) return;
    const annotated = withRevision(latest, current);
    if (annotated !== latest) this.ctx.store.replace('deployments.apps', { ...annotated, status });
    else writeStatus(this.ctx, 'deployments.apps', latest, status);
  }
}

function withRevision(d: Deployment, current: ReplicaSet): Deployment {
  const rev = current.metadata.annotations?.[REVISION];
  if (!rev || d.metadata.annotations?.[REVISION] === rev) return d;
  return { ...d, metadata: { ...d.metadata, annotations: { ...d.metadata.annotations, [REVISION]: rev } } };
}

function revision(rs: ReplicaSet): number {
  return Number(rs.metadata.annotations?.[REVISION] ?? 0);
}

function counts(rs: ReplicaSet): Counts {
  const status = (rs.status ?? {}) as Record<string, number>;
  return { spec: rs.spec.replicas ?? 1, available: status.availableReplicas ?? 0 };
}

/** maxSurge rounds up, maxUnavailable down; both 0 would deadlock, so Kubernetes makes it 1 unavailable. */
export function rollingLimits(d: Deployment): { maxSurge: number; maxUnavailable: number } {
  const replicas = d.spec.replicas ?? 1;
  const ru = d.spec.strategy?.rollingUpdate;
  const maxSurge = scaled(ru?.maxSurge ?? '25%', replicas, true, 0);
  const maxUnavailable = scaled(ru?.maxUnavailable ?? '25%', replicas, false, 0);
  return { maxSurge, maxUnavailable: maxSurge === 0 && maxUnavailable === 0 ? 1 : maxUnavailable };
}
