// The runs the controller's dashboard serves: the MaintenanceRuns of its namespace, each with its journal
// read from its ConfigMaps in the API server, as a source of the dashboard server (server/runs-source.ts);
// and the controller's /metrics. A change to a run from the dashboard (pause, resume, abort, an answer) is a
// change to its MaintenanceRun, written by the controller in the dashboard's name; read-only, it is answered
// with the kubectl command that makes it in the name of the Kubernetes user who runs it.
import { journalTextOf, readChunks } from '../journal/kube-journal.ts';
import type { ConfigMapApi } from '../kube/namespaced-objects.ts';
import { SteerRefused } from '../server/runs-source.ts';
import type { RunChange, RunsSource } from '../server/runs-source.ts';
// The phases a run's status goes through: each a series of daylight_controller_runs, even at 0
import { RUN_PHASES } from '../crd/run-schema.ts';
import { APPROVAL_ANNOTATIONS, approvalPatch, DAYLIGHT_GROUP, FINISHED_PHASES } from './maintenance-run.ts';

/** The calls of the API server the source makes besides the journal's ConfigMaps: a GET, and a merge PATCH to steer a run. */
export interface RunsApi {
  raw(method: 'GET' | 'PATCH', path: string, body: unknown, signal?: AbortSignal): Promise<{ readonly status: number; readonly body: string }>;
}

export interface ClusterRunsOptions {
  readonly api: RunsApi;
  readonly configMaps: ConfigMapApi;
  readonly namespace: string;
  /** Pause, resume, abort and approvals from the dashboard written to the MaintenanceRun (its spec, its annotations); false: answered 501 with the kubectl command. */
  readonly steer: boolean;
}

interface RunObject {
  readonly metadata: { readonly name: string };
  readonly status?: { readonly phase?: string };
}


export interface ClusterRuns extends RunsSource {
  /** The MaintenanceRuns of the namespace by status phase ("Pending": no status yet). */
  phases(signal?: AbortSignal): Promise<Record<string, number>>;
}

export function clusterRuns(o: ClusterRunsOptions): ClusterRuns {
  const base = `${DAYLIGHT_GROUP}/namespaces/${o.namespace}/maintenanceruns`;
  const listRuns = async (signal?: AbortSignal): Promise<RunObject[]> => {
    const r = await o.api.raw('GET', base, undefined, signal);
    if (r.status !== 200) throw new Error(`could not list MaintenanceRuns in ${o.namespace}: ${r.status} ${r.body.slice(0, 300)}`);
    return (JSON.parse(r.body) as { items: RunObject[] }).items;
  };
  return {
    where: `namespace ${o.namespace} (kubectl get maintenanceruns -n ${o.namespace} lists them)`,
    list: async (signal) => (await listRuns(signal)).map((r) => r.metadata.name),
    read: async (runId, signal) => {
      const r = await o.api.raw('GET', `${base}/${encodeURIComponent(runId)}`, undefined, signal);
      if (r.status === 404) return undefined;
      if (r.status !== 200) throw new Error(`could not read MaintenanceRun ${o.namespace}/${runId}: ${r.status} ${r.body.slice(0, 300)}`);
      const run = JSON.parse(r.body) as RunObject;
      // A run no controller has started has no journal yet: its state is the empty one
      const chunks = await readChunks(o.configMaps, o.namespace, runId, signal);
      return { runId, journalText: journalTextOf(chunks), live: !FINISHED_PHASES.has(run.status?.phase ?? '') };
    },
    ...(o.steer ? { steer: (runId: string, change: RunChange, signal?: AbortSignal) => steerRun(o, runId, change, signal) } : {}),
    steerElsewhere: (runId, what) => steerWithKubectl(o.namespace, runId, what),
    phases: async (signal) => {
      const counts: Record<string, number> = Object.fromEntries(RUN_PHASES.map((p) => [p, 0]));
      for (const r of await listRuns(signal)) {
        const phase = r.status?.phase ?? 'Pending';
        counts[phase] = (counts[phase] ?? 0) + 1;
      }
      return counts;
    },
  };
}

/**
 * A change from the dashboard, made to the MaintenanceRun as a person would with kubectl: pause and resume set
 * spec.paused, abort spec.abort; an answer (already judged against the journal) the approval annotations, in the
 * dashboard's name (the chart's policy lets only the controller's ServiceAccount write that name). The leader
 * takes it from there, as from any change to the run.
 */
