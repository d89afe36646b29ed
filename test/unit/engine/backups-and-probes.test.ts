// The engine's use of its backup and control-plane ports, over in-memory fakes: a kubernetes phase's
// Velero backup and a platform component's each end completed (journaled with the tool's status), failed
// with the tool's reason, or refused when the cluster has no Velero; a resumed run reads the backup it
// asked for instead of asking again. After a control-plane node, the API server's version and readiness
// become gate records, and a failing /readyz names its failing checks. No HTTP: the ports are the seam.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkControlPlane } from '../../../src/engine/control-plane-checks.ts';
import type { RunEvent } from '../../../src/engine/events.ts';
import { FileJournal } from '../../../src/journal/file-journal.ts';
import { veleroComponentBackup } from '../../../src/engine/platform-backup.ts';
import type { ComponentBackupRun } from '../../../src/engine/platform-backup.ts';
import type { EngineDeps } from '../../../src/engine/ports.ts';
import type { BackupPort, BackupRef, BackupRequest, BackupStart, BackupState } from '../../../src/engine/ports/backups.ts';
import type { ControlPlaneProbe, Readiness } from '../../../src/engine/ports/control-plane.ts';
import { backupBeforeUpgrade } from '../../../src/engine/pre-upgrade-backup.ts';
import type { BackupRun } from '../../../src/engine/pre-upgrade-backup.ts';
import { RunFailure } from '../../../src/engine/phase-runner.ts';
import type { NodeView } from '../../../src/kube/types.ts';
import { Duration } from '../../../src/lib/duration.ts';
import { parseVersion } from '../../../src/lib/kube-version.ts';
import { parsePlan } from '../../../src/plan/load.ts';
import type { KubernetesPhase } from '../../../src/plan/schema.ts';
import type { PreStep } from '../../../src/platform/index.ts';
import { fakeCluster } from '../checks/fakes.ts';
import { manualClock, RUN_ID } from './regional-fakes.ts';

const CLUSTER = 'eu-central';
const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** Velero as the engine sees it: `states` are what successive reads answer (the last one repeats). */
class FakeBackups implements BackupPort {
  readonly started: BackupRequest[] = [];
  readonly reads: BackupRef[] = [];
  private readonly answer: BackupStart;
  private readonly states: BackupState[];

  constructor(answer: BackupStart, states: BackupState[]) {
    this.answer = answer;
    this.states = states;
  }

  start(request: BackupRequest): Promise<BackupStart> {
    this.started.push(request);
    return Promise.resolve(this.answer);
  }

  read(ref: BackupRef): Promise<BackupState> {
    this.reads.push(ref);
    const s = this.states.length > 1 ? this.states.shift() : this.states[0];
    return Promise.resolve(s ?? { kind: 'absent' });
  }
}

function kubePhase(): KubernetesPhase {
  const text = [
    'apiVersion: daylight.dev/v1alpha1',
    'kind: MaintenancePlan',
    'metadata: {name: k8s}',
    'spec:',
    `  clusters: [{name: ${CLUSTER}}]`,
    '  phases:',
    '    - name: k8s-131',
    '      type: kubernetes',
    '      to: v1.31.2',
    '      backup: {type: velero, namespace: velero, includedNamespaces: [shop], timeout: 10m}',
    '',
  ].join('\n');
  const p = parsePlan('k8s.yaml', text).plan.spec.phases[0];
  assert.ok(p?.type === 'kubernetes');
  return p;
}

/** One cluster's run with a real journal in a temporary folder; `journalled` is what an earlier run left. */
function runWith(backups: BackupPort | undefined, journalled: RunEvent[] = []): BackupRun & ComponentBackupRun & { events: () => RunEvent[]; clock: ReturnType<typeof manualClock> } {
  const dir = mkdtempSync(join(tmpdir(), 'daylight-backups-'));
  dirs.push(dir);
  const clock = manualClock();
  const journal = FileJournal.open<RunEvent>(join(dir, 'journal.jsonl'), RUN_ID, clock.now);
  const record = async (e: RunEvent) => void (await journal.append(e));
  // the file journal seals, writes and syncs in one synchronous stretch: the file holds each entry once append returns
  for (const e of journalled) void journal.append(e);
  const deps = { runId: RUN_ID, clock, ...(backups ? { backups: new Map([[CLUSTER, backups]]) } : {}) } as unknown as EngineDeps;
  return { deps, journal, record, cluster: { ...fakeCluster(), name: CLUSTER }, phase: kubePhase(), signal: new AbortController().signal, clock, events: () => journal.entries.map((x) => x.event) };
}

const COMPLETED: BackupState = { kind: 'completed', details: { phase: 'Completed', itemsBackedUp: 42 } };

