// Giving nodes back: an uncordon retried with backoff (kured's "hold the lock and retry uncordon"), and,
// when a run fails or is aborted, every node it still holds back to service if it is Ready; a node that
// is not Ready, or that cannot be uncordoned, stays cordoned and is named, for a person or `daylight recover`.
import { PermissionDenied } from './ports/errors.ts';
import type { Cluster } from './ports/cluster.ts';
import { backoffDelay } from '../lib/backoff.ts';
import { atLeastReal } from '../lib/clock.ts';
import type { Clock } from '../lib/clock.ts';
import { errorMessage, isAbortError } from '../lib/errors.ts';
import type { NodeOutcome, RunEvent } from './events.ts';
import { refusedText } from './refusal.ts';
import type { NodeState, RunState } from './state.ts';
import { unfinishedNodes } from './state.ts';

const UNCORDON_ATTEMPTS = 5;
const UNCORDON_BACKOFF = { baseMs: 1000, capMs: 8000 };

export type UncordonResult = { readonly kind: 'uncordoned'; readonly changed: boolean } | { readonly kind: 'failed'; readonly message: string };

export interface UncordonRequest {
  readonly cluster: Cluster;
  readonly node: string;
  readonly runId: string;
  readonly clock: Clock;
  readonly signal?: AbortSignal;
}

/** Uncordons this run's cordon, retrying failures with jittered backoff; an abort passes through. */
export async function uncordonWithRetry(r: UncordonRequest): Promise<UncordonResult> {
  let last = '';
  for (let attempt = 0; attempt < UNCORDON_ATTEMPTS; attempt++) {
    if (attempt > 0) await r.clock.sleep(atLeastReal(r.clock, backoffDelay(UNCORDON_BACKOFF, attempt - 1), 50), r.signal);
    try {
      return { kind: 'uncordoned', changed: await r.cluster.nodes.uncordon(r.node, r.runId, r.signal) };
    } catch (e: unknown) {
      if (isAbortError(e)) throw e;
      // A missing permission stays missing: said at once, not after every retry.
      if (e instanceof PermissionDenied) return { kind: 'failed', message: refusedText(e.what, e.denial) };
      last = errorMessage(e);
    }
  }
  return { kind: 'failed', message: `uncordon failed ${UNCORDON_ATTEMPTS} times, last: ${last}` };
}

export interface GiveBackResult {
  readonly returned: readonly string[];
  /** `cluster/node (why)` for each node left cordoned. */
  readonly held: readonly string[];
}

export interface GiveBackOptions {
  readonly state: RunState;
  readonly clusters: ReadonlyMap<string, Cluster>;
  readonly runId: string;
  readonly outcome: NodeOutcome;
  readonly why: string;
  readonly record: (e: RunEvent) => Promise<void>;
  readonly clock: Clock;
  /**
   * Until when (cluster time) a node this run acted on may still come back: its action's request plus the
   * plan's ready timeout for it. Past that, a NotReady node is held at once.
   */
  readonly readyDeadline: (n: NodeState) => number;
}

export async function giveBackAll(o: GiveBackOptions): Promise<GiveBackResult> {
  const returned: string[] = [];
  const held: string[] = [];
  for (const n of unfinishedNodes(o.state)) {
    const label = `${n.cluster}/${n.node}`;
    const why = await giveBackOne(o, n);
    if (why === undefined) {
      returned.push(label);
      continue;
    }
    await o.record({ type: 'node.held', cluster: n.cluster, node: n.node, reason: why });
    held.push(`${label} (${why})`);
  }
  return { returned, held };
}

/** Gives one node back; returns why it was left cordoned, or undefined once it is given back. */
async function giveBackOne(o: GiveBackOptions, n: NodeState): Promise<string | undefined> {
  const cluster = o.clusters.get(n.cluster);
  if (!cluster) return `cluster ${n.cluster} is not in the plan`;
  let node;
  try {
    node = await cluster.nodes.get(n.node);
    if (node && !node.ready && node.cordonedBy === o.runId && (n.step === 'acting' || n.step === 'back')) {
      const waitMs = Math.max(0, o.readyDeadline(n) - o.clock.now());
      node = (await cluster.nodes.waitFor(n.node, (v) => v.ready, waitMs)) ?? node;
    }
  } catch (e: unknown) {
    return `cannot be read: ${errorMessage(e)}`;
  }
  if (!node) return 'no longer exists';
  if (!node.ready && node.cordonedBy === o.runId) return `not back: NotReady${node.readyMessage ? ` (${node.readyMessage})` : ''}, left cordoned`;
  if (node.cordonedBy === o.runId) {
    const r = await uncordonWithRetry({ cluster, node: n.node, runId: o.runId, clock: o.clock });
    if (r.kind === 'failed') return `left cordoned: ${r.message}`;
    await o.record({ type: 'node.uncordoned', cluster: n.cluster, node: n.node, changed: r.changed });
  } else {
    await o.record({ type: 'node.uncordoned', cluster: n.cluster, node: n.node, changed: false });
  }
  await o.record({ type: 'node.done', cluster: n.cluster, node: n.node, outcome: o.outcome, message: o.why });
  return undefined;
}
