// Integration: the sandbox's kubernetes engine on the upstream control plane (built by the same idempotent
// build `npm run lab:build` runs, a no-op when cached), judged by the real kubectl: the fleet's nodes with
// the simulated engine's names and labels, every pod Running and Ready, a drain that waits on the budget,
// and a reboot through the node agent protocol that the real node-lifecycle controller sees; after each,
// the engine's referee (audit log and watches, outside Daylight) counts what happened.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { backoffDelay } from '../../src/lib/backoff.ts';
import { systemClock } from '../../src/lib/clock.ts';
import { RACK_LABEL } from '../../src/sandbox/build.ts';
import { SandboxFleet } from '../../src/sandbox/fleet.ts';
import { ZONE_LABEL } from '../../src/sandbox/sim/scheduler.ts';
import type { Node } from '../../src/sandbox/k8s-types.ts';
import { startKubernetesSandbox } from '../../src/sandbox/kubernetes/kubernetes-sandbox.ts';
import type { RunningKubernetesSandbox } from '../../src/sandbox/kubernetes/kubernetes-sandbox.ts';
import { buildUpstream } from '../../src/sandbox/kubernetes/upstream-build.ts';
import type { RefereeReport } from '../../src/sandbox/referee.ts';
import type { UpstreamBuild } from '../../src/sandbox/kubernetes/upstream-build.ts';
import { smallFleet } from '../support/fleets.ts';
import { extrasReferee } from '../support/sandbox.ts';

const ZONE = ZONE_LABEL;
const RACK = RACK_LABEL;
/**
 * kube-controller-manager's --node-monitor-grace-period for this sandbox, shorter than the real 50 s so a
 * reboot of REBOOT_SECONDS outlives it (plus the 5 s monitor period) and the node is seen Unknown.
 */
const GRACE_SECONDS = 8;
const REBOOT_SECONDS = 24;

/** 2 zones × 1 rack × 2 nodes (and a control-plane node), a budgeted Deployment of 4 and a DaemonSet. */
const fleet = () =>
  smallFleet({
    zones: 2,
    racks: 1,
    nodesPerRack: 2,
    rebootSeconds: REBOOT_SECONDS,
    workloads: [
      '{name: web, namespace: shop, kind: Deployment, replicas: 4, cpu: 500m, memory: 256Mi, startupSeconds: 3, readinessSeconds: 3, shutdownSeconds: 1, pdb: {maxUnavailable: 1}, spread: zone, service: {rpsPerPod: 100}}',
      '{name: agent, namespace: kube-system, kind: DaemonSet, cpu: 50m, memory: 64Mi, startupSeconds: 1, readinessSeconds: 1}',
    ],
  });

let build: UpstreamBuild;
let dir: string;
let sandbox: RunningKubernetesSandbox | undefined;

before(
  async () => {
    // A fresh machine builds the binaries here (about 35 minutes on 2 cores); a cached one takes a moment.
    build = await buildUpstream({ cacheRoot: process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), log: (line) => console.log(`lab:build ${line}`) });
    dir = await mkdtemp(join(tmpdir(), 'daylight-k8s-engine-'));
  },
  { timeout: 90 * 60_000 },
);

