// The runs the controller's dashboard serves: the MaintenanceRuns of its namespace, each with its journal
// read from its ConfigMaps in the API server, as a source of the dashboard server (server/runs-source.ts);
// and the controller's /metrics. Read-only: a change to a run is a change to its MaintenanceRun, made with
// kubectl in the name of the Kubernetes user who makes it (the chart's admission policy checks approvals so).
import { journalTextOf, readChunks } from '../journal/kube-journal.ts';
import type { ConfigMapApi } from '../kube/namespaced-objects.ts';
import type { RunsSource } from '../server/runs-source.ts';
// The phases a run's status goes through: each a series of daylight_controller_runs, even at 0
import { RUN_PHASES } from '../crd/run-schema.ts';
import { APPROVAL_ANNOTATIONS, DAYLIGHT_GROUP, FINISHED_PHASES } from './maintenance-run.ts';

/** The one call of the API server the source makes besides the journal's ConfigMaps: a GET. */
export interface RunsApi {
  raw(method: 'GET', path: string, body: undefined, signal?: AbortSignal): Promise<{ readonly status: number; readonly body: string }>;
}

export interface ClusterRunsOptions {
  readonly api: RunsApi;
  readonly configMaps: ConfigMapApi;
  readonly namespace: string;
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
