// GitOps drift gates after maintenance: Argo CD Applications Synced and Healthy, Flux Kustomizations and
// HelmReleases Ready, read from the cluster's custom resources. One result per object, with its live
// status; a gate that cannot see any object, or cannot read them, fails closed.
import { describeError, rethrowIfAborted } from './signals.ts';
import type { Measurement } from './types.ts';

export type GitopsKind = 'argocd' | 'flux';

/** What the gates need of a cluster: a counted, authenticated GET (the wiring binds KubeCluster.raw). */
export interface RawCluster {
  readonly name: string;
  raw(method: 'GET', path: string, body?: unknown, signal?: AbortSignal): Promise<{ status: number; body: string }>;
}

export interface GitopsResult {
  /** "<Kind> <namespace>/<name>", or the kind alone when the list itself failed. */
  readonly name: string;
  readonly passed: boolean;
  /** The live status as the controller wrote it. */
  readonly message: string;
}

interface Resource {
  readonly group: string;
  readonly version: string;
  readonly plural: string;
  readonly kind: string;
  readonly judge: (o: CustomObject) => { passed: boolean; message: string };
}

interface Condition {
  type?: string;
  status?: string;
  reason?: string;
  message?: string;
}

interface CustomObject {
  metadata?: { namespace?: string; name?: string; generation?: number };
  spec?: { suspend?: boolean };
  status?: {
    sync?: { status?: string; revision?: string };
    health?: { status?: string; message?: string };
    operationState?: { phase?: string; message?: string };
    conditions?: Condition[];
    observedGeneration?: number;
  };
}

const RESOURCES: Readonly<Record<GitopsKind, readonly Resource[]>> = {
  // reference §7.3: status.sync.status ∈ Synced | OutOfSync | Unknown; status.health.status ∈ Healthy | Progressing | Degraded | Suspended | Missing | Unknown
  argocd: [{ group: 'argoproj.io', version: 'v1alpha1', plural: 'applications', kind: 'Application', judge: judgeArgoApplication }],
  // reference §7.4: conditions Ready, Reconciling, Stalled drive health
  flux: [
    { group: 'kustomize.toolkit.fluxcd.io', version: 'v1', plural: 'kustomizations', kind: 'Kustomization', judge: judgeFluxReady },
    { group: 'helm.toolkit.fluxcd.io', version: 'v2', plural: 'helmreleases', kind: 'HelmRelease', judge: judgeFluxReady },
  ],
};

const PAGE = 250;
const MAX_PAGES = 200;

/** Every Application (argocd) or Kustomization and HelmRelease (flux) of the cluster, judged. */
export async function checkGitops(kind: GitopsKind, cluster: RawCluster, signal?: AbortSignal): Promise<GitopsResult[]> {
  const results: GitopsResult[] = [];
  const absent: string[] = [];
  for (const r of RESOURCES[kind]) {
    const listed = await listObjects(r, cluster, signal);
    if (listed.kind === 'failed') results.push({ name: r.kind, passed: false, message: listed.message });
    else if (listed.kind === 'absent') absent.push(`${r.plural}.${r.group}/${r.version}`);
    else for (const o of listed.items) results.push({ name: `${r.kind} ${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`, ...r.judge(o) });
  }
  if (results.length > 0) return results.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const kinds = RESOURCES[kind].map((r) => `${r.kind}s`).join(' or ');
  const tool = kind === 'argocd' ? 'Argo CD' : 'Flux';
  const nothing = 'so there is nothing to judge and the gate fails closed';
  const message = absent.length === RESOURCES[kind].length ? `${cluster.name} does not serve ${absent.join(' nor ')}, ${nothing}; install ${tool} there, or remove the gate` : `${cluster.name} has no ${tool} ${kinds}, ${nothing}`;
  return [{ name: kinds, passed: false, message }];
}

/** The results as one gate verdict: passed only when there are results and every one passed. */
export function gitopsMeasurement(results: readonly GitopsResult[]): Measurement {
  const failed = results.filter((r) => !r.passed);
  if (results.length > 0 && failed.length === 0) return { passed: true, value: 0, threshold: '0', message: `all ${results.length} in sync: ${results.map((r) => r.name).join(', ')}` };
  const shown = failed.slice(0, 10).map((r) => `${r.name}: ${r.message}`).join('; ');
  const more = failed.length > 10 ? ` and ${failed.length - 10} more` : '';
  return { passed: false, value: failed.length, threshold: '0', message: `${failed.length} of ${results.length} not in sync: ${shown}${more}` };
}

