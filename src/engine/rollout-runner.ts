// A rollout (spec.rollout): stages one after another; in a stage, its groups in parallel up to maxConcurrency,
// the clusters of a group one after another. A cluster that fails is given back (its nodes uncordoned, its
// lease released) and counted against its group's and its stage's maxAllowedFailures: beyond the group's the
// group stops, beyond the stage's the stage halts (no group starts, each running one stops after its cluster)
// and the run fails naming it. Gates before a stage (an approval, a scheduled start, plan gates on each of its
// clusters) and after each cluster (its analysis), and the soak after a stage, are journaled: a resumed run
// waits only what is left, and never maintains a finished cluster again.
import { awaitApproval } from './approvals.ts';
import type { ApprovalWait } from './approvals.ts';
import type { RunEvent } from './events.ts';
import type { Journal } from './journal.ts';
import { RunFailure } from './phase-runner.ts';
import type { EngineDeps } from './ports.ts';
import type { Cluster } from './ports/cluster.ts';
import type { LiveState, RunState } from './state.ts';
import type { Plan } from '../plan/schema.ts';
import { atLeastReal } from '../lib/clock.ts';
import { oneAtATime } from '../lib/concurrency.ts';
import { nextStageStart } from '../planner/rollout.ts';
import type { ResolvedRollout, ResolvedStage, RolloutGroup } from '../planner/rollout.ts';
import { skipKey } from './ports/skips.ts';
import type { SkipTarget } from './ports/skips.ts';

export interface RolloutRun {
  readonly deps: EngineDeps;
  readonly journal: Journal;
  readonly live: LiveState;
  readonly record: (e: RunEvent) => Promise<void>;
  readonly signal: AbortSignal;
  /** Maintains one cluster under its lease, every phase; returns when it is done, throws when it fails. */
  readonly maintain: (name: string, cluster: Cluster) => Promise<void>;
  /** Whether the cluster has nothing left to do (every phase completed, its region back). */
  readonly finished: (name: string) => boolean;
}

/** The step of a stage's approval, as `daylight approve --step` names it. */
export const stageStep = (stage: string): string => `stage/${stage}`;

export async function runRollout(r: RolloutRun, rollout: ResolvedRollout): Promise<void> {
  const stages = rollout.stages;
  const take = () => takeSkips(r, rollout);
  for (const [i, stage] of stages.entries()) {
    await take();
    const st = r.live.state.stages[stage.name];
    if (st?.status === 'completed' || r.live.state.continuedFrom?.stages.includes(stage.name)) continue;
    // Skipped before it started: nothing of it runs, and no soak follows it
    if (!st && r.live.state.skipped[`stage/${stage.name}`]) continue;
    if (st?.status === 'halted') throw new RunFailure(`stage ${stage.name} halted: ${st.reason ?? ''}`);
    if (!st) await r.record({ type: 'rollout.stage.started', stage: stage.name, groups: stage.groups.map((g) => ({ name: g.name, clusters: g.clusters })) });
    if (st?.status !== 'soaking') {
      await gatesBefore(r, stage);
      await runGroups(r, stage, take);
    }
    await soak(r, stage, i === stages.length - 1 || r.live.state.skipped[`stage/${stage.name}`] !== undefined);
  }
}

/** The stage's gates before any of its clusters starts: its approval, its scheduled start, plan gates on each cluster. */
async function gatesBefore(r: RolloutRun, stage: ResolvedStage): Promise<void> {
  // Once a group has started the gates were passed: a resumed run does not ask again
  if (Object.keys(r.live.state.stages[stage.name]?.groupsDone ?? {}).length > 0 || stageTouched(r.live.state, stage)) return;
  for (const gate of stage.before) {
    if (gate.type === 'approval') {
      const wait: ApprovalWait = { deps: r.deps, record: r.record, state: () => r.live.state, signal: r.signal };
      await awaitApproval(wait, { step: stageStep(stage.name), phase: stage.name, gate });
      continue;
    }
    if (gate.type === 'schedule') {
      const until = r.live.state.stages[stage.name]?.waitingUntil ?? nextStageStart(gate, r.deps.clock.now());
      await r.record({ type: 'rollout.gate.waiting', stage: stage.name, gate: gate.name ?? 'schedule', until });
      const left = until - r.deps.clock.now();
      if (left > 0) await r.deps.clock.sleep(left, r.signal);
      continue;
    }
    for (const g of stage.groups) {
      for (const name of g.clusters) {
        const cluster = clusterOf(r, name);
        const results = await r.deps.evaluateGates([gate], cluster, r.signal);
        const passed = results.every((x) => x.passed);
        await r.record({ type: 'rollout.gates.evaluated', stage: stage.name, cluster: name, when: 'before', passed, results });
        if (!passed) {
          const reason = `gate ${gate.name ?? gate.type} before stage ${stage.name} failed on cluster ${name}: ${results.filter((x) => !x.passed).map((x) => x.message).join('; ')}`;
          await r.record({ type: 'rollout.stage.halted', stage: stage.name, reason });
          throw new RunFailure(`stage ${stage.name} halted: ${reason}`);
        }
      }
    }
  }
}

