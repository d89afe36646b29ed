// `npm run lab:smoke`: starts the upstream etcd, kube-apiserver, kube-controller-manager, kube-scheduler
// and kwok built by `npm run lab:build` (building them first if they are missing), and checks what the
// kubernetes engine will rely on: /readyz through kubectl, the controller manager creating the default
// ServiceAccount, kwok making a node Ready, the scheduler binding pods to it and kwok running them, and
// an eviction and a pod delete reaching the audit log with the admin's name. kwok follows the engine's own Stages
// (src/sandbox/kubernetes/kwok-stages.ts). Then it stops everything.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { backoffDelay } from '../src/lib/backoff.ts';
import { systemClock } from '../src/lib/clock.ts';
import { startControlPlane } from '../src/sandbox/kubernetes/control-plane.ts';
import { KWOK_NODE_ANNOTATION } from '../src/sandbox/kubernetes/kwok.ts';
import { kwokStagesYaml } from '../src/sandbox/kubernetes/kwok-stages.ts';
import type { ControlPlane } from '../src/sandbox/kubernetes/control-plane.ts';
import { buildUpstream, formatDuration } from '../src/sandbox/kubernetes/upstream-build.ts';

const run = promisify(execFile);
const cacheRoot = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
const say = (line: string): void => console.log(`lab:smoke ${line}`);

const build = await buildUpstream({ cacheRoot, log: say });
const dir = await mkdtemp(join(tmpdir(), 'daylight-lab-'));
const kwokConfigPath = join(dir, 'kwok-stages.yaml');
await writeFile(kwokConfigPath, kwokStagesYaml());
const started = performance.now();
const plane = await startControlPlane({ region: 'lab', dir, binaries: build.binaries, kwokConfigPath });
say(`${plane.components.map((c) => c.name).join(', ')} (${build.version}) ready at ${plane.url} in ${formatDuration(performance.now() - started)}; run dir ${dir}`);
let failed = true;
try {
  await check(plane);
  failed = false;
} finally {
  await plane.stop();
  say('stopped');
  if (failed) say(`logs kept in ${dir}`);
  else await rm(dir, { recursive: true, force: true });
}

async function check(plane: ControlPlane): Promise<void> {
  const kubectl = async (...args: string[]): Promise<string> => (await run('kubectl', ['--kubeconfig', plane.kubeconfigPath, ...args])).stdout;
  const readyz = (await kubectl('get', '--raw', '/readyz')).trim();
  if (readyz !== 'ok') throw new Error(`/readyz answered ${JSON.stringify(readyz)}, not "ok"`);
  say(`kubectl get --raw /readyz: ${readyz}`);
  say(`server version: ${JSON.parse(await kubectl('get', '--raw', '/version')).gitVersion}`);
  await eventually('the controller manager creates default/default ServiceAccount', async () => (await kubectl('get', 'serviceaccount', 'default', '-o', 'name')).trim() !== '');
  const manifests = join(plane.dir, 'smoke.json');
  await writeFile(manifests, JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [node('smoke-node'), pod('evicted'), pod('deleted')] }));
  await kubectl('create', '-f', manifests);
  await eventually('kwok reports smoke-node Ready', async () => (await kubectl('get', 'node', 'smoke-node', '-o', 'jsonpath={.status.conditions[?(@.type=="Ready")].status}')).trim() === 'True');
  say('kwok: smoke-node Ready');
  for (const name of ['evicted', 'deleted']) {
    const ready = `{.spec.nodeName} {.status.phase} {.status.conditions[?(@.type=="Ready")].status}`;
    await eventually(`${name} is bound to smoke-node and kwok runs it`, async () => (await kubectl('get', 'pod', name, '-o', `jsonpath=${ready}`)).trim() === 'smoke-node Running True');
  }
  say('scheduler bound both pods to smoke-node, kwok runs them Ready');
  const eviction = join(plane.dir, 'eviction.json');
  await writeFile(eviction, JSON.stringify({ apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: 'evicted', namespace: 'default' } }));
  await kubectl('create', '--raw', '/api/v1/namespaces/default/pods/evicted/eviction', '-f', eviction);
  await kubectl('delete', 'pod', 'deleted', '--wait=false');
  await eventually('kwok finishes both deletions', async () => (await kubectl('get', 'pods', '-o', 'name')).trim() === '');
  await auditShows(plane);
}

async function auditShows(plane: ControlPlane): Promise<void> {
  const events = (await readFile(plane.auditLogPath, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as AuditEvent);
  const seen = (verb: string, subresource: string | undefined, name: string): AuditEvent | undefined =>
    events.find((e) => e.stage === 'ResponseComplete' && e.verb === verb && e.objectRef?.subresource === subresource && e.objectRef?.name === name);
  const evicted = seen('create', 'eviction', 'evicted');
  const deleted = seen('delete', undefined, 'deleted');
  if (!evicted || !deleted) throw new Error(`audit log ${plane.auditLogPath} lacks the eviction or the delete:\n${events.map((e) => JSON.stringify(e)).join('\n')}`);
  say(`audit: eviction of default/evicted by ${evicted.user.username} answered ${evicted.responseStatus?.code}`);
  say(`audit: delete of default/deleted by ${deleted.user.username} answered ${deleted.responseStatus?.code}`);
  const byKwok = events.filter((e) => e.stage === 'ResponseComplete' && e.verb === 'delete' && e.user.username === plane.credentials.kwok.user);
  const codes = byKwok.map((e) => `${e.objectRef?.name} ${e.responseStatus?.code}`).join(', ');
  say(`audit: kwok's pod deletes as user ${plane.credentials.kwok.user}: ${codes}; ${events.length} events in all (only pod deletes and evictions are logged)`);
}

async function eventually(what: string, ok: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (let attempt = 0; Date.now() < deadline; attempt++) {
    if (await ok().catch(() => false)) return;
    await systemClock.sleep(backoffDelay({ baseMs: 200, capMs: 2000 }, attempt));
  }
  throw new Error(`timed out after ${timeoutMs / 1000} s waiting until ${what}`);
}

/** A node kwok plays the kubelet of. */
function node(name: string): object {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: { 'kubernetes.io/hostname': name }, annotations: { [KWOK_NODE_ANNOTATION.key]: KWOK_NODE_ANNOTATION.value } },
    status: { allocatable: { cpu: '4', memory: '8Gi', pods: '110' }, capacity: { cpu: '4', memory: '8Gi', pods: '110' } },
  };
}

/** Tolerates everything, so a taint the node lifecycle controller sets before kwok's first heartbeat does not matter. */
function pod(name: string): object {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default' },
    spec: { containers: [{ name: 'app', image: 'registry.k8s.io/pause:3.10' }], tolerations: [{ operator: 'Exists' }] },
  };
}

interface AuditEvent {
  readonly stage: string;
  readonly verb: string;
  readonly user: { readonly username: string };
  readonly objectRef?: { readonly name?: string; readonly subresource?: string };
  readonly responseStatus?: { readonly code?: number };
}
