// After a node is back: wait until its DaemonSet pods are Ready and every workload that lost pods in the
// drain is whole again, so the next wave never starts on a thinner platform. After a reboot, a pod counts
// only on evidence from after the action: a real node keeps its last Ready for the node-monitor grace
// period, so a Ready from before the reboot can still be on show when the node is back.
import type { PodView, WorkloadView } from './ports/cluster-views.ts';
import { atLeastReal } from '../lib/clock.ts';
import { errorMessage, isAbortError } from '../lib/errors.ts';
import type { NodeContext, WatchedNode } from './node-context.ts';

const CHECK_EVERY_MS = 2000;
const CLOCK_TOLERANCE_MS = 2000;

export type BackOutcome = { readonly kind: 'ready'; readonly ms: number } | { readonly kind: 'timeout'; readonly message: string };

/** The node's action as journaled: when it was asked for, and the boot it was asked on. */
export interface ActionMark {
  readonly requestedAt: number;
  readonly bootIdBefore: string;
}

/**
 * `workloads` are `Deployment shop/web`-style names from the drain's decisions (`workloadsToWaitFor`): the
 * DaemonSets among them must have a Ready pod on this node again, the others be whole in the cluster.
 * `action`, when the node was acted on, makes a DaemonSet pod count only with evidence from after it,
 * once the node rebooted.
 */
export async function waitWorkloadsBack(ctx: WatchedNode, workloads: readonly string[], timeoutMs: number, action?: ActionMark): Promise<BackOutcome> {
  const started = ctx.clock.now();
  const left = () => timeoutMs - (ctx.clock.now() - started);
  const timeout = (what: string): BackOutcome => ({ kind: 'timeout', message: `not whole again within ${Math.round(timeoutMs / 1000)}s: ${what}` });
  // The node and its DaemonSet pods through watches (the node cache, one watch of the node's pods): no polling.
  const node = await ctx.cluster.nodes.waitFor(ctx.node, (n) => n.ready, Math.max(0, left()), ctx.signal);
  if (!node) return timeout(`node ${ctx.node} is not Ready`);
  const daemonSets = await existingDaemonSets(ctx, workloads.filter((w) => w.startsWith(DAEMON_SET)).map((w) => w.slice(DAEMON_SET.length)));
  // An upgrade that restarted only the kubelet leaves containers running: their Ready from before is still true.
  const since = action && node.bootId !== action.bootIdBefore ? action.requestedAt - clockTolerance(ctx) : undefined;
  const settled = (ps: readonly PodView[]) => daemonsNotBack(ps, daemonSets, since).length === 0;
  const back = await ctx.nodePods.waitUntil(settled, Math.max(0, left()), ctx.signal);
  if (!back) {
    return timeout(`DaemonSet pods not Ready on the node since its ${since !== undefined ? 'reboot' : 'action'}: ${await notReadyDaemons(ctx, daemonSets, since)}`);
  }
  const wanted = new Set(workloads.filter((w) => !w.startsWith(DAEMON_SET)));
  for (;;) {
    const missing = wanted.size === 0 ? [] : await missingWorkloads(ctx, wanted);
    if (missing.length === 0) return { kind: 'ready', ms: ctx.clock.now() - started };
    // The last look is at the deadline: a long interval (a fast sandbox) must not give up early.
    if (left() <= 0) return timeout(missing.join('; '));
    await ctx.clock.sleep(Math.min(atLeastReal(ctx.clock, CHECK_EVERY_MS, 250), left()), ctx.signal);
  }
}

/** The DaemonSet pods still not Ready or not there, for the timeout's message; a failed read is said as such. */
async function notReadyDaemons(ctx: NodeContext, daemonSets: readonly string[], since: number | undefined): Promise<string> {
  try {
    return daemonsNotBack(await ctx.cluster.pods.onNode(ctx.node, ctx.signal), daemonSets, since).join(', ') || 'none left (they were just Ready)';
  } catch (e: unknown) {
    if (isAbortError(e)) throw e;
    return `which ones could not be read (${errorMessage(e)})`;
  }
}

const DAEMON_SET = 'DaemonSet ';

/**
 * How far the pods' times (the API server's and the kubelet's clocks) may lag ours: a couple of seconds of
 * skew between hosts, or, on a sped-up sandbox, its simulated time running a few event-loop ticks behind
 * our estimate of it. A Ready from before a reboot is older than the drain that came before the action.
 */
function clockTolerance(ctx: NodeContext): number {
  return atLeastReal(ctx.clock, CLOCK_TOLERANCE_MS, 250);
}

/**
 * What keeps the node's DaemonSet pods from being back: each pod there not Ready, or Ready only by a status
 * older than `since` (epoch ms) (`ns/name`), and each of `daemonSets` (`ns/name`, the ones that had a pod
 * on the node before) with no pod on it yet, said as such. A reboot takes a node's pods, and its
 * DaemonSets' controller recreates them only after it is back.
 */
export function daemonsNotBack(pods: readonly PodView[], daemonSets: readonly string[] = [], since?: number): string[] {
  const live = pods.filter((p) => p.controller?.kind === 'DaemonSet' && !p.terminating);
  const notReady = live.filter((p) => !(p.ready && aliveSince(p, since))).map((p) => `${p.namespace}/${p.name}`);
  const present = new Set(live.map((p) => `${p.namespace}/${p.controller?.name ?? ''}`));
  const missing = daemonSets.filter((d) => !present.has(d)).map((d) => `DaemonSet ${d} has no pod on the node yet`);
  return [...notReady, ...missing];
}

/**
 * Whether the pod shows life after `since`: created, Ready, or a container started then. API times have
 * whole seconds, so `since` counts from the start of its second; a Ready from before that second is stale.
 */
export function aliveSince(p: PodView, since: number | undefined): boolean {
  if (since === undefined) return true;
  return p.lastAlive !== undefined && p.lastAlive >= Math.floor(since / 1000) * 1000;
}

/**
 * Of `daemonSets` (`ns/name`), the ones the cluster still has: an orphaned DaemonSet pod (its DaemonSet
 * deleted, kubectl's orphaned-pod case) is never recreated, and waiting for it would last to the timeout.
 */
async function existingDaemonSets(ctx: NodeContext, daemonSets: readonly string[]): Promise<string[]> {
  if (daemonSets.length === 0) return [];
  const live = new Set((await ctx.reads.workloads(ctx.signal)).filter((w) => w.kind === 'DaemonSet').map((w) => `${w.namespace}/${w.name}`));
  return daemonSets.filter((d) => live.has(d));
}

async function missingWorkloads(ctx: NodeContext, wanted: ReadonlySet<string>): Promise<string[]> {
  const missing: string[] = [];
  for (const w of await ctx.reads.workloads(ctx.signal)) {
    if (!wanted.has(`${w.kind} ${w.namespace}/${w.name}`)) continue;
    if (!whole(w)) missing.push(`${w.kind} ${w.namespace}/${w.name} has ${w.availableReplicas}/${w.replicas} available`);
  }
  return missing;
}

function whole(w: WorkloadView): boolean {
  return w.availableReplicas >= w.replicas && w.observedGeneration >= w.generation;
}
