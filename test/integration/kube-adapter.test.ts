// The Kubernetes adapter against a running sandbox through client-node: connecting, the clock, snapshots,
// owned cordons, classified evictions, watch-based waits, node actions, events and leases on both engines
// (one sandbox per engine, a fresh adapter per section), and API faults on the simulated engine (the
// kubernetes engine's are met by the roll in roll/kubernetes.test.ts).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { KubeCluster } from '../../src/kube/adapter.ts';
import { detectClock } from '../../src/kube/clock-probe.ts';
import { connect, loadKubeConfig } from '../../src/kube/client.ts';
import { KubeApi } from '../../src/kube/api.ts';
import { kubeOwnNode } from '../../src/agent/kube-node.ts';
import type { KubeOwnNode } from '../../src/agent/kube-node.ts';
import { parseStatus } from '../../src/agent/decide.ts';
import type { PodView } from '../../src/kube/types.ts';
import { ANNOTATIONS } from '../../src/kube/types.ts';
import { systemClock } from '../../src/lib/clock.ts';
import { UserError } from '../../src/lib/errors.ts';
import { RequestTally } from '../../src/lib/request-tally.ts';
import { ok, tableRows, WAIT_MS } from '../e2e/helpers.ts';
import { ENGINES, START_TIMEOUT_MS, startEngineSandbox, waitMs } from '../support/engine-sandbox.ts';
import type { EngineName, EngineSandbox } from '../support/engine-sandbox.ts';
import { smallFleet } from '../support/fleets.ts';
import type { SmallFleet } from '../support/fleets.ts';
import { allPodsReady, startTestSandbox } from '../support/sandbox.ts';
import type { SandboxClient, TestSandbox } from '../support/sandbox.ts';

const REGION = 'eu-central';
const ZONE_LABEL = 'topology.kubernetes.io/zone';
/**
 * A long wait in cluster time: two hours are 12 real seconds at the simulated engine's speed of 600 (ten
 * minutes, one real second, ran out under a loaded machine while kubectl started); every wait given it ends early.
 */
const LONG_WAIT = 2 * 60 * 60_000;
/** A wait in cluster time that is meant to run out: a minute on the simulated engine is 0.1 s, on the real-time kubernetes engine a few seconds do. */
const shortWait = (engine: EngineName) => (engine === 'simulated' ? 60_000 : 3_000);

/**
 * One fleet for the whole file: web (4 pods, minAvailable 3) to read and reboot under, guarded (every pod
 * needed: minAvailable = replicas), api (maxUnavailable 1) and batch (no budget) to evict. Reboots are
 * short so the kubernetes engine, in real time, is back in seconds.
 */
const FLEET: SmallFleet = {
  rebootSeconds: 5,
  workloads: [
    '{name: web, namespace: shop, kind: Deployment, replicas: 4, cpu: 500m, memory: 256Mi, startupSeconds: 2, readinessSeconds: 2, pdb: {minAvailable: 3}, spread: zone, service: {rpsPerPod: 100}}',
    '{name: guarded, namespace: shop, kind: Deployment, replicas: 3, cpu: 100m, memory: 64Mi, pdb: {minAvailable: 3}, spread: zone}',
    '{name: api, namespace: shop, kind: Deployment, replicas: 3, cpu: 100m, memory: 64Mi, pdb: {maxUnavailable: 1}, spread: zone}',
    '{name: batch, namespace: jobs, kind: Deployment, replicas: 3, cpu: 100m, memory: 64Mi, spread: zone}',
  ],
};

interface Fixture {
  readonly ts: SandboxClient;
  readonly cluster: KubeCluster;
  /** Every API request the adapter made, told by the observer it was connected with. */
  readonly requests: RequestTally;
}

async function connectTo(ts: SandboxClient): Promise<Fixture> {
  const requests = new RequestTally();
  const cluster = await connect({ name: 'eu', kubeconfig: ts.kubeconfigPath, context: REGION, onRequest: requests.observe });
  return { ts, cluster, requests };
}

async function start(fleet: SmallFleet): Promise<Fixture & { ts: TestSandbox }> {
  const ts = await startTestSandbox(smallFleet(fleet));
  await ts.until('every pod is Ready', () => allPodsReady(ts.sandbox), WAIT_MS);
  return { ...(await connectTo(ts)), ts };
}

