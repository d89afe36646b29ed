// Draining one node through the Eviction API: a filter chain that decides per pod with a reason, evictions
// retried with jittered backoff while a budget blocks them (after the server's Retry-After when its flow
// control throttles them), one watch until the pods are gone, and on timeout a diagnostic that names each
// blocking budget with live numbers. A missing permission ends the drain at once: no retry cures it.
import { backoffDelay } from '../lib/backoff.ts';
import { atLeastReal } from '../lib/clock.ts';
import { mapLimit } from '../lib/concurrency.ts';
import { compileLabelSelector } from '../lib/selectors.ts';
import type { Denial, EvictionAnswer, PodView } from './ports/cluster-views.ts';
import { errorMessage, isAbortError } from '../lib/errors.ts';
import type { DrainPolicy } from '../plan/schema.ts';
import type { PodDecision } from './events.ts';
import type { NodeContext, WatchedNode } from './node-context.ts';

export type DrainOutcome =
  | { readonly kind: 'drained'; readonly evicted: number; readonly ms: number; readonly workloads: readonly string[] }
  | { readonly kind: 'refused'; readonly blockers: readonly string[]; readonly workloads: readonly string[] }
  | { readonly kind: 'timeout'; readonly blockers: readonly string[]; readonly remaining: readonly PodView[]; readonly workloads: readonly string[] }
  | { readonly kind: 'forbidden'; readonly pod: string; readonly denial: Denial };

const BACKOFF = { baseMs: 1000, capMs: 15_000 };
const EVICT_CONCURRENCY = 16;
const QUEUED_PAUSE_MS = 1000;

/** kubectl drain's filter chain, as data: what happens to each pod on the node, and why. */
export function decide(pod: PodView, policy: DrainPolicy): PodDecision {
  const workload = pod.workload ? `${pod.workload.kind} ${pod.namespace}/${pod.workload.name}` : undefined;
  const d = (decision: PodDecision['decision'], reason: string): PodDecision => ({ pod: `${pod.namespace}/${pod.name}`, uid: pod.uid, decision, reason, ...(workload ? { workload } : {}) });
  if (pod.phase === 'Succeeded' || pod.phase === 'Failed') return d('skip', 'finished');
  if (pod.mirror) return d('skip', 'static pod (mirror)');
  if (pod.controller?.kind === 'DaemonSet') return policy.ignoreDaemonSets ? d('skip', 'DaemonSet-managed') : d('refuse', 'DaemonSet-managed; set drain.ignoreDaemonSets: true');
  if (pod.terminating) return d('evict', 'already terminating');
  if (pod.emptyDir && !policy.deleteEmptyDirData) return d('refuse', 'has emptyDir data; set drain.deleteEmptyDirData: true to let its data go');
  if (!pod.controller && !policy.force) return d('refuse', 'no controller owns it, so it will not come back; set drain.force: true to evict it anyway');
  return d('evict', workload ?? 'unmanaged (drain.force)');
}

/**
 * What must be whole again before the node is given back, from the drain's decisions: the workloads that
 * lose pods, and the DaemonSets whose pods the drain leaves on the node (a reboot takes them, and their
 * controller recreates them only later: a node with none of its DaemonSet pods yet is not back).
 */
export function workloadsToWaitFor(decisions: readonly PodDecision[]): string[] {
  const waited = (d: PodDecision) => d.decision !== 'skip' || d.workload?.startsWith('DaemonSet ') === true;
  return [...new Set(decisions.filter((d) => waited(d) && d.workload).map((d) => d.workload as string))];
}

