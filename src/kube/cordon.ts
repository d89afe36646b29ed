// Cordon and uncordon with an owner: the run id goes into an annotation in the same patch as
// spec.unschedulable, guarded by the resourceVersion read, so a cordon someone else made is never taken over.
import { PatchStrategy } from '@kubernetes/client-node';
import type { V1Node } from '@kubernetes/client-node';
import type { KubeApi } from './api.ts';
import { statusCode } from './api-error.ts';
import { readNode } from './reads.ts';
import type { CordonResult } from './types.ts';
import { ANNOTATIONS } from './types.ts';

/** Read-decide-patch rounds before giving up on a node that keeps changing under us. */
const CONFLICT_ROUNDS = 5;

/** Where the first read may come from (the adapter's node cache) and where a written node goes back. */
export interface NodeSource {
  get(name: string): V1Node | undefined;
  learn(node: V1Node): void;
}

export async function cordon(api: KubeApi, node: string, runId: string, signal?: AbortSignal, cache?: NodeSource): Promise<CordonResult> {
  for (let round = 1; ; round++) {
    const n = (round === 1 ? cache?.get(node) : undefined) ?? (await mustReadNode(api, node, signal));
    const owner = n.metadata?.annotations?.[ANNOTATIONS.cordonedBy];
    if (n.spec?.unschedulable === true) return owner === runId ? { changed: false } : { changed: false, previousOwner: owner ?? 'unknown' };
    const patch = { metadata: { resourceVersion: n.metadata?.resourceVersion, annotations: { [ANNOTATIONS.cordonedBy]: runId } }, spec: { unschedulable: true } };
    if (await patchNode(api, `cordon node ${node}`, { node, patch, cache }, signal)) return { changed: true };
    if (round >= CONFLICT_ROUNDS) throw new Error(`cordon node ${node}: the node changed ${round} times while Daylight tried to cordon it; try again`);
  }
}

export async function uncordon(api: KubeApi, node: string, runId: string, signal?: AbortSignal, cache?: NodeSource): Promise<boolean> {
  for (let round = 1; ; round++) {
    const n = (round === 1 ? cache?.get(node) : undefined) ?? (await mustReadNode(api, node, signal));
    if (n.metadata?.annotations?.[ANNOTATIONS.cordonedBy] !== runId) return false;
    const patch = { metadata: { resourceVersion: n.metadata.resourceVersion, annotations: { [ANNOTATIONS.cordonedBy]: null } }, spec: { unschedulable: false } };
    if (await patchNode(api, `uncordon node ${node}`, { node, patch, cache }, signal)) return true;
    if (round >= CONFLICT_ROUNDS) throw new Error(`uncordon node ${node}: the node changed ${round} times while Daylight tried to uncordon it; try again`);
  }
}

async function mustReadNode(api: KubeApi, node: string, signal?: AbortSignal): Promise<V1Node> {
  const n = await readNode(api, node, signal);
  if (!n) throw new Error(`node "${node}" not found in the cluster`);
  return n;
}

/** A merge patch with a resourceVersion precondition: true when applied, false on a conflict. */
async function patchNode(api: KubeApi, what: string, o: { node: string; patch: object; cache?: NodeSource | undefined }, signal?: AbortSignal): Promise<boolean> {
  try {
    const written = await api.call(what, (opts) => api.core.patchNode({ name: o.node, body: o.patch }, opts), { signal, contentType: PatchStrategy.MergePatch });
    o.cache?.learn(written);
    return true;
  } catch (e: unknown) {
    if (statusCode(e) === 409) return false;
    throw e;
  }
}
