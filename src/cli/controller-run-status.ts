// A MaintenanceRun's status as the controller writes it: what the journal says of the run (phase, stage, node
// counts, conditions), written in order, each write conditional on the resourceVersion the last returned, so
// that a deposed controller can write it no more (StatusFenced).
import { stageLines } from '../engine/run-summary.ts';
import { nodeKey, waitingApprovals } from '../engine/state.ts';
import type { RunState } from '../engine/state.ts';
// The conditions every status write carries, all of them (a merge patch replaces the list)
import { RUN_CONDITIONS } from '../crd/run-schema.ts';
import type { KubeApi } from '../kube/api.ts';
import { oneAtATime } from '../lib/concurrency.ts';
import { DAYLIGHT_GROUP, FINISHED_PHASES } from './maintenance-run.ts';
import type { MaintenanceRun } from './maintenance-run.ts';

/** Where a run's status is written, and by which controller. */
export interface RunStatusTarget {
  readonly api: KubeApi;
  readonly namespace: string;
  readonly identity: string;
}

export function stateStatus(state: RunState, driver: string): Record<string, unknown> & { readonly phase: string } {
  const counts: Record<string, number> = {};
  for (const n of Object.values(state.nodes)) {
    const key = n.outcome ?? n.step ?? 'pending';
    counts[key] = (counts[key] ?? 0) + 1;
  }
  const waiting = waitingApprovals(state).map((w) => w.step);
  const phase = waiting.length ? 'WaitingForApproval' : state.status === 'paused' ? 'Paused' : 'Running';
  const currentStage = waiting.length ? `waiting for approval of ${waiting.join(', ')}` : currentStageOf(state);
  // The planned nodes of every phase so far, and any the journal names besides
  const planned = new Set([...state.phases.flatMap((p) => p.waves.flatMap((w) => w.nodes.map((n) => nodeKey(p.cluster, n)))), ...Object.keys(state.nodes)]);
  const finished = Object.values(state.nodes).filter((n) => n.outcome !== undefined).length;
  const run = state.phases.at(-1);
  return {
    nodeCounts: counts,
    progress: `${finished}/${planned.size} nodes`,
    ...(run ? { waves: { phase: run.phase, cluster: run.cluster, done: run.wavesDone, total: run.waves.length } } : {}),
    ...(Object.keys(state.stages).length > 0 ? { stages: stageLines(state).slice(0, 50) } : {}),
    phase,
    currentStage,
    conditions: runConditions({ phase, driver, message: currentStage, notDone: notDone(state) }),
  };
}

/** Nodes the run has given up on so far (failed, skipped, quarantined): what makes a run Degraded before it ends. */
function notDone(state: RunState): string | undefined {
  const by: Record<string, number> = {};
  for (const n of Object.values(state.nodes)) if (n.outcome && n.outcome !== 'maintained') by[n.outcome] = (by[n.outcome] ?? 0) + 1;
  const parts = Object.entries(by).map(([outcome, n]) => `${n} ${outcome}`);
  return parts.length ? `${parts.join(', ')} so far` : undefined;
}


export interface ConditionsOf {
  /** The status phase: Running, Paused, WaitingForApproval while driven; Succeeded, Degraded, Failed, Aborted at the end. */
  readonly phase: string;
  /** Who drives it (its Progressing message while it runs: the fencing of statusWriter reads it). */
  readonly driver: string;
  /** What the phase's condition says: the stage, the step waited for, or why the run ended. */
  readonly message: string;
  /** Nodes given up on while the run goes on: Degraded before the end. */
  readonly notDone?: string | undefined;
  /** Progressing's reason while driven (Started, Resumed), or the ending condition's (PlanInvalid); default the phase. */
  readonly reason?: string;
}

/**
 * All six conditions for a phase. While the run is driven Progressing is True and says by whom; Paused and
 * WaitingForApproval say why it stands; Degraded is True as soon as a node is given up on; at the end exactly
 * one of Succeeded, Degraded, Failed is True (an aborted run is Failed with reason Aborted): a run that was not
 * a full success never says Succeeded.
 */
