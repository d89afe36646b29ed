// A run journal's signed head kept in the cluster: one ConfigMap per run in kube-system (where the run's
// Lease is), written as the run goes and read by `daylight audit verify`. It only ever moves forward.
import { createHash } from 'node:crypto';
import type { V1ConfigMap } from '@kubernetes/client-node';
import type { KubeApi } from './api.ts';
import { statusCode } from './api-error.ts';
import { LEASE_NAMESPACE } from './lease.ts';

export const HEAD_NAMESPACE = LEASE_NAMESPACE;

/** The head as stored; the same shape as the engine's SignedHead. */
export interface StoredHead {
  readonly runId: string;
  readonly seq: number;
  readonly hash: string;
  readonly keyId: string;
  readonly sig: string;
}

/** `daylight-journal-<run id>`, made a valid object name; a run id that needed changes gets a digest suffix. */
export function headConfigMapName(runId: string): string {
  const clean = runId.toLowerCase().replace(/[^a-z0-9.-]/g, '-').replace(/^[^a-z0-9]+|[^a-z0-9]+$/g, '');
  const name = `daylight-journal-${clean}`;
  if (clean === runId && name.length <= 253) return name;
  return `${name.slice(0, 236)}-${createHash('sha256').update(runId).digest('hex').slice(0, 16)}`;
}

export function describeHeadLocation(cluster: string, runId: string): string {
  return `cluster ${cluster} (ConfigMap ${HEAD_NAMESPACE}/${headConfigMapName(runId)})`;
}

export async function readHead(api: KubeApi, runId: string, signal?: AbortSignal): Promise<StoredHead | undefined> {
  const cm = await readConfigMap(api, headConfigMapName(runId), signal);
  return cm ? headOf(cm) : undefined;
}

/** What a store last wrote: the ConfigMap's resourceVersion and the seq in it, so the next write is one request. */
export interface HeadVersion {
  readonly resourceVersion: string;
  readonly seq: number;
}

/**
 * Creates or moves forward the run's head, one request when `last` (what this process wrote before) is
 * still current; a head at the same or a later seq is left as it is. Returns what is there now.
 */
export async function writeHead(api: KubeApi, head: StoredHead, last?: HeadVersion, signal?: AbortSignal): Promise<HeadVersion> {
  const name = headConfigMapName(head.runId);
  let current = last;
  for (let attempt = 0; attempt < 3; attempt++) {
    if (current && current.seq >= head.seq) return current;
    const body: V1ConfigMap = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name, namespace: HEAD_NAMESPACE, labels: { 'app.kubernetes.io/managed-by': 'daylight' }, ...(current ? { resourceVersion: current.resourceVersion } : {}) },
      data: { runId: head.runId, seq: String(head.seq), hash: head.hash, keyId: head.keyId, sig: head.sig },
    };
    try {
      const written = current
        ? await api.call(`update ConfigMap ${HEAD_NAMESPACE}/${name}`, (o) => api.core.replaceNamespacedConfigMap({ name, namespace: HEAD_NAMESPACE, body }, o), { signal })
        : await api.call(`create ConfigMap ${HEAD_NAMESPACE}/${name}`, (o) => api.core.createNamespacedConfigMap({ namespace: HEAD_NAMESPACE, body }, o), { signal });
      return { resourceVersion: written.metadata?.resourceVersion ?? '', seq: head.seq };
    } catch (e: unknown) {
      // 409: it exists already, or another writer (a `daylight abort` of the same run) got there first;
      // 404: it was deleted. Read what is there and compare.
      const code = statusCode(e);
      if (code !== 409 && code !== 404) throw e;
      const cm = await readConfigMap(api, name, signal);
      current = cm ? { resourceVersion: cm.metadata?.resourceVersion ?? '', seq: headOf(cm)?.seq ?? 0 } : undefined;
    }
  }
  throw new Error(`ConfigMap ${HEAD_NAMESPACE}/${name} kept changing under three writes; the head is written again with the next entry`);
}

async function readConfigMap(api: KubeApi, name: string, signal?: AbortSignal): Promise<V1ConfigMap | undefined> {
  try {
    return await api.call(`read ConfigMap ${HEAD_NAMESPACE}/${name}`, (o) => api.core.readNamespacedConfigMap({ name, namespace: HEAD_NAMESPACE }, o), { signal });
  } catch (e: unknown) {
    if (statusCode(e) === 404) return undefined;
    throw e;
  }
}

function headOf(cm: V1ConfigMap): StoredHead | undefined {
  const d = cm.data ?? {};
  const seq = Number(d.seq);
  if (!d.runId || !Number.isInteger(seq) || !d.hash || !d.keyId || !d.sig) return undefined;
  return { runId: d.runId, seq, hash: d.hash, keyId: d.keyId, sig: d.sig };
}
