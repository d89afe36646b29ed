// The node agent as it runs on a real cluster, on the sandbox's kubernetes engine (the upstream control plane
// with kwok nodes): one `daylight agent` process per node, its host the lab's (lab-hosts.ts), which stops
// the node's kubelet on a reboot, kills the agent as the machine going down does, and starts it again on the
// new boot. The engine's built-in agent is off, so every answer on every node is one of these processes'.
// `daylight run` drives the rolls in its own process, judged by the engine's referee.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { apiCallOk } from '../../src/sandbox/kubernetes/api-request.ts';
import type { LabHosts } from '../../src/sandbox/kubernetes/lab-hosts.ts';
import { tempConfigHome } from '../helpers/journal-key.ts';
import { cordonedNodes, demoWorkloads, nodes, REGION, rollFleet, rollPlanYaml, workers } from './roll/fixtures.ts';
import { fleetWhole, QUICK_NODE_MONITOR, since, upKubernetesFleet } from './roll/kubernetes-fixtures.ts';
import type { KubernetesFleet } from './roll/kubernetes-fixtures.ts';

const ENTRY = fileURLToPath(new URL('../../src/cli/entry.ts', import.meta.url));
const configHome = tempConfigHome();
/** Longer than the node-monitor grace period plus its period (6 s + 1 s): each reboot is seen Unknown. */
const REBOOT_SECONDS = 9;
const RUN_MS = 240_000;

let k: KubernetesFleet | undefined;
let lab: LabHosts | undefined;

before(async () => {
  // 2 zones × 2 racks × 1 worker and a control-plane node, the demo's workloads with short delays, and a
  // `daylight agent` process on every node in place of the engine's built-in agent
  k = await upKubernetesFleet(rollFleet({ zones: 2, racks: 2, nodesPerRack: 1, rebootSeconds: REBOOT_SECONDS, upgradeSeconds: 3, workloads: demoWorkloads({ startupSeconds: 1, readinessSeconds: 1 }) }), { ...QUICK_NODE_MONITOR, nodeAgents: 'processes' });
  lab = k.sandbox.labHosts;
}, { timeout: 180_000 });

after(async () => {
  await k?.stop();
});

interface NodeJson {
  readonly metadata: { readonly name: string; readonly uid: string; readonly labels?: Record<string, string>; readonly annotations?: Record<string, string> };
  readonly status: { readonly nodeInfo: { readonly bootID: string }; readonly conditions?: readonly { readonly type: string; readonly status: string }[] };
}

async function node(name: string): Promise<NodeJson> {
  assert.ok(k);
  return (await k.api(REGION, `/api/v1/nodes/${name}`)) as NodeJson;
}

const statusOf = async (name: string) => JSON.parse((await node(name)).metadata.annotations?.['daylight.dev/action-status'] ?? '{}') as { id?: string; phase?: string; message?: string; bootId?: string };

/** `daylight run` in its own process, to its end; its exit code and its JSON summary. */
async function daylightRun(plan: string): Promise<{ code: number | null; status?: string; stdout: string; stderr: string }> {
  assert.ok(k);
  const planPath = join(k.dir, `agent-plan-${Date.now()}.yaml`);
  await writeFile(planPath, plan);
  const child = spawn(process.execPath, [ENTRY, 'run', '-f', planPath, '--kubeconfig', k.kubeconfigPath, '--state-dir', join(k.dir, 'state'), '-o', 'json'], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, XDG_CONFIG_HOME: configHome } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const guard = setTimeout(() => child.kill('SIGKILL'), RUN_MS);
  const started = Date.now();
  const code = await new Promise<number | null>((resolve) => child.once('close', (c) => resolve(c)));
  clearTimeout(guard);
  console.log(`daylight run took ${((Date.now() - started) / 1000).toFixed(1)} s`);
  const summary = JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as { type?: string; status?: string };
  return { code, ...(summary.type === 'run.summary' && summary.status ? { status: summary.status } : {}), stdout, stderr };
}