/** Whether any cluster of the stage has begun (a lease taken or a phase planned): the gates are behind it. */
function stageTouched(s: RunState, stage: ResolvedStage): boolean {
  const names = new Set(stage.groups.flatMap((g) => g.clusters));
  return s.phases.some((p) => names.has(p.cluster)) || Object.keys(s.failedClusters).some((c) => names.has(c));
}

/** The stage's groups, maxConcurrency at once; halts the stage once its failures pass maxAllowedFailures. */
async function runGroups(r: RolloutRun, stage: ResolvedStage, take: () => Promise<void>): Promise<void> {
  const done = r.live.state.stages[stage.name]?.groupsDone ?? {};
  const queue = stage.groups.filter((g) => done[g.name] === undefined);
  const failures = () => stage.groups.flatMap((g) => g.clusters).filter((c) => r.live.state.failedClusters[c] !== undefined);
  let halted: string | undefined;
  // Starting a cluster and halting the stage are decided one at a time: a cluster starts before the halt is
  // journaled, or not at all
  const decide = oneAtATime();
  const halt = () => decide(async () => {
    if (halted !== undefined) return;
    const failed = failures();
    halted = `${failed.length} of its clusters failed, beyond its maxAllowedFailures of ${stage.maxAllowedFailures}: ${failed.map((c) => `${c} (${r.live.state.failedClusters[c]?.reason ?? ''})`).join('; ')}`;
    await r.record({ type: 'rollout.stage.halted', stage: stage.name, reason: halted });
  });
  if (failures().length > stage.maxAllowedFailures) await halt();
  const lane = async (): Promise<void> => {
    for (let g = queue.shift(); g !== undefined && halted === undefined; g = queue.shift()) {
      await take();
      const skip = skippedBy(r.live.state, stage.name, g.name);
      if (skip) {
        await r.record({ type: 'rollout.group.stopped', stage: stage.name, group: g.name, reason: `skipped by ${skip.by}${skip.comment ? ` (${skip.comment})` : ''}` });
        continue;
      }
      await runGroup(r, stage, g, {
        take,
        startCluster: (name) =>
          decide(async () => {
            if (halted !== undefined) return false;
            await r.record({ type: 'rollout.cluster.started', stage: stage.name, group: g.name, cluster: name });
            return true;
          }),
        afterFailure: async () => {
          if (failures().length > stage.maxAllowedFailures) await halt();
          return halted !== undefined;
        },
      });
    }
  };
  const lanes = Array.from({ length: Math.min(stage.maxConcurrency, queue.length) }, lane);
  // Every lane finishes its cluster before the stage's end is decided: a pause or an error stops them all
  const settled = await Promise.allSettled(lanes);
  const error = settled.find((x): x is PromiseRejectedResult => x.status === 'rejected');
  if (error) throw error.reason;
  if (halted !== undefined) throw new RunFailure(`stage ${stage.name} halted: ${halted}`);
  await r.record({ type: 'rollout.stage.completed', stage: stage.name });
}

/** One group's clusters in order; a failed cluster counts, and beyond the group's budget the group stops. */
/** What a group asks of its stage: the skips that arrived, whether the stage halted, and to count a failure (true: the stage halted). */
interface StageLane {
  readonly take: () => Promise<void>;
  /** Whether the cluster may start (the stage has not halted), journaled as started when it may. */
  readonly startCluster: (cluster: string) => Promise<boolean>;
  readonly afterFailure: () => Promise<boolean>;
}

