// A `kubernetes` phase run in this process against the sandbox: given a v1.30 region with Velero's Backup
// CRD (the test plays the Velero controller), when a plan upgrades it to v1.31, then a Backup is taken
// before any node is touched, the control plane goes first, every kubelet and /version end at the target,
// and the referee counts no budget breach and no pod killed without an eviction. A backup that fails
// stops the run before any node is touched.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runSession } from '../../src/cli/run-session.ts';
import type { JournalEntry } from '../../src/engine/events.ts';
import type { KubeCluster } from '../../src/kube/adapter.ts';
import { connect } from '../../src/kube/client.ts';
import { parsePlan } from '../../src/plan/load.ts';
import type { LoadedPlan } from '../../src/plan/load.ts';
import { eventsOf, referee, REGION, roll, upFleet } from './roll/fixtures.ts';
import type { TestSandbox } from '../support/sandbox.ts';
import { testSigner } from '../helpers/journal-key.ts';
import { VELERO_BACKUP_CRD, VELERO_NAMESPACE } from '../support/velero.ts';

const TARGET = 'v1.31.2';
const SPEED = 600;
const BACKUPS = '/apis/velero.io/v1/namespaces/velero/backups';

function planOf(name: string): LoadedPlan {
  return parsePlan(
    `${name}.yaml`,
    [
      'apiVersion: daylight.dev/v1alpha1',
      'kind: MaintenancePlan',
      `metadata: {name: ${name}}`,
      'spec:',
      `  clusters: [{name: ${REGION}, context: ${REGION}}]`,
      '  phases:',
      '    - name: k8s-131',
      '      type: kubernetes',
      `      to: ${TARGET}`,
      '      backup: {type: velero, includedNamespaces: [shop], timeout: 10m}',
      '      workers: {maxUnavailable: 1, drain: {timeout: 10m}}',
      '  gates: [{type: kube, check: nodes-ready}, {type: kube, check: workloads-available}]',
      '',
    ].join('\n'),
  );
}

async function call(cluster: KubeCluster, method: 'GET' | 'POST' | 'PUT', path: string, body?: unknown): Promise<Record<string, unknown>> {
  const r = await cluster.raw(method, path, body);
  assert.ok(r.status >= 200 && r.status < 300, `${method} ${path}: HTTP ${r.status} ${r.body}`);
  return JSON.parse(r.body) as Record<string, unknown>;
}

/** Velero's Backup CRD (with a status subresource) and its namespace, as a Velero install leaves them. */
async function installVelero(ts: TestSandbox, cluster: KubeCluster): Promise<void> {
  await call(cluster, 'POST', '/api/v1/namespaces', VELERO_NAMESPACE);
  await call(cluster, 'POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', VELERO_BACKUP_CRD);
  await ts.until('backups.velero.io is served', async () => (await cluster.raw('GET', BACKUPS)).status === 200, 10_000);
}

/** Plays the Velero controller until stopped: every new Backup gets `phase` (and is remembered). */
function playVelero(cluster: KubeCluster, phase: 'Completed' | 'Failed'): { stop: () => Promise<string[]> } {
  const seen: string[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      const list = (await call(cluster, 'GET', BACKUPS)) as { items?: { metadata: { name: string }; status?: { phase?: string } }[] };
      for (const b of list.items ?? []) {
        if (b.status?.phase) continue;
        seen.push(b.metadata.name);
        const status = { phase, startTimestamp: new Date().toISOString(), ...(phase === 'Failed' ? { failureReason: 'the backup storage location is unavailable' } : { completionTimestamp: new Date().toISOString() }) };
        await call(cluster, 'PUT', `${BACKUPS}/${b.metadata.name}/status`, { ...b, status });
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return seen;
    },
  };
}

async function kubelets(cluster: KubeCluster): Promise<Record<string, string>> {
  return Object.fromEntries((await cluster.nodes.list()).map((n) => [n.name, n.kubeletVersion]));
}

