// One node's maintenance from where its journal left it: cordon, drain, act, confirm, wait until its
// workloads are whole, uncordon. Each step is journaled before the next; every wait ends in its policy.
import { PermissionDenied } from './ports/errors.ts';
import type { PdbView, PodView } from './ports/cluster-views.ts';
import type { CommandExec } from '../lib/command-exec.ts';
import { drainNode } from './drain.ts';
import type { DrainOutcome } from './drain.ts';
import { performAction } from './node-action.ts';
import type { NodeContext, WatchedNode } from './node-context.ts';
import { compileLabelSelector } from '../lib/selectors.ts';
import type { BudgetBreach, NodeOutcome } from './events.ts';
import { uncordonWithRetry } from './give-back.ts';
import { refusedText } from './refusal.ts';
import { atOrBefore } from './state.ts';
import type { NodeState, NodeStep } from './state.ts';
import { waitWorkloadsBack } from './workloads-back.ts';
import type { ActionMark } from './workloads-back.ts';

/** A node whose policy is `fail`: the run stops. */
export class NodeFailure extends Error {
  readonly node: string;

  constructor(node: string, message: string) {
    super(message);
    this.name = 'NodeFailure';
    this.node = node;
  }
}

export interface PipelineInput {
  readonly ctx: NodeContext;
  readonly state: NodeState | undefined;
  /** Workloads evicted from this node earlier (a resumed run reads them from the journal). */
  readonly evictedWorkloads: readonly string[];
  readonly exec: CommandExec;
}

/**
 * A permission the API server refused fails the node at once, whichever step met it: no retry and no drain
 * policy cures it, and every other node would meet it too. The failure names who lacked what.
 */
export async function maintainNode(p: PipelineInput): Promise<NodeOutcome> {
  try {
    return await maintainSteps(p);
  } catch (e: unknown) {
    if (!(e instanceof PermissionDenied)) throw e;
    throw new NodeFailure(p.ctx.node, refusedText(e.what, e.denial));
  }
}

async function maintainSteps(p: PipelineInput): Promise<NodeOutcome> {
  const step = p.state?.step ?? 'pending';
  if (step === 'done') return p.state?.outcome ?? 'maintained';
  if (atOrBefore(step, 'cordoned')) {
    const taken = await cordon(p.ctx);
    if (taken) return taken;
  }
  if (!atOrBefore(step, 'back')) return giveBack(p.ctx, 'maintained');
  // One watch of the node's pods serves the drain and the wait for its DaemonSet pods after the action.
  const nodePods = await p.ctx.cluster.pods.watchNode(p.ctx.node, p.ctx.signal);
  try {
    return await afterCordon({ ...p, ctx: { ...p.ctx, nodePods } }, step);
  } finally {
    nodePods.close();
  }
}

async function afterCordon(p: PipelineInput & { readonly ctx: WatchedNode }, step: NodeStep): Promise<NodeOutcome> {
  const { ctx } = p;
  let workloads = p.evictedWorkloads;
  if (atOrBefore(step, 'draining')) {
    const drained = await drain(ctx);
    if (typeof drained === 'string') return drained;
    workloads = drained;
  }
  let mark = actionMark(p.state?.action);
  if (atOrBefore(step, 'acting')) {
    const acted = await act(p, step === 'acting' ? p.state?.action : undefined);
    if (typeof acted === 'string') return acted;
    mark = acted;
  }
  if (atOrBefore(step, 'back')) {
    const back = await waitWorkloadsBack(ctx, workloads, ctx.phase.ready.timeout.ms, mark);
    if (back.kind === 'timeout') return onReadyTimeout(ctx, back.message);
    await ctx.record({ type: 'node.ready', cluster: ctx.clusterName, node: ctx.node, ms: back.ms });
  }
  return giveBack(ctx, 'maintained');
}

