// A coordination.k8s.io/v1 Lease as a lock between Daylight runs, by client-go's leader-election rules: take
// it when absent, expired or ours, by a replace guarded by the resourceVersion (409: another holder won).
// Expired is judged as client-go does (its observedTime): by when this process last saw the Lease change,
// on its own clock, plus the lease's duration; never by the other host's renewTime against our clock.
import { V1MicroTime } from '@kubernetes/client-node';
import type { V1Lease } from '@kubernetes/client-node';
import type { Clock } from '../lib/clock.ts';
import type { KubeApi } from './api.ts';
import { statusCode } from './api-error.ts';
import type { LeaseHolder, LeaseResult } from './types.ts';

export const LEASE_NAMESPACE = 'kube-system';

export interface LeaseContext {
  readonly api: KubeApi;
  readonly clock: Clock;
  /** What this process saw of each Lease, kept for as long as the adapter lives. */
  readonly leases: LeaseObservations;
}

/**
 * For each Lease, what this process last saw of it (resourceVersion, holder, renewTime) and when, on this
 * process's clock, that last changed: client-go's observedRecord and observedTime.
 */
export class LeaseObservations {
  private readonly seen = new Map<string, { readonly record: string; readonly at: number }>();

  /** Notes `lease` as seen at `now`; returns when it was first seen as it is now. */
  observe(lease: V1Lease, now: number): number {
    const name = `${lease.metadata?.namespace ?? ''}/${lease.metadata?.name ?? ''}`;
    const s = lease.spec;
    const record = JSON.stringify([lease.metadata?.resourceVersion, s?.holderIdentity, String(s?.renewTime ?? ''), s?.leaseDurationSeconds, s?.leaseTransitions]);
    const last = this.seen.get(name);
    if (last?.record === record) return last.at;
    this.seen.set(name, { record, at: now });
    return now;
  }
}

export async function readLeaseObject(c: LeaseContext, name: string, signal?: AbortSignal): Promise<V1Lease | undefined> {
  try {
    return await c.api.call(`read Lease ${LEASE_NAMESPACE}/${name}`, (o) => c.api.coordination.readNamespacedLease({ name, namespace: LEASE_NAMESPACE }, o), { signal });
  } catch (e: unknown) {
    if (statusCode(e) === 404) return undefined;
    throw e;
  }
}

/** Who holds the Lease; undefined when it does not exist or nobody holds it. */
export async function readLease(c: LeaseContext, name: string, signal?: AbortSignal): Promise<LeaseHolder | undefined> {
  const lease = await readLeaseObject(c, name, signal);
  return lease && lease.spec?.holderIdentity ? holderOf(lease) : undefined;
}

export async function acquireLease(c: LeaseContext, o: { name: string; holder: string; durationSeconds: number }, signal?: AbortSignal): Promise<LeaseResult> {
  const current = await readLeaseObject(c, o.name, signal);
  const now = c.clock.now();
  if (!current) return createLease(c, o, signal);
  const observedAt = c.leases.observe(current, now);
  const held = current.spec?.holderIdentity;
  const expiresAt = observedAt + (current.spec?.leaseDurationSeconds ?? 0) * 1000;
  if (held && held !== o.holder && expiresAt > now) return { acquired: false, heldBy: { ...holderOf(current), observedAt, expiresAt } };
  const spec = current.spec ?? {};
  const taken = held !== o.holder;
  const next: V1Lease = {
    ...current,
    spec: {
      ...spec,
      holderIdentity: o.holder,
      leaseDurationSeconds: o.durationSeconds,
      renewTime: new V1MicroTime(now),
      acquireTime: taken ? new V1MicroTime(now) : spec.acquireTime,
      leaseTransitions: (spec.leaseTransitions ?? 0) + (taken && held ? 1 : 0),
    },
  };
  if (await replaceLease(c, next, signal)) return { acquired: true };
  return lostRace(c, o, signal);
}

