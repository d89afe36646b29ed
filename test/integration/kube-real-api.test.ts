// Daylight's Kubernetes adapter and engine against the upstream kube-apiserver (the sandbox's kubernetes
// engine), on the points where the simulated engine cannot judge them: RBAC, through a real ServiceAccount
// whose Role lacks a permission and a token from the TokenRequest API, fails the node at once and names
// who lacked what; and idle watches that the server closes (a small timeoutSeconds, so the test need not
// sit for minutes) are resumed with WATCH, never relisted, as the API server's own request metrics count.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import type { NodeContext } from '../../src/engine/node-context.ts';
import { maintainNode, NodeFailure } from '../../src/engine/node-pipeline.ts';
import { SharedReads } from '../../src/engine/shared-reads.ts';
import { KubeCluster } from '../../src/kube/adapter.ts';
import { PermissionDenied } from '../../src/kube/api-error.ts';
import { KubeApi } from '../../src/kube/api.ts';
import { pdbCache } from '../../src/kube/object-cache.ts';
import { systemClock } from '../../src/lib/clock.ts';
import { parsePlan } from '../../src/plan/load.ts';
import type { NodesPhase } from '../../src/plan/schema.ts';
import { startKubernetesSandbox } from '../../src/sandbox/kubernetes/kubernetes-sandbox.ts';
import type { RunningKubernetesSandbox } from '../../src/sandbox/kubernetes/kubernetes-sandbox.ts';
import { buildUpstream } from '../../src/sandbox/kubernetes/upstream-build.ts';
import { smallFleet } from '../support/fleets.ts';

const REGION = 'eu-central';
const NS = 'daylight-rbac';
const identityOf = (sa: string) => `system:serviceaccount:${NS}:${sa}`;

/** One zone of two workers, a Deployment of two pods behind a budget: something to evict on each node. */
const fleet = () => smallFleet({ zones: 1, racks: 1, nodesPerRack: 2, speed: 1, workloads: ['{name: web, namespace: shop, kind: Deployment, replicas: 2, cpu: 100m, memory: 64Mi, startupSeconds: 1, readinessSeconds: 1, pdb: {maxUnavailable: 1}}'] });

let dir: string;
let sandbox: RunningKubernetesSandbox | undefined;
let server: { url: string; caPem: string };
let admin: KubeApi;
let adminToken: string;
const closers: (() => Promise<void>)[] = [];

before(
  async () => {
    const build = await buildUpstream({ cacheRoot: process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), log: (line) => console.log(`lab:build ${line}`) });
    dir = await mkdtemp(join(tmpdir(), 'daylight-real-api-'));
    sandbox = await startKubernetesSandbox({ fleet: fleet(), binaries: build.binaries, dir: join(dir, 'run'), log: (line) => console.log(line) });
    const plane = sandbox.regions.get(REGION);
    assert.ok(plane, `the kubernetes engine runs ${REGION}`);
    server = { url: plane.url, caPem: plane.credentials.caPem };
    adminToken = plane.credentials.admin.token;
    admin = new KubeApi(kubeConfig(adminToken));
  },
  { timeout: 90 * 60_000 },
);

after(async () => {
  for (const close of closers) await close().catch(() => undefined);
  await admin?.close();
  await sandbox?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

function kubeConfig(token: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: REGION, server: server.url, caData: Buffer.from(server.caPem).toString('base64') }],
    users: [{ name: 'user', token }],
    contexts: [{ name: REGION, cluster: REGION, user: 'user' }],
    currentContext: REGION,
  });
  return kc;
}

async function ok(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown): Promise<Record<string, unknown>> {
  const r = await admin.raw(method, path, body);
  assert.ok(r.status < 300 || r.status === 409, `${method} ${path}: ${r.status} ${r.body.slice(0, 300)}`);
  return JSON.parse(r.body) as Record<string, unknown>;
}

async function until<T>(what: string, f: () => Promise<T | undefined>, ms = 120_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await systemClock.sleep(500);
  }
}

