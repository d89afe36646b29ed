// A plan's clusters as a rollout: stages in sequence, each of groups run in parallel up to its
// maxConcurrency, the clusters of a group one after another (Azure Fleet Manager's update run, GKE's rollout
// sequencing). Without spec.rollout the clusters go in plan order: one stage of one group per cluster, one
// group at a time, the first failure ending the run, as before rollouts existed.
import { parseLabelSelector } from '../lib/selectors.ts';
import { weekday, zone } from './zoned-time.ts';
import type { PlanSpec, RolloutStage, StageGate, Gate } from '../plan/schema.ts';

export interface RolloutGroup {
  readonly name: string;
  /** In the order of spec.clusters. */
  readonly clusters: readonly string[];
  /** Clusters of the group that may fail before it stops. */
  readonly maxAllowedFailures: number;
  /** Clusters of the group at once (at least 1; 1: one after another). */
  readonly maxConcurrency: number;
}

export interface ResolvedStage {
  readonly name: string;
  readonly groups: readonly RolloutGroup[];
  /** Groups at once (at least 1). */
  readonly maxConcurrency: number;
  /** Clusters of the stage that may fail before it halts. */
  readonly maxAllowedFailures: number;
  readonly afterStageWaitMs: number;
  readonly before: readonly StageGate[];
  readonly after: readonly Gate[];
}

export interface ResolvedRollout {
  /** False for a plan without spec.rollout: a failed cluster ends the run at once, as before rollouts. */
  readonly explicit: boolean;
  readonly stages: readonly ResolvedStage[];
  /** consistent (also without spec.rollout): a minor resolves once for the run; latest: for each cluster when it starts. */
  readonly versions: 'consistent' | 'latest';
}

/** The stage name of a plan without spec.rollout. */
export const IN_ORDER = 'clusters';

/** A whole number, or a percentage of `of`: rounded down for concurrency (at least 1), up for failures (Fleet Manager's rounding). */
export function resolveCount(v: number | string, of: number, round: 'down' | 'up'): number {
  if (typeof v === 'number') return v;
  const pct = Number(v.replace('%', ''));
  return round === 'down' ? Math.floor((of * pct) / 100) : Math.ceil((of * pct) / 100);
}

export function resolveRollout(spec: Pick<PlanSpec, 'clusters' | 'rollout'>): ResolvedRollout {
  const r = spec.rollout;
  if (!r) {
    return {
      explicit: false,
      versions: 'consistent',
      stages: [{ name: IN_ORDER, groups: spec.clusters.map((c) => ({ name: c.name, clusters: [c.name], maxAllowedFailures: 0, maxConcurrency: 1 })), maxConcurrency: 1, maxAllowedFailures: 0, afterStageWaitMs: 0, before: [], after: [] }],
    };
  }
  return { explicit: true, versions: r.versions, stages: r.stages.map((s) => resolveStage(spec.clusters, s)) };
}

function resolveStage(clusters: PlanSpec['clusters'], s: RolloutStage): ResolvedStage {
  const match = parseLabelSelector(s.clusters.selector);
  const members = clusters.filter((c) => match(c.labels ?? {}));
  const stageFailures = resolveCount(s.maxAllowedFailures, members.length, 'up');
  let groups: RolloutGroup[];
  if (s.groups?.by !== undefined) {
    const key = s.groups.by;
    const byValue = new Map<string, string[]>();
    for (const c of members) {
      const v = c.labels?.[key] ?? '';
      byValue.set(v, [...(byValue.get(v) ?? []), c.name]);
    }
    groups = [...byValue.entries()].map(([v, names]) => ({ name: `${key}=${v}`, clusters: names, maxAllowedFailures: Math.min(stageFailures, resolveCount(s.maxAllowedFailures, names.length, 'up')), maxConcurrency: 1 }));
  } else if (s.groups?.named) {
    groups = s.groups.named.map((g) => {
      const m = parseLabelSelector(g.selector);
      const names = members.filter((c) => m(c.labels ?? {})).map((c) => c.name);
      return { name: g.name, clusters: names, maxAllowedFailures: resolveCount(g.maxAllowedFailures ?? s.maxAllowedFailures, names.length, 'up'), maxConcurrency: Math.max(1, resolveCount(g.maxConcurrency, names.length, 'down')) };
    });
  } else {
    groups = members.map((c) => ({ name: c.name, clusters: [c.name], maxAllowedFailures: stageFailures, maxConcurrency: 1 }));
  }
  return {
    name: s.name,
    groups,
    maxConcurrency: Math.max(1, resolveCount(s.maxConcurrency, groups.length, 'down')),
    maxAllowedFailures: stageFailures,
    afterStageWaitMs: s.afterStageWait.ms,
    before: s.before,
    after: s.after,
  };
}

/**
 * The least time the stage structure allows, what a run's makespan is measured against: per stage, the longer
 * of its longest group's chain of clusters (each `clusterMs(name)`) and the whole stage's work spread evenly
 * over maxConcurrency lanes, plus its soak.
 */
export function rolloutLowerBound(r: ResolvedRollout, clusterMs: (cluster: string) => number): number {
  let total = 0;
  for (const s of r.stages) {
    // A group's least time: its clusters one after another, or spread over its own maxConcurrency (never less than its longest)
    const chains = s.groups.map((g) => {
      const times = g.clusters.map(clusterMs);
      const sum = times.reduce((a, b) => a + b, 0);
      return g.maxConcurrency <= 1 ? sum : Math.max(0, ...times, sum / Math.min(g.maxConcurrency, times.length));
    });
    const work = s.groups.flatMap((g) => g.clusters).reduce((sum, c) => sum + clusterMs(c), 0);
    const lanes = Math.min(s.maxConcurrency, chains.length) * Math.max(1, ...s.groups.map((g) => Math.min(g.maxConcurrency, g.clusters.length)));
    total += Math.max(0, ...chains, lanes > 0 ? work / lanes : 0) + s.afterStageWaitMs;
  }
  return total;
}

const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

/** A stage's scheduled start: the first of its days at its time, in its time zone, at or after `fromMs`. */
export function nextStageStart(gate: { readonly days: readonly string[]; readonly time: string; readonly timezone: string }, fromMs: number): number {
  const [h, m] = gate.time.split(':').map(Number);
  const minutes = (h ?? 0) * 60 + (m ?? 0);
  const z = zone(gate.timezone);
  const first = z.dayOf(fromMs);
  for (let day = first; day <= first + 8; day++) {
    if (!gate.days.includes(WEEKDAYS[weekday(day)] ?? '')) continue;
    const at = z.at(day, minutes);
    if (at >= fromMs) return at;
  }
  throw new RangeError(`no ${gate.days.join(', ')} ${gate.time} ${gate.timezone} within a week of ${new Date(fromMs).toISOString()}`);
}