test("a kubernetes phase starts its backup under the run's name, waits while it is in progress, and journals it completed with Velero's status", async () => {
  // Given Velero that answers New, then InProgress, then Completed
  const velero = new FakeBackups({ kind: 'started' }, [{ kind: 'in-progress', progress: 'phase New' }, { kind: 'in-progress', progress: 'phase InProgress' }, COMPLETED]);
  const run = runWith(velero);
  // When the phase takes its backup
  await backupBeforeUpgrade(run);
  // Then one backup was asked for, of the phase's namespaces, named for the run and cluster, in Velero's namespace
  assert.equal(velero.started.length, 1);
  assert.deepEqual({ ...velero.started[0] }, {
    name: `daylight-${RUN_ID}-${CLUSTER}`,
    store: 'velero',
    namespaces: ['shop'],
    ttl: '720h',
    labels: { 'app.kubernetes.io/managed-by': 'daylight' },
    annotations: { 'daylight.dev/run': RUN_ID, 'daylight.dev/phase': 'k8s-131' },
  });
  // and it was read until Completed, waiting on the clock between reads
  assert.equal(velero.reads.length, 3);
  assert.equal(run.clock.slept.length, 2);
  const types = run.events().map((e) => e.type);
  assert.deepEqual(types, ['backup.requested', 'backup.completed']);
  const done = run.events()[1];
  assert.ok(done?.type === 'backup.completed');
  assert.deepEqual(done.status, { phase: 'Completed', itemsBackedUp: 42 });
});

test("a backup Velero ends failed stops the phase with Velero's reason, journaled as backup.failed", async () => {
  // Given Velero that fails the backup with a reason
  const velero = new FakeBackups({ kind: 'started' }, [{ kind: 'failed', reason: 'PartiallyFailed (volume snapshot timed out, 2 error(s))', details: {} }]);
  const run = runWith(velero);
  // When the phase takes its backup, then the run fails and says why in Velero's words
  await assert.rejects(backupBeforeUpgrade(run), (e: unknown) => e instanceof RunFailure && /ended PartiallyFailed \(volume snapshot timed out, 2 error\(s\)\).*velero backup describe.*no node was touched/.test(e.message));
  const failed = run.events().at(-1);
  assert.ok(failed?.type === 'backup.failed');
  assert.match(failed.reason, /volume snapshot timed out/);
});

test('a cluster without Velero refuses the backup before anything waits, and says how to fix it', async () => {
  // Given a cluster that does not serve Velero's Backups
  const velero = new FakeBackups({ kind: 'not-installed', reason: `cluster ${CLUSTER} does not serve velero.io/v1 Backups in namespace velero` }, []);
  const run = runWith(velero);
  // When the phase takes its backup, then it fails closed at once, never reading or sleeping
  await assert.rejects(backupBeforeUpgrade(run), (e: unknown) => e instanceof RunFailure && /does not serve velero\.io\/v1 Backups.*install Velero/.test(e.message));
  assert.equal(velero.reads.length, 0);
  assert.deepEqual(run.clock.slept, []);
  // and a cluster wired with no backup port at all fails the same way, naming the alternative
  await assert.rejects(backupBeforeUpgrade(runWith(undefined)), /cannot create Velero Backups.*type: command/);
});

test('a backup still in progress at the timeout fails with where it stood', async () => {
  const velero = new FakeBackups({ kind: 'started' }, [{ kind: 'in-progress', progress: 'phase InProgress' }]);
  const run = runWith(velero);
  await assert.rejects(backupBeforeUpgrade(run), /was not Completed within 10m \(phase InProgress\)/);
  assert.ok(run.clock.slept.reduce((a, b) => a + b, 0) >= 10 * 60_000);
});

test('a resumed run reads the backup it asked for and does not ask again', async () => {
  // Given a journal where the backup was asked for, and Velero that has it Completed
  const velero = new FakeBackups({ kind: 'started' }, [COMPLETED]);
  const run = runWith(velero, [{ type: 'backup.requested', cluster: CLUSTER, phase: 'k8s-131', backup: 'velero', name: `daylight-${RUN_ID}-${CLUSTER}`, namespace: 'velero' }]);
  // When the phase takes its backup again
  await backupBeforeUpgrade(run);
  // Then nothing new was started, and the backup is journaled completed
  assert.equal(velero.started.length, 0);
  assert.equal(run.events().at(-1)?.type, 'backup.completed');
});

function componentStep(): Extract<PreStep, { kind: 'backup-velero' }> {
  return {
    id: 'grafana/backup',
    component: 'grafana',
    title: 'back up',
    phase: 'pre',
    kind: 'backup-velero',
    waitFor: 'Completed',
    timeout: Duration.parse('1m'),
    backup: {
      apiVersion: 'velero.io/v1',
      kind: 'Backup',
      metadata: { name: 'pre-upgrade-grafana-11-3-0-to-11-4-0', namespace: 'velero', labels: { 'daylight.dev/component': 'grafana' } },
      spec: { includedNamespaces: ['monitoring'], ttl: '168h', snapshotVolumes: false },
    },
  };
}