export function runConditions(c: ConditionsOf): ReturnType<typeof condition>[] {
  const over = FINISHED_PHASES.has(c.phase);
  const is = (type: (typeof RUN_CONDITIONS)[number]): boolean => {
    switch (type) {
      case 'Progressing':
        return !over;
      case 'Paused':
      case 'WaitingForApproval':
      case 'Succeeded':
        return c.phase === type;
      case 'Degraded':
        return c.phase === 'Degraded' || (!over && c.notDone !== undefined);
      case 'Failed':
        return c.phase === 'Failed' || c.phase === 'Aborted';
    }
  };
  return RUN_CONDITIONS.map((type) => {
    const on = is(type);
    if (type === 'Progressing') return condition(type, on ? 'True' : 'False', on ? (c.reason ?? c.phase) : c.phase, on ? c.driver : c.message);
    if (type === 'Degraded' && on && !over) return condition(type, 'True', 'NodesNotDone', c.notDone ?? c.message);
    return condition(type, on ? 'True' : 'False', on ? (over ? (c.reason ?? c.phase) : c.phase) : `Not${type}`, on ? c.message : '');
  });
}

/** Where the run is, as people read it: its phase and the nodes it is working on. */
function currentStageOf(state: RunState): string {
  const busy = Object.entries(state.nodes).filter(([, n]) => n.outcome === undefined && n.step !== undefined).map(([k]) => k.split('/').at(-1));
  const phase = state.phases.at(-1);
  const where = phase ? `${phase.phase} ${phase.cluster} wave ${Math.min(phase.wavesDone + 1, phase.waves.length)} of ${phase.waves.length}` : '';
  return [where, busy.length ? `nodes ${busy.join(', ')}` : ''].filter(Boolean).join(': ') || 'starting';
}

export function condition(type: string, value: 'True' | 'False', reason: string, message: string) {
  return { type, status: value, reason: reason.replace(/[^A-Za-z0-9_]/g, '') || 'Unknown', message: message.slice(0, 32_000), lastTransitionTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z') };
}

/** The Progressing condition's message while a controller drives the run: whose status it is. */
export const drivenBy = (identity: string) => `driven by ${identity}`;

/** A write of the run's status was refused: another controller wrote the run since this one read it. */
export class StatusFenced extends Error {
  override name = 'StatusFenced';
}

/**
 * The run's status, written in order, each write conditional on the resourceVersion the last one returned
 * (a merge patch carrying metadata.resourceVersion is refused with 409 when the object moved on): once a
 * new leader has written the run, a deposed one can write it no more.
 */
export function statusWriter(o: RunStatusTarget, run: MaintenanceRun, signal: AbortSignal): (status: Record<string, unknown>) => Promise<void> {
  const name = run.metadata.name;
  let rv = run.metadata.resourceVersion ?? '';
  const inOrder = oneAtATime();
  let fenced: StatusFenced | undefined;
  let claimed = false;
  // A condition's lastTransitionTime is when its status last changed, across writes and across leaders
  const since = new Map((run.status?.conditions ?? []).map((c) => [c.type, c]));
  const stamped = (status: Record<string, unknown>): Record<string, unknown> => {
    if (!Array.isArray(status.conditions)) return status;
    const conditions = (status.conditions as ReturnType<typeof condition>[]).map((c) => {
      const before = since.get(c.type);
      const kept = before && before.status === c.status && before.lastTransitionTime ? { ...c, lastTransitionTime: before.lastTransitionTime } : c;
      since.set(c.type, kept);
      return kept;
    });
    return { ...status, conditions };
  };
  return (status) => {
    const body = stamped(status);
    const write = async (): Promise<void> => {
      if (fenced) throw fenced;
      const r = await o.api.raw('PATCH', `${DAYLIGHT_GROUP}/namespaces/${o.namespace}/maintenanceruns/${name}/status`, { metadata: { resourceVersion: rv }, status: body }, signal);
      if (r.status === 409) {
        // Moved on: a person's change to the spec (pause, abort) is no reason to stop; another controller's status is
        const now = await o.api.raw('GET', `${DAYLIGHT_GROUP}/namespaces/${o.namespace}/maintenanceruns/${name}`, undefined, signal);
        const current = now.status === 200 ? (JSON.parse(now.body) as MaintenanceRun) : undefined;
        const driver = current?.status?.conditions?.find((c) => c.type === 'Progressing')?.message;
        // Before this controller's first write (its claim, as the Lease's holder) the last driver may be a deposed one
        if (current && (!claimed || driver === drivenBy(o.identity))) {
          rv = current.metadata.resourceVersion ?? rv;
          return write();
        }
        fenced = new StatusFenced(`MaintenanceRun ${o.namespace}/${name} was written by someone else since resourceVersion ${rv} (${driver ?? 'no driver named'}): another controller carries it on`);
        throw fenced;
      }
      if (r.status >= 300) throw new Error(`could not write the status of MaintenanceRun ${name}: ${r.status} ${r.body.slice(0, 300)}`);
      rv = (JSON.parse(r.body) as MaintenanceRun).metadata.resourceVersion ?? rv;
      claimed = true;
    };
    return inOrder(write);
  };
}