async function steerRun(o: ClusterRunsOptions, runId: string, change: RunChange, signal?: AbortSignal): Promise<string> {
  const path = `${DAYLIGHT_GROUP}/namespaces/${o.namespace}/maintenanceruns/${encodeURIComponent(runId)}`;
  const body = 'answer' in change ? approvalPatch(change.answer) : { spec: change.command === 'abort' ? { abort: true } : { paused: change.command === 'pause' } };
  const r = await o.api.raw('PATCH', path, body, signal);
  const what = 'answer' in change ? change.answer.decision : change.command;
  if (r.status === 404) throw new SteerRefused(404, `MaintenanceRun ${o.namespace}/${runId} is gone`);
  if (r.status === 401 || r.status === 403 || r.status === 422) {
    throw new SteerRefused(r.status === 422 ? 422 : 403, `the API server refused the change to MaintenanceRun ${o.namespace}/${runId}: ${statusMessage(r.body)}. The chart lets the controller make it with service.controls: true; else ${steerWithKubectl(o.namespace, runId, what).split('; ').slice(1).join('; ')}`);
  }
  if (r.status >= 300) throw new Error(`could not change MaintenanceRun ${o.namespace}/${runId}: ${r.status} ${r.body.slice(0, 300)}`);
  return 'answer' in change
    ? `written to MaintenanceRun ${o.namespace}/${runId} (annotations ${APPROVAL_ANNOTATIONS.decision}=${change.answer.decision}, ${APPROVAL_ANNOTATIONS.step}=${change.answer.step}, ${APPROVAL_ANNOTATIONS.by}=${change.answer.by}); the leading controller takes it within seconds and its journal records approval.${change.answer.decision === 'approve' ? 'granted' : 'rejected'}`
    : `written to MaintenanceRun ${o.namespace}/${runId} (spec.${change.command === 'abort' ? 'abort' : 'paused'}); the leading controller acts on it within seconds and its journal records control.received`;
}

/** The message of a Kubernetes Status answer, or the body's start. */
function statusMessage(body: string): string {
  try {
    return (JSON.parse(body) as { message?: string }).message ?? body.slice(0, 300);
  } catch {
    return body.slice(0, 300);
  }
}

/** Why the controller's dashboard does not change a run, and the kubectl command that does, as the person who runs it. */
export function steerWithKubectl(namespace: string, runId: string, what: string): string {
  const run = `kubectl -n ${namespace}`;
  const why = "the controller's dashboard is read-only: a run is steered through its MaintenanceRun, in the name of the Kubernetes user who changes it";
  if (what === 'approve' || what === 'reject') {
    return `${why}; answer with ${run} annotate --overwrite maintenancerun/${runId} ${APPROVAL_ANNOTATIONS.decision}=${what} ${APPROVAL_ANNOTATIONS.step}=STEP ${APPROVAL_ANNOTATIONS.comment}=TEXT ${APPROVAL_ANNOTATIONS.by}=YOUR-USER (STEP as the run's status names it; YOUR-USER your user name as the API server knows it, kubectl auth whoami)`;
  }
  const patch = what === 'abort' ? '{"spec":{"abort":true}}' : `{"spec":{"paused":${what === 'pause'}}}`;
  return `${why}; ${what} it with ${run} patch maintenancerun/${runId} --type merge -p '${patch}'`;
}

/** The controller's /metrics: whether this replica leads, and the runs of its namespace by phase. */
export async function controllerMetrics(runs: ClusterRuns, leading: boolean, signal?: AbortSignal): Promise<string> {
  const phases = await runs.phases(signal);
  return [
    '# HELP daylight_controller_leader Whether this replica leads (1) or stands by (0).',
    '# TYPE daylight_controller_leader gauge',
    `daylight_controller_leader ${leading ? 1 : 0}`,
    '# HELP daylight_controller_runs MaintenanceRuns of the namespace by status phase (Pending: no status yet).',
    '# TYPE daylight_controller_runs gauge',
    ...Object.entries(phases).map(([phase, n]) => `daylight_controller_runs{phase="${phase.replace(/["\\\n]/g, '_')}"} ${n}`),
    '',
  ].join('\n');
}