test("a platform component's backup carries the workspace's Velero settings and ends completed, failed or refused", async () => {
  // Given Velero that completes: the component's backup is asked for with its own name, labels and settings
  const ok = new FakeBackups({ kind: 'started' }, [COMPLETED]);
  const run = runWith(ok);
  assert.equal(await veleroComponentBackup(run, componentStep()), undefined);
  assert.deepEqual({ ...ok.started[0] }, { name: 'pre-upgrade-grafana-11-3-0-to-11-4-0', store: 'velero', namespaces: ['monitoring'], ttl: '168h', labels: { 'daylight.dev/component': 'grafana' }, snapshotVolumes: false });
  assert.deepEqual(run.events().map((e) => e.type), ['backup.requested', 'backup.completed']);
  // and a second time the journal says it is done: nothing is asked
  assert.equal(await veleroComponentBackup(run, componentStep()), undefined);
  assert.equal(ok.started.length, 1);
  // Given Velero that fails it, the reason is Velero's
  const failed = await veleroComponentBackup(runWith(new FakeBackups({ kind: 'started' }, [{ kind: 'failed', reason: 'Failed (BackupStorageLocation default is unavailable)', details: {} }])), componentStep());
  assert.match(failed ?? '', /ended Failed \(BackupStorageLocation default is unavailable\)/);
  // Given a cluster without Velero, it is refused with the fix
  const absent = await veleroComponentBackup(runWith(new FakeBackups({ kind: 'not-installed', reason: 'cluster eu-central does not serve velero.io/v1 Backups in namespace velero' }, [])), componentStep());
  assert.match(absent ?? '', /does not serve velero\.io\/v1 Backups.*install Velero/);
});

/** A control plane that serves `version` and answers readiness from `ready` (in order; the last repeats). */
function probe(version: string, ready: Readiness[]): ControlPlaneProbe & { readinessReads: number } {
  const p = {
    readinessReads: 0,
    version: () => Promise.resolve(parseVersion(version) ?? assert.fail(version)),
    readiness: () => {
      p.readinessReads++;
      return Promise.resolve((ready.length > 1 ? ready.shift() : ready[0]) as Readiness);
    },
  };
  return p;
}

function cpNode(kubeletVersion: string): NodeView {
  return { name: 'cp-1', kubeletVersion, ready: true } as NodeView;
}

function check(p: ControlPlaneProbe, o: { last: boolean; settleMs: number; node?: NodeView }) {
  const clock = manualClock();
  const cluster = fakeCluster({ nodes: { get: () => Promise.resolve(o.node ?? cpNode('v1.31.2')) } });
  return { clock, results: checkControlPlane({ cluster, probe: p, clock, node: 'cp-1', to: 'v1.31.2', last: o.last, settleMs: o.settleMs, signal: new AbortController().signal }) };
}

test('after a control-plane node, a ready API server at the target passes every check', async () => {
  const { results } = check(probe('v1.31.2-eks-1a2b', [{ ready: true }]), { last: true, settleMs: 60_000 });
  const r = await results;
  assert.deepEqual(r.map((x) => [x.gate, x.passed]), [['apiserver-version', true], ['apiserver-readyz', true], ['kubelet-version', true]]);
  assert.equal(r[0]?.value, 'v1.31.2-eks-1a2b');
});

test('a /readyz that keeps failing fails the check with the failing checks named, after the settle time', async () => {
  // Given an API server whose etcd check fails until the settle time is over
  const p = probe('v1.31.2', [{ ready: false, failing: ['etcd', 'poststarthook/start-apiextensions-controllers'], detail: '/readyz answered 500: [-]etcd failed: reason withheld' }]);
  const { clock, results } = check(p, { last: true, settleMs: 30_000 });
  const r = await results;
  // Then the readiness record names both checks, and the checks were retried on the clock until the settle time
  const readyz = r.find((x) => x.gate === 'apiserver-readyz');
  assert.equal(readyz?.passed, false);
  assert.match(readyz?.message ?? '', /not ready \(checks failing: etcd, poststarthook\/start-apiextensions-controllers\)/);
  assert.ok(p.readinessReads > 1);
  assert.ok(clock.now() - manualClock().now() >= 30_000);
});

test('a /readyz that recovers within the settle time passes', async () => {
  const p = probe('v1.31.2', [{ ready: false, failing: ['etcd'], detail: '' }, { ready: true }]);
  const r = await check(p, { last: true, settleMs: 60_000 }).results;
  assert.ok(r.every((x) => x.passed), JSON.stringify(r));
  assert.equal(p.readinessReads, 2);
});

test('before the last control-plane node the API server may serve one minor below the target, not two, and at the last it must serve the target', async () => {
  const midway = await check(probe('v1.30.9', [{ ready: true }]), { last: false, settleMs: 0 }).results;
  assert.equal(midway[0]?.passed, true);
  const tooOld = await check(probe('v1.29.9', [{ ready: true }]), { last: false, settleMs: 0 }).results;
  assert.equal(tooOld[0]?.passed, false);
  const last = await check(probe('v1.30.9', [{ ready: true }]), { last: true, settleMs: 0 }).results;
  assert.match(last[0]?.message ?? '', /serves v1\.30\.9, expected v1\.31\.2/);
});
