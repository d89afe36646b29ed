// One phase on one cluster: plan its waves once (journaled, so a resumed run follows the same waves),
// then per wave: window, gates, every node of the wave in parallel, soak.
import type { Cluster } from './ports/cluster.ts';
import { atLeastReal } from '../lib/clock.ts';
import type { NodesPhase } from '../plan/schema.ts';
import { resolveIntOrPercent } from '../plan/values.ts';
import type { GateResult, PlannedWave, RunEvent } from './events.ts';
import type { Journal } from './journal.ts';
import type { NodeContext } from './node-context.ts';
import { maintainNode } from './node-pipeline.ts';
import { awaitApproval, waveStep } from './approvals.ts';
import { BudgetQueue } from './budget-queue.ts';
import { SharedReads } from './shared-reads.ts';
import type { EngineDeps, PhaseWaves } from './ports.ts';
import { nodeKey } from './state.ts';
import type { PhaseState, RunState } from './state.ts';
import { workloadsToWaitFor } from './drain.ts';

/** How stale (cluster time) the workloads may be when a node waits for its workloads to be whole. */
const WORKLOADS_AGE_MS = 4000;

import { RunFailure } from './run-failure.ts';
export { RunFailure };

export interface PhaseRun {
  readonly deps: EngineDeps;
  readonly journal: Journal;
  readonly record: (e: RunEvent) => Promise<void>;
  /** The run's live state, kept current with every recorded event. */
  readonly state: () => RunState;
  readonly cluster: Cluster;
  readonly phase: NodesPhase;
  readonly signal: AbortSignal;
}

export async function runPhase(p: PhaseRun): Promise<void> {
  const phase = await planOnce(p);
  // A run paused or stopped while it soaked waits what is left of that soak before the next wave.
  if (phase.wavesDone > 0) await soak(p, phase.wavesDone - 1);
  for (let wave = phase.wavesDone; wave < phase.waves.length; wave++) {
    await runWave(p, phase.waves[wave] as PlannedWave & { estimateMs?: number });
  }
  await gates(p, 'after-phase');
  await p.record({ type: 'phase.completed', cluster: p.cluster.name, phase: p.phase.name });
}

async function planOnce(p: PhaseRun): Promise<PhaseState & { waves: readonly (PlannedWave & { estimateMs?: number })[] }> {
  const existing = p.state().phases.find((x) => x.cluster === p.cluster.name && x.phase === p.phase.name);
  if (existing) return existing;
  const snapshot = await p.cluster.snapshot(p.signal);
  const plan: PhaseWaves = p.deps.planPhase(snapshot, p.phase);
  if (plan.blockers.length > 0) throw new RunFailure(`phase ${p.phase.name} on ${p.cluster.name} cannot start: ${plan.blockers.join('; ')}`);
  const waves = plan.waves.map((w) => ({ index: w.index, nodes: w.nodes, ...(w.domain ? { domain: w.domain } : {}), ...(w.reason ? { reason: w.reason } : {}) }));
  await p.record({ type: 'phase.planned', cluster: p.cluster.name, phase: p.phase.name, budget: plan.budget, waves, excluded: plan.excluded });
  return { cluster: p.cluster.name, phase: p.phase.name, budget: plan.budget, waves: plan.waves, excluded: plan.excluded, wavesDone: 0, completed: false };
}

async function runWave(p: PhaseRun, wave: PlannedWave & { estimateMs?: number }): Promise<void> {
  const s = p.state();
  const fresh = wave.nodes.every((n) => !s.nodes[nodeKey(p.cluster.name, n)]);
  if (fresh) {
    const approval = p.phase.beforeEachWave?.[0];
    if (approval) await awaitApproval(p, { step: waveStep(p.phase.name, wave.index, p.cluster.name, p.deps.clusters.size), phase: p.phase.name, cluster: p.cluster.name, wave: wave.index, gate: approval });
    await waitForWindow(p, wave);
    await gates(p, 'before-wave', wave.index);
    await p.record({ type: 'wave.started', cluster: p.cluster.name, phase: p.phase.name, wave: wave.index, nodes: wave.nodes });
  }
  await maintainWithinBudget(p, wave);
  await p.record({ type: 'wave.completed', cluster: p.cluster.name, phase: p.phase.name, wave: wave.index });
  await soak(p, wave.index);
}

/** The plan's soak after a wave, counted from the wave's completion in the journal, so a resume never cuts it short. */
async function soak(p: PhaseRun, wave: number): Promise<void> {
  const ms = p.phase.soak.ms;
  if (ms <= 0) return;
  const of = (type: 'wave.completed' | 'wave.soaked') => p.journal.entries.findLast((x) => x.event.type === type && x.event.cluster === p.cluster.name && x.event.phase === p.phase.name && x.event.wave === wave);
  if (of('wave.soaked')) return;
  const left = (of('wave.completed')?.at ?? p.deps.clock.now()) + ms - p.deps.clock.now();
  if (left > 0) await p.deps.clock.sleep(left, p.signal);
  await p.record({ type: 'wave.soaked', cluster: p.cluster.name, phase: p.phase.name, wave, ms });
}

/**
 * Invariant 2 while the run goes: nodes of the phase that are unavailable now (quarantined or not back from
 * an earlier wave, cordoned or NotReady for any other reason) count against maxUnavailable. The wave's
 * nodes go through a pool: a node starts as soon as there is room, that is when another is done, so one
 * slow node never holds the others back; no room at all stops the run.
 */
