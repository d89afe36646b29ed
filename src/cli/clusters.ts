// Connecting to the clusters a plan names, with an optional --kubeconfig that overrides every cluster's
// (the demo and tests point a plan at a sandbox this way).
import { connect } from '../kube/client.ts';
import type { KubeCluster } from '../kube/adapter.ts';
import type { Plan } from '../plan/schema.ts';
import { mapLimit } from '../lib/concurrency.ts';
import { UserError } from '../lib/errors.ts';
import type { RequestObserver } from '../lib/request-tally.ts';

export const KUBECONFIG_OPTION = { kubeconfig: { type: 'string' as const } };

export interface Connected {
  readonly clusters: ReadonlyMap<string, KubeCluster>;
  close(): Promise<void>;
}

/** `onRequest` is told of every API request to any of the clusters (benchmarks and tests count them). */
export async function connectClusters(plan: Plan, o: { kubeconfig?: string; signal?: AbortSignal; onRequest?: RequestObserver }): Promise<Connected> {
  const secret = plan.spec.clusters.find((c) => c.kubeconfigSecret);
  if (secret) throw new UserError(`cluster ${secret.name} names kubeconfigSecret ${secret.kubeconfigSecret?.name ?? ''}: only daylight controller reads it, in the cluster; to run this plan here, give the cluster a kubeconfig or a context of --kubeconfig`);
  const list = await mapLimit(plan.spec.clusters, 4, (c) =>
    connect({ name: c.name, kubeconfig: o.kubeconfig ?? c.kubeconfig, context: c.context, env: process.env, signal: o.signal, ...(o.onRequest ? { onRequest: o.onRequest } : {}) }),
  );
  const clusters = new Map(list.map((c) => [c.name, c]));
  return { clusters, close: async () => void (await Promise.all(list.map((c) => c.close()))) };
}
