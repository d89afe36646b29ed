// One nodes phase on one cluster: scope, budget, waves, ETA and lower bound from a snapshot; pure, so the
// same snapshot and plan always give the same waves.
import type { ClusterSnapshot } from '../kube/types.ts';
import type { NodesPhase } from '../plan/schema.ts';
import { blockedNodes, blockedNotes } from './blocked-nodes.ts';
import { listNodes, resolveBudget } from './budget.ts';
import type { DurationOptions } from './durations.ts';
import { resolveSteps } from './durations.ts';
import { estimateWaves, nodeDrainMs } from './eta.ts';
import { lowerBound } from './lower-bound.ts';
import type { PodIndex } from './pdb-index.ts';
import { indexPods } from './pdb-index.ts';
import { selectScope } from './scope.ts';
import { groupTopology } from './topology.ts';
import type { ExcludedNode, MeasuredDurations, PhaseBudget, PhasePlan, StepDurations } from './types.ts';
import { fewestWaves } from './wave-bound.ts';
import { buildWaves, waveAllowances } from './waves.ts';

export interface PhaseInput {
  readonly snapshot: ClusterSnapshot;
  readonly phase: NodesPhase;
  readonly history?: MeasuredDurations;
  readonly options?: DurationOptions;
}

export function planPhase(input: PhaseInput): PhasePlan {
  const { snapshot, phase } = input;
  const scope = selectScope(snapshot.nodes, phase);
  const unavailable = scope.excluded.filter((e) => e.unavailable);
  const { budget, blocker } = resolveBudget(phase.maxUnavailable, scope.selected.length, unavailable);
  const maintain = new Set(scope.maintain.map((n) => n.name));
  const index = indexPods(snapshot, maintain, phase.drain);
  const topology = groupTopology({ selected: scope.selected, maintain, unavailable: new Set(unavailable.map((u) => u.name)) }, phase.topology);
  const steps = resolveSteps(phase, input.history, input.options);
  const built = blocker !== undefined
    ? { waves: [], blockers: [blocker] }
    : buildWaves({ topology, index, perWave: budget.perWave, canary: phase.canary, budgetText: budgetText(budget), pdbRounds: phase.budgetWaitRounds, rolling: phase.rolling });
  const allowed = waveAllowances(index, phase.budgetWaitRounds);
  const blocked = blocker !== undefined ? [] : blockedNodes([...maintain], index, allowed);
  const { eta, notes } = estimateWaves(built.waves, index, steps);
  const plan: PhasePlan = {
    cluster: snapshot.cluster,
    phase: phase.name,
    nodes: scope.selected.map((n) => n.name),
    excluded: scope.excluded,
    budget,
    alreadyUnavailable: unavailable,
    waves: built.waves,
    blockedNodes: blocked,
    blockers: built.blockers,
    notes: [...scopeNotes({ snapshot, phase, budget, index, unavailable }), ...blockedNotes(blocked), ...notes],
    eta,
  };
  if (blocker !== undefined || maintain.size === 0) return plan;
  const nodeMs = nodeCycleMs([...maintain], index, steps);
  const waves = phase.rolling ? undefined : fewestWaves({ topology, index, allowed, perWave: budget.perWave, canary: phase.canary });
  const bound = { nodes: maintain.size, perWave: budget.perWave, nodeMs, pdbs: index.pdbs, replacementMs: steps.replacementMs, canary: phase.canary };
  return { ...plan, lowerBound: lowerBound(waves ? { ...bound, waves } : bound) };
}

function budgetText(b: PhaseBudget): string {
  return b.alreadyUnavailable > 0 ? `budget ${b.perWave} of ${b.selected}, ${b.alreadyUnavailable} already out` : `budget ${b.perWave} of ${b.selected}`;
}

/** T_node with the quickest drain in scope, so the bound stays a bound. */
function nodeCycleMs(nodes: readonly string[], index: PodIndex, steps: StepDurations): number {
  const drain = nodes.reduce((min, n) => Math.min(min, nodeDrainMs(n, index, steps)), Infinity);
  return drain + steps.actionMs + steps.readyMs + steps.soakMs + steps.gateMs;
}

interface NoteContext {
  readonly snapshot: ClusterSnapshot;
  readonly phase: NodesPhase;
  readonly budget: PhaseBudget;
  readonly index: PodIndex;
  readonly unavailable: readonly ExcludedNode[];
}

function scopeNotes(at: NoteContext): string[] {
  const notes: string[] = [];
  const b = at.budget;
  if (b.selected === 0) notes.push(`selector "${at.phase.selector}" matches no node of cluster ${at.snapshot.cluster}; the phase has nothing to do there`);
  if (b.alreadyUnavailable > 0 && b.perWave > 0) {
    notes.push(`${listNodes(at.unavailable)}: already unavailable, counted against maxUnavailable ${String(b.maxUnavailable)} (${b.resolved}), so waves take at most ${b.perWave}`);
  }
  for (const p of at.index.pdbs) {
    if (p.podsInScope > 0 && p.allowed === 0) {
      notes.push(`PDB ${p.name} allows no disruption now and ${p.podsInScope} of its pods sit on nodes in scope; their drains wait until it does, at most drain.timeout`);
    }
  }
  return [...notes, ...at.index.unreadable.map((u) => `${u}; it is ignored`)];
}