/** The region's API server as its administrator, straight (not through the run's kubeconfig). */
function admin(): { url: string; caPem: string; token: string } {
  const plane = k?.sandbox.regions.get(REGION);
  assert.ok(plane);
  return { url: plane.url, caPem: plane.credentials.caPem, token: plane.credentials.admin.token };
}

/** The Events the agent of `name` recorded on its node, oldest first, as `Reason: message`. */
async function agentEvents(name: string): Promise<string[]> {
  const selector = encodeURIComponent(`involvedObject.kind=Node,involvedObject.name=${name},reportingComponent=daylight-agent`);
  const answer = await apiCallOk(admin(), 'GET', `/api/v1/namespaces/default/events?fieldSelector=${selector}`);
  const items = (JSON.parse(answer.body) as { items: { reason: string; message: string; reportingInstance?: string; firstTimestamp?: string; metadata: { creationTimestamp: string; resourceVersion: string } }[] }).items;
  return items.sort((a, b) => Number(a.metadata.resourceVersion) - Number(b.metadata.resourceVersion)).map((e) => `${e.reason}: ${e.message}`);
}

const labelled = async (value: string) => (await nodes(k as KubernetesFleet)).filter((n) => n.metadata.labels?.['daylight.dev/reboot-required'] === value).map((n) => n.metadata.name).sort();