export async function drainNode(ctx: WatchedNode): Promise<DrainOutcome> {
  const started = ctx.clock.now();
  const policy = ctx.phase.drain;
  const pods = await podsNow(ctx);
  const decisions = pods.map((p) => ({ pod: p, decision: decide(p, policy) }));
  await ctx.record({ type: 'node.drain.started', cluster: ctx.clusterName, node: ctx.node, pods: decisions.map((x) => x.decision) });
  const workloads = workloadsToWaitFor(decisions.map((x) => x.decision));
  const refused = decisions.filter((x) => x.decision.decision === 'refuse');
  if (refused.length > 0) return { kind: 'refused', blockers: refused.map((x) => `${x.decision.pod}: ${x.decision.reason}`), workloads };
  const deadline = started + policy.timeout.ms;
  const targets = decisions.filter((x) => x.decision.decision === 'evict').map((x) => x.pod);
  const grace = policy.gracePeriod ? Math.round(policy.gracePeriod.seconds) : undefined;
  // The first eviction refused for want of a permission stops the others: they would all be refused alike.
  const halt = new AbortController();
  let refusal: { pod: string; denial: Denial } | undefined;
  const signal = AbortSignal.any([ctx.signal, halt.signal]);
  const evicted = await mapLimit(targets, EVICT_CONCURRENCY, async (p) => {
    if (halt.signal.aborted) return false;
    try {
      const r = await evictUntil({ ...ctx, signal }, p, { deadline, grace });
      if (typeof r === 'boolean') return r;
      refusal ??= { pod: `${p.namespace}/${p.name}`, denial: r };
      halt.abort();
      return false;
    } catch (e: unknown) {
      if (halt.signal.aborted && !ctx.signal.aborted && isAbortError(e)) return false;
      throw e;
    }
  });
  if (refusal) return { kind: 'forbidden', ...refusal };
  const waitMs = Math.max(0, deadline - ctx.clock.now());
  const remainingUids = new Set(await waitGone(ctx, targets.map((p) => p.uid), waitMs));
  // The last backoff can leave the wait no time to look at all: a pod evicted long ago is not a blocker.
  if (remainingUids.size > 0) {
    const present = new Set((await podsNow(ctx)).map((p) => p.uid));
    for (const uid of remainingUids) if (!present.has(uid)) remainingUids.delete(uid);
  }
  const remaining = targets.filter((p) => remainingUids.has(p.uid));
  if (remaining.length === 0) return { kind: 'drained', evicted: evicted.filter(Boolean).length, ms: ctx.clock.now() - started, workloads };
  return { kind: 'timeout', remaining, blockers: await diagnose(ctx, remaining), workloads };
}

function podsNow(ctx: WatchedNode): Promise<PodView[]> {
  return ctx.nodePods.pods(ctx.signal);
}

/** The UIDs still on the node after `waitMs` of cluster time, or none once they are all gone. */
async function waitGone(ctx: WatchedNode, uids: readonly string[], waitMs: number): Promise<string[]> {
  const wanted = new Set(uids);
  let left: string[] = [...uids];
  await ctx.nodePods.waitUntil((pods) => (left = pods.filter((p) => wanted.has(p.uid)).map((p) => p.uid)).length === 0, waitMs, ctx.signal);
  return left;
}

/**
 * Evicts one pod, backing off while a budget blocks it; returns whether the API accepted it, or the
 * permission whose lack made the API server refuse it.
 */
async function evictUntil(ctx: NodeContext, pod: PodView, o: { deadline: number; grace?: number }): Promise<boolean | Denial> {
  if (pod.terminating) return true;
  let reported = '';
  for (let attempt = 0; ; attempt++) {
    // An eviction waits for its budget's room instead of being refused.
    const wait = Math.max(0, Math.min(o.deadline - ctx.clock.now(), backoffDelay(BACKOFF, attempt + 2)));
    const release = await ctx.budgets.turn(pod, { clock: ctx.clock, maxMs: wait, signal: ctx.signal });
    let answer: EvictionAnswer;
    try {
      answer = await ctx.cluster.pods.evict(pod, o.grace, ctx.signal);
    } finally {
      release();
    }
    if (answer.kind === 'evicted' || answer.kind === 'gone') return true;
    if (answer.kind === 'forbidden') return answer.denial;
    if (answer.kind === 'namespace-terminating') {
      // As kubectl drain does: the server evicts nothing in a namespace being deleted, whose deletion takes
      // the pod anyway; a DELETE (guarded by its UID, with the plan's grace) lets the drain finish.
      await ctx.cluster.pods.delete(pod, o.grace, ctx.signal);
      await ctx.record({ type: 'warning', cluster: ctx.clusterName, message: `${ctx.node}: pod ${pod.namespace}/${pod.name} deleted instead of evicted: its namespace is being deleted, and the API server evicts nothing there` });
      return true;
    }
    const diagnostic = describeAnswer(pod, answer);
    if (diagnostic !== reported) {
      await ctx.record({ type: 'node.pod.blocked', cluster: ctx.clusterName, node: ctx.node, pod: `${pod.namespace}/${pod.name}`, answer, diagnostic });
      reported = diagnostic;
    }
    // Refused although the watched budget had room (it lagged): a short pause, then the queue again.
    const queued = ctx.budgets !== undefined && answer.kind === 'blocked';
    const delay = answer.kind === 'throttled' ? retryAfter(ctx, answer.retryAfterSeconds) : atLeastReal(ctx.clock, queued ? QUEUED_PAUSE_MS : backoffDelay(BACKOFF, answer.kind === 'misconfigured' ? attempt + 3 : attempt), 100);
    if (ctx.clock.now() + delay >= o.deadline) return false;
    await ctx.clock.sleep(delay, ctx.signal);
  }
}

