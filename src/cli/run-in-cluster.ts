// `daylight run --in-cluster -f plan.yaml`: hands the plan to the controller instead of running it here. The
// plan file, checked as `daylight run` checks it, becomes the MaintenancePlan of its name in the namespace
// (created, or replaced with what the file says now), and a MaintenanceRun of it is created; the controller's
// leader runs it. What the API server refuses (no CRDs, a field its schema refuses, no permission) is said
// with the API's own words and what to do.
import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import { connectApi } from '../kube/client.ts';
import { UserError } from '../lib/errors.ts';
import type { LoadedPlan } from '../plan/load.ts';
import type { Io } from './command.ts';

const GROUP = '/apis/daylight.dev/v1alpha1';

export interface InClusterRequest {
  readonly plan: LoadedPlan;
  readonly kubeconfig?: string;
  readonly context?: string;
  readonly namespace: string;
  readonly json: boolean;
  /** Names the run (its start, to the second); the wall clock's when absent. */
  readonly now?: () => number;
}

export async function runInCluster(io: Io, r: InClusterRequest): Promise<number> {
  const api = connectApi({ ...(r.kubeconfig ? { kubeconfig: r.kubeconfig } : {}), ...(r.context ? { context: r.context } : {}), env: process.env });
  try {
    // The spec as written in the file (defaults are the controller's parse to fill), the plan's name as the object's
    const written = parse(await readFile(r.plan.path, 'utf8')) as { spec: unknown };
    const name = r.plan.plan.metadata.name;
    const plans = `${GROUP}/namespaces/${r.namespace}/maintenanceplans`;
    const current = await api.raw('GET', `${plans}/${name}`, undefined);
    // An absent plan is a Status "not found"; an API group the server does not have is a bare 404 page
    if (current.status === 404 && !current.body.includes('"kind":"Status"')) throw noCrds(r.namespace);
    if (current.status !== 200 && current.status !== 404) refused(current, `MaintenancePlan ${r.namespace}/${name}`, r.namespace);
    const body = { apiVersion: 'daylight.dev/v1alpha1', kind: 'MaintenancePlan', metadata: { name, namespace: r.namespace }, spec: written.spec };
    const put =
      current.status === 200
        ? await api.raw('PUT', `${plans}/${name}`, { ...body, metadata: { ...body.metadata, resourceVersion: (JSON.parse(current.body) as { metadata: { resourceVersion: string } }).metadata.resourceVersion } })
        : await api.raw('POST', plans, body);
    refused(put, `MaintenancePlan ${r.namespace}/${name}`, r.namespace);
    const at = new Date((r.now ?? Date.now)()).toISOString().slice(0, 19).replace(/[-:]/g, '').replace('T', '-');
    const runName = `${name}-${at}`.slice(0, 63).replace(/-+$/, '');
    const run = await api.raw('POST', `${GROUP}/namespaces/${r.namespace}/maintenanceruns`, { apiVersion: 'daylight.dev/v1alpha1', kind: 'MaintenanceRun', metadata: { name: runName, namespace: r.namespace, labels: { 'daylight.dev/plan': name } }, spec: { planRef: { name } } });
    refused(run, `MaintenanceRun ${r.namespace}/${runName}`, r.namespace);
    if (r.json) io.out(JSON.stringify({ type: 'run.created', namespace: r.namespace, plan: name, run: runName }));
    else io.out(`MaintenanceRun ${r.namespace}/${runName} created for plan ${name} (${current.status === 200 ? 'replaced' : 'created'} from ${r.plan.path}); the controller runs it.\nFollow it: kubectl get maintenancerun ${runName} -n ${r.namespace} -w`);
    return 0;
  } finally {
    await api.close();
  }
}

function noCrds(namespace: string): UserError {
  return new UserError(`this cluster has no MaintenancePlan resource: install the controller (helm install daylight charts/daylight -n ${namespace}) or its CRDs (kubectl apply --server-side -f deploy/crds/)`);
}

function refused(r: { status: number; body: string }, what: string, namespace: string): void {
  if (r.status < 300) return;
  const message = (() => {
    try {
      return (JSON.parse(r.body) as { message?: string }).message ?? r.body;
    } catch {
      return r.body;
    }
  })();
  if (r.status === 404 && /could not find the requested resource/i.test(message)) throw noCrds(namespace);
  if (r.status === 404) throw new UserError(`${what}: namespace ${namespace} does not exist (pass --namespace, or create it)`);
  if (r.status === 403) throw new UserError(`${what}: the API server refused it: ${message}`);
  if (r.status === 422) throw new UserError(`${what}: the API server's schema refused it: ${message}`);
  throw new Error(`${what}: the API server answered ${r.status}: ${message.slice(0, 400)}`);
}