test('each agent publishes reboot-required from its host; a plan selecting daylight.dev/reboot-required=true maintains exactly the nodes whose sentinel exists', { timeout: 300_000 }, async () => {
  assert.ok(k && lab);
  const all = await workers(k);
  assert.equal(all.length, 4);
  // Given every node's agent up and saying no reboot is needed
  const everyNode = (await nodes(k)).map((n) => n.metadata.name).sort();
  const t0 = Date.now();
  await k.until('every node is labelled reboot-required=false by its agent', async () => (await labelled('false')).length === everyNode.length, 60_000);
  // When the sentinel appears on two workers' hosts
  const needing = [all[0], all[3]].filter((n): n is string => n !== undefined).sort();
  for (const n of needing) await writeFile(lab.sentinelPath(n), '');
  await k.until('those two are labelled reboot-required=true', async () => JSON.stringify(await labelled('true')) === JSON.stringify(needing), 30_000);
  console.log(`labelled false, then true, in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  // (the condition follows the label, in a patch of the node's status of its own)
  const condition = async () => (await node(needing[0] ?? '')).status.conditions?.find((c) => c.type === 'daylight.dev/RebootRequired')?.status;
  await k.until('the condition says so too', async () => (await condition()) === 'True', 10_000).catch(() => undefined);
  assert.equal(await condition(), 'True');
  const before = await k.referee.report();
  // And a run maintains the nodes that need it, both at once
  const r = await daylightRun(rollPlanYaml({ selector: 'daylight.dev/reboot-required=true', maxUnavailable: 2, topology: null, canary: 2, soak: '0s', ready: '{timeout: 5m}' }));
  // Then it succeeded, and exactly those two rebooted, once each, by their hosts, on their agents' word
  assert.equal(r.code, 0, `${r.stderr}\n${r.stdout.slice(-2000)}`);
  assert.equal(r.status, 'succeeded');
  const d = since(await k.referee.report(), before);
  assert.deepEqual(d.reboots, Object.fromEntries(needing.map((n) => [n, 1])));
  assert.deepEqual([d.killed, d.breaches], [0, 0], JSON.stringify(await k.referee.details()));
  assert.deepEqual(all.map((n) => lab?.record(n).reboots), all.map((n) => (needing.includes(n) ? 1 : 0)));
  // And the reboot cleared the sentinel (/var/run is a tmpfs), so their agents, started again, say so
  for (const n of needing) assert.ok(!existsSync(lab.sentinelPath(n)));
  await k.until('no node is labelled reboot-required=true', async () => (await labelled('true')).length === 0, 30_000);
  assert.deepEqual(await cordonedNodes(k), []);
});

test('a full roll by daylight run: every worker rebooted once by its host at its own agent\'s request, every answer the agent\'s, each action told in Events on the node', { timeout: 300_000 }, async () => {
  assert.ok(k && lab);
  const all = await workers(k);
  const before = await k.referee.report();
  const rebootsBefore = Object.fromEntries(all.map((n) => [n, lab?.record(n) ]));
  const bootsBefore = Object.fromEntries(await Promise.all(all.map(async (n) => [n, (await node(n)).status.nodeInfo.bootID] as const)));
  // When every worker is rebooted, two at a time, zone then rack, after a canary
  const r = await daylightRun(rollPlanYaml({ maxUnavailable: '50%', soak: '0s', ready: '{timeout: 5m}' }));
  assert.equal(r.code, 0, `${r.stderr}\n${r.stdout.slice(-2000)}`);
  assert.equal(r.status, 'succeeded');
  // Then the referee says each worker rebooted exactly once, no pod killed, no budget breached, at most 2 out
  const d = since(await k.referee.report(), before);
  assert.deepEqual(d.reboots, Object.fromEntries(all.map((n) => [n, 1])));
  assert.deepEqual([d.killed, d.breaches], [0, 0], JSON.stringify(await k.referee.details()));
  assert.ok(((await k.referee.report()).maxConcurrentUnavailableNodes[REGION] ?? 0) <= 2);
  assert.deepEqual(await cordonedNodes(k), []);
  assert.ok(await fleetWhole(k), 'every workload is whole again');
  for (const n of all) {
    const was = rebootsBefore[n];
    const now = lab.record(n);
    // And each host rebooted once, asked once, and its agent was stopped with it and started on the new boot
    assert.deepEqual([now.reboots - (was?.reboots ?? 0), now.rebootRequests - (was?.rebootRequests ?? 0), now.agentStarts - (was?.agentStarts ?? 0)], [1, 1, 1], `${n}: ${lab.agentLog(n).join('\n')}`);
    // And the answer is the agent's: done, on the boot id the node reports now, recorded with the boot it started on
    // (Daylight confirmed the reboot by the boot id and the node Ready; the agent, started again, answers soon after)
    await k.until(`${n}'s agent answers`, async () => (await statusOf(n)).phase !== 'running', 30_000);
    const s = await statusOf(n);
    const bootNow = (await node(n)).status.nodeInfo.bootID;
    assert.equal(s.phase, 'done', JSON.stringify(s));
    assert.equal(s.message, `rebooted, boot id ${bootNow}`);
    assert.notEqual(bootNow, bootsBefore[n]);
    // And the agent told it on the node: started on the old boot, rebooting, done on the new one (the Event
    // follows the answer it tells of)
    const told = async () => (await agentEvents(n)).filter((e) => e.includes(s.id ?? '?'));
    await k.until(`${n}'s agent tells its answer`, async () => (await told()).length >= 3, 30_000).catch(() => undefined);
    const events = await told();
    assert.deepEqual(events, [
      `DaylightActionStarted: ${s.id}: reboot on boot ${bootsBefore[n]}`,
      `DaylightRebooting: ${s.id}: asking the host to reboot`,
      `DaylightActionDone: ${s.id}: rebooted, boot id ${bootNow}`,
    ]);
  }
});