async function served(cluster: KubeCluster): Promise<string> {
  return (await call(cluster, 'GET', '/version')).gitVersion as string;
}

describe('a kubernetes phase from v1.30 to v1.31 in the sandbox', () => {
  let ts: TestSandbox | undefined;
  let cluster: KubeCluster | undefined;
  const c = () => cluster as KubeCluster;
  before(async () => {
    ts = await upFleet({}, SPEED);
    cluster = await connect({ name: REGION, kubeconfig: ts.kubeconfigPath, context: REGION });
    await installVelero(ts, cluster);
  });
  after(async () => {
    await cluster?.close();
    await ts?.stop();
  });

  test('a backup that reports Failed stops the run before any node is touched', async () => {
    // Given the region at v1.30.4 and a Velero that fails every backup
    const velero = playVelero(c(), 'Failed');
    // When the plan runs
    const r = await roll(ts as TestSandbox, planOf('k8s-failed-backup'));
    await velero.stop();
    // Then the run failed on the backup, and no node was cordoned, drained or upgraded
    assert.equal(r.status, 'failed', r.output.slice(-2000));
    assert.equal(eventsOf(r, 'backup.requested').length, 1);
    assert.match(eventsOf(r, 'backup.failed')[0]?.event.reason ?? '', /ended Failed \(the backup storage location is unavailable\)/);
    assert.equal(r.entries.filter((e) => e.event.type.startsWith('node.')).length, 0);
    assert.ok(Object.values(await kubelets(c())).every((v) => v === 'v1.30.4'));
    assert.equal(await served(c()), 'v1.30.4');
  });

  test('the control plane goes first, then the workers; every kubelet and /version end at the target with no budget breach', async () => {
    // Given the region at v1.30.4 and a Velero that completes every backup
    assert.equal(await served(c()), 'v1.30.4');
    const velero = playVelero(c(), 'Completed');
    // When the plan runs
    const r = await roll(ts as TestSandbox, planOf('k8s-upgrade'));
    const backups = await velero.stop();
    assert.equal(r.status, 'succeeded', r.output.slice(-3000));
    assert.ok(r.chain.ok);
    // Then the path was checked and a Velero Backup was taken before the first node was touched
    assert.equal(eventsOf(r, 'kubernetes.path.checked')[0]?.event.passed, true);
    const completed = eventsOf(r, 'backup.completed')[0];
    assert.ok(completed && backups.includes(completed.event.name ?? ''), `backup ${completed?.event.name} among ${backups.join(', ')}`);
    const firstNode = r.entries.findIndex((e) => e.event.type.startsWith('node.'));
    assert.ok(r.entries.findIndex((e) => e.event.type === 'backup.completed') < firstNode);
    // And the control-plane node was upgraded and checked before any worker was cordoned
    const cpNodes = (await c().nodes.list()).filter((n) => 'node-role.kubernetes.io/control-plane' in n.labels).map((n) => n.name);
    const checks = eventsOf(r, 'control-plane.checked');
    assert.deepEqual(checks.map((e) => e.event.node), cpNodes);
    assert.ok(checks.every((e) => e.event.passed && e.event.results.map((x) => x.gate).join() === 'apiserver-version,apiserver-readyz,kubelet-version'));
    const firstWorker = eventsOf(r, 'node.cordon.requested').find((e) => !cpNodes.includes(e.event.node));
    assert.ok(firstWorker && (checks[checks.length - 1]?.at ?? Infinity) <= firstWorker.at);
    // And every kubelet and the API server are at the target
    assert.deepEqual(new Set(Object.values(await kubelets(c()))), new Set([TARGET]));
    assert.equal(await served(c()), TARGET);
    assert.deepEqual(eventsOf(r, 'phase.completed').map((e) => e.event.phase), ['k8s-131-control-plane', 'k8s-131-workers', 'k8s-131']);
    // And the referee saw no budget breach and no pod killed without an eviction
    const ref = await referee(ts as TestSandbox);
    assert.equal(ref.pdbBreaches, 0);
    assert.equal(ref.podsKilledWithoutEviction, 0);
  });

  test('a phase two minors above the control plane is refused with the fix before any node is touched', async () => {
    const two = parsePlan('k8s-133.yaml', planOf('k8s-133').text.replace(`to: ${TARGET}`, 'to: v1.33.1').replace(/ {6}backup: .*\n/, ''));
    const r = await roll(ts as TestSandbox, two);
    assert.equal(r.status, 'failed');
    assert.match(eventsOf(r, 'kubernetes.path.checked')[0]?.event.problems.join('\n') ?? '', /2 minors below v1\.33\.1: it goes one minor at a time; add a kubernetes phase to v1\.32\.\d+ before this one/);
    assert.equal(r.entries.filter((e) => e.event.type.startsWith('node.')).length, 0);
  });
});