/** Renews our hold; false when the Lease is gone or someone else holds it now. */
export async function renewLease(c: LeaseContext, name: string, holder: string, signal?: AbortSignal): Promise<boolean> {
  const current = await readLeaseObject(c, name, signal);
  if (!current || current.spec?.holderIdentity !== holder) return false;
  return replaceLease(c, { ...current, spec: { ...current.spec, renewTime: new V1MicroTime(c.clock.now()) } }, signal);
}

/** Gives the Lease up if we hold it: the holder is cleared so the next run takes it at once. */
export async function releaseLease(c: LeaseContext, name: string, holder: string, signal?: AbortSignal): Promise<void> {
  const current = await readLeaseObject(c, name, signal);
  if (!current || current.spec?.holderIdentity !== holder) return;
  const spec = { ...current.spec, holderIdentity: undefined, leaseDurationSeconds: 1, renewTime: new V1MicroTime(c.clock.now()) };
  await replaceLease(c, { ...current, spec }, signal);
}

async function createLease(c: LeaseContext, o: { name: string; holder: string; durationSeconds: number }, signal?: AbortSignal): Promise<LeaseResult> {
  const now = new V1MicroTime(c.clock.now());
  const body: V1Lease = {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: { name: o.name, namespace: LEASE_NAMESPACE },
    spec: { holderIdentity: o.holder, leaseDurationSeconds: o.durationSeconds, acquireTime: now, renewTime: now, leaseTransitions: 0 },
  };
  try {
    const written = await c.api.call(`create Lease ${LEASE_NAMESPACE}/${o.name}`, (opts) => c.api.coordination.createNamespacedLease({ namespace: LEASE_NAMESPACE, body }, opts), { signal });
    c.leases.observe(written, c.clock.now());
    return { acquired: true };
  } catch (e: unknown) {
    if (statusCode(e) !== 409) throw e;
    return lostRace(c, o, signal);
  }
}

/** Replace guarded by the resourceVersion in `lease`: false on a conflict (someone else wrote first) or when it is gone. */
async function replaceLease(c: LeaseContext, lease: V1Lease, signal?: AbortSignal): Promise<boolean> {
  const name = lease.metadata?.name ?? '';
  try {
    const written = await c.api.call(`update Lease ${LEASE_NAMESPACE}/${name}`, (o) => c.api.coordination.replaceNamespacedLease({ name, namespace: LEASE_NAMESPACE, body: lease }, o), { signal });
    // Our own write is a change we saw: the next holder's wait counts from it, as client-go's does.
    c.leases.observe(written, c.clock.now());
    return true;
  } catch (e: unknown) {
    const code = statusCode(e);
    if (code === 409 || code === 404) return false;
    throw e;
  }
}

/** After a conflict: who won. Us, when a retried write had gone through before its answer was lost. */
async function lostRace(c: LeaseContext, o: { name: string; holder: string }, signal?: AbortSignal): Promise<LeaseResult> {
  const winner = await readLeaseObject(c, o.name, signal);
  if (winner?.spec?.holderIdentity === o.holder) return { acquired: true };
  return { acquired: false, heldBy: winner ? holderOf(winner) : { holder: 'unknown' } };
}

function holderOf(lease: V1Lease): LeaseHolder {
  const renewedAt = timeMs(lease.spec?.renewTime ?? lease.spec?.acquireTime);
  const durationSeconds = lease.spec?.leaseDurationSeconds;
  return {
    holder: lease.spec?.holderIdentity ?? '',
    ...(renewedAt !== undefined ? { renewedAt } : {}),
    ...(durationSeconds !== undefined ? { durationSeconds } : {}),
  };
}

/** client-node leaves MicroTime fields as the server's string when reading; accept both. */
function timeMs(t: Date | string | undefined): number | undefined {
  if (t === undefined) return undefined;
  const ms = t instanceof Date ? t.getTime() : Date.parse(t);
  return Number.isFinite(ms) ? ms : undefined;
}