after(async () => {
  await sandbox?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

interface KubectlResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function kubectl(args: readonly string[], timeoutMs = 60_000): Promise<KubectlResult> {
  return new Promise((resolve) => {
    execFile('kubectl', ['--kubeconfig', join(dir, 'kubeconfig'), ...args], { timeout: timeoutMs, env: { ...process.env, KUBECACHEDIR: join(dir, 'kube-cache') } }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

async function kubectlJson<T>(args: readonly string[]): Promise<T> {
  const r = await kubectl([...args, '-o', 'json']);
  assert.equal(r.code, 0, `kubectl ${args.join(' ')}: ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 45_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (let attempt = 0; Date.now() < deadline; attempt++) {
    if (await check().catch(() => false)) return;
    await systemClock.sleep(backoffDelay({ baseMs: 250, capMs: 1000 }, attempt));
  }
  throw new Error(`timed out after ${timeoutMs / 1000} s waiting until ${what}`);
}

interface PodView {
  metadata: { namespace: string; name: string; ownerReferences?: { kind: string }[] };
  spec: { nodeName?: string };
  status: { phase?: string; conditions?: { type: string; status: string }[] };
}

/** The referee the engine serves on its extras server, as a user would read it. */
async function referee(): Promise<RefereeReport & { details: unknown }> {
  assert.ok(sandbox);
  const source = extrasReferee(sandbox.extrasUrl);
  return { ...(await source.report()), details: await source.details() };
}

const isReady = (o: { status: { conditions?: { type: string; status: string }[] } }) => o.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
const pods = async () => (await kubectlJson<{ items: PodView[] }>(['get', 'pods', '-A'])).items;

test('the kubernetes engine serves the fleet on a real control plane, and kubectl drain waits on the budget', { timeout: 150_000 }, async () => {
  // Given the small fleet on the kubernetes engine
  const started = performance.now();
  sandbox = await startKubernetesSandbox({ fleet: fleet(), binaries: build.binaries, dir: join(dir, 'run'), kubeconfigPath: join(dir, 'kubeconfig'), nodeGracePeriodSeconds: GRACE_SECONDS });
  console.log(`engine started in ${((performance.now() - started) / 1000).toFixed(1)} s`);

  // Then its nodes have the simulated engine's names, zones and racks, and kwok makes them Ready
  const simulated = new SandboxFleet(fleet()).regions[0]?.store.list('nodes') as Node[];
  const expected = simulated.map((n) => `${n.metadata.name} ${n.metadata.labels?.[ZONE]} ${n.metadata.labels?.[RACK]}`).sort();
  assert.equal(expected.length, 5);
  const nodes = async () => (await kubectlJson<{ items: Node[] }>(['get', 'nodes'])).items;
  await until('every node is Ready', async () => (await nodes()).filter((n) => isReady(n)).length === expected.length);
  assert.deepEqual((await nodes()).map((n) => `${n.metadata.name} ${n.metadata.labels?.[ZONE]} ${n.metadata.labels?.[RACK]}`).sort(), expected);

  // And every pod (4 web, one agent per node) is Running and Ready after its start-up and readiness delays
  await until('9 pods are Running and Ready', async () => {
    const all = await pods();
    return all.length === 9 && all.every((p) => p.status.phase === 'Running' && isReady(p));
  });
  const ready = performance.now();
  console.log(`fleet Ready ${((ready - started) / 1000).toFixed(1)} s after the start`);

  // When one web pod is evicted, and at once the node of another web pod is drained
  const web = (await pods()).filter((p) => p.metadata.namespace === 'shop');
  const [first, second] = web;
  assert.ok(first?.spec.nodeName && second?.spec.nodeName && first.spec.nodeName !== second.spec.nodeName, `two web pods on two nodes: ${web.map((p) => p.spec.nodeName).join(', ')}`);
  const evictionFile = join(dir, 'eviction.json');
  await writeFile(evictionFile, JSON.stringify({ apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: first.metadata.name, namespace: 'shop' } }));
  const evicted = await kubectl(['create', '--raw', `/api/v1/namespaces/shop/pods/${first.metadata.name}/eviction`, '-f', evictionFile]);
  assert.equal(evicted.code, 0, evicted.stderr);
  const node = second.spec.nodeName;
  const drain = await kubectl(['drain', node, '--ignore-daemonsets', '--timeout=60s'], 90_000);
  // The pods the drain evicted, by its own word: the zone spread, or the first pod's replacement landing there
  // before the cordon, may have put more than one web pod on the node
  const webOnDrained = drain.stdout.split('\n').filter((l) => /^pod\/web-\S+ evicted$/.test(l.trim())).length;
  assert.ok(webOnDrained >= 1, `the drain evicted a web pod:\n${drain.stdout}`);

  // Then the budget refuses the drain's eviction until the replacement is Ready, and the drain finishes
  assert.equal(drain.code, 0, `drain exited ${drain.code}\n${drain.stdout}\n${drain.stderr}`);
  assert.match(drain.stderr + drain.stdout, /would violate the pod's disruption budget/);
  assert.match(drain.stdout, new RegExp(`node/${node} drained`));
  const left = (await pods()).filter((p) => p.spec.nodeName === node);
  assert.deepEqual(left.map((p) => p.metadata.ownerReferences?.[0]?.kind), ['DaemonSet'], `only the DaemonSet pod stays on ${node}`);
  assert.equal((await kubectlJson<Node>(['get', 'node', node])).spec.unschedulable, true);

  // And the API server's audit log shows evictions only: refused with 429, accepted with 201, no pod deleted by a client
  const plane = sandbox.regions.get('eu-central');
  assert.ok(plane);
  const audit = (await readFile(plane.auditLogPath, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { stage: string; verb: string; user: { username: string }; objectRef?: { subresource?: string }; responseStatus?: { code?: number } });
  const byAdmin = audit.filter((e) => e.stage === 'ResponseComplete' && e.user.username === plane.credentials.admin.user);
  const evictionCodes = byAdmin.filter((e) => e.objectRef?.subresource === 'eviction').map((e) => e.responseStatus?.code);
  assert.ok(evictionCodes.includes(429) && evictionCodes.filter((c) => c === 201).length === 1 + webOnDrained, `eviction answers ${evictionCodes.join(', ')}`);
  assert.equal(byAdmin.filter((e) => e.verb === 'delete').length, 0, 'no pod deleted by a client');

  // And the referee counts the same evictions accepted and refused, no pod killed, no budget breached, one node down at most
  const judged = await referee();
  assert.equal(judged.evictions.accepted, 1 + webOnDrained);
  assert.equal(judged.evictions.rejectedByPdb, evictionCodes.filter((c) => c === 429).length);
  assert.equal(judged.podsKilledWithoutEviction, 0, JSON.stringify(judged));
  assert.equal(judged.pdbBreaches, 0, JSON.stringify(judged));
  assert.deepEqual(judged.maxConcurrentUnavailableNodes, { 'eu-central': 1 });
  assert.deepEqual(judged.reboots, {});
  // (the balancer's requests: the budget kept 3 of web's 4 endpoints ready, enough for the fleet's 100 rps)
  assert.ok(judged.traffic.served > 0, JSON.stringify(judged.traffic));
  assert.equal(judged.traffic.failed, 0, JSON.stringify(judged.traffic));

  // When the node is uncordoned, then it takes pods again
  const uncordoned = await kubectl(['uncordon', node]);
  assert.equal(uncordoned.code, 0, uncordoned.stderr);
  assert.equal((await kubectlJson<Node>(['get', 'node', node])).spec.unschedulable, undefined);
  console.log(`drain and uncordon took ${((performance.now() - ready) / 1000).toFixed(1)} s`);
});

interface NodeView {
  metadata: { annotations?: Record<string, string> };
  status: { nodeInfo: { bootID: string }; conditions?: { type: string; status: string; reason?: string }[] };
}

const readyCondition = (n: NodeView) => n.status.conditions?.find((c) => c.type === 'Ready');

test('a reboot through daylight.dev/action: the node goes Unknown by the real node-lifecycle controller, loses its pods, and comes back with a new bootID', { timeout: 120_000 }, async () => {
  assert.ok(sandbox, 'the first test started the sandbox');
  // Given a worker with a web pod and an agent pod, all pods Ready
  await until('9 pods are Running and Ready', async () => {
    const all = await pods();
    return all.length === 9 && all.every((p) => p.status.phase === 'Running' && isReady(p));
  });
  const node = (await pods()).find((p) => p.metadata.namespace === 'shop')?.spec.nodeName;
  assert.ok(node);
  const before = await kubectlJson<NodeView>(['get', 'node', node]);
  const podsBefore = (await pods()).filter((p) => p.spec.nodeName === node).map((p) => `${p.metadata.namespace}/${p.metadata.name}`);
  const webOnNode = podsBefore.filter((p) => p.startsWith('shop/')).length;
  const killedBefore = (await referee()).podsKilledWithoutEviction;
  const started = performance.now();

  // When Daylight asks the node's agent for a reboot
  const annotated = await kubectl(['annotate', 'node', node, `daylight.dev/action={"id":"test/${node}/1","operation":"reboot"}`]);
  assert.equal(annotated.code, 0, annotated.stderr);

  // Then the agent answers running, and the node-lifecycle controller marks the silent node Unknown
  await until('the action is running', async () => JSON.parse((await kubectlJson<NodeView>(['get', 'node', node])).metadata.annotations?.['daylight.dev/action-status'] ?? '{}').phase === 'running', 10_000);
  await until('the node is Ready=Unknown', async () => readyCondition(await kubectlJson<NodeView>(['get', 'node', node]))?.status === 'Unknown', (GRACE_SECONDS + 10) * 1000);
  console.log(`node Unknown ${((performance.now() - started) / 1000).toFixed(1)} s after the action`);
  const during = (await pods()).filter((p) => p.spec.nodeName === node).map((p) => `${p.metadata.namespace}/${p.metadata.name}`);
  assert.deepEqual(during.sort(), podsBefore.sort(), 'the pods stay on the node while it is down, as nobody can remove them');

  // And after rebootSeconds it is Ready again with a new bootID, the action done, and its old pods gone
  await until('the action is done', async () => JSON.parse((await kubectlJson<NodeView>(['get', 'node', node])).metadata.annotations?.['daylight.dev/action-status'] ?? '{}').phase === 'done', (REBOOT_SECONDS + 15) * 1000);
  console.log(`action done ${((performance.now() - started) / 1000).toFixed(1)} s after it was asked`);
  const after = await kubectlJson<NodeView>(['get', 'node', node]);
  assert.equal(readyCondition(after)?.status, 'True');
  assert.notEqual(after.status.nodeInfo.bootID, before.status.nodeInfo.bootID);
  const names = new Set((await pods()).map((p) => `${p.metadata.namespace}/${p.metadata.name}`));
  assert.deepEqual(podsBefore.filter((p) => names.has(p)), [], 'none of the node\'s pods survive its reboot');

  // And the DaemonSet's pod restarts on it, and the fleet is whole again
  await until('9 pods are Running and Ready again', async () => {
    const all = await pods();
    return all.length === 9 && all.every((p) => p.status.phase === 'Running' && isReady(p)) && all.some((p) => p.spec.nodeName === node && p.metadata.ownerReferences?.[0]?.kind === 'DaemonSet');
  });

  // And the referee counts one reboot of that node, its web pods killed without eviction (the DaemonSet's not), one node down at most
  const judged = await referee();
  assert.deepEqual(judged.reboots, { [`eu-central/${node}`]: 1 });
  assert.equal(judged.podsKilledWithoutEviction - killedBefore, webOnNode, JSON.stringify(judged));
  assert.deepEqual(judged.maxConcurrentUnavailableNodes, { 'eu-central': 1 }, JSON.stringify(judged));
  // And a budget breach exactly when the reboot took more web pods than the budget allows (maxUnavailable 1)
  assert.equal(judged.pdbBreaches, webOnNode > 1 ? 1 : 0, JSON.stringify(judged));
});

test('the referee counts a kubectl delete of a budgeted pod as a kill, and a breach when it takes the budget below', { timeout: 90_000 }, async () => {
  assert.ok(sandbox, 'the first test started the sandbox');
  // Given the whole fleet Ready, and the budget at its floor after one accepted eviction
  await until('9 pods are Running and Ready', async () => (await pods()).filter((p) => p.status.phase === 'Running' && isReady(p)).length === 9);
  const before = await referee();
  const [first, second] = (await pods()).filter((p) => p.metadata.namespace === 'shop');
  assert.ok(first && second);
  const evictionFile = join(dir, 'eviction-2.json');
  await writeFile(evictionFile, JSON.stringify({ apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: first.metadata.name, namespace: 'shop' } }));
  const evicted = await kubectl(['create', '--raw', `/api/v1/namespaces/shop/pods/${first.metadata.name}/eviction`, '-f', evictionFile]);
  assert.equal(evicted.code, 0, evicted.stderr);

  // When a client deletes another of its pods instead of evicting it
  const deleted = await kubectl(['delete', 'pod', '-n', 'shop', second.metadata.name, '--wait=false']);
  assert.equal(deleted.code, 0, deleted.stderr);

  // Then the referee counts the eviction, one pod killed without eviction, and one budget breach
  await until('the referee counts the breach', async () => (await referee()).pdbBreaches === before.pdbBreaches + 1, 30_000);
  const judged = await referee();
  assert.equal(judged.evictions.accepted, before.evictions.accepted + 1);
  assert.equal(judged.podsKilledWithoutEviction, before.podsKilledWithoutEviction + 1);
  assert.equal(judged.pdbBreaches, before.pdbBreaches + 1, JSON.stringify(judged));
});
