// `daylight controller` on the sandbox's kubernetes engine (real API server, real Leases, real
// resourceVersion preconditions): three replicas elect one leader; the leader runs a MaintenanceRun with
// its journal in the API server; killed with SIGKILL where fast-check says, a standby takes over within the
// lease duration plus one retry period and resumes the run from the journal; every worker is rebooted
// exactly once and nothing is left cordoned, as the engine's referee (from the audit log) says.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { parse } from 'yaml';
import { CRD_DIR } from '../../scripts/crd-render.ts';
import { cordonedNodes, REGION, rollFleet, rollPlanYaml, workers } from './roll/fixtures.ts';
import { since, upKubernetesFleet } from './roll/kubernetes-fixtures.ts';
import type { KubernetesFleet } from './roll/kubernetes-fixtures.ts';
import { tempConfigHome } from '../helpers/journal-key.ts';
import { runController } from '../../src/cli/controller.ts';
import { nextRecurrence } from '../../src/controller/schedule.ts';
import { KubeApi } from '../../src/kube/api.ts';
import { loadKubeConfig } from '../../src/kube/client.ts';
import type { Clock } from '../../src/lib/clock.ts';
import { systemClock } from '../../src/lib/clock.ts';

const ENTRY = fileURLToPath(new URL('../../src/cli/entry.ts', import.meta.url));
const NS = 'daylight-system';
/** client-go's lease duration plus one retry period: the longest a standby may take to lead. */
const TAKEOVER_MS = 15_000 + 2_000;
const configHome = tempConfigHome();

let k: KubernetesFleet | undefined;

function kubectl(args: readonly string[], input?: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  assert.ok(k);
  const child = spawn('kubectl', ['--kubeconfig', k.kubeconfigPath, '--context', REGION, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  child.stdin.end(input ?? '');
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr })));
}

