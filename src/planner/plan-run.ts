// The whole run: every phase on every cluster (phases in plan order, clusters in plan order within each),
// scheduled one after another into the window, with ETAs, lower bounds and the blockers to fix first.
import type { ClusterSnapshot } from '../kube/types.ts';
import { Duration } from '../lib/duration.ts';
import { nodePhases } from '../plan/kubernetes-phase.ts';
import type { NodesPhase, Plan } from '../plan/schema.ts';
import { DEFAULT_GATE_MS } from './durations.ts';
import { planPhase } from './plan-phase.ts';
import type { Schedule, ScheduleStep } from './schedule.ts';
import { schedule } from './schedule.ts';
import type { RolloutPlan } from './rollout-plan.ts';
import { planRollout } from './rollout-plan.ts';
import { resolveRollout, rolloutLowerBound } from './rollout.ts';
import type { MeasuredDurations, PhasePlan } from './types.ts';
import type { WindowCalendar } from './window.ts';
import { windowCalendar } from './window.ts';

export interface RunInput {
  /** One per cluster in plan order, matched by name (ClusterSnapshot.cluster), else by position. */
  readonly snapshots: readonly ClusterSnapshot[];
  readonly plan: Plan;
  /** Epoch ms the schedule starts from. */
  readonly now: number;
  /** Measured medians by "cluster/phase", else by phase name. */
  readonly history?: Readonly<Record<string, MeasuredDurations>>;
}

/** A blocker (fix it before running) or a note, with where it applies. */
export interface Finding {
  readonly cluster?: string;
  readonly phase?: string;
  readonly message: string;
}

export interface PlannedPhase {
  /** Position in execution order, from 1. */
  readonly order: number;
  readonly regional: boolean;
  readonly plan: PhasePlan;
  /** Steps "traffic out", "wave N", "traffic back" on the calendar. */
  readonly schedule: Schedule;
  /** What the calendar adds to the phase's own notes. */
  readonly notes: readonly string[];
}

export interface RunPlan {
  readonly plan: string;
  readonly now: number;
  /** The window's time zone, else UTC: times are shown in it. */
  readonly timezone: string;
  readonly startMs: number;
  readonly endMs: number;
  readonly makespanMs: number;
  /** Time spent working, without waiting for windows. */
  readonly workMs: number;
  /** Sum of the phases' lower bounds: they run one after another; with a rollout, its stage structure's bound over them. */
  readonly lowerBoundMs: number;
  readonly clusters: readonly { readonly name: string; readonly phases: readonly PlannedPhase[] }[];
  readonly blockers: readonly Finding[];
  /** The stages of spec.rollout with their ETAs; absent without spec.rollout. */
  readonly rollout?: RolloutPlan;
}

export function planRun(input: RunInput): RunPlan {
  const { plan } = input;
  const calendar = plan.spec.window ? windowCalendar(plan.spec.window) : undefined;
  const byCluster = new Map<string, PlannedPhase[]>(plan.spec.clusters.map((c) => [c.name, []]));
  const blockers: Finding[] = [];
  let t = input.now;
  let order = 0;
  const phases = plan.spec.phases.flatMap(nodePhases);
  for (const phase of phases) {
    for (const [i, cluster] of plan.spec.clusters.entries()) {
      const snapshot = snapshotOf(input, cluster.name, i);
      if (!snapshot) {
        blockers.push({ cluster: cluster.name, phase: phase.name, message: `no snapshot of cluster ${cluster.name}; check its kubeconfig and context` });
        continue;
      }
      const planned = planOne({ input, snapshot, phase, calendar, startMs: t, order: ++order });
      byCluster.get(cluster.name)?.push(planned);
      blockers.push(...blockersOf(planned, input.plan));
      t = planned.schedule.endMs;
    }
  }
  const planned = [...byCluster.values()].flat();
  const startMs = planned.find((p) => p.schedule.steps.length > 0)?.schedule.steps[0]?.startMs ?? input.now;
  const clusters = [...byCluster].map(([name, list]) => ({ name, phases: list }));
  const rollout = planRollout({ spec: plan.spec, clusters, phaseCount: phases.length, startMs });
  // A rollout's clusters run in its stages, some at once: its end and its bound are the stage structure's, not
  // the clusters one after another
  const boundOf = (name: string) => (byCluster.get(name) ?? []).reduce((sum, p) => sum + (p.plan.lowerBound?.ms ?? 0), 0);
  const end = rollout?.endMs ?? t;
  return {
    plan: plan.metadata.name,
    now: input.now,
    timezone: plan.spec.window?.timezone ?? 'UTC',
    startMs,
    endMs: end,
    makespanMs: end - input.now,
    workMs: planned.reduce((sum, p) => sum + p.schedule.workMs, 0),
    lowerBoundMs: rollout ? rolloutLowerBound(resolveRollout(plan.spec), boundOf) : planned.reduce((sum, p) => sum + (p.plan.lowerBound?.ms ?? 0), 0),
    clusters,
    blockers,
    ...(rollout ? { rollout } : {}),
  };
}

