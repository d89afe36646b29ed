// `daylight controller` on the sandbox's kubernetes engine, for what a run does under it: an approval gate
// answered by an annotation on the MaintenanceRun (approved: the run goes on; rejected: it ends failed with
// the reason; both journaled with who answered), and a scheduled MaintenancePlan whose run starts when the
// injected clock reaches its time. The takeovers are in controller.test.ts.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { runController } from '../../src/cli/controller.ts';
import { nextRecurrence } from '../../src/controller/schedule.ts';
import { KubeApi } from '../../src/kube/api.ts';
import { loadKubeConfig } from '../../src/kube/client.ts';
import type { Clock } from '../../src/lib/clock.ts';
import { systemClock } from '../../src/lib/clock.ts';
import { cordonedNodes, REGION, rollPlanYaml, workers } from './roll/fixtures.ts';
import { since } from './roll/kubernetes-fixtures.ts';
import { ENTRY, fleet, holder, journalEntries, kubectlOk, live, NS, replica, replicas, runStatus, setUp, tearDown, trueConditions } from './controller-fixtures.ts';

before(setUp, { timeout: 240_000 });
after(tearDown);

test('a run waits at an approval gate; approved (daylight approve --in-cluster, which writes the annotations in the user\'s name) it goes on and succeeds, rejected by kubectl annotate it ends failed with the reason; both journaled with who answered', { timeout: 400_000 }, async () => {
  const k = fleet();
  const ks = k;
  for (let i = live().length; i < 3; i++) replicas.push(replica(`a-${i}`));
  await ks.until('a live replica leads', async () => { const h = await holder(); return live().some((r) => r.identity === h); }, 60_000);
  // Given a plan whose phase waits for an approval
  const planSpec = (parse(rollPlanYaml({ maxUnavailable: 2, topology: '{key: topology.kubernetes.io/zone, serial: true}', soak: '0s', ready: '{timeout: 10m}', drain: '{timeout: 10m, onTimeout: fail, ignoreDaemonSets: true}' })) as { spec: { phases: Record<string, unknown>[] } }).spec;
  // And a webhook (the plan's notify) that hears the run
  const heard: string[] = [];
  const hook = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      heard.push(body);
      res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
  after(() => new Promise((r) => hook.close(r)));
  const hookUrl = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/hook`;
  const gated = { ...planSpec, notify: { webhooks: [{ url: hookUrl }] }, phases: planSpec.phases.map((p) => ({ ...p, before: [{ type: 'approval', name: 'change board', message: 'CAB approval for the weekly patch' }] })) };
  await kubectlOk(['apply', '-n', NS, '-f', '-'], JSON.stringify({ apiVersion: 'daylight.dev/v1alpha1', kind: 'MaintenancePlan', metadata: { name: 'gated' }, spec: gated }));
  const answer = async (run: string, decision: 'approve' | 'reject', comment: string, how: 'cli' | 'kubectl') => {
    await ks.until(`${run} waits for its approval`, async () => (await runStatus(run)).phase === 'WaitingForApproval', 120_000);
    const stage = ((await ks.api(REGION, `/apis/daylight.dev/v1alpha1/namespaces/${NS}/maintenanceruns/${run}`)) as { status?: { currentStage?: string } }).status?.currentStage;
    assert.equal(stage, 'waiting for approval of phase/os-patch');
    const waiting = await runStatus(run);
    assert.deepEqual(trueConditions(waiting), ['Progressing', 'WaitingForApproval'], JSON.stringify(waiting));
    assert.equal(waiting.conditions?.find((c) => c.type === 'WaitingForApproval')?.message, 'waiting for approval of phase/os-patch');
    // Nothing is touched while it waits
    assert.deepEqual(await cordonedNodes(ks), []);
    if (how === 'kubectl') {
      await kubectlOk(['annotate', '-n', NS, `maintenancerun/${run}`, `daylight.dev/approval=${decision}`, 'daylight.dev/approval-step=phase/os-patch', `daylight.dev/approval-comment=${comment}`, 'daylight.dev/approval-by=daylight-admin']);
      return;
    }
    // daylight approve --in-cluster: the step it waits at, in the name the API server gives this user
    const child = spawn(process.execPath, [ENTRY, decision, run, '--in-cluster', '--comment', comment, '--kubeconfig', ks.kubeconfigPath, '--context', REGION, '--namespace', NS], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    assert.equal(await new Promise<number | null>((resolve) => child.once('close', (c) => resolve(c))), 0, out);
    assert.match(out, new RegExp(`approved phase/os-patch of MaintenanceRun ${NS}/${run} as daylight-admin`));
  };
  const before = await ks.referee.report();
  const all = await workers(ks);
  // When the first run is approved by annotation
  await kubectlOk(['apply', '-n', NS, '-f', '-'], JSON.stringify({ apiVersion: 'daylight.dev/v1alpha1', kind: 'MaintenanceRun', metadata: { name: 'gated-1' }, spec: { planRef: { name: 'gated' } } }));
  await answer('gated-1', 'approve', 'CHG-1234 approved by the CAB', 'cli');
  // Then it goes on and succeeds, every worker rebooted once, and the journal says who approved, how, with what comment
  await ks.until('gated-1 ends', async () => ['Succeeded', 'Failed', 'Aborted', 'Degraded'].includes((await runStatus('gated-1')).phase ?? ''), 300_000);
  const succeeded = await runStatus('gated-1');
  assert.equal(succeeded.phase, 'Succeeded');
  // And its status says so in every way kubectl shows it: the conditions, the progress, the last events
  assert.deepEqual(trueConditions(succeeded), ['Succeeded'], JSON.stringify(succeeded));
  assert.equal(succeeded.progress, `${all.length}/${all.length} nodes`);
  assert.ok((succeeded.lastEvents ?? []).length > 0 && (succeeded.lastEvents ?? []).length <= 10, JSON.stringify(succeeded.lastEvents));
  assert.match(succeeded.lastEvents?.at(-1) ?? '', /succeeded/);
  const columns = await kubectlOk(['get', 'maintenancerun', 'gated-1', '-n', NS]);
  assert.match(columns, /PLAN\s+PHASE\s+PROGRESS\s+STAGE/);
  assert.match(columns, new RegExp(`gated-1\\s+gated\\s+Succeeded\\s+${all.length}/${all.length} nodes`));
  assert.deepEqual(since(await ks.referee.report(), before).reboots, Object.fromEntries(all.map((n) => [n, 1])));
  // And the webhook heard the wait for approval and its answer, as under daylight run
  assert.ok(heard.some((b) => b.includes('Maintenance run gated-1 waits for approval of phase/os-patch (change board)')), heard.join('\n'));
  assert.ok(heard.some((b) => b.includes('phase/os-patch of maintenance run gated-1 approved by daylight-admin')), heard.join('\n'));
  const granted = (await journalEntries('gated-1')).filter((e) => e.event.type === 'approval.granted').map((e) => e.event as unknown as { step: string; by: string; via: string; comment?: string });
  assert.deepEqual(granted.map((g) => [g.step, g.by, g.via, g.comment]), [['phase/os-patch', 'daylight-admin', 'annotation', 'CHG-1234 approved by the CAB']]);
  // When a second run is rejected by annotation
  await kubectlOk(['apply', '-n', NS, '-f', '-'], JSON.stringify({ apiVersion: 'daylight.dev/v1alpha1', kind: 'MaintenanceRun', metadata: { name: 'gated-2' }, spec: { planRef: { name: 'gated' } } }));
  await answer('gated-2', 'reject', 'freeze: quarter-end close', 'kubectl');
  // Then it ends Failed with the reason, nothing cordoned, and the rejection journaled with who and why
  await ks.until('gated-2 ends', async () => ['Succeeded', 'Failed', 'Aborted', 'Degraded'].includes((await runStatus('gated-2')).phase ?? ''), 120_000);
  const failed = await runStatus('gated-2');
  assert.equal(failed.phase, 'Failed');
  assert.deepEqual(trueConditions(failed), ['Failed'], JSON.stringify(failed));
  assert.match(failed.conditions?.find((c) => c.type === 'Failed')?.message ?? '', /freeze: quarter-end close/);
  assert.deepEqual(await cordonedNodes(ks), []);
  const rejected = (await journalEntries('gated-2')).filter((e) => e.event.type === 'approval.rejected').map((e) => e.event as unknown as { by: string; comment?: string });
  assert.deepEqual(rejected.map((r) => [r.by, r.comment]), [['daylight-admin', 'freeze: quarter-end close']]);
});

test('a cluster reached through a kubeconfig Secret: the controller maintains it with the Secret\'s kubeconfig; a Secret that does not exist fails the run naming it', { timeout: 300_000 }, async () => {
  const k = fleet();
  const ks = k;
  for (let i = live().length; i < 3; i++) replicas.push(replica(`m-${i}`));
  await ks.until('a live replica leads', async () => { const h = await holder(); return live().some((r) => r.identity === h); }, 60_000);
  // Given the region's kubeconfig in a Secret, under a context the controllers' own kubeconfig does not have
  const kubeconfig = parse(await readFile(ks.kubeconfigPath, 'utf8')) as { contexts: { name: string }[]; 'current-context'?: string };
  const member = { ...kubeconfig, contexts: kubeconfig.contexts.filter((c) => c.name === REGION).map((c) => ({ ...c, name: 'member-eu' })), 'current-context': 'member-eu' };
  const file = join(ks.dir, 'member-eu.kubeconfig');
  await writeFile(file, stringify(member), { mode: 0o600 });
  await kubectlOk(['create', 'secret', 'generic', 'member-eu', '-n', NS, `--from-file=kubeconfig=${file}`]);
  // And a plan for one worker of the cluster, named by that Secret and context
  const [worker] = await workers(ks);
  assert.ok(worker);
  await kubectlOk(['label', 'node', worker, 'test.daylight.dev/member=yes']);
  const planSpec = (parse(rollPlanYaml({ selector: 'test.daylight.dev/member=yes', maxUnavailable: 1, topology: null, soak: '0s', ready: '{timeout: 10m}', drain: '{timeout: 10m, onTimeout: fail, ignoreDaemonSets: true}' })) as { spec: Record<string, unknown> }).spec;
  const plan = (name: string, secret: string) => JSON.stringify({ apiVersion: 'daylight.dev/v1alpha1', kind: 'MaintenancePlan', metadata: { name }, spec: { ...planSpec, clusters: [{ name: REGION, context: 'member-eu', kubeconfigSecret: { name: secret } }] } });
  await kubectlOk(['apply', '-n', NS, '-f', '-'], plan('members', 'member-eu'));
  await kubectlOk(['apply', '-n', NS, '-f', '-'], plan('members-missing', 'nope'));
  const before = await ks.referee.report();
  // When both are run
  for (const [run, planName] of [['members-1', 'members'], ['members-2', 'members-missing']]) {
    await kubectlOk(['apply', '-n', NS, '-f', '-'], JSON.stringify({ apiVersion: 'daylight.dev/v1alpha1', kind: 'MaintenanceRun', metadata: { name: run }, spec: { planRef: { name: planName } } }));
  }
  // Then the first maintains the worker through the Secret's kubeconfig
  await ks.until('members-1 ends', async () => ['Succeeded', 'Failed', 'Aborted', 'Degraded'].includes((await runStatus('members-1')).phase ?? ''), 240_000);
  assert.equal((await runStatus('members-1')).phase, 'Succeeded', JSON.stringify(await runStatus('members-1')));
  assert.deepEqual(since(await ks.referee.report(), before).reboots, { [worker]: 1 });
  // And the second fails naming the Secret, before touching anything
  await ks.until('members-2 ends', async () => ['Succeeded', 'Failed', 'Aborted', 'Degraded'].includes((await runStatus('members-2')).phase ?? ''), 60_000);
  const failed = await runStatus('members-2');
  assert.equal(failed.phase, 'Failed');
  assert.match(failed.conditions?.find((c) => c.type === 'Failed')?.message ?? '', /cluster eu-central: its kubeconfigSecret daylight-system\/nope does not exist/);
  assert.deepEqual(await cordonedNodes(ks), []);
});

test('daylight run --in-cluster hands a plan file to the controller: the MaintenancePlan of its name and a MaintenanceRun, which the controller runs to Succeeded', { timeout: 300_000 }, async () => {
  const k = fleet();
  const ks = k;
  for (let i = live().length; i < 3; i++) replicas.push(replica(`i-${i}`));
  await ks.until('a live replica leads', async () => { const h = await holder(); return live().some((r) => r.identity === h); }, 60_000);
  // Given a plan file for one worker
  const [, worker] = await workers(ks);
  assert.ok(worker);
  await kubectlOk(['label', 'node', worker, 'test.daylight.dev/handed=yes']);
  const file = join(ks.dir, 'handed.yaml');
  await writeFile(file, rollPlanYaml({ name: 'handed', selector: 'test.daylight.dev/handed=yes', maxUnavailable: 1, topology: null, soak: '0s', ready: '{timeout: 10m}', drain: '{timeout: 10m, onTimeout: fail, ignoreDaemonSets: true}' }));
  const before = await ks.referee.report();
  // When it is run with --in-cluster
  const child = spawn(process.execPath, [ENTRY, 'run', '--in-cluster', '-f', file, '--kubeconfig', ks.kubeconfigPath, '--context', REGION, '--namespace', NS, '-o', 'json'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (out += c.toString()));
  assert.equal(await new Promise<number | null>((resolve) => child.once('close', (c) => resolve(c))), 0, out);
  const created = JSON.parse(out.trim()) as { type: string; plan: string; run: string };
  assert.deepEqual([created.type, created.plan], ['run.created', 'handed']);
  // Then the controller runs it to Succeeded, the worker rebooted once
  await ks.until(`${created.run} ends`, async () => ['Succeeded', 'Failed', 'Aborted', 'Degraded'].includes((await runStatus(created.run)).phase ?? ''), 240_000);
  assert.equal((await runStatus(created.run)).phase, 'Succeeded');
  assert.deepEqual(since(await ks.referee.report(), before).reboots, { [worker]: 1 });
  // And a bad plan file is refused as daylight run refuses it, with its field, exit 2, before anything is sent
  await writeFile(file, rollPlanYaml({ name: 'handed', maxUnavailable: '{a: 1}' as unknown as string }));
  const bad = spawn(process.execPath, [ENTRY, 'run', '--in-cluster', '-f', file, '--kubeconfig', ks.kubeconfigPath, '--context', REGION, '--namespace', NS], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  bad.stderr.on('data', (c: Buffer) => (err += c.toString()));
  assert.equal(await new Promise<number | null>((resolve) => bad.once('close', (c) => resolve(c))), 2, err);
  assert.match(err, /maxUnavailable/);
});

test('a plan scheduled every day at a time runs when the injected clock reaches it, not before, driven as soon as the watch of the runs sees it, and the run completes with the referee clean', { timeout: 300_000 }, async () => {
  const k = fleet();
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
  // And no resync within the test: the controller looks when its schedule's start comes on its clock, and when its
  // watches say something changed (the run it creates wakes it to drive it)
  const controller = runController({ api, kubeconfig: ks.kubeconfigPath, namespace: NS, identity: 'scheduled', clock, resyncMs: 3_600_000, log: (l) => lines.push(l) }, stop.signal);
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