async function runGroup(r: RolloutRun, stage: ResolvedStage, group: RolloutGroup, lane: StageLane): Promise<void> {
  const { take, startCluster, afterFailure } = lane;
  const queue = [...group.clusters];
  let stopped = false;
  /** One cluster of the group; false when the group stops there. */
  const one = async (name: string): Promise<boolean> => {
    if (r.live.state.failedClusters[name] !== undefined) return true;
    await take();
    const underWay = r.live.state.phases.some((p) => p.cluster === name);
    // Skipped (the cluster, its group or its stage) before it started: not maintained; one under way finishes
    if (!underWay && skippedBy(r.live.state, stage.name, group.name, name)) return true;
    if (!r.finished(name)) {
      // The stage halted (another group's failure): this group stops after the cluster it was on, and starts no other
      if (!underWay && !(await startCluster(name))) {
        await r.record({ type: 'rollout.group.stopped', stage: stage.name, group: group.name, reason: `stage ${stage.name} halted` });
        return false;
      }
      const failed = await maintainCounted(r, stage, group, name);
      if (failed) return !(await stopGroup(r, stage, group, afterFailure));
    }
    if (stage.after.length === 0 || analysed(r.live.state, stage.name, name)) return true;
    const results = await r.deps.evaluateGates(stage.after, clusterOf(r, name), r.signal);
    const passed = results.every((x) => x.passed);
    await r.record({ type: 'rollout.gates.evaluated', stage: stage.name, cluster: name, when: 'after', passed, results });
    if (passed) return true;
    await r.record({ type: 'rollout.cluster.failed', stage: stage.name, group: group.name, cluster: name, reason: `its analysis after maintenance failed: ${results.filter((x) => !x.passed).map((x) => `${x.gate}: ${x.message}`).join('; ')}` });
    return !(await stopGroup(r, stage, group, afterFailure));
  };
  // The group's clusters in order, maxConcurrency of them at once (one by default: one after another)
  const worker = async (): Promise<void> => {
    for (let name = queue.shift(); name !== undefined && !stopped; name = queue.shift()) {
      if (!(await one(name))) stopped = true;
    }
  };
  const settled = await Promise.allSettled(Array.from({ length: Math.max(1, Math.min(group.maxConcurrency, group.clusters.length)) }, worker));
  const error = settled.find((x): x is PromiseRejectedResult => x.status === 'rejected');
  if (error) throw error.reason;
  if (!stopped) await r.record({ type: 'rollout.group.completed', stage: stage.name, group: group.name });
}

/** Who skipped the stage, the group or the cluster, if anyone did. */
function skippedBy(s: RunState, stage: string, group: string, cluster?: string): RunState['skipped'][string] | undefined {
  return s.skipped[`stage/${stage}`] ?? s.skipped[`group/${stage}/${group}`] ?? (cluster !== undefined ? s.skipped[`cluster/${cluster}`] : undefined);
}

/** Why a skip cannot be taken by this rollout: a stage, group or cluster it does not have. */
export function skipProblem(rollout: ResolvedRollout, t: SkipTarget): string | undefined {
  if ('stage' in t) return rollout.stages.some((s) => s.name === t.stage) ? undefined : `the rollout has no stage "${t.stage}" (it has ${rollout.stages.map((s) => s.name).join(', ')})`;
  if ('group' in t) {
    const all = rollout.stages.flatMap((s) => s.groups.map((g) => `${s.name}/${g.name}`));
    return all.includes(t.group) ? undefined : `the rollout has no group "${t.group}" (write STAGE/GROUP: ${all.slice(0, 12).join(', ')})`;
  }
  return rollout.stages.some((s) => s.groups.some((g) => g.clusters.includes(t.cluster))) ? undefined : `the rollout has no cluster "${t.cluster}"`;
}

/** Journals the skips that arrived, once per target; one the rollout cannot take is named in a warning. */
async function takeSkips(r: RolloutRun, rollout: ResolvedRollout): Promise<void> {
  for (const q of r.deps.skips?.poll() ?? []) {
    const s = r.live.state;
    const key = skipKey(q.target);
    if (s.skipped[key] || Object.values(s.skipped).some((k) => k.id === q.id)) continue;
    const problem = skipProblem(rollout, q.target);
    if (problem) {
      await r.record({ type: 'warning', message: `skip of ${key.replace('/', ' ')} by ${q.by} ignored: ${problem}` });
      continue;
    }
    await r.record({ type: 'rollout.skipped', id: q.id, key, by: q.by, via: q.via, ...(q.comment !== undefined ? { comment: q.comment } : {}) });
  }
}