/** By name; by position when no snapshot carries a name from the plan (an adapter that names clusters by context). */
function snapshotOf(input: RunInput, name: string, position: number): ClusterSnapshot | undefined {
  const named = input.snapshots.find((s) => s.cluster === name);
  if (named) return named;
  const names = new Set(input.plan.spec.clusters.map((c) => c.name));
  const unnamed = input.snapshots.every((s) => !names.has(s.cluster));
  const byPosition = unnamed ? input.snapshots[position] : undefined;
  return byPosition ? { ...byPosition, cluster: name } : undefined;
}

interface OneInput {
  readonly input: RunInput;
  readonly snapshot: ClusterSnapshot;
  readonly phase: NodesPhase;
  readonly calendar: WindowCalendar | undefined;
  readonly startMs: number;
  readonly order: number;
}

function planOne(at: OneInput): PlannedPhase {
  const { input, snapshot, phase } = at;
  const history = input.history?.[`${snapshot.cluster}/${phase.name}`] ?? input.history?.[phase.name];
  const gateMs = input.plan.spec.gates.length > 0 ? DEFAULT_GATE_MS : 0;
  const plan = planPhase({ snapshot, phase, ...(history ? { history } : {}), options: { gateMs } });
  const steps = plan.blockers.length > 0 ? [] : stepsOf(plan, phase.regional, input.plan);
  const placed = schedule(steps, at.calendar, at.startMs);
  return { order: at.order, regional: phase.regional, plan, schedule: placed, notes: outOfTraffic(phase.regional, placed) };
}

/** Waiting for the next window inside a regional phase keeps the region out of traffic all that time. */
function outOfTraffic(regional: boolean, placed: Schedule): string[] {
  const waited = placed.steps.slice(1).reduce((sum, s) => sum + s.waitMs, 0);
  if (!regional || waited === 0) return [];
  return [`the region stays out of traffic for ${Duration.ofMs(waited).toString()} while waves wait for the next window; widen spec.window.allow or raise maxUnavailable so the phase fits one stretch`];
}

/** A regional phase takes the region out of traffic first and gives it back step by step after. */
function stepsOf(plan: PhasePlan, regional: boolean, run: Plan): ScheduleStep[] {
  const waves = plan.eta.waves.map((w) => ({ id: `wave ${w.index}`, durationMs: w.durationMs }));
  const traffic = run.spec.traffic;
  if (!regional || !traffic || waves.length === 0) return waves;
  const back = traffic.restore.steps.length * traffic.restore.interval.ms;
  return [{ id: 'traffic out', durationMs: traffic.drain.timeout.ms }, ...waves, { id: 'traffic back', durationMs: back }];
}

function blockersOf(p: PlannedPhase, plan: Plan): Finding[] {
  const where = { cluster: p.plan.cluster, phase: p.plan.phase };
  const out = [...p.plan.blockers, ...p.schedule.problems].map((message) => ({ ...where, message }));
  const provider = plan.spec.traffic?.provider ?? 'none';
  if (p.regional && provider === 'none') {
    out.push({ ...where, message: `phase ${p.plan.phase} is regional but no traffic provider is set; set spec.traffic.provider, or regional: false` });
  }
  return out;
}
