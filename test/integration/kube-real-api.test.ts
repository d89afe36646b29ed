// Daylight's Kubernetes adapter and engine where a real API server judges it: RBAC, through a real
// ServiceAccount whose ClusterRole lacks a permission and a token from the TokenRequest API, fails the node
// at once and names who lacked what (on both engines: the simulated one answers RBAC as kube-apiserver does);
// and idle watches that the upstream kube-apiserver keeps closing (a small timeoutSeconds, so the test need
// not sit for minutes) are resumed with WATCH, never relisted, as its own request metrics count. The
// backup and control-plane adapters read its answers as the engine's states: Velero not installed until its
// CRD is served, then a Backup started, in progress and absent by name; /version parsed, /readyz ready.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { KubeConfig } from '@kubernetes/client-node';
import { BudgetQueue } from '../../src/engine/budget-queue.ts';
import type { NodeContext } from '../../src/engine/node-context.ts';
import { maintainNode, NodeFailure } from '../../src/engine/node-pipeline.ts';
import { SharedReads } from '../../src/engine/shared-reads.ts';
import { KubeCluster } from '../../src/kube/adapter.ts';
import { PermissionDenied } from '../../src/engine/ports/errors.ts';
import { KubeApi } from '../../src/kube/api.ts';
import { ApiServerProbe } from '../../src/kube/control-plane.ts';
import { pdbCache } from '../../src/kube/object-cache.ts';
import { VeleroBackups } from '../../src/kube/velero.ts';
import { systemClock } from '../../src/lib/clock.ts';
import { RequestTally } from '../../src/lib/request-tally.ts';
import { parsePlan } from '../../src/plan/load.ts';
import type { NodesPhase } from '../../src/plan/schema.ts';
import { ENGINES, START_TIMEOUT_MS, startEngineSandbox } from '../support/engine-sandbox.ts';
import type { EngineName, EngineSandbox } from '../support/engine-sandbox.ts';
import { smallFleet } from '../support/fleets.ts';
import { VELERO_BACKUP_CRD, VELERO_NAMESPACE } from '../support/velero.ts';

const REGION = 'eu-central';
const NS = 'daylight-rbac';
const identityOf = (sa: string) => `system:serviceaccount:${NS}:${sa}`;

/** One zone of two workers, a Deployment of two pods behind a budget, in real time: something to evict on each node. */
const fleet = () => smallFleet({ zones: 1, racks: 1, nodesPerRack: 2, speed: 1, workloads: ['{name: web, namespace: shop, kind: Deployment, replicas: 2, cpu: 100m, memory: 64Mi, startupSeconds: 1, readinessSeconds: 1, pdb: {maxUnavailable: 1}}'] });

/** One engine's sandbox, an admin client on it, and what to close after its tests. */
class Lab {
  sandbox: EngineSandbox | undefined;
  server = { url: '', caPem: '' };
  adminToken = '';
  admin: KubeApi | undefined;
  readonly closers: (() => Promise<void>)[] = [];

  async start(engine: EngineName): Promise<void> {
    this.sandbox = await startEngineSandbox(fleet(), { engine, log: (line) => console.log(line) });
    const t = this.sandbox.target(REGION);
    this.server = { url: t.url, caPem: t.caPem };
    this.adminToken = t.token;
    this.admin = new KubeApi(this.kubeConfig(t.token));
  }

  async stop(): Promise<void> {
    for (const close of this.closers) await close().catch(() => undefined);
    await this.admin?.close();
    await this.sandbox?.stop();
  }

  kubeConfig(token: string): KubeConfig {
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: REGION, server: this.server.url, caData: Buffer.from(this.server.caPem).toString('base64') }],
      users: [{ name: 'user', token }],
      contexts: [{ name: REGION, cluster: REGION, user: 'user' }],
      currentContext: REGION,
    });
    return kc;
  }

  async ok(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown): Promise<Record<string, unknown>> {
    const r = await (this.admin as KubeApi).raw(method, path, body);
    assert.ok(r.status < 300 || r.status === 409, `${method} ${path}: ${r.status} ${r.body.slice(0, 300)}`);
    return JSON.parse(r.body) as Record<string, unknown>;
  }

  /** A ServiceAccount `sa` bound to `rules` through a ClusterRole, and a cluster adapter over a token for it. */
  async identity(sa: string, rules: readonly Record<string, unknown>[]): Promise<KubeCluster> {
    const admin = this.admin as KubeApi;
    await this.ok('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
    await until('the ServiceAccount', async () => ((await admin.raw('POST', `/api/v1/namespaces/${NS}/serviceaccounts`, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: sa } })).status < 500 ? true : undefined));
    await this.ok('POST', '/apis/rbac.authorization.k8s.io/v1/clusterroles', { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: sa }, rules });
    await this.ok('POST', '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: sa }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: sa }, subjects: [{ kind: 'ServiceAccount', name: sa, namespace: NS }] });
    // A token through the TokenRequest API, as `kubectl create token` gets one
    const t = await this.ok('POST', `/api/v1/namespaces/${NS}/serviceaccounts/${sa}/token`, { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: 3600 } });
    const token = (t.status as { token?: string } | undefined)?.token;
    assert.ok(token, 'a token');
    const cluster = new KubeCluster({ name: REGION, api: new KubeApi(this.kubeConfig(token)), clock: systemClock });
    this.closers.push(() => cluster.close());
    return cluster;
  }
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

