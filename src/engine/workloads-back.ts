// After a node is back: wait until its DaemonSet pods are Ready and every workload that lost pods in the
// drain is whole again, so the next wave never starts on a thinner platform.
import type { WorkloadView } from '../kube/types.ts';
import { atLeastReal } from '../lib/clock.ts';
import type { NodeContext } from './node-context.ts';

const CHECK_EVERY_MS = 2000;

export type BackOutcome = { readonly kind: 'ready'; readonly ms: number } | { readonly kind: 'timeout'; readonly message: string };

/** `workloads` are `Deployment shop/web`-style names from the drain's decisions. */
export async function waitWorkloadsBack(ctx: NodeContext, workloads: readonly string[], timeoutMs: number): Promise<BackOutcome> {
  const started = ctx.clock.now();
  const wanted = new Set(workloads);
  for (;;) {
    const missing = await whatIsMissing(ctx, wanted);
    if (missing.length === 0) return { kind: 'ready', ms: ctx.clock.now() - started };
    // The last look is at the deadline: a long interval (a fast sandbox) must not give up early.
    const left = timeoutMs - (ctx.clock.now() - started);
    if (left <= 0) return { kind: 'timeout', message: `not whole again within ${Math.round(timeoutMs / 1000)}s: ${missing.join('; ')}` };
    await ctx.clock.sleep(Math.min(atLeastReal(ctx.clock, CHECK_EVERY_MS, 250), left), ctx.signal);
  }
}

async function whatIsMissing(ctx: NodeContext, wanted: ReadonlySet<string>): Promise<string[]> {
  const missing: string[] = [];
  const node = await ctx.cluster.getNode(ctx.node, ctx.signal);
  if (!node?.ready) return [`node ${ctx.node} is not Ready`];
  const pods = await ctx.cluster.podsOnNode(ctx.node, ctx.signal);
  const daemons = pods.filter((p) => p.controller?.kind === 'DaemonSet' && !p.terminating && !p.ready);
  if (daemons.length > 0) return [`DaemonSet pods not Ready on the node: ${daemons.map((p) => `${p.namespace}/${p.name}`).join(', ')}`];
  if (wanted.size === 0) return missing;
  const all = await ctx.reads.workloads(ctx.signal);
  for (const w of all) {
    if (!wanted.has(`${w.kind} ${w.namespace}/${w.name}`)) continue;
    if (!whole(w)) missing.push(`${w.kind} ${w.namespace}/${w.name} has ${w.availableReplicas}/${w.replicas} available`);
  }
  return missing;
}

function whole(w: WorkloadView): boolean {
  return w.availableReplicas >= w.replicas && w.observedGeneration >= w.generation;
}