async function stop(f: Fixture | undefined): Promise<void> {
  await f?.cluster.close();
  await f?.ts.stop();
}

function workloadPods(pods: readonly PodView[], name: string): PodView[] {
  return pods.filter((p) => p.workload?.name === name && !p.terminating);
}

async function podsOf(cluster: KubeCluster, name: string): Promise<PodView[]> {
  return workloadPods((await cluster.snapshot()).pods, name);
}

async function nodeJson(ts: SandboxClient, node: string): Promise<{ spec: { unschedulable?: boolean }; metadata: { annotations?: Record<string, string> } }> {
  return JSON.parse(ok(await ts.kubectl(['get', 'node', node, '-o', 'json']), `get node ${node}`)) as { spec: { unschedulable?: boolean }; metadata: { annotations?: Record<string, string> } };
}

for (const engine of ENGINES) describe(`on the ${engine} engine`, () => {
  let sandbox: EngineSandbox;

  before(async () => {
    sandbox = await startEngineSandbox(smallFleet(FLEET), { engine });
    await sandbox.until('every pod is Ready', () => sandbox.settled(), waitMs(engine));
  }, { timeout: START_TIMEOUT_MS });

  after(async () => {
    await sandbox?.stop();
  });

  describe('connecting and reading a cluster', () => {
    let f: Fixture | undefined;
    before(async () => {
      f = await connectTo(sandbox);
    });
    after(() => f?.cluster.close());

    test('connect selects the named context, and an unknown context is a UserError that lists the real ones', async () => {
      const { ts, cluster } = f as Fixture;
      // Given the sandbox's kubeconfig with one context per region
      // When connecting with the context of the region
      // Then the adapter talks to that region's API server
      assert.equal(cluster.name, 'eu');
      assert.equal(cluster.server, ts.target(REGION).url);
      // When connecting with a context that does not exist
      // Then a UserError names it and the contexts there are
      await assert.rejects(connect({ name: 'x', kubeconfig: ts.kubeconfigPath, context: 'mars' }), (e: unknown) => {
        assert.ok(e instanceof UserError, `a UserError, got ${String(e)}`);
        assert.match(e.message, /context "mars" is not in the kubeconfig; the contexts are: eu-central/);
        return true;
      });
      // And a kubeconfig path that does not exist is a UserError too
      await assert.rejects(connect({ name: 'x', kubeconfig: `${ts.kubeconfigPath}.missing` }), (e: unknown) => e instanceof UserError && /does not exist/.test(e.message));
      // And without a path, $KUBECONFIG from the given environment is used, with its current context
      const viaEnv = await connect({ name: 'env', env: { KUBECONFIG: ts.kubeconfigPath } });
      assert.equal(viaEnv.server, cluster.server);
      await viaEnv.close();
    });

    test('detectClock finds the engine\'s clock: the simulated engine\'s speed and time, or the system clock of a real API server', async () => {
      const { ts, cluster } = f as Fixture;
      // Given the sandbox at its default speed
      // When the adapter probes the cluster's clock
      const clock = await detectClock(cluster);
      if (engine === 'kubernetes') {
        // Then a real API server has no /sandbox/v1/status: the adapter runs on the system clock
        assert.equal(clock, systemClock);
        assert.equal(cluster.clock, systemClock);
        return;
      }
      // Then it runs at the sandbox's speed and tells the simulated time (simulated only: speed and /sandbox/v1/status are the simulated engine's)
      assert.equal(clock.speed, 600);
      const status = (await ts.api(REGION, '/sandbox/v1/status')) as { simulatedTime: string };
      const drift = Math.abs(clock.now() - Date.parse(status.simulatedTime));
      assert.ok(drift < 5 * 60_000, `clock ${new Date(clock.now()).toISOString()} near ${status.simulatedTime}`);
      // And the adapter connect made uses that clock
      assert.equal(cluster.clock.speed, 600);
    });

    test('the snapshot shows nodes with zones, pods under their Deployment, the budgets and the workloads', async () => {
      const { ts, cluster } = f as Fixture;
      // Given a region of three zones with two nodes each and a control-plane node, and web: 4 pods with minAvailable 3
      // When a snapshot is taken
      const s = await cluster.snapshot();
      // Then the version is the API server's (the fleet's on the simulated engine, the built release on the kubernetes engine)
      assert.equal(s.cluster, 'eu');
      assert.equal(s.version, ((await ts.api(REGION, '/version')) as { gitVersion: string }).gitVersion);
      if (engine === 'simulated') assert.equal(s.version, 'v1.30.4');
      // And every node is there, Ready, with its zone label and capacity
      assert.equal(s.nodes.length, 7);
      assert.deepEqual([...new Set(s.nodes.map((n) => n.labels[ZONE_LABEL]))].sort(), ['eu-central-a', 'eu-central-b', 'eu-central-c']);
      assert.ok(s.nodes.every((n) => n.ready && !n.unschedulable && n.bootId !== '' && n.allocatable.milliCpu === 4000));
      // And web's four pods belong to the Deployment, with their requests
      const web = workloadPods(s.pods, 'web');
      assert.equal(web.length, 4);
      assert.ok(web.every((p) => p.workload?.kind === 'Deployment' && p.controller?.kind === 'ReplicaSet' && p.ready && p.nodeName));
      assert.deepEqual(web[0]?.requests, { milliCpu: 500, memory: 256 * 2 ** 20 });
      // And the budgets tell their numbers
      assert.deepEqual(
        s.pdbs.map((b) => [b.name, b.minAvailable, b.maxUnavailable, b.currentHealthy, b.desiredHealthy, b.disruptionsAllowed, b.expectedPods]).sort(),
        [['api', undefined, 1, 3, 2, 1, 3], ['guarded', 3, undefined, 3, 3, 0, 3], ['web', 3, undefined, 4, 3, 1, 4]],
      );
      // And the Deployment is listed with its ReplicaSet marked as owned
      const deployment = s.workloads.find((w) => w.kind === 'Deployment' && w.name === 'web');
      assert.equal(deployment?.replicas, 4);
      assert.equal(deployment?.readyReplicas, 4);
      assert.equal(deployment?.owned, false);
      assert.ok(s.workloads.some((w) => w.kind === 'ReplicaSet' && w.owned));
      // And pods.onNode agrees with the snapshot for a node of web
      const node = web[0]?.nodeName as string;
      assert.deepEqual((await cluster.pods.onNode(node)).map((p) => p.uid).sort(), s.pods.filter((p) => p.nodeName === node).map((p) => p.uid).sort());
    });

    test('a cordon belongs to the run that made it: another run can neither take it over nor lift it', async () => {
      const { ts, cluster } = f as Fixture;
      const node = 'eu-central-a-r1-n1';
      // Given a schedulable node
      // When run-a cordons it
      assert.deepEqual(await cluster.nodes.cordon(node, 'run-a'), { changed: true });
      // Then kubectl sees it unschedulable with run-a as the owner
      const cordoned = await nodeJson(ts, node);
      assert.equal(cordoned.spec.unschedulable, true);
      assert.equal(cordoned.metadata.annotations?.[ANNOTATIONS.cordonedBy], 'run-a');
      // When run-a cordons again, or run-b tries
      assert.deepEqual(await cluster.nodes.cordon(node, 'run-a'), { changed: false });
      assert.deepEqual(await cluster.nodes.cordon(node, 'run-b'), { changed: false, previousOwner: 'run-a' });
      // Then run-b's uncordon does nothing and the owner stays run-a
      assert.equal(await cluster.nodes.uncordon(node, 'run-b'), false);
      assert.equal((await cluster.nodes.get(node))?.cordonedBy, 'run-a');
      // When run-a uncordons
      assert.equal(await cluster.nodes.uncordon(node, 'run-a'), true);
      // Then the node is schedulable and carries no owner
      const lifted = await nodeJson(ts, node);
      assert.notEqual(lifted.spec.unschedulable, true);
      assert.equal(lifted.metadata.annotations?.[ANNOTATIONS.cordonedBy], undefined);
    });

    test('a cordon made by a person with kubectl is reported as unknown and left alone', async () => {
      const { ts, cluster } = f as Fixture;
      const node = 'eu-central-b-r1-n2';
      // Given a node a person cordoned with kubectl
      ok(await ts.kubectl(['cordon', node]), 'cordon');
      // When a run cordons and then uncordons it
      const result = await cluster.nodes.cordon(node, 'run-a');
      const lifted = await cluster.nodes.uncordon(node, 'run-a');
      // Then the run took nothing over and the node stays cordoned, without an owner
      assert.deepEqual(result, { changed: false, previousOwner: 'unknown' });
      assert.equal(lifted, false);
      const n = await cluster.nodes.get(node);
      assert.equal(n?.unschedulable, true);
      assert.equal(n?.cordonedBy, undefined);
      ok(await ts.kubectl(['uncordon', node]), 'uncordon');
    });

    test('events.onNode shows in kubectl get events for the node', async () => {
      const { ts, cluster } = f as Fixture;
      const node = 'eu-central-c-r1-n2';
      // Given a node
      // When Daylight records a transition on it
      await cluster.events.onNode(node, { reason: 'DaylightDrained', message: `Daylight drained ${node} for run r-1` });
      // Then kubectl lists the event against the node, from daylight
      const out = ok(await ts.kubectl(['get', 'events', '-n', 'default', '--field-selector', `involvedObject.name=${node},reason=DaylightDrained`, '-o', 'json']), 'get events');
      const events = (JSON.parse(out) as { items: { message: string; type: string; source: { component: string }; involvedObject: { kind: string; uid: string } }[] }).items;
      assert.equal(events.length, 1);
      assert.equal(events[0]?.message, `Daylight drained ${node} for run r-1`);
      assert.equal(events[0]?.type, 'Normal');
      assert.equal(events[0]?.source.component, 'daylight');
      assert.equal(events[0]?.involvedObject.kind, 'Node');
      assert.equal(events[0]?.involvedObject.uid, (await cluster.nodes.get(node))?.uid);
      assert.match(ok(await ts.kubectl(['get', 'events', '-n', 'default']), 'get events table'), /DaylightDrained/);
    });

    test('a reboot requested through the node action is awaited through a watch until the node is back with a new boot id', async () => {
      const { cluster } = f as Fixture;
      const node = 'eu-central-c-r1-n1';
      // Given a Ready node and its boot id
      const before = await cluster.nodes.get(node);
      assert.ok(before?.ready);
      // When a reboot is requested
      await cluster.nodes.requestAction(node, { id: 'run-1/node/1', operation: 'reboot' });
      // Then waiting for a new boot id and Ready resolves with the rebooted node
      const back = await cluster.nodes.waitFor(node, (n) => n.ready && n.bootId !== before.bootId, LONG_WAIT);
      assert.ok(back, 'the node came back before the timeout');
      assert.notEqual(back.bootId, before.bootId);
      assert.ok(back.ready);
      // And the node agent reports the action done (its own answer, which may follow the node's status: DESIGN.md section 6)
      const answered = await cluster.nodes.waitFor(node, (n) => /"phase":"done"/.test(n.annotations[ANNOTATIONS.actionStatus] ?? ''), LONG_WAIT);
      assert.match(answered?.annotations[ANNOTATIONS.actionStatus] ?? '', /"id":"run-1\/node\/1".*"phase":"done"/);
      // And a wait for a state that never comes ends at its timeout with undefined
      assert.equal(await cluster.nodes.waitFor(node, (n) => n.kubeletVersion === 'v9.9.9', shortWait(engine)), undefined);
    });

    test('a lease is held by one run at a time, renewed by its holder, and taken by the next after release or expiry', async () => {
      const { cluster } = f as Fixture;
      const name = `daylight-lock-${randomUUID().slice(0, 8)}`;
      // Given no lease
      assert.equal(await cluster.leases.read(name), undefined);
      // When run A acquires it for an hour
      assert.deepEqual(await cluster.leases.acquire(name, 'run-a', 3600), { acquired: true });
      // Then run B is refused and told who holds it
      const refused = await cluster.leases.acquire(name, 'run-b', 3600);
      assert.equal(refused.acquired, false);
      assert.equal(!refused.acquired && refused.heldBy.holder, 'run-a');
      assert.equal(!refused.acquired && refused.heldBy.durationSeconds, 3600);
      // And A renews it while B cannot
      assert.equal(await cluster.leases.renew(name, 'run-a'), true);
      assert.equal(await cluster.leases.renew(name, 'run-b'), false);
      assert.equal((await cluster.leases.read(name))?.holder, 'run-a');
      // When A releases it
      await cluster.leases.release(name, 'run-a');
      // Then B acquires it
      assert.equal(await cluster.leases.read(name), undefined);
      assert.deepEqual(await cluster.leases.acquire(name, 'run-b', 5), { acquired: true });
      // And once B's five seconds of cluster time passed without renewal, C takes it over
      await cluster.clock.sleep(10_000);
      assert.deepEqual(await cluster.leases.acquire(name, 'run-c', 5), { acquired: true });
      assert.equal((await cluster.leases.read(name))?.holder, 'run-c');
    });

    test('the request observer is told of every request the adapter makes', async () => {
      const { cluster, requests } = f as Fixture;
      // Given the count so far
      const before = requests.count;
      // When a snapshot is taken (version, nodes, pods, budgets and four workload kinds)
      await cluster.snapshot();
      // Then it grew by those eight requests
      assert.equal(requests.count - before, 8);
    });
  });

  describe("the node agent's own node", () => {
    let api: KubeApi | undefined;
    let own: KubeOwnNode | undefined;
    const NODE = 'eu-central-c-r1-n2';
    before(() => {
      const kc = loadKubeConfig({ kubeconfig: sandbox.kubeconfigPath });
      kc.setCurrentContext(REGION);
      api = new KubeApi(kc);
      own = kubeOwnNode(api, NODE);
    });
    after(async () => {
      own?.close();
      await api?.close();
    });

    test('it reads its boot id and kubelet version, and its answer is what kubectl then shows', async () => {
      const node = own as KubeOwnNode;
      const before = await node.read();
      const shown = JSON.parse(ok(await sandbox.kubectl(['get', 'node', NODE, '-o', 'json']), 'get node')) as { status: { nodeInfo: { bootID: string; kubeletVersion: string } } };
      assert.deepEqual({ bootId: before.bootId, kubeletVersion: before.kubeletVersion }, { bootId: shown.status.nodeInfo.bootID, kubeletVersion: shown.status.nodeInfo.kubeletVersion });
      assert.ok(before.bootId.length > 0);
      // When it answers an action
      const answer = { id: 'run-x/eu-central-c-r1-n2/1', phase: 'failed' as const, message: 'the patch command exited with 100: E: dpkg was interrupted' };
      await node.writeStatus(answer);
      // Then it reads it back, and kubectl shows it under daylight.dev/action-status
      assert.deepEqual(parseStatus((await node.read()).status), answer);
      assert.deepEqual(JSON.parse(ok(await sandbox.kubectl(['get', 'node', NODE, '-o', 'jsonpath={.metadata.annotations.daylight\\.dev/action-status}']), 'jsonpath')), answer);
    });

    test('reboot-required is a label a selector finds and a condition beside the kubelet\'s own', async () => {
      const node = own as KubeOwnNode;
      const conditions = async () => (JSON.parse(ok(await sandbox.kubectl(['get', 'node', NODE, '-o', 'json']), 'get node')) as { status: { conditions: { type: string; status: string }[] } }).status.conditions;
      await node.publishRebootRequired(true);
      assert.equal(ok(await sandbox.kubectl(['get', 'nodes', '-l', 'daylight.dev/reboot-required=true', '-o', 'name']), 'get -l').trim(), `node/${NODE}`);
      assert.equal((await conditions()).find((c) => c.type === 'daylight.dev/RebootRequired')?.status, 'True');
      await node.publishRebootRequired(false);
      assert.equal(ok(await sandbox.kubectl(['get', 'nodes', '-l', 'daylight.dev/reboot-required=true', '-o', 'name']), 'get -l').trim(), '');
      const after = await conditions();
      assert.equal(after.find((c) => c.type === 'daylight.dev/RebootRequired')?.status, 'False');
      assert.equal(after.find((c) => c.type === 'Ready')?.status, 'True', 'the kubelet\'s Ready condition stays');
    });

    test('a change to the node ends its wait through the watch, long before the wait\'s own end', { timeout: 60_000 }, async () => {
      const node = own as KubeOwnNode;
      // The first wait sees the watch's initial event; after it, a wait lasts until the node changes
      await node.changed(600_000);
      const wait = node.changed(600_000);
      ok(await sandbox.kubectl(['label', 'node', NODE, 'example.com/agent-test=yes']), 'kubectl label');
      await wait;
      ok(await sandbox.kubectl(['label', 'node', NODE, 'example.com/agent-test-']), 'kubectl unlabel');
    });
  });

  describe('the node cache', () => {
    let f: Fixture | undefined;
    before(async () => {
      f = await connectTo(sandbox);
    });
    after(() => f?.cluster.close());

    test('nodes come from one list and one watch: reads cost no request, and a change made by kubectl shows up', async () => {
      const { ts, cluster, requests } = f as Fixture;
      // Given the cache started by a first read
      const first = await cluster.nodes.list();
      const node = first.find((n) => !n.labels['node-role.kubernetes.io/control-plane'])?.name as string;
      // When nodes are read many times
      const before = requests.count;
      for (let i = 0; i < 20; i++) {
        await cluster.nodes.list();
        await cluster.nodes.get(node);
      }
      // Then no request was made for them
      assert.equal(requests.count - before, 0);
      // And when kubectl cordons the node, the cache sees it through its watch
      ok(await ts.kubectl(['cordon', node]), 'kubectl cordon');
      await ts.until('the cache sees the cordon', async () => (await cluster.nodes.get(node))?.unschedulable === true, 5_000);
      ok(await ts.kubectl(['uncordon', node]), 'kubectl uncordon');
      await ts.until('the cache sees the uncordon', async () => (await cluster.nodes.get(node))?.unschedulable === false, 5_000);
    });

    test('nodes.waitFor resolves from the watch when the node changes, with no request of its own', async () => {
      const { ts, cluster, requests } = f as Fixture;
      const node = (await cluster.nodes.list()).find((n) => !n.labels['node-role.kubernetes.io/control-plane'])?.name as string;
      const before = requests.count;
      // Given a wait for the node to carry a label
      const wait = cluster.nodes.waitFor(node, (n) => n.labels['example.com/patched'] === 'yes', LONG_WAIT);
      // When kubectl labels it
      ok(await ts.kubectl(['label', 'node', node, 'example.com/patched=yes']), 'kubectl label');
      // Then the wait ends with the labelled node, without a request from the adapter
      assert.equal((await wait)?.labels['example.com/patched'], 'yes');
      assert.equal(requests.count - before, 0);
    });

    test('a cordon whose cached node is stale conflicts, reads fresh, and does not take over a cordon made meanwhile', async () => {
      const { ts, cluster } = f as Fixture;
      const node = (await cluster.nodes.list()).filter((n) => !n.labels['node-role.kubernetes.io/control-plane'])[1]?.name as string;
      await cluster.nodes.get(node);
      // Given someone cordons the node, and the adapter is asked to cordon it at once, maybe before its watch saw it
      ok(await ts.kubectl(['cordon', node]), 'kubectl cordon');
      const r = await cluster.nodes.cordon(node, 'run-stale');
      // Then the cordon is not taken over
      assert.deepEqual(r, { changed: false, previousOwner: 'unknown' });
      assert.equal((await nodeJson(ts, node)).metadata.annotations?.[ANNOTATIONS.cordonedBy], undefined);
      ok(await ts.kubectl(['uncordon', node]), 'kubectl uncordon');
    });
  });

  describe('evictions and waits', () => {
    let f: Fixture | undefined;
    before(async () => {
      // The reboot above replaced web's pods on that node: every budget whole again first
      await sandbox.until('every pod is Ready', () => sandbox.settled(), waitMs(engine));
      f = await connectTo(sandbox);
    }, { timeout: 5 * 60_000 });
    after(() => f?.cluster.close());

    test('an eviction without a budget is accepted, and pods.waitGone sees the pods leave through one watch', async () => {
      const { cluster } = f as Fixture;
      // Given batch's pods, which no budget protects
      const pods = await podsOf(cluster, 'batch');
      const node = pods[0]?.nodeName as string;
      const onNode = pods.filter((p) => p.nodeName === node);
      // When they are evicted
      for (const p of onNode) assert.deepEqual(await cluster.pods.evict(p, 0), { kind: 'evicted' });
      // Then waiting for them returns no pod left, and they are gone from the node
      assert.deepEqual(await cluster.pods.waitGone(node, onNode.map((p) => p.uid), LONG_WAIT), []);
      const left = (await cluster.pods.onNode(node)).map((p) => p.uid);
      assert.ok(onNode.every((p) => !left.includes(p.uid)));
    });

    test('one watch of a node\'s pods serves the drain\'s read and the wait until evicted pods are gone', async () => {
      const { cluster, requests } = f as Fixture;
      // Given batch's pods on one node, and the node's pods watched
      const node = (await podsOf(cluster, 'batch'))[0]?.nodeName as string;
      const before = requests.count;
      const watched = await cluster.pods.watchNode(node);
      try {
        const onNode = (await watched.pods()).filter((p) => p.workload?.name === 'batch' && !p.terminating);
        assert.ok(onNode.length > 0);
        // When they are evicted
        for (const p of onNode) assert.deepEqual(await cluster.pods.evict(p, 0), { kind: 'evicted' });
        // Then the watch sees them leave, and the reads cost one list and one watch besides the evictions
        const uids = new Set(onNode.map((p) => p.uid));
        assert.equal(await watched.waitUntil((pods) => !pods.some((p) => uids.has(p.uid)), LONG_WAIT), true);
        assert.ok((await watched.pods()).every((p) => !uids.has(p.uid)));
        assert.equal(requests.count - before - onNode.length, 2);
      } finally {
        watched.close();
      }
    });

    test('an eviction a budget forbids is blocked with the budget\'s numbers, and the wait times out with the pod', async () => {
      const { cluster, requests } = f as Fixture;
      // Given guarded: three pods and minAvailable 3
      const pod = (await podsOf(cluster, 'guarded'))[0] as PodView;
      // When one is evicted
      const answer = await cluster.pods.evict(pod, undefined);
      // Then the eviction is blocked and says why
      assert.equal(answer.kind, 'blocked');
      assert.match(answer.kind === 'blocked' ? answer.message : '', /Cannot evict pod as it would violate the pod's disruption budget\. The disruption budget guarded needs 3 healthy pods and has 3 currently/);
      // And a short wait returns the pod as still there, after one list and one watch rather than a poll per pod
      const before = requests.count;
      assert.deepEqual(await cluster.pods.waitGone(pod.nodeName as string, [pod.uid], shortWait(engine)), [pod.uid]);
      assert.ok(requests.count - before <= 2, `${requests.count - before} requests in ${shortWait(engine) / 1000} s of cluster time`);
    });

    test('an eviction of a pod that is gone, or whose name now has another UID, answers gone and touches nothing', async () => {
      const { ts, cluster } = f as Fixture;
      // Given a pod of api and a UID that is not its own
      const pod = (await podsOf(cluster, 'api'))[0] as PodView;
      const stale = { ...pod, uid: randomUUID() };
      // When the stale UID is evicted, and a pod that does not exist
      const staleAnswer = await cluster.pods.evict(stale, undefined);
      const missingAnswer = await cluster.pods.evict({ namespace: 'shop', name: 'no-such-pod', uid: randomUUID() }, undefined);
      // Then both answers are gone
      assert.deepEqual(staleAnswer, { kind: 'gone' });
      assert.deepEqual(missingAnswer, { kind: 'gone' });
      // And the pod with that name is still running, the same one
      const uid = ok(await ts.kubectl(['get', 'pod', pod.name, '-n', 'shop', '-o', 'jsonpath={.metadata.uid}']), 'get pod');
      assert.equal(uid, pod.uid);
      // And a DELETE with the stale UID leaves it alone too
      await cluster.pods.delete(stale, 0);
      assert.equal(ok(await ts.kubectl(['get', 'pod', pod.name, '-n', 'shop', '-o', 'jsonpath={.metadata.uid}']), 'get pod'), pod.uid);
    });

    test('an eviction of a pod that two budgets select is misconfigured', async () => {
      const { ts, cluster } = f as Fixture;
      // Given a second budget over api's pods
      const second = ['apiVersion: policy/v1', 'kind: PodDisruptionBudget', 'metadata: {name: api-extra, namespace: shop}', 'spec:', '  maxUnavailable: 1', '  selector: {matchLabels: {app.kubernetes.io/name: api}}', ''].join('\n');
      ok(await ts.kubectl(['create', '-f', '-'], { input: second }), 'create pdb');
      try {
        const pod = (await podsOf(cluster, 'api'))[0] as PodView;
        // When one of api's pods is evicted
        const answer = await cluster.pods.evict(pod, undefined);
        // Then the answer is misconfigured, with the API's reason
        assert.equal(answer.kind, 'misconfigured');
        assert.match(answer.kind === 'misconfigured' ? answer.message : '', /more than one PodDisruptionBudget/);
        // And the pod still runs
        const rows = tableRows(ok(await ts.kubectl(['get', 'pod', pod.name, '-n', 'shop']), 'get pod'));
        assert.equal(rows[0]?.STATUS, 'Running');
      } finally {
        ok(await ts.kubectl(['delete', 'pdb', 'api-extra', '-n', 'shop']), 'delete pdb');
      }
    });

    test('aborting a wait rejects at once with an AbortError', async () => {
      const { cluster } = f as Fixture;
      // Given a pod a budget keeps in place, and a wait for it of a thousand minutes of cluster time
      const pod = (await podsOf(cluster, 'guarded'))[0] as PodView;
      const abort = new AbortController();
      const started = Date.now();
      const wait = cluster.pods.waitGone(pod.nodeName as string, [pod.uid], LONG_WAIT * 100, abort.signal);
      // When the caller aborts
      setTimeout(() => abort.abort(), 100);
      // Then the wait rejects with an AbortError right away
      await assert.rejects(wait, (e: unknown) => e instanceof Error && e.name === 'AbortError');
      assert.ok(Date.now() - started < 2_000, `aborted after ${Date.now() - started} ms`);
      // And a call with an aborted signal does not start
      await assert.rejects(cluster.snapshot(AbortSignal.abort()), (e: unknown) => e instanceof Error && e.name === 'AbortError');
    });
  });
});

// Simulated only: the kubernetes engine plays API faults too, but the roll under them in
// roll/kubernetes.test.ts already shows the adapter's retries there (docs/sandbox-kubernetes-engine.md).
describe('an API server that fails 5% of requests', () => {
  let f: Fixture | undefined;
  before(async () => {
    f = await start({ ...FLEET, faults: '{api: {errorRate: 0.05}}' });
  });
  after(() => stop(f));

  test('the snapshot and 20 cordon and uncordon rounds still succeed through retries', async () => {
    const { ts, cluster } = f as Fixture;
    // Given an API server that answers 500 to one request in twenty
    const node = 'eu-central-a-r1-n2';
    // When a snapshot is taken and the node is cordoned and uncordoned 20 times
    const s = await cluster.snapshot();
    for (let i = 0; i < 20; i++) {
      assert.deepEqual(await cluster.nodes.cordon(node, 'run-faults'), { changed: true }, `cordon round ${i + 1}`);
      assert.equal(await cluster.nodes.uncordon(node, 'run-faults'), true, `uncordon round ${i + 1}`);
    }
    // Then all succeeded, and the node ends schedulable without an owner
    assert.equal(s.nodes.length, 7);
    // (kubectl does not retry a 500: its read is repeated until the faults let one through)
    let n: Awaited<ReturnType<typeof nodeJson>> | undefined;
    await ts.until('kubectl reads the node', async () => {
      n = await nodeJson(ts, node).catch(() => undefined);
      return n !== undefined;
    }, WAIT_MS);
    assert.ok(n);
    assert.notEqual(n.spec.unschedulable, true);
    assert.equal(n.metadata.annotations?.[ANNOTATIONS.cordonedBy], undefined);
  });

  test('a reboot is still awaited to its end when list and watch requests fail now and then', async () => {
    const { cluster } = f as Fixture;
    // Given a Ready node behind the failing API server
    const node = 'eu-central-b-r1-n1';
    const before = await cluster.nodes.get(node);
    assert.ok(before?.ready);
    // When it is rebooted and awaited
    await cluster.nodes.requestAction(node, { id: 'run-faults/node/1', operation: 'reboot' });
    const back = await cluster.nodes.waitFor(node, (n) => n.ready && n.bootId !== before.bootId, LONG_WAIT);
    // Then the wait ends with the node back
    assert.ok(back && back.bootId !== before.bootId);
  });
});
