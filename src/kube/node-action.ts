// The node action request of DESIGN.md section 6: a JSON annotation on the node that the node agent
// (the simulated kubelet in the sandbox) carries out and answers in daylight.dev/action-status.
import { PatchStrategy } from '@kubernetes/client-node';
import type { KubeApi } from './api.ts';
import type { NodeSource } from './cordon.ts';
import type { NodeActionRequest } from './types.ts';
import { ANNOTATIONS } from './types.ts';

export function actionAnnotation(a: NodeActionRequest): string {
  return JSON.stringify({ id: a.id, operation: a.operation, ...(a.version !== undefined ? { version: a.version } : {}), ...(a.rebootAfter !== undefined ? { rebootAfter: a.rebootAfter } : {}) });
}

export async function requestNodeAction(api: KubeApi, node: string, action: NodeActionRequest, signal?: AbortSignal, cache?: NodeSource): Promise<void> {
  const body = { metadata: { annotations: { [ANNOTATIONS.action]: actionAnnotation(action) } } };
  const written = await api.call(`request ${action.operation} of node ${node}`, (o) => api.core.patchNode({ name: node, body }, o), { signal, contentType: PatchStrategy.MergePatch });
  cache?.learn(written);
}