/** A ServiceAccount `sa` bound to `rules` through a ClusterRole, and a cluster adapter over a token for it. */
async function identity(sa: string, rules: readonly Record<string, unknown>[]): Promise<KubeCluster> {
  const SA = sa;
  const role = sa;
  await ok('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
  await until('the ServiceAccount', async () => ((await admin.raw('POST', `/api/v1/namespaces/${NS}/serviceaccounts`, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: SA } })).status < 500 ? true : undefined));
  await ok('POST', '/apis/rbac.authorization.k8s.io/v1/clusterroles', { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: role }, rules });
  await ok('POST', '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: role }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role }, subjects: [{ kind: 'ServiceAccount', name: SA, namespace: NS }] });
  // A token through the TokenRequest API, as `kubectl create token` gets one
  const t = await ok('POST', `/api/v1/namespaces/${NS}/serviceaccounts/${SA}/token`, { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: 3600 } });
  const token = (t.status as { token?: string } | undefined)?.token;
  assert.ok(token, 'a token');
  const cluster = new KubeCluster({ name: REGION, api: new KubeApi(kubeConfig(token)), clock: systemClock });
  closers.push(() => cluster.close());
  return cluster;
}

const READ = ['get', 'list', 'watch'];

function phase(): NodesPhase {
  const text = ['apiVersion: daylight.dev/v1alpha1', 'kind: MaintenancePlan', 'metadata: {name: patch}', 'spec:', `  clusters: [{name: ${REGION}}]`, '  phases:', '    - {name: os-patch, type: nodes, action: {type: agent, operation: reboot}, drain: {timeout: 10m, onTimeout: skip}}', ''].join('\n');
  const p = parsePlan('plan.yaml', text).plan.spec.phases[0];
  assert.ok(p?.type === 'nodes');
  return p;
}

interface PodItem {
  metadata: { name: string };
  spec: { nodeName?: string };
  status: { phase?: string; conditions?: { type: string; status: string }[] };
}