test('a patch whose command fails is answered failed with its exit code and output tail, and the plan\'s node policy (skip) gives the node back and goes on', { timeout: 300_000 }, async () => {
  assert.ok(k && lab);
  const [bad, good] = await workers(k);
  assert.ok(bad && good);
  // Given a host whose package manager fails
  await writeFile(lab.patchFailsPath(bad), 'Err:1 http://deb.debian.org/debian-security bookworm-security/main amd64 linux-image-amd64\nE: Unable to fetch some archives, maybe run apt-get update\n');
  const before = await k.referee.report();
  try {
    // When both are patched, one at a time, the failing one first, a failed node skipped
    for (const n of [bad, good]) await apiCallOk(admin(), 'PATCH', `/api/v1/nodes/${n}`, { contentType: 'application/merge-patch+json', json: { metadata: { labels: { 'test.daylight.dev/patch': 'yes' } } } });
    const r = await daylightRun(rollPlanYaml({ selector: 'test.daylight.dev/patch=yes', maxUnavailable: 1, topology: null, canary: 1, soak: '0s', ready: '{timeout: 5m, onTimeout: skip}', action: '{type: agent, operation: patch}' }));
    // Then the run did not succeed, and says why
    assert.notEqual(r.status, 'succeeded', r.stdout.slice(-2000));
    const failed = await statusOf(bad);
    assert.equal(failed.phase, 'failed');
    assert.equal(failed.message, 'the patch command exited with 100: Err:1 http://deb.debian.org/debian-security bookworm-security/main amd64 linux-image-amd64\nE: Unable to fetch some archives, maybe run apt-get update\n');
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { type?: string; node?: string; outcome?: string; message?: string });
    const done = lines.filter((l) => l.type === 'node.done');
    assert.deepEqual(done.map((l) => `${l.node} ${l.outcome}`).sort(), [`${bad} skipped`, `${good} maintained`].sort(), r.stdout.slice(-3000));
    assert.match(done.find((l) => l.node === bad)?.message ?? '', /the node agent reports: the patch command exited with 100: .*E: Unable to fetch some archives/s);
    // And the failed host never rebooted; the good one installed its kernel and rebooted for it, once
    const d = since(await k.referee.report(), before);
    assert.deepEqual(d.reboots, { [good]: 1 });
    // (the run confirmed the reboot by the boot id; the agent, started again on the new boot, answers soon after)
    await k.until(`${good}'s agent answers done`, async () => (await statusOf(good)).phase === 'done', 30_000);
    assert.deepEqual(await cordonedNodes(k), []);
  } finally {
    await rm(lab.patchFailsPath(bad), { force: true });
  }
});

test('an upgrade through the agent is done when the kubelet reports the version, without a reboot; one asking for no real version is answered failed and nothing runs', { timeout: 120_000 }, async () => {
  assert.ok(k && lab);
  const [n, other] = await workers(k);
  assert.ok(n && other);
  const ks = k;
  const kubelet = async (name: string) => ((await node(name)).status.nodeInfo as { kubeletVersion?: string }).kubeletVersion;
  const before = await kubelet(n);
  const rebootsBefore = lab.record(n).reboots;
  const setAction = (name: string, action: unknown) => apiCallOk(admin(), 'PATCH', `/api/v1/nodes/${name}`, { contentType: 'application/merge-patch+json', json: { metadata: { annotations: { 'daylight.dev/action': JSON.stringify(action) } } } });
  // When the agent is asked to upgrade its kubelet (the lab's kubeadm and packages, then a kubelet restart)
  await setAction(n, { id: 'upgrade-1/n/1', operation: 'upgrade', version: 'v1.37.3' });
  await ks.until('the upgrade is answered', async () => { const s = await statusOf(n); return s.id === 'upgrade-1/n/1' && s.phase !== 'running'; }, 60_000);
  // Then it is done on the kubelet's word, with no reboot, the host asked once for that version
  assert.deepEqual(await statusOf(n), { id: 'upgrade-1/n/1', phase: 'done', message: 'kubelet at v1.37.3' });
  assert.notEqual(before, 'v1.37.3');
  assert.equal(await kubelet(n), 'v1.37.3');
  assert.equal(lab.record(n).reboots, rebootsBefore);
  assert.deepEqual(lab.record(n).upgrades.at(-1), 'v1.37.3');
  // And an upgrade to something that is not a version, on another node, is answered failed before the host is asked
  const otherBefore = await kubelet(other);
  await setAction(other, { id: 'upgrade-2/n/1', operation: 'upgrade', version: 'v1.38' });
  await ks.until('the bad upgrade is answered', async () => { const s = await statusOf(other); return s.id === '' && s.phase === 'failed' && (s.message ?? '').includes('upgrade-2/n/1'); }, 30_000);
  const bad = await statusOf(other);
  assert.equal(bad.phase, 'failed');
  assert.match(bad.message ?? '', /upgrade needs "version" like "v1\.31\.2", got "v1\.38"/);
  assert.equal(await kubelet(other), otherBefore);
  assert.deepEqual(lab.record(other).upgrades, []);
});