/** apiserver_request_total for `resource`, summed over codes and components, by verb. */
async function requests(lab: Lab, resource: string): Promise<Record<string, number>> {
  const r = await (lab.admin as KubeApi).rawGet('/metrics');
  assert.equal(r.status, 200);
  const out: Record<string, number> = {};
  for (const line of r.body.split('\n')) {
    if (!line.startsWith('apiserver_request_total{') || !line.includes(`resource="${resource}"`)) continue;
    const verb = /verb="([A-Z]+)"/.exec(line)?.[1] ?? '?';
    out[verb] = (out[verb] ?? 0) + Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return out;
}

for (const engine of ENGINES) {
  describe(`permissions and watches on the ${engine} engine`, () => {
    const lab = new Lab();
    before(() => lab.start(engine), { timeout: START_TIMEOUT_MS });
    after(() => lab.stop());

    test('an identity that may not create pods/eviction fails its node at once, naming the verb, the resource and the identity', { timeout: 300_000 }, async (t) => {
      // Given a ServiceAccount that may read and patch nodes, read pods and write events, but not create pods/eviction
      const cluster = await lab.identity('daylight-no-eviction', [
        { apiGroups: [''], resources: ['nodes'], verbs: [...READ, 'patch'] },
        { apiGroups: [''], resources: ['pods'], verbs: READ },
        { apiGroups: [''], resources: ['events'], verbs: ['create'] },
        { apiGroups: ['apps'], resources: ['replicasets', 'deployments'], verbs: READ },
        { apiGroups: ['policy'], resources: ['poddisruptionbudgets'], verbs: READ },
      ]);
      // And a web pod Running and Ready on a node
      const pod = await until('a Ready web pod', async () => {
        const list = (await lab.ok('GET', '/api/v1/namespaces/shop/pods')).items as PodItem[];
        return list.find((p) => p.spec.nodeName && p.status.phase === 'Running' && p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
      });
      const node = pod.spec.nodeName as string;
      // When Daylight maintains that node with this identity (a drain timeout of 10 minutes)
      const ctx: NodeContext = { cluster, clusterName: REGION, node, runId: 'run-rbac', phase: phase(), clock: systemClock, record: () => Promise.resolve(), signal: new AbortController().signal, reads: new SharedReads(cluster), budgets: new BudgetQueue(await cluster.budgets.feed()) };
      const started = Date.now();
      const e = await maintainNode({ ctx, state: undefined, evictedWorkloads: [], exec: async () => ({ exitCode: 0, signal: null, timedOut: false, output: '', durationMs: 0 }) }).then(() => undefined, (err: unknown) => err);
      const ms = Date.now() - started;
      t.diagnostic(`the node failed ${ms} ms after its maintenance started: ${e instanceof Error ? e.message : String(e)}`);
      // Then the node fails at once, with the API server's words for who may not do what, where
      assert.ok(e instanceof NodeFailure, String(e));
      assert.match(e.message, new RegExp(`^eviction of shop/web-[a-z0-9-]+ from node ${node} refused by the API server: ${identityOf('daylight-no-eviction')} may not create pods/eviction in namespace shop \\(HTTP 403 Forbidden\\)`));
      assert.ok(ms < 30_000, `failed after ${ms} ms, not after the drain's 10 minutes`);
      // And the pod is still there, its node cordoned by the run (the run's give-back uncordons it)
      assert.ok((await lab.ok('GET', `/api/v1/namespaces/shop/pods/${pod.metadata.name}`)).metadata);
      assert.equal(await cluster.nodes.uncordon(node, 'run-rbac'), true);
    });

    test('an identity that may not patch nodes is refused its cordon, named as "patch nodes" at the cluster scope', { timeout: 120_000 }, async () => {
      // Given a ServiceAccount that may only read nodes
      const cluster = await lab.identity('daylight-read-nodes', [{ apiGroups: [''], resources: ['nodes'], verbs: READ }]);
      const node = (await cluster.nodes.list()).find((n) => !n.labels['node-role.kubernetes.io/control-plane'])?.name;
      assert.ok(node);
      // When Daylight cordons a node with it
      const e = await cluster.nodes.cordon(node, 'run-rbac').then(() => undefined, (err: unknown) => err);
      // Then the API server's refusal names the verb, the resource and the identity, with no namespace
      assert.ok(e instanceof PermissionDenied, String(e));
      assert.deepEqual({ ...e.denial, message: undefined }, { user: identityOf('daylight-read-nodes'), verb: 'patch', resource: 'nodes', message: undefined });
    });

    test('Velero backups and the control-plane probe read this API server\'s answers as the engine\'s states', { timeout: 120_000 }, async () => {
      const admin = lab.admin as KubeApi;
      const call = (m: 'GET' | 'POST', path: string, body: unknown, signal?: AbortSignal) => admin.raw(m, path, body, signal);
      const signal = new AbortController().signal;
      const backups = new VeleroBackups({ cluster: REGION, call });
      const request = { name: 'daylight-probe', store: 'velero', namespaces: ['shop'], ttl: '24h0m0s', labels: { 'app.kubernetes.io/managed-by': 'daylight' } };
      // Given no Velero: starting and reading a backup say it is not installed, with the server's words
      const before = await backups.start(request, signal);
      assert.equal(before.kind, 'not-installed', JSON.stringify(before));
      assert.equal((await backups.read({ store: 'velero', name: 'daylight-probe' }, signal)).kind, 'not-installed');
      // When Velero's Backup CRD is served in namespace velero
      await lab.ok('POST', '/api/v1/namespaces', VELERO_NAMESPACE);
      await lab.ok('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', VELERO_BACKUP_CRD);
      await until('backups.velero.io served', async () => ((await admin.raw('GET', '/apis/velero.io/v1/namespaces/velero/backups', undefined)).status === 200 ? true : undefined), 60_000);
      // Then a backup of another name is absent, not "not installed"
      assert.deepEqual(await backups.read({ store: 'velero', name: 'never-asked' }, signal), { kind: 'absent' });
      // and the backup starts (twice: the second is the same object, as a resumed run finds it), and is in progress until Velero writes a phase
      assert.deepEqual(await backups.start(request, signal), { kind: 'started' });
      assert.deepEqual(await backups.start(request, signal), { kind: 'started' });
      assert.deepEqual(await backups.read({ store: 'velero', name: 'daylight-probe' }, signal), { kind: 'in-progress', progress: 'no status yet' });
      const stored = await lab.ok('GET', '/apis/velero.io/v1/namespaces/velero/backups/daylight-probe');
      assert.deepEqual(stored.spec, { includedNamespaces: ['shop'], ttl: '24h0m0s' });
      // And the probe reads the served version, parsed, and a ready API server
      const probe = new ApiServerProbe(call);
      const served = (await lab.ok('GET', '/version')).gitVersion as string;
      const v = await probe.version(signal);
      assert.equal(v.text, served);
      assert.equal(v.minor, Number(/^v1\.(\d+)/.exec(served)?.[1]));
      assert.deepEqual(await probe.readiness(signal), { ready: true });
    });

    // The upstream kube-apiserver counts its own requests in /metrics; the simulated engine has no such count.
    if (engine === 'kubernetes') {
      test('an idle watch the server keeps closing is resumed with WATCH, never relisted, by the API server\'s own count', { timeout: 180_000 }, async (t) => {
        // Given Daylight's cache of disruption budgets, over watches the server closes every 2 seconds
        const tally = new RequestTally();
        const api = new KubeApi(lab.kubeConfig(lab.adminToken), { watch: { timeoutSeconds: () => 2, idleMs: 150_000 }, onRequest: tally.observe });
        lab.closers.push(() => api.close());
        const cache = pdbCache(api);
        lab.closers.push(async () => cache.close());
        await cache.ready();
        assert.ok(cache.all().some((b) => b.metadata?.name === 'web'), 'the cache holds the fleet\'s budget');
        const before = await requests(lab, 'poddisruptionbudgets');
        const watchesBefore = tally.kinds.get('WATCH poddisruptionbudgets') ?? 0;
        // When nothing changes while the server closes its watch four times
        await until('four more watches', async () => ((tally.kinds.get('WATCH poddisruptionbudgets') ?? 0) >= watchesBefore + 4 ? true : undefined), 60_000);
        await systemClock.sleep(500);
        const now = await requests(lab, 'poddisruptionbudgets');
        t.diagnostic(`apiserver_request_total for poddisruptionbudgets over the window: WATCH +${(now.WATCH ?? 0) - (before.WATCH ?? 0)}, LIST +${(now.LIST ?? 0) - (before.LIST ?? 0)}`);
        // Then the API server counted the watches it closed, and not one LIST of budgets since the cache's first
        assert.ok((now.WATCH ?? 0) - (before.WATCH ?? 0) >= 3, `WATCH ${before.WATCH} -> ${now.WATCH}`);
        assert.equal((now.LIST ?? 0) - (before.LIST ?? 0), 0, `LIST ${before.LIST} -> ${now.LIST}`);
        // And the cache still holds the budget
        assert.ok(cache.all().some((b) => b.metadata?.name === 'web'));
      });
    }
  });
}