async function maintainWithinBudget(p: PhaseRun, wave: PlannedWave): Promise<void> {
  const s = p.state();
  const planned = s.phases.find((x) => x.cluster === p.cluster.name && x.phase === p.phase.name);
  const scope = new Set([...(planned?.waves ?? []).flatMap((w) => w.nodes), ...(planned?.excluded ?? []).map((x) => x.node)]);
  const limit = resolveIntOrPercent(p.phase.maxUnavailable, scope.size, 1);
  const step = (n: string) => s.nodes[nodeKey(p.cluster.name, n)]?.step;
  // Nodes a resumed run already holds go first; finished ones count as whatever they are now.
  const pending = wave.nodes.filter((n) => step(n) !== 'done').sort((a, b) => Number(step(b) !== undefined) - Number(step(a) !== undefined));
  const reads = new SharedReads(p.cluster, 250, { clusterAgeMs: WORKLOADS_AGE_MS, speed: p.deps.clock.speed });
  const budgets = new BudgetQueue(await p.cluster.budgets.feed(p.signal));
  const running = new Map<string, Promise<unknown>>();
  let failure: unknown;
  try {
    while ((pending.length > 0 && failure === undefined) || running.size > 0) {
      if (failure === undefined && pending.length > 0) {
        const room = await roomFor(p, { scope, limit, running, pending, reads, wave });
        for (const node of pending.splice(0, room)) {
          const done = maintain(p, node, { reads, budgets }).catch((e: unknown) => (failure ??= e)).finally(() => running.delete(node));
          running.set(node, done);
        }
      }
      if (running.size > 0) await Promise.race(running.values());
    }
  } finally {
    budgets.close();
  }
  if (failure !== undefined) throw failure;
}

interface Pool {
  readonly scope: ReadonlySet<string>;
  readonly limit: number;
  readonly running: ReadonlyMap<string, unknown>;
  readonly pending: readonly string[];
  readonly reads: SharedReads;
  readonly wave: PlannedWave;
}

/** How many more nodes may start now: the budget less the nodes unavailable that this pool does not hold. */
async function roomFor(p: PhaseRun, o: Pool): Promise<number> {
  const nodes = await o.reads.nodes(p.signal);
  const out = nodes.filter((n) => o.scope.has(n.name) && !o.running.has(n.name) && !o.pending.includes(n.name) && (!n.ready || n.unschedulable));
  const room = o.limit - out.length - o.running.size;
  if (room <= 0 && o.running.size === 0) {
    const names = out.map((n) => `${n.name} (${n.ready ? 'cordoned' : 'NotReady'})`).join(', ');
    throw new RunFailure(`maxUnavailable ${String(p.phase.maxUnavailable)} of ${o.scope.size} nodes (${o.limit}) leaves no room for wave ${o.wave.index} on ${p.cluster.name}: ${names} unavailable; repair or uncordon them, or raise maxUnavailable`);
  }
  return Math.max(0, room);
}

async function maintain(p: PhaseRun, node: string, shared: { reads: SharedReads; budgets: BudgetQueue }): Promise<void> {
  const s = p.state();
  const ctx: NodeContext = { cluster: p.cluster, clusterName: p.cluster.name, node, runId: p.deps.runId, phase: p.phase, clock: p.deps.clock, record: p.record, signal: p.signal, reads: shared.reads, budgets: shared.budgets };
  await maintainNode({ ctx, state: s.nodes[nodeKey(p.cluster.name, node)], evictedWorkloads: evictedWorkloads(p, node), exec: p.deps.exec });
}

/** Workloads that lost pods in an earlier drain of this node, and the DaemonSets it left there, from the journal. */
function evictedWorkloads(p: PhaseRun, node: string): string[] {
  const out = new Set<string>();
  for (const e of p.journal.entries) {
    const ev = e.event;
    if (ev.type === 'node.drain.started' && ev.cluster === p.cluster.name && ev.node === node) {
      for (const w of workloadsToWaitFor(ev.pods.filter((d) => d.decision !== 'refuse'))) out.add(w);
    }
  }
  return [...out];
}

async function waitForWindow(p: PhaseRun, wave: PlannedWave & { estimateMs?: number }): Promise<void> {
  const window = p.deps.plan.plan.spec.window;
  if (!window || !p.deps.windows) return;
  const now = p.deps.clock.now();
  const start = p.deps.windows.nextStart(window, now, wave.estimateMs ?? 0);
  if (start <= now) return;
  await p.record({ type: 'window.waiting', cluster: p.cluster.name, phase: p.phase.name, wave: wave.index, until: start });
  await p.deps.clock.sleep(start - now, p.signal);
}

/** Evaluates the plan's gates; before a wave, failures are retried for a while; they fail closed. */
async function gates(p: PhaseRun, when: 'before-wave' | 'after-phase', wave?: number): Promise<void> {
  const list = p.deps.plan.plan.spec.gates;
  if (list.length === 0) return;
  const retryUntil = p.deps.clock.now() + (when === 'before-wave' ? p.deps.plan.plan.spec.gateRetry.ms : 0);
  for (let attempt = 0; ; attempt++) {
    const results: GateResult[] = await p.deps.evaluateGates(list, p.cluster, p.signal);
    const passed = results.every((r) => r.passed);
    const last = passed || p.deps.clock.now() + 10_000 > retryUntil;
    if (passed || last || attempt === 0) await p.record({ type: 'gates.evaluated', cluster: p.cluster.name, phase: p.phase.name, when, ...(wave !== undefined ? { wave } : {}), passed, results });
    if (passed) return;
    if (last) throw new RunFailure(`gates failed ${when === 'before-wave' ? `before wave ${wave}` : `after phase ${p.phase.name}`} on ${p.cluster.name}: ${results.filter((r) => !r.passed).map((r) => `${r.gate}: ${r.message}`).join('; ')}`);
    await p.deps.clock.sleep(atLeastReal(p.deps.clock, 10_000, 500), p.signal);
  }
}