type KillPoint = 'before-it-records' | 'after-it-records' | 'during-the-reboot' | 'after-it-answers';
const POINTS: readonly KillPoint[] = ['before-it-records', 'after-it-records', 'during-the-reboot', 'after-it-answers'];
let round = 0;

test('agents killed with SIGKILL where fast-check says (before they record, after, during the reboot, after they answer) carry out every action id exactly once and leave none running', { timeout: 420_000 }, async () => {
  assert.ok(k && lab);
  const all = await workers(k);
  const hosts = lab;
  const ks = k;
  const setAction = (n: string, action: unknown) => apiCallOk(admin(), 'PATCH', `/api/v1/nodes/${n}`, { contentType: 'application/merge-patch+json', json: { metadata: { annotations: { 'daylight.dev/action': JSON.stringify(action) } } } });
  // Every point once in the first round, then a round fast-check draws
  const points = fc.array(fc.constantFrom(...POINTS), { minLength: all.length, maxLength: all.length });
  await fc.assert(
    fc.asyncProperty(points, async (chosen) => {
      round++;
      const before = Object.fromEntries(all.map((n) => [n, hosts.record(n)]));
      const refBefore = await ks.referee.report();
      // Given each worker asked for a reboot, its agent killed at its chosen point
      await Promise.all(all.map(async (n, i) => {
        const point = chosen[i] ?? 'after-it-answers';
        const id = `kill-${round}/${n}/1`;
        if (point === 'before-it-records') {
          // Stopped, so it cannot record; the action written; then killed, and started again by the lab
          await hosts.signalAgent(n, 'SIGSTOP');
          await setAction(n, { id, operation: 'reboot' });
          await hosts.signalAgent(n, 'SIGKILL');
        } else if (point === 'after-it-records') {
          // Killed as it asks the host, after it recorded `running`: the host never hears it
          hosts.loseNextRebootRequest(n);
          await setAction(n, { id, operation: 'reboot' });
        } else if (point === 'during-the-reboot') {
          // The agent of the new boot killed as it starts, before it can answer
          hosts.killNextAgentStart(n);
          await setAction(n, { id, operation: 'reboot' });
        } else {
          await setAction(n, { id, operation: 'reboot' });
          await ks.until(`${n} answers ${id}`, async () => { const s = await statusOf(n); return s.id === id && s.phase === 'done'; }, 120_000);
          const starts = hosts.record(n).agentStarts;
          await hosts.signalAgent(n, 'SIGKILL');
          // Started again, and it has looked at its node since: it asks about the sentinel before each look,
          // so a second ask by the new process comes after its first look
          await ks.until(`${n}'s agent is back`, async () => hosts.record(n).agentStarts > starts, 30_000);
          const checks = hosts.record(n).sentinelChecks;
          await ks.until(`${n}'s new agent has looked at its node`, async () => hosts.record(n).sentinelChecks >= checks + 2, 30_000);
        }
      }));
      // When every agent is left alone until it answers
      await ks.until('every action is answered', async () => {
        for (const n of all) {
          const s = await statusOf(n);
          if (s.id !== `kill-${round}/${n}/1` || s.phase === 'running') return false;
        }
        return true;
      }, 180_000);
      await ks.until('every node Ready again', async () => (await nodes(ks)).every((x) => x.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')), 60_000);
      // Then every action is done, each host rebooted exactly once and the node's boot id changed once
      const d = since(await ks.referee.report(), refBefore);
      for (const [i, n] of all.entries()) {
        const s = await statusOf(n);
        const rec = hosts.record(n);
        const why = `${n} killed ${chosen[i] ?? '?'}: ${JSON.stringify(s)}\n${hosts.agentLog(n).slice(-15).join('\n')}`;
        assert.equal(s.phase, 'done', why);
        assert.equal(rec.reboots - (before[n]?.reboots ?? 0), 1, why);
        assert.equal(d.reboots[n], 1, why);
      }
      console.log(`round ${round}: ${all.map((n, i) => `${n} ${chosen[i] ?? '?'}`).join(', ')}: every action done, every host rebooted once`);
    }),
    { numRuns: 2, seed: 20261206, examples: [[[...POINTS]]], endOnFailure: true },
  );
});
