// A MaintenanceRun's status as the controller writes it: what the journal says of the run (phase, stage, node
// counts, conditions), written in order, each write conditional on the resourceVersion the last returned, so
// that a deposed controller can write it no more (StatusFenced).
import { waitingApprovals } from '../engine/state.ts';
import type { RunState } from '../engine/state.ts';
import type { KubeApi } from '../kube/api.ts';
import { DAYLIGHT_GROUP } from './maintenance-run.ts';
import type { MaintenanceRun } from './maintenance-run.ts';

/** Where a run's status is written, and by which controller. */
export interface RunStatusTarget {
  readonly api: KubeApi;
  readonly namespace: string;
  readonly identity: string;
}

export function stateStatus(state: RunState): Record<string, unknown> {
  const counts: Record<string, number> = {};
  for (const n of Object.values(state.nodes)) {
    const key = n.outcome ?? n.step ?? 'pending';
    counts[key] = (counts[key] ?? 0) + 1;
  }
  const waiting = waitingApprovals(state).map((w) => w.step);
  if (waiting.length) return { nodeCounts: counts, phase: 'WaitingForApproval', currentStage: `waiting for approval of ${waiting.join(', ')}` };
  return { nodeCounts: counts, phase: state.status === 'paused' ? 'Paused' : 'Running', currentStage: currentStage(state) };
}

/** Where the run is, as people read it: its phase and the nodes it is working on. */
function currentStage(state: RunState): string {
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
export function statusWriter(o: RunStatusTarget, name: string, resourceVersion: string, signal: AbortSignal): (status: Record<string, unknown>) => Promise<void> {
  let rv = resourceVersion;
  let chain: Promise<void> = Promise.resolve();
  let fenced: StatusFenced | undefined;
  let claimed = false;
  return (status) => {
    const write = async () => {
      if (fenced) throw fenced;
      const r = await o.api.raw('PATCH', `${DAYLIGHT_GROUP}/namespaces/${o.namespace}/maintenanceruns/${name}/status`, { metadata: { resourceVersion: rv }, status }, signal);
      if (r.status === 409) {
        // Moved on: a person's change to the spec (pause, abort) is no reason to stop; another controller's status is
        const now = await o.api.raw('GET', `${DAYLIGHT_GROUP}/namespaces/${o.namespace}/maintenanceruns/${name}`, undefined, signal);
        const current = now.status === 200 ? (JSON.parse(now.body) as MaintenanceRun & { status?: { conditions?: { type: string; message?: string }[] } }) : undefined;
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
    const next = chain.then(write, write);
    chain = next.catch(() => undefined);
    return next;
  };
}
