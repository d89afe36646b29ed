// A plan's spec.rollout as `daylight plan` shows it: the stages in order with their groups and clusters, gates
// and soak, and an ETA per stage and from the start, from the per-cluster estimates the run plan already has.
import { Duration } from '../lib/duration.ts';
import type { Gate, PlanSpec, StageGate } from '../plan/schema.ts';
import { nextStageStart, resolveRollout, rolloutLowerBound } from './rollout.ts';
import type { ResolvedStage } from './rollout.ts';

/** A cluster's estimate: the sum of its phases' scheduled work, or why it has none. */
export interface ClusterEstimate {
  readonly name: string;
  readonly etaMs?: number;
  /** Without etaMs: "blocked" or "not read"; the run's blockers say what to fix. */
  readonly why?: string;
}

export interface RolloutGroupPlan {
  readonly name: string;
  readonly clusters: readonly ClusterEstimate[];
  readonly maxAllowedFailures: number;
  /** Its clusters one after another; absent when one of them has no estimate. */
  readonly etaMs?: number;
}

export interface RolloutStagePlan {
  readonly name: string;
  readonly groups: readonly RolloutGroupPlan[];
  readonly maxConcurrency: number;
  readonly maxAllowedFailures: number;
  readonly before: readonly StageGate[];
  readonly after: readonly Gate[];
  readonly afterStageWaitMs: number;
  /** The soak the run waits: the engine does not soak after the last stage, the run ends there. */
  readonly soakMs: number;
  /** The longer of its longest group and its work spread over maxConcurrency lanes; absent when a cluster has no estimate. */
  readonly workMs?: number;
  /** workMs plus the soak. */
  readonly etaMs?: number;
  /** Epoch ms, after any scheduled start it waits for; absent once a stage before it has no estimate. */
  readonly startMs?: number;
  readonly endMs?: number;
}

export interface RolloutPlan {
  readonly versions: 'consistent' | 'latest';
  readonly startMs: number;
  /** The last stage's end; absent when a stage has no estimate. */
  readonly endMs?: number;
  readonly stages: readonly RolloutStagePlan[];
}

/** What the run plan knows of one cluster: its planned phases, each with its scheduled work and blockers. */
export interface ClusterPhases {
  readonly name: string;
  readonly phases: readonly { readonly schedule: { readonly workMs: number }; readonly plan: { readonly blockers: readonly string[] } }[];
}

export interface RolloutPlanInput {
  readonly spec: Pick<PlanSpec, 'clusters' | 'rollout'>;
  readonly clusters: readonly ClusterPhases[];
  /** Node phases each cluster goes through: a cluster with fewer planned was not read. */
  readonly phaseCount: number;
  readonly startMs: number;
}

/** Undefined for a plan without spec.rollout: its clusters go in plan order, as the rest of the plan shows. */
export function planRollout(input: RolloutPlanInput): RolloutPlan | undefined {
  const rollout = resolveRollout(input.spec);
  if (!rollout.explicit) return undefined;
  const estimates = new Map(input.clusters.map((c) => [c.name, estimateOf(c, input.phaseCount)]));
  const estimate = (name: string): ClusterEstimate => estimates.get(name) ?? { name, why: 'not read' };
  const stages: RolloutStagePlan[] = [];
  let at: number | undefined = input.startMs;
  for (const [i, stage] of rollout.stages.entries()) {
    const planned = planStage(stage, estimate, i === rollout.stages.length - 1, at);
    stages.push(planned);
    at = planned.endMs;
  }
  return { versions: rollout.versions, startMs: input.startMs, ...(at === undefined ? {} : { endMs: at }), stages };
}

/** Scheduled work, not the window's waits: with a rollout, clusters run side by side and wait for windows each on its own. */
function estimateOf(c: ClusterPhases, phaseCount: number): ClusterEstimate {
  if (c.phases.length < phaseCount) return { name: c.name, why: 'not read' };
  if (c.phases.some((p) => p.plan.blockers.length > 0)) return { name: c.name, why: 'blocked' };
  return { name: c.name, etaMs: c.phases.reduce((sum, p) => sum + p.schedule.workMs, 0) };
}

function planStage(stage: ResolvedStage, estimate: (name: string) => ClusterEstimate, last: boolean, from: number | undefined): RolloutStagePlan {
  const groups = stage.groups.map((g) => {
    const clusters = g.clusters.map(estimate);
    const known = clusters.every((c) => c.etaMs !== undefined);
    return { name: g.name, clusters, maxAllowedFailures: g.maxAllowedFailures, ...(known ? { etaMs: clusters.reduce((sum, c) => sum + (c.etaMs ?? 0), 0) } : {}) };
  });
  const soakMs = last ? 0 : stage.afterStageWaitMs;
  const base = {
    name: stage.name,
    groups,
    maxConcurrency: stage.maxConcurrency,
    maxAllowedFailures: stage.maxAllowedFailures,
    before: stage.before,
    after: stage.after,
    afterStageWaitMs: stage.afterStageWaitMs,
    soakMs,
  };
  if (!groups.every((g) => g.etaMs !== undefined)) return base;
  // The same combination as the run's lower bound, for this stage alone and without its soak (added as the engine waits it)
  const byName = new Map(groups.flatMap((g) => g.clusters).map((c) => [c.name, c.etaMs ?? 0]));
  const workMs = rolloutLowerBound({ explicit: true, versions: 'latest', stages: [{ ...stage, afterStageWaitMs: 0 }] }, (name) => byName.get(name) ?? 0);
  const etaMs = workMs + soakMs;
  if (from === undefined) return { ...base, workMs, etaMs };
  const startMs = scheduledStart(stage.before, from);
  return { ...base, workMs, etaMs, startMs, endMs: startMs + etaMs };
}

/** The engine takes a stage's gates in order: each scheduled start waits for its next day and time from then on. */
function scheduledStart(before: readonly StageGate[], from: number): number {
  let t = from;
  for (const gate of before) if (gate.type === 'schedule') t = nextStageStart(gate, t);
  return t;
}

/** A gate as people read it: its name and what it waits for or looks at. */
export function gateText(gate: StageGate): string {
  const named = (what: string) => (gate.name ? `${gate.name} (${what})` : what);
  switch (gate.type) {
    case 'approval': {
      const timeout = gate.timeout ? `, ${gate.onTimeout} after ${Duration.ofMs(gate.timeout.ms).toString()} without an answer` : '';
      return `${gate.name ? `approval "${gate.name}"` : 'approval'}${timeout}`;
    }
    case 'schedule':
      return named(`scheduled start ${gate.days.join(',')} ${gate.time} ${gate.timezone}`);
    case 'kube':
      return named(`kube ${gate.check} on each cluster`);
    case 'http':
      return named(`http ${gate.url} expects ${gate.expectStatus} on each cluster`);
    case 'prometheus':
      return named(`prometheus ${gate.query} on each cluster`);
    case 'command':
      return named(`command ${gate.run} on each cluster`);
    case 'gitops':
      return named(`gitops ${gate.tool} on each cluster`);
  }
}