/** Cordons, unless someone else holds a cordon on it: then the node is not ours to touch. */
async function cordon(ctx: NodeContext): Promise<NodeOutcome | undefined> {
  await ctx.record({ type: 'node.cordon.requested', cluster: ctx.clusterName, node: ctx.node });
  const r = await ctx.cluster.nodes.cordon(ctx.node, ctx.runId, ctx.signal);
  if (r.previousOwner !== undefined && r.previousOwner !== ctx.runId) {
    const message = `cordoned by ${r.previousOwner === 'unknown' ? 'someone else' : `run ${r.previousOwner}`} before this run reached it; left alone`;
    await ctx.record({ type: 'node.done', cluster: ctx.clusterName, node: ctx.node, outcome: 'skipped', message });
    return 'skipped';
  }
  await ctx.record({ type: 'node.cordoned', cluster: ctx.clusterName, node: ctx.node, changed: r.changed, ...(r.previousOwner ? { previousOwner: r.previousOwner } : {}) });
  const a = ctx.phase.action;
  await event(ctx, 'DaylightCordoned', `cordoned by run ${ctx.runId} for maintenance: drain through the Eviction API, then ${a.operation}${a.version ? ` to ${a.version}` : ''} (${a.type}), then uncordon once its workloads are whole`);
  return undefined;
}

/** Drains; returns the workloads that lost pods, or the node's outcome when the drain policy ended it. */
async function drain(ctx: WatchedNode): Promise<string[] | NodeOutcome> {
  const outcome = await drainNode(ctx);
  if (outcome.kind === 'forbidden') {
    const message = refusedText(`eviction of ${outcome.pod} from node ${ctx.node}`, outcome.denial);
    await event(ctx, 'DaylightDrainBlocked', message, 'Warning');
    throw new NodeFailure(ctx.node, message);
  }
  if (outcome.kind === 'drained') {
    // One event per maintained node (at its cordon) tells people what happens; the journal holds every step.
    await ctx.record({ type: 'node.drained', cluster: ctx.clusterName, node: ctx.node, ms: outcome.ms, evicted: outcome.evicted });
    return [...outcome.workloads];
  }
  return onDrainTimeout(ctx, outcome);
}

async function onDrainTimeout(ctx: NodeContext, outcome: Exclude<DrainOutcome, { kind: 'drained' | 'forbidden' }>): Promise<string[] | NodeOutcome> {
  const policy = ctx.phase.drain.onTimeout;
  await ctx.record({ type: 'node.drain.timeout', cluster: ctx.clusterName, node: ctx.node, policy, blockers: outcome.blockers });
  const summary = `${outcome.kind === 'refused' ? 'drain refused' : `drain did not finish within ${ctx.phase.drain.timeout.toString()}`}: ${outcome.blockers.join('; ')}`;
  await event(ctx, 'DaylightDrainBlocked', summary, 'Warning');
  if (policy === 'fail') throw new NodeFailure(ctx.node, summary);
  if (policy === 'skip') return giveBack(ctx, 'skipped', summary);
  if (policy === 'quarantine') {
    await ctx.record({ type: 'node.done', cluster: ctx.clusterName, node: ctx.node, outcome: 'quarantined', message: summary });
    return 'quarantined';
  }
  await forceDelete(ctx, outcome.kind === 'timeout' ? outcome.remaining : await ctx.cluster.pods.onNode(ctx.node, ctx.signal));
  return [...outcome.workloads];
}

/**
 * The `force` policy: delete what the drain could not evict (never DaemonSet or mirror pods). The user
 * allowed it, but it is no eviction: every pod deleted and every budget it takes below its minimum is
 * journaled, so the run cannot end `succeeded` and the report names them.
 */
async function forceDelete(ctx: NodeContext, pods: readonly PodView[]): Promise<void> {
  const victims = pods.filter((p) => p.controller?.kind !== 'DaemonSet' && !p.mirror && p.phase !== 'Succeeded' && p.phase !== 'Failed');
  const budgets = breaches(victims, await ctx.cluster.budgets.list(ctx.signal));
  await ctx.record({ type: 'node.pods.deleted', cluster: ctx.clusterName, node: ctx.node, pods: victims.map((p) => `${p.namespace}/${p.name}`), budgets });
  for (const pod of victims) await ctx.cluster.pods.delete(pod, 0, ctx.signal);
  // Bounded by the plan's drain timeout: deleted with no grace period, they should go at once.
  const left = await ctx.cluster.pods.waitGone(ctx.node, victims.map((p) => p.uid), ctx.phase.drain.timeout.ms, ctx.signal);
  if (left.length > 0) {
    const names = victims.filter((p) => left.includes(p.uid)).map((p) => `${p.namespace}/${p.name}`);
    await ctx.record({ type: 'warning', cluster: ctx.clusterName, message: `${ctx.node}: ${names.length} force-deleted pod(s) still on the node after ${ctx.phase.drain.timeout.toString()}: ${names.join(', ')}` });
  }
}