/** After a failure in the group: whether it stops (its own budget spent, or the stage halted). */
async function stopGroup(r: RolloutRun, stage: ResolvedStage, group: RolloutGroup, afterFailure: () => Promise<boolean>): Promise<boolean> {
  const failed = group.clusters.filter((c) => r.live.state.failedClusters[c] !== undefined);
  const stageHalted = await afterFailure();
  if (!stageHalted && failed.length <= group.maxAllowedFailures) return false;
  const reason = stageHalted ? `stage ${stage.name} halted` : `${failed.length} of its clusters failed, beyond its maxAllowedFailures of ${group.maxAllowedFailures}: ${failed.join(', ')}`;
  await r.record({ type: 'rollout.group.stopped', stage: stage.name, group: group.name, reason });
  return true;
}

/** Whether the cluster's analysis after its maintenance is journaled (passed or not). */
function analysed(s: RunState, stage: string, cluster: string): boolean {
  return s.failedClusters[cluster] !== undefined || s.stages[stage]?.analysed[cluster] !== undefined;
}

/** A cluster of a rollout failed; its nodes and lease are given back already, the reason says what is held. */
export class ClusterFailed extends Error {
  override name = 'ClusterFailed';
}

/** Maintains one cluster; its failure is journaled as the cluster's and the rollout goes on. A stop of the run passes through. */
async function maintainCounted(r: RolloutRun, stage: ResolvedStage, group: RolloutGroup, name: string): Promise<boolean> {
  try {
    await r.maintain(name, clusterOf(r, name));
    return false;
  } catch (e: unknown) {
    if (!(e instanceof ClusterFailed) || r.signal.aborted) throw e;
    await r.record({ type: 'rollout.cluster.failed', stage: stage.name, group: group.name, cluster: name, reason: e.message });
    return true;
  }
}

/** The soak after a stage (none after the last): journaled with its end, so a resumed run waits what is left. */
async function soak(r: RolloutRun, stage: ResolvedStage, last: boolean): Promise<void> {
  if (last || stage.afterStageWaitMs <= 0) return;
  const st = r.live.state.stages[stage.name];
  if (st?.soakUntil === undefined) await r.record({ type: 'rollout.soak.started', stage: stage.name, until: r.deps.clock.now() + stage.afterStageWaitMs });
  const until = r.live.state.stages[stage.name]?.soakUntil ?? r.deps.clock.now();
  for (let left = until - r.deps.clock.now(); left > 0; left = until - r.deps.clock.now()) {
    // in slices, so a pause or an abort is taken within a second or so even on a fast clock
    await r.deps.clock.sleep(Math.min(left, atLeastReal(r.deps.clock, 60_000, 1_000)), r.signal);
  }
  await r.record({ type: 'rollout.soak.completed', stage: stage.name });
}

function clusterOf(r: RolloutRun, name: string): Cluster {
  const c = r.deps.clusters.get(name);
  if (!c) throw new RunFailure(`cluster ${name} of the rollout is not connected`);
  return c;
}

/**
 * What a finished (aborted or failed) run of a rollout did that a run carrying it on does not do again: the
 * clusters it finished (every phase completed, not failed) and the stages it completed. A cluster that
 * failed is tried again.
 */
export function finishedParts(s: RunState, plan: Plan): { clusters: string[]; stages: string[] } {
  const phases = plan.spec.phases.map((p) => p.name);
  const done = (c: string) => s.continuedFrom?.clusters.includes(c) === true || (s.failedClusters[c] === undefined && phases.every((ph) => s.phases.some((p) => p.cluster === c && p.phase === ph && p.completed)));
  return {
    clusters: plan.spec.clusters.map((c) => c.name).filter(done),
    stages: [...new Set([...Object.values(s.stages).filter((st) => st.status === 'completed').map((st) => st.stage), ...(s.continuedFrom?.stages ?? [])])],
  };
}