describe('a kubernetes phase interrupted while its workers roll', () => {
  let ts: TestSandbox | undefined;
  let cluster: KubeCluster | undefined;
  let stateDir = '';
  before(async () => {
    ts = await upFleet({}, SPEED);
    cluster = await connect({ name: REGION, kubeconfig: ts.kubeconfigPath, context: REGION });
    await installVelero(ts, cluster);
    stateDir = await mkdtemp(join(tmpdir(), 'daylight-k8s-resume-'));
  });
  after(async () => {
    await cluster?.close();
    await ts?.stop();
    await rm(stateDir, { recursive: true, force: true });
  });

  test('resumes with the workers: no second backup, no second control-plane upgrade, every kubelet at the target', async () => {
    const c = cluster as KubeCluster;
    const velero = playVelero(c, 'Completed');
    const plan = planOf('k8s-resume');
    // Given a run stopped (Ctrl-C) as the first wave of workers starts
    const interrupt = new AbortController();
    let output = '';
    const signer = testSigner();
    const first = await runSession({
      signer,
      plan,
      stateDir,
      kubeconfig: (ts as TestSandbox).kubeconfigPath,
      view: 'json',
      interrupt: interrupt.signal,
      write: (t) => {
        output += t;
        if (/"wave\.started"[^\n]*k8s-131-workers/.test(output)) interrupt.abort();
      },
    });
    assert.equal(first.status, 'paused', output.slice(-2000));
    assert.notEqual(await served(c), 'v1.30.4');
    // When it is resumed
    const second = await runSession({ plan, stateDir, kubeconfig: (ts as TestSandbox).kubeconfigPath, view: 'json', resume: first.runId, write: () => undefined, signer });
    await velero.stop();
    assert.ok(second.status === 'succeeded', `resumed run ended ${second.status}`);
    // Then the journal holds one backup and one upgrade of the control-plane node, and the run ends at the target
    const entries = (await readFile(second.paths.journal, 'utf8')).split('\n').filter((l) => l).map((l) => JSON.parse(l) as JournalEntry);
    const count = (type: string) => entries.filter((e) => e.event.type === type).length;
    assert.equal(count('backup.requested'), 1);
    assert.equal(count('kubernetes.path.checked'), 1);
    assert.equal(count('control-plane.checked'), 1);
    const cp = (await c.nodes.list()).filter((n) => 'node-role.kubernetes.io/control-plane' in n.labels).map((n) => n.name);
    assert.equal(entries.filter((e) => e.event.type === 'node.action.requested' && cp.includes(e.event.node)).length, cp.length);
    assert.deepEqual(new Set(Object.values(await kubelets(c))), new Set([TARGET]));
    assert.equal(await served(c), TARGET);
    const ref = await referee(ts as TestSandbox);
    assert.equal(ref.pdbBreaches, 0);
    assert.equal(ref.podsKilledWithoutEviction, 0);
  });
});