async function kubectlOk(args: readonly string[], input?: string): Promise<string> {
  const r = await kubectl(args, input);
  assert.equal(r.code, 0, `kubectl ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

interface Replica {
  readonly identity: string;
  readonly child: ChildProcess;
  readonly log: string[];
  readonly exited: Promise<void>;
}

function replica(identity: string): Replica {
  assert.ok(k);
  const child = spawn(process.execPath, [ENTRY, 'controller', '--kubeconfig', k.kubeconfigPath, '--context', REGION, '--namespace', NS, '--identity', identity], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, XDG_CONFIG_HOME: configHome } });
  const log: string[] = [];
  let rest = '';
  child.stderr?.on('data', (c: Buffer) => {
    const lines = (rest + c.toString()).split('\n');
    rest = lines.pop() ?? '';
    log.push(...lines);
  });
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  return { identity, child, log, exited };
}

async function holder(): Promise<string | undefined> {
  const lease = (await k?.api(REGION, '/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/daylight-controller')) as { spec?: { holderIdentity?: string } } | undefined;
  return lease?.spec?.holderIdentity;
}

/** Entries of the run's journal in the API server so far. */
async function journalLength(run: string): Promise<number> {
  const list = (await k?.api(REGION, `/api/v1/namespaces/${NS}/configmaps?labelSelector=${encodeURIComponent(`daylight.dev/run=${run}`)}`)) as { items?: { data?: Record<string, string> }[] };
  return (list.items ?? []).reduce((n, c) => n + (c.data?.['journal.jsonl'] ?? '').split('\n').filter((l) => l.trim()).length, 0);
}

async function runStatus(run: string): Promise<{ phase?: string; conditions?: { type: string; status: string; message: string }[] }> {
  const r = (await k?.api(REGION, `/apis/daylight.dev/v1alpha1/namespaces/${NS}/maintenanceruns/${run}`)) as { status?: { phase?: string } };
  return r.status ?? {};
}

const replicas: Replica[] = [];

before(async () => {
  // 2 zones × 2 workers and a control-plane node, a Deployment under a budget and a DaemonSet
  k = await upKubernetesFleet(rollFleet({
    zones: 2,
    racks: 1,
    nodesPerRack: 2,
    rebootSeconds: 6,
    workloads: [
      '{name: web, namespace: shop, kind: Deployment, replicas: 4, cpu: 500m, memory: 256Mi, startupSeconds: 1, readinessSeconds: 1, pdb: {minAvailable: 3}, spread: zone}',
      '{name: node-agent, namespace: kube-system, kind: DaemonSet, startupSeconds: 1, readinessSeconds: 1}',
    ],
  }));
  // Given the CRDs installed and the controller's namespace
  await kubectlOk(['apply', '--server-side', '-f', CRD_DIR]);
  await kubectlOk(['wait', '--for=condition=Established', '--timeout=60s', 'crd/maintenanceplans.daylight.dev', 'crd/maintenanceruns.daylight.dev']);
  await kubectlOk(['create', 'namespace', NS]);
}, { timeout: 240_000 });

after(async () => {
  for (const r of replicas) r.child.kill('SIGKILL');
  await Promise.all(replicas.map((r) => r.exited));
  await k?.stop();
});

let round = 0;

test('three controllers: the leader killed with SIGKILL where fast-check says, a standby leads within the lease duration plus one retry and resumes the run; every worker rebooted once, nothing cordoned', { timeout: 600_000 }, async () => {
  assert.ok(k);
  const ks = k;
  const all = await workers(ks);
  assert.equal(all.length, 4);
  // And the plan as a MaintenancePlan: every worker, 2 at a time, zone by zone
  const planSpec = (parse(rollPlanYaml({ maxUnavailable: 2, topology: '{key: topology.kubernetes.io/zone, serial: true}', soak: '0s', ready: '{timeout: 10m}', drain: '{timeout: 10m, onTimeout: fail, ignoreDaemonSets: true}' })) as { spec: unknown }).spec;
  await kubectlOk(['apply', '-n', NS, '-f', '-'], JSON.stringify({ apiVersion: 'daylight.dev/v1alpha1', kind: 'MaintenancePlan', metadata: { name: 'roll' }, spec: planSpec }));
  await fc.assert(
    fc.asyncProperty(fc.integer({ min: 4, max: 40 }), async (killAfter) => {
      round++;
      const run = `roll-${round}`;
      // Given three replicas
      const live = () => replicas.filter((r) => r.child.exitCode === null && r.child.signalCode === null);
      for (let i = live().length; i < 3; i++) replicas.push(replica(`c${round}-${i}`));
      await ks.until('a live replica leads', async () => { const h = await holder(); return live().some((r) => r.identity === h); }, 60_000);
      const before = await ks.referee.report();
      // When a run is created, and its leader is killed once the journal has `killAfter` entries
      await kubectlOk(['apply', '-n', NS, '-f', '-'], JSON.stringify({ apiVersion: 'daylight.dev/v1alpha1', kind: 'MaintenanceRun', metadata: { name: run }, spec: { planRef: { name: 'roll' } } }));
      await ks.until(`the journal of ${run} has ${killAfter} entries`, async () => (await journalLength(run)) >= killAfter || (await runStatus(run)).phase === 'Succeeded', 300_000);
      const leader = await holder();
      const victim = live().find((r) => r.identity === leader);
      assert.ok(victim, `the Lease names ${leader}, a live replica`);
      const killedAt = Date.now();
      victim.child.kill('SIGKILL');
      await victim.exited;
      // Then another replica leads within the lease duration plus one retry period
      await ks.until('another replica leads', async () => { const h = await holder(); return h !== undefined && h !== leader; }, 60_000);
      const gap = Date.now() - killedAt;
      console.log(`round ${round}: leader ${leader} killed after ${killAfter} journal entries; ${await holder()} led ${(gap / 1000).toFixed(1)} s later (limit ${TAKEOVER_MS / 1000} s plus the 250 ms poll)`);
      assert.ok(gap <= TAKEOVER_MS + 1_000, `the standby led ${gap} ms after the kill`);
      // And the run ends Succeeded, resumed from its journal by the new leader
      await ks.until(`${run} succeeds`, async () => ['Succeeded', 'Failed', 'Aborted', 'Degraded'].includes((await runStatus(run)).phase ?? ''), 300_000);
      const status = await runStatus(run);
      assert.equal(status.phase, 'Succeeded', `${JSON.stringify(status)}\n${replicas.flatMap((r) => r.log.slice(-10)).join('\n')}`);
      // And every worker rebooted exactly once, no pod killed, no budget breached, nothing cordoned
      const d = since(await ks.referee.report(), before);
      assert.deepEqual(d.reboots, Object.fromEntries(all.map((n) => [n, 1])));
      assert.deepEqual([d.killed, d.breaches], [0, 0], JSON.stringify(await ks.referee.details()));
      assert.deepEqual(await cordonedNodes(ks), []);
      replicas.splice(replicas.indexOf(victim), 1);
    }),
    { numRuns: 2, seed: 20261206, endOnFailure: true },
  );
});

test('a plan scheduled every day at a time runs when the injected clock reaches it, not before, and the run completes with the referee clean', { timeout: 300_000 }, async () => {
  assert.ok(k);
  const ks = k;
  // Given no replica running (each gives the Lease up as it stops)
  for (const r of replicas) r.child.kill('SIGTERM');
  await Promise.all(replicas.map((r) => r.exited));
  replicas.length = 0;
  // And a plan scheduled every day at 03:00 UTC, and a controller whose clock reads 5 s before the next 03:00
  const start = nextRecurrence('every day 03:00 UTC', Date.now());
  const offset = start - 5_000 - Date.now();
  const clock: Clock = { speed: 1, now: () => Date.now() + offset, sleep: (ms, signal) => systemClock.sleep(ms, signal) };
  const planSpec = (parse(rollPlanYaml({ maxUnavailable: 2, topology: '{key: topology.kubernetes.io/zone, serial: true}', soak: '0s', ready: '{timeout: 10m}', drain: '{timeout: 10m, onTimeout: fail, ignoreDaemonSets: true}' })) as { spec: Record<string, unknown> }).spec;
  await kubectlOk(['apply', '-n', NS, '-f', '-'], JSON.stringify({ apiVersion: 'daylight.dev/v1alpha1', kind: 'MaintenancePlan', metadata: { name: 'nightly' }, spec: { ...planSpec, schedule: { recurrence: 'every day 03:00 UTC' } } }));
  const all = await workers(ks);
  const before = await ks.referee.report();
  const kc = loadKubeConfig({ kubeconfig: ks.kubeconfigPath, env: process.env });
  kc.setCurrentContext(REGION);
  const api = new KubeApi(kc);
  const lines: string[] = [];
  const stop = new AbortController();
  const controller = runController({ api, kubeconfig: ks.kubeconfigPath, namespace: NS, identity: 'scheduled', clock, log: (l) => lines.push(l) }, stop.signal);
  try {
    // When the injected clock passes 03:00, then the run is created, named after its start, at or after it
    await ks.until('the scheduled run exists', async () => lines.some((l) => l.includes('plan nightly: started run')), 60_000);
    const started = lines.find((l) => l.includes('plan nightly: started run')) ?? '';
    const m = /started run (\S+) at (\S+), scheduled for (\S+)/.exec(started);
    assert.ok(m, started);
    assert.equal(m[3], new Date(start).toISOString());
    assert.ok(Date.parse(m[2] ?? '') >= start, `created at ${m[2]}, before its start ${m[3]}`);
    const run = m[1] ?? '';
    // And exactly one run for it, which completes with every worker rebooted once, no pod killed, nothing cordoned
    await ks.until(`${run} succeeds`, async () => ['Succeeded', 'Failed', 'Aborted', 'Degraded'].includes((await runStatus(run)).phase ?? ''), 240_000);
    assert.equal((await runStatus(run)).phase, 'Succeeded', lines.slice(-10).join('\n'));
    const runs = (await ks.api(REGION, `/apis/daylight.dev/v1alpha1/namespaces/${NS}/maintenanceruns?labelSelector=${encodeURIComponent('daylight.dev/plan=nightly')}`)) as { items: unknown[] };
    assert.equal(runs.items.length, 1);
    const d = since(await ks.referee.report(), before);
    assert.deepEqual(d.reboots, Object.fromEntries(all.map((n) => [n, 1])));
    assert.deepEqual([d.killed, d.breaches], [0, 0], JSON.stringify(await ks.referee.details()));
    assert.deepEqual(await cordonedNodes(ks), []);
  } finally {
    stop.abort();
    await controller;
    await api.close();
  }
});
