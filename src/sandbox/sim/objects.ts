// Small helpers over stored objects: timestamps, new metadata, status writes that skip no-ops, and the
// pod predicates every controller asks (active, ready, owned by whom).
import { randomUUID } from 'node:crypto';
import type { Condition, KObject, ObjectMeta, OwnerReference, Pod } from '../k8s-types.ts';
import type { SimContext } from './context.ts';

/** Annotations through which a fleet file tells the simulated kubelet how a pod behaves. */
export const SIM = {
  startupSeconds: 'sandbox.daylight.dev/startup-seconds',
  readinessSeconds: 'sandbox.daylight.dev/readiness-seconds',
  shutdownSeconds: 'sandbox.daylight.dev/shutdown-seconds',
  fault: 'sandbox.daylight.dev/fault',
} as const;

/** RFC 3339 with second precision, as Kubernetes writes timestamps. */
export function iso(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

export function parseTime(text: string | undefined): number | undefined {
  if (!text) return undefined;
  const t = Date.parse(text);
  return Number.isNaN(t) ? undefined : t;
}

export type NewObject<T extends KObject> = Omit<T, 'metadata'> & { metadata: Partial<ObjectMeta> & { name: string } };

/** Fills uid, creation time and generation, then stores the object. */
export function createObject<T extends KObject>(ctx: SimContext, resource: string, o: NewObject<T>): T {
  const metadata: ObjectMeta = {
    uid: randomUUID(),
    resourceVersion: '',
    creationTimestamp: iso(ctx.clock.nowMs()),
    ...o.metadata,
  };
  return ctx.store.create(resource, { ...o, metadata } as unknown as KObject) as T;
}

/** Stores a changed copy; returns the stored object. */
export function replaceObject<T extends KObject>(ctx: SimContext, resource: string, o: T): T {
  return ctx.store.replace(resource, o) as T;
}

/** Writes `status` unless it equals the stored one, so settled controllers stop producing changes. */
export function writeStatus<T extends KObject>(ctx: SimContext, resource: string, o: T, status: unknown): T {
  if (sameJson(o.status, status)) return o;
  return ctx.store.replace(resource, { ...o, status }) as T;
}

export function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

export function controllerOf(o: KObject): OwnerReference | undefined {
  return o.metadata.ownerReferences?.find((r) => r.controller);
}

export function ownerRef(owner: KObject): OwnerReference {
  return { apiVersion: owner.apiVersion, kind: owner.kind, name: owner.metadata.name, uid: owner.metadata.uid, controller: true, blockOwnerDeletion: true };
}

/** Not being deleted and not finished. */
export function isPodActive(p: Pod): boolean {
  return !p.metadata.deletionTimestamp && p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed';
}

export function isPodReady(p: Pod): boolean {
  return conditionTrue(p.status?.conditions, 'Ready');
}

export function conditionTrue(conditions: readonly Condition[] | undefined, type: string): boolean {
  return conditions?.some((c) => c.type === type && c.status === 'True') ?? false;
}

/** Sets one condition, keeping lastTransitionTime when the status does not change. */
export function setCondition(conditions: readonly Condition[] | undefined, next: Condition, nowMs: number): Condition[] {
  const list = [...(conditions ?? [])];
  const i = list.findIndex((c) => c.type === next.type);
  const prev = i >= 0 ? list[i] : undefined;
  const transition = prev && prev.status === next.status ? prev.lastTransitionTime : iso(nowMs);
  const merged: Condition = { ...prev, ...next, lastTransitionTime: transition };
  if (i >= 0) list[i] = merged;
  else list.push(merged);
  return list;
}

export function isDaemonSetPod(p: Pod): boolean {
  return controllerOf(p)?.kind === 'DaemonSet';
}

export function numberAnnotation(o: KObject, key: string, fallback: number): number {
  const raw = o.metadata.annotations?.[key];
  const n = raw === undefined ? NaN : Number(raw);
  return Number.isFinite(n) && n >= 0 ? n : fallback;
}