test('an identity that may not create pods/eviction fails its node at once, naming the verb, the resource and the identity', { timeout: 300_000 }, async (t) => {
  // Given a ServiceAccount that may read and patch nodes, read pods and write events, but not create pods/eviction
  const cluster = await identity('daylight-no-eviction', [
    { apiGroups: [''], resources: ['nodes'], verbs: [...READ, 'patch'] },
    { apiGroups: [''], resources: ['pods'], verbs: READ },
    { apiGroups: [''], resources: ['events'], verbs: ['create'] },
    { apiGroups: ['apps'], resources: ['replicasets', 'deployments'], verbs: READ },
    { apiGroups: ['policy'], resources: ['poddisruptionbudgets'], verbs: READ },
  ]);
  // And a web pod Running and Ready on a node
  const pod = await until('a Ready web pod', async () => {
    const list = (await ok('GET', '/api/v1/namespaces/shop/pods')).items as PodItem[];
    return list.find((p) => p.spec.nodeName && p.status.phase === 'Running' && p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
  });
  const node = pod.spec.nodeName as string;
  // When Daylight maintains that node with this identity (a drain timeout of 10 minutes)
  const ctx: NodeContext = { cluster, clusterName: REGION, node, runId: 'run-rbac', phase: phase(), clock: systemClock, record: () => undefined, signal: new AbortController().signal, reads: new SharedReads(cluster) };
  const started = Date.now();
  const e = await maintainNode({ ctx, state: undefined, evictedWorkloads: [], exec: async () => ({ exitCode: 0, signal: null, timedOut: false, output: '', durationMs: 0 }) }).then(() => undefined, (err: unknown) => err);
  const ms = Date.now() - started;
  t.diagnostic(`the node failed ${ms} ms after its maintenance started: ${e instanceof Error ? e.message : String(e)}`);
  // Then the node fails at once, with the API server's words for who may not do what, where
  assert.ok(e instanceof NodeFailure, String(e));
  assert.match(e.message, new RegExp(`^eviction of shop/web-[a-z0-9-]+ from node ${node} refused by the API server: ${identityOf('daylight-no-eviction')} may not create pods/eviction in namespace shop \\(HTTP 403 Forbidden\\)`));
  assert.ok(ms < 30_000, `failed after ${ms} ms, not after the drain's 10 minutes`);
  // And the pod is still there, its node cordoned by the run (the run's give-back uncordons it)
  assert.ok((await ok('GET', `/api/v1/namespaces/shop/pods/${pod.metadata.name}`)).metadata);
  assert.equal(await cluster.uncordon(node, 'run-rbac'), true);
});

test('an identity that may not patch nodes is refused its cordon, named as "patch nodes" at the cluster scope', { timeout: 120_000 }, async () => {
  // Given a ServiceAccount that may only read nodes
  const cluster = await identity('daylight-read-nodes', [{ apiGroups: [''], resources: ['nodes'], verbs: READ }]);
  const node = (await cluster.listNodes()).find((n) => !n.labels['node-role.kubernetes.io/control-plane'])?.name;
  assert.ok(node);
  // When Daylight cordons a node with it
  const e = await cluster.cordon(node, 'run-rbac').then(() => undefined, (err: unknown) => err);
  // Then the API server's refusal names the verb, the resource and the identity, with no namespace
  assert.ok(e instanceof PermissionDenied, String(e));
  assert.deepEqual({ ...e.denial, message: undefined }, { user: identityOf('daylight-read-nodes'), verb: 'patch', resource: 'nodes', message: undefined });
});

/** apiserver_request_total for `resource`, summed over codes and components, by verb. */
async function requests(resource: string): Promise<Record<string, number>> {
  const r = await admin.rawGet('/metrics');
  assert.equal(r.status, 200);
  const out: Record<string, number> = {};
  for (const line of r.body.split('\n')) {
    if (!line.startsWith('apiserver_request_total{') || !line.includes(`resource="${resource}"`)) continue;
    const verb = /verb="([A-Z]+)"/.exec(line)?.[1] ?? '?';
    out[verb] = (out[verb] ?? 0) + Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return out;
}

test('an idle watch the server keeps closing is resumed with WATCH, never relisted, by the API server\'s own count', { timeout: 180_000 }, async (t) => {
  // Given Daylight's cache of disruption budgets, over watches the server closes every 2 seconds
  const api = new KubeApi(kubeConfig(adminToken), { watch: { timeoutSeconds: () => 2, idleMs: 150_000 } });
  closers.push(() => api.close());
  const cache = pdbCache(api);
  closers.push(async () => cache.close());
  await cache.ready();
  assert.ok(cache.all().some((b) => b.metadata?.name === 'web'), 'the cache holds the fleet\'s budget');
  const before = await requests('poddisruptionbudgets');
  const watchesBefore = api.requestKinds.get('WATCH poddisruptionbudgets') ?? 0;
  // When nothing changes while the server closes its watch four times
  await until('four more watches', async () => ((api.requestKinds.get('WATCH poddisruptionbudgets') ?? 0) >= watchesBefore + 4 ? true : undefined), 60_000);
  await systemClock.sleep(500);
  const now = await requests('poddisruptionbudgets');
  t.diagnostic(`apiserver_request_total for poddisruptionbudgets over the window: WATCH +${(now.WATCH ?? 0) - (before.WATCH ?? 0)}, LIST +${(now.LIST ?? 0) - (before.LIST ?? 0)}`);
  // Then the API server counted the watches it closed, and not one LIST of budgets since the cache's first
  assert.ok((now.WATCH ?? 0) - (before.WATCH ?? 0) >= 3, `WATCH ${before.WATCH} -> ${now.WATCH}`);
  assert.equal((now.LIST ?? 0) - (before.LIST ?? 0), 0, `LIST ${before.LIST} -> ${now.LIST}`);
  // And the cache still holds the budget
  assert.ok(cache.all().some((b) => b.metadata?.name === 'web'));
});