type Listed = { readonly kind: 'items'; readonly items: CustomObject[] } | { readonly kind: 'absent' } | { readonly kind: 'failed'; readonly message: string };

async function listObjects(r: Resource, cluster: RawCluster, signal: AbortSignal | undefined): Promise<Listed> {
  const items: CustomObject[] = [];
  let token: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const query = new URLSearchParams({ limit: String(PAGE), ...(token ? { continue: token } : {}) });
    const path = `/apis/${r.group}/${r.version}/${r.plural}?${query.toString()}`;
    let answer: { status: number; body: string };
    try {
      answer = await cluster.raw('GET', path, undefined, signal);
    } catch (e: unknown) {
      rethrowIfAborted(e, signal);
      return { kind: 'failed', message: `could not list ${r.plural}.${r.group} in ${cluster.name}, so it counts as failed: ${describeError(e)}` };
    }
    if (answer.status === 404 && page === 0) return { kind: 'absent' };
    if (answer.status !== 200) return { kind: 'failed', message: `could not list ${r.plural}.${r.group} in ${cluster.name}, so it counts as failed: HTTP ${answer.status} ${statusMessage(answer.body)}` };
    const list = parseList(answer.body);
    if (!list) return { kind: 'failed', message: `${cluster.name} answered the list of ${r.plural}.${r.group} with something that is not a list, so it counts as failed` };
    items.push(...list.items);
    token = list.continue;
    if (!token) return { kind: 'items', items };
  }
  return { kind: 'failed', message: `more than ${PAGE * MAX_PAGES} ${r.plural}.${r.group} in ${cluster.name}; not judged, so it counts as failed` };
}

function parseList(body: string): { items: CustomObject[]; continue?: string } | undefined {
  try {
    const v = JSON.parse(body) as { items?: unknown; metadata?: { continue?: unknown } };
    if (!Array.isArray(v.items)) return undefined;
    const next = v.metadata?.continue;
    return { items: v.items as CustomObject[], ...(typeof next === 'string' && next !== '' ? { continue: next } : {}) };
  } catch {
    return undefined;
  }
}

function statusMessage(body: string): string {
  try {
    const v = JSON.parse(body) as { message?: unknown };
    if (typeof v.message === 'string') return v.message;
  } catch {
    // not a Status object: show the start of the body
  }
  return body.slice(0, 200);
}

export function judgeArgoApplication(o: CustomObject): { passed: boolean; message: string } {
  const s = o.status;
  if (!s?.sync?.status && !s?.health?.status) return { passed: false, message: 'no sync or health status yet (the Argo CD application controller has not reconciled it)' };
  const sync = s.sync?.status ?? 'Unknown';
  const health = s.health?.status ?? 'Unknown';
  const parts = [`sync ${sync}, health ${health}`];
  if (s.sync?.revision) parts.push(`at revision ${s.sync.revision.slice(0, 12)}`);
  const details: string[] = [];
  if (s.health?.message) details.push(s.health.message);
  if (s.operationState?.phase && s.operationState.phase !== 'Succeeded') details.push(`last operation ${s.operationState.phase}${s.operationState.message ? `: ${s.operationState.message}` : ''}`);
  for (const c of s.conditions ?? []) if (c.type?.endsWith('Error') && c.message) details.push(`${c.type}: ${c.message}`);
  return { passed: sync === 'Synced' && health === 'Healthy', message: `${parts.join(' ')}${details.length ? `; ${details.join('; ')}` : ''}` };
}

export function judgeFluxReady(o: CustomObject): { passed: boolean; message: string } {
  const ready = o.status?.conditions?.find((c) => c.type === 'Ready');
  const suspended = o.spec?.suspend === true ? ' (suspended: not reconciling)' : '';
  if (!ready) return { passed: false, message: `no Ready condition yet (the Flux controller has not reconciled it)${suspended}` };
  const text = `Ready=${ready.status ?? 'Unknown'}${ready.reason ? ` (${ready.reason})` : ''}${ready.message ? `: ${ready.message}` : ''}${suspended}`;
  const generation = o.metadata?.generation;
  const observed = o.status?.observedGeneration;
  if (generation !== undefined && observed !== undefined && observed < generation) return { passed: false, message: `${text}; generation ${generation} not yet reconciled (observed ${observed})` };
  return { passed: ready.status === 'True', message: text };
}