/** The server's Retry-After is real seconds: on a sped-up sandbox clock it lasts that many real seconds. */
function retryAfter(ctx: NodeContext, seconds: number): number {
  return Math.max(1, seconds) * 1000 * ctx.clock.speed;
}

function describeAnswer(pod: PodView, a: Exclude<EvictionAnswer, { kind: 'evicted' | 'gone' | 'forbidden' | 'namespace-terminating' }>): string {
  const name = `${pod.namespace}/${pod.name}`;
  if (a.kind === 'throttled') return `eviction of ${name} throttled by the API server (HTTP 429, not a disruption budget): ${a.message}; tried again after its Retry-After of ${a.retryAfterSeconds}s`;
  if (a.kind === 'blocked') return `eviction of ${name} refused by its disruption budget: ${a.message}`;
  if (a.kind === 'misconfigured') return `eviction of ${name} impossible: ${a.message} (several PodDisruptionBudgets select it; make one of them stop selecting it)`;
  return `eviction of ${name} failed with ${a.status}: ${a.message}`;
}

/** The value, or a sentence saying what could not be read and why; an abort passes through. */
async function readOr<T>(read: () => Promise<T>, what: string): Promise<T | string> {
  try {
    return await read();
  } catch (e: unknown) {
    if (isAbortError(e)) throw e;
    return `${what} could not be read: ${errorMessage(e)}`;
  }
}

/** Why each remaining pod is still there, with the live numbers of its budgets. */
async function diagnose(ctx: NodeContext, remaining: readonly PodView[]): Promise<string[]> {
  // The diagnosis reads live numbers; a read that fails still names each pod, and says what it could not read.
  const pdbs = await readOr(() => ctx.cluster.budgets.list(ctx.signal), 'the disruption budgets');
  const now = await readOr(() => ctx.cluster.pods.onNode(ctx.node, ctx.signal), `the pods on ${ctx.node}`);
  if (typeof pdbs === 'string' || typeof now === 'string') {
    const unread = [pdbs, now].filter((x): x is string => typeof x === 'string').join('; ');
    return remaining.map((p) => `${p.namespace}/${p.name} was not evicted in time (${unread})`);
  }
  const live = new Map(now.map((p) => [p.uid, p]));
  return remaining.map((p) => {
    const name = `${p.namespace}/${p.name}`;
    const current = live.get(p.uid);
    if (current?.terminating) return `${name} is stuck terminating (its grace period is ${p.terminationGracePeriodSeconds}s)`;
    const budgets = pdbs.filter((b) => b.namespace === p.namespace && compileLabelSelector(b.selector)(p.labels));
    if (budgets.length > 1) return `${name} is selected by ${budgets.length} PodDisruptionBudgets (${budgets.map((b) => `${b.namespace}/${b.name}`).join(', ')}); the Eviction API refuses such pods`;
    const b = budgets[0];
    if (b) return `${name}: PDB ${b.namespace}/${b.name} needs ${b.desiredHealthy} healthy, has ${b.currentHealthy} (allows ${b.disruptionsAllowed} disruptions)`;
    return `${name} was not evicted in time (no disruption budget selects it)`;
  });
}