/** The budgets whose healthy pods the deletions take below what they must keep. */
export function breaches(victims: readonly PodView[], pdbs: readonly PdbView[]): BudgetBreach[] {
  const out: BudgetBreach[] = [];
  for (const b of pdbs) {
    const selects = compileLabelSelector(b.selector);
    const deleted = victims.filter((p) => p.namespace === b.namespace && p.ready && !p.terminating && selects(p.labels)).length;
    if (deleted > 0 && b.currentHealthy - deleted < b.desiredHealthy) out.push({ pdb: `${b.namespace}/${b.name}`, desiredHealthy: b.desiredHealthy, healthyBefore: b.currentHealthy, deleted });
  }
  return out;
}

/** When the action was asked for and on which boot: what a pod must show life after to count as back. */
function actionMark(a: NodeState['action']): ActionMark | undefined {
  return a?.requestedAt !== undefined ? { requestedAt: a.requestedAt, bootIdBefore: a.bootIdBefore } : undefined;
}

async function act(p: PipelineInput, resumed: NodeState['action']): Promise<NodeOutcome | ActionMark> {
  const { ctx } = p;
  const outcome = await performAction(ctx, p.exec, resumed);
  if (outcome.kind === 'confirmed') {
    await ctx.record({ type: 'node.action.confirmed', cluster: ctx.clusterName, node: ctx.node, bootId: outcome.node.bootId, kubeletVersion: outcome.node.kubeletVersion, ms: outcome.ms });
    return outcome.mark;
  }
  await ctx.record({ type: 'node.action.failed', cluster: ctx.clusterName, node: ctx.node, message: outcome.message });
  return onReadyTimeout(ctx, outcome.message);
}

async function onReadyTimeout(ctx: NodeContext, message: string): Promise<NodeOutcome> {
  const policy = ctx.phase.ready.onTimeout;
  await ctx.record({ type: 'node.ready.timeout', cluster: ctx.clusterName, node: ctx.node, policy, message });
  await event(ctx, 'DaylightNodeNotBack', message, 'Warning');
  if (policy === 'fail') throw new NodeFailure(ctx.node, message);
  if (policy === 'skip') return giveBack(ctx, 'skipped', message);
  await ctx.record({ type: 'node.done', cluster: ctx.clusterName, node: ctx.node, outcome: 'quarantined', message });
  return 'quarantined';
}

/**
 * Uncordons (only this run's cordon) and marks the node done. An uncordon that still fails after its
 * retries leaves the node cordoned and named as such: the run goes on, and cannot end `succeeded`.
 */
export async function giveBack(ctx: NodeContext, outcome: NodeOutcome, message?: string): Promise<NodeOutcome> {
  await ctx.record({ type: 'node.uncordon.requested', cluster: ctx.clusterName, node: ctx.node });
  const r = await uncordonWithRetry({ cluster: ctx.cluster, node: ctx.node, runId: ctx.runId, clock: ctx.clock, signal: ctx.signal });
  if (r.kind === 'failed') {
    await ctx.record({ type: 'node.held', cluster: ctx.clusterName, node: ctx.node, reason: r.message });
    await event(ctx, 'DaylightUncordonFailed', `left cordoned by run ${ctx.runId}: ${r.message}`, 'Warning');
  } else {
    await ctx.record({ type: 'node.uncordoned', cluster: ctx.clusterName, node: ctx.node, changed: r.changed });
    // A node maintained as announced at its cordon needs no second event; any other end is told.
    if (r.changed && outcome !== 'maintained') await event(ctx, 'DaylightUncordoned', `uncordoned by run ${ctx.runId}: ${outcome}${message ? ` (${message})` : ''}`, 'Warning');
  }
  await ctx.record({ type: 'node.done', cluster: ctx.clusterName, node: ctx.node, outcome, ...(message ? { message } : {}) });
  return outcome;
}

/** Events are for people; failing to write one never stops maintenance. */
async function event(ctx: NodeContext, reason: string, message: string, type: 'Normal' | 'Warning' = 'Normal'): Promise<void> {
  try {
    await ctx.cluster.events.onNode(ctx.node, { reason, message, type }, ctx.signal);
  } catch (e: unknown) {
    if (e instanceof Error && e.name === 'AbortError') throw e;
  }
}
