// What the planner hands to the engine, the CLI and reports: plain data (names, counts, epoch ms and
// durations in ms), so the same record can be rendered, journaled and compared between runs.
import type { IntOrPercent } from '../plan/values.ts';

/** Medians measured by earlier runs of a phase; each one found replaces the plan's estimate. */
export interface MeasuredDurations {
  readonly drainMs?: number;
  readonly actionMs?: number;
  readonly readyMs?: number;
  /** An evicted pod's replacement from eviction to Ready (the `S` of the PDB bound). */
  readonly replacementMs?: number;
}

/** A selected node the phase leaves alone, and why. */
export interface ExcludedNode {
  readonly name: string;
  readonly reason: string;
  /** NotReady or cordoned: it counts against maxUnavailable although nobody maintains it. */
  readonly unavailable: boolean;
}

/**
 * A node that alone holds more pods of a budget than the budget allows per wave: no wave can take it within
 * the budget. It still goes, alone, and its drain waits on the budget (at most drain.timeout).
 */
export interface BlockedNode {
  readonly name: string;
  /** "namespace/name". */
  readonly pdb: string;
  readonly pods: number;
  readonly allowed: number;
}

export interface Wave {
  /** 1-based, as people read it: wave 1 is the canary. */
  readonly index: number;
  /** In topology order: domain, rack, then name. */
  readonly nodes: readonly string[];
  /** The topology domain (zone); several joined by "+" when topology is not serial; "" without topology. */
  readonly domain: string;
  /** The second topology level (racks) the nodes sit in, in order; empty without `topology.then`. */
  readonly racks: readonly string[];
  readonly canary: boolean;
  /** Why these nodes, and why no more of them. */
  readonly reason: string;
  /** Rolling waves: how many of the wave's nodes are maintained at once (each starts when another is done). */
  readonly concurrency?: number;
}

/** Where a step's duration came from, so a person knows how far to trust an ETA. */
export type DurationSource = 'history' | 'estimate' | 'default' | 'pods';

/** The per-node step durations an ETA is built from. */
export interface StepDurations {
  /** A fixed drain time (history or estimate); undefined: from the pods' grace periods. */
  readonly drainMs?: number;
  readonly drainTimeoutMs: number;
  readonly actionMs: number;
  readonly readyMs: number;
  readonly soakMs: number;
  /** Gates before each wave. */
  readonly gateMs: number;
  readonly replacementMs: number;
  readonly sources: { readonly drain: DurationSource; readonly action: DurationSource; readonly ready: DurationSource; readonly replacement: DurationSource };
}

export interface WaveEstimate {
  readonly index: number;
  readonly drainMs: number;
  /** Part of drainMs spent waiting for replacements because a budget allows fewer pods at once. */
  readonly pdbWaitMs: number;
  /** The budget the drain waits on, "namespace/name". */
  readonly waitsOn?: string;
  readonly actionMs: number;
  readonly readyMs: number;
  readonly soakMs: number;
  readonly gateMs: number;
  readonly durationMs: number;
  /** From the start of the phase's first wave, without waiting for windows. */
  readonly startOffsetMs: number;
  readonly endOffsetMs: number;
}

export interface PhaseEta {
  readonly waves: readonly WaveEstimate[];
  /** Sum of the waves, without waiting for windows. */
  readonly totalMs: number;
  readonly steps: StepDurations;
}

export interface LowerBound {
  readonly ms: number;
  readonly binding: 'nodes' | 'pdb' | 'waves';
  /** ceil(N / c) × T_node. */
  readonly nodes: { readonly ms: number; readonly count: number; readonly perWave: number; readonly waves: number; readonly nodeMs: number };
  /** (pods in scope / allowed disruptions) × S for the slowest budget; absent when no budget selects pods in scope. */
  readonly pdb?: { readonly ms: number; readonly name: string; readonly pods: number; readonly allowed: number; readonly replacementMs: number };
  /**
   * The fewest waves any schedule has when every wave keeps every budget, the topology and the canary,
   * × T_node (the argument is in wave-bound.ts); `pdb` names the budget that needs the most waves in one
   * zone (`where`) when budgets need more than the nodes do. Absent for rolling phases.
   */
  readonly waves?: {
    readonly ms: number;
    readonly waves: number;
    readonly nodeMs: number;
    readonly pdb?: { readonly name: string; readonly pods: number; readonly allowed: number; readonly where: string };
  };
  readonly text: string;
}

export interface PhaseBudget {
  readonly maxUnavailable: IntOrPercent;
  readonly selected: number;
  /** maxUnavailable resolved against the selected nodes (percentages round down, at least 1). */
  readonly resolved: number;
  readonly alreadyUnavailable: number;
  /** resolved − alreadyUnavailable: the most nodes a wave may take. */
  readonly perWave: number;
}

export interface PhasePlan {
  readonly cluster: string;
  readonly phase: string;
  /** Nodes the selector matched, by name. */
  readonly nodes: readonly string[];
  readonly excluded: readonly ExcludedNode[];
  readonly budget: PhaseBudget;
  /** Selected nodes NotReady or cordoned by anyone: they count against the budget (invariant 2). */
  readonly alreadyUnavailable: readonly ExcludedNode[];
  readonly waves: readonly Wave[];
  /** Nodes that no wave can take within a budget (see BlockedNode), with the budget; empty when every wave keeps every budget. */
  readonly blockedNodes: readonly BlockedNode[];
  /** Sentences that say what stops this phase and how to fix it; empty when it can run. */
  readonly blockers: readonly string[];
  /** Worth knowing, not stopping: slow drains, budgets that allow nothing now. */
  readonly notes: readonly string[];
  readonly eta: PhaseEta;
  /** Absent when the phase is blocked: nothing can be bounded. */
  readonly lowerBound?: LowerBound;
}
