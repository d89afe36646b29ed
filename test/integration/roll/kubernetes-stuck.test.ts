// A budget that can never allow an eviction, under each drain policy, on the sandbox's kubernetes engine:
// the real disruption controller and eviction handler refuse, and the run must end as stuck.test.ts says
// it does on the simulated engine (fail: failed and given back; skip: skipped and given back, the rest
// maintained; force: the pod deleted, each deletion a kill the referee counts from the audit log), and pods
// that never get Ready under a budget, refused by the real eviction handler; and a node that never comes back
// after its reboot (the node agent keeps its kubelet down; the real node-lifecycle controller marks it
// Unknown) under ready.onTimeout fail, last, since the dead node stays dead. All on one sandbox: each test
// reads the referee's counts since the test before, and each plan selects the workers its case needs. Only
// the first pods of a workload never Ready stay simulated-only (this engine refuses pod faults): see
// docs/sandbox-kubernetes-engine.md.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { summariseRun } from '../../../src/engine/run-summary.ts';
import { KWOK_DELAY } from '../../../src/sandbox/kubernetes/kwok-stages.ts';
import { replay } from '../../../src/engine/state.ts';
import type { RefereeReport } from '../../../src/sandbox/referee.ts';
import { cordonedNodes, eventsOf, nodesOfWorkload, notReadyNodes, outcomes, REGION, roll, rollPlan } from './fixtures.ts';
import type { Roll } from './fixtures.ts';
import { fleetWhole, since, upKubernetesFleet } from './kubernetes-fixtures.ts';
import type { KubernetesFleet } from './kubernetes-fixtures.ts';

/**
 * Well inside the node-monitor grace period (10 s, kubernetes-fixtures.ts's GRACE_SECONDS; a heartbeat
 * every 2.5 to 3 s): the node never goes Unknown, so only its new bootID says it rebooted.
 */
const REBOOT_SECONDS = 3;
/**
 * The node-lifecycle controller checks every second (not every 5 s), so the node that never returns is
 * marked Unknown within the grace period and a second of its last heartbeat.
 */
const MONITOR_PERIOD_SECONDS = 1;
/**
 * The drain's timeout, real time: long enough for the other pods' evictions on a loaded machine (a node
 * holds at most a web pod or two; the second waits for the first's replacement, Ready 2 s after it starts).
 */
const DRAIN_TIMEOUT_S = 12;
/** Seconds a drain may take past its timeout on a loaded machine: its last API calls. */
const SLACK_S = 15;

const HELD = 'eu-central-a-r1-n1';
const ZONE_C = ['eu-central-c-r1-n1', 'eu-central-c-r1-n2'];
/** Keeps its kubelet down after its first reboot; only the last test reboots it. */
const DEAD = 'eu-central-b-r1-n1';
const WEB = '{name: web, namespace: shop, kind: Deployment, replicas: 4, cpu: 250m, memory: 256Mi, startupSeconds: 1, readinessSeconds: 1, pdb: {minAvailable: 3}, spread: zone}';
/** Both ledger pods on the first worker, under a budget that needs both: no eviction is ever allowed. */
const LEDGER = `{name: ledger, namespace: pay, kind: Deployment, replicas: 2, cpu: 250m, memory: 256Mi, startupSeconds: 1, readinessSeconds: 1, pdb: {minAvailable: 2}, nodeSelector: {kubernetes.io/hostname: ${HELD}}}`;
const BLOCKER = /pay\/ledger-[a-z0-9-]+: PDB pay\/ledger needs 2 healthy, has 2 \(allows 0 disruptions\)/;
/**
 * One vault pod in zone c under a budget that allows no disruption: `force` deletes it, and its replacement
 * can run on the other node of the zone (the ledger, pinned to its node, would wait there for the uncordon).
 */
const VAULT = '{name: vault, namespace: pay, kind: Deployment, replicas: 1, cpu: 250m, memory: 256Mi, startupSeconds: 1, readinessSeconds: 1, pdb: {maxUnavailable: 0}, nodeSelector: {topology.kubernetes.io/zone: eu-central-c}}';
const VAULT_BLOCKER = /pay\/vault-[a-z0-9-]+: PDB pay\/vault needs 1 healthy, has 1 \(allows 0 disruptions\)/;

let k: KubernetesFleet | undefined;

before(async () => {
  // 3 zones × 1 rack × 2 workers, a budgeted web Deployment, the ledger on the first worker, the vault in
  // zone c, and the first worker of zone b to stay down after its next reboot
  k = await upKubernetesFleet(
    { zones: 3, racks: 1, nodesPerRack: 2, rebootSeconds: REBOOT_SECONDS, workloads: [WEB, LEDGER, VAULT], faults: `{nodes: {${DEAD}: {neverReturns: true}}}` },
    { monitorPeriodSeconds: MONITOR_PERIOD_SECONDS },
  );
}, { timeout: 180_000 });

after(async () => {
  await k?.stop();
});

/** A plan over one zone's workers (the first by name is the canary), with the drain policy `onTimeout`. */
const plan = (onTimeout: string, zone = 'eu-central-a') =>
  rollPlan({ selector: `topology.kubernetes.io/zone=${zone},!node-role.kubernetes.io/control-plane`, maxUnavailable: 1, soak: '0s', gates: ['{type: kube, check: nodes-ready}'], drain: `{timeout: ${DRAIN_TIMEOUT_S}s, onTimeout: ${onTimeout}}`, ready: '{timeout: 3m}' });

const reasonOf = (r: Roll) => (r.end.status === 'refused' ? r.output : (r.end.reason ?? ''));

/** Given the whole fleet back (the test before may have rebooted nodes), the ledger's pods on the held node, and the referee's counts so far. */
async function given(): Promise<{ k: KubernetesFleet; before: RefereeReport }> {
  assert.ok(k);
  const f = k;
  await f.until('every workload is whole', () => fleetWhole(f), 120_000);
  assert.deepEqual(await nodesOfWorkload(f, 'pay', 'ledger'), [HELD]);
  return { k: f, before: await f.referee.report() };
}

/**
 * Then `node`'s drain ended at its timeout with the budget named (`pods` pods blocking, each matching
 * `blocker`), after the real API server refused its evictions with 429.
 */
function assertDrainTimedOut(r: Roll, policy: string, o: { node?: string; pods?: number; blocker?: RegExp; needs?: number; has?: number } = {}): void {
  const { node = HELD, pods = 2, blocker = BLOCKER, needs = 2, has = needs } = o;
  const at = (type: string) => r.entries.find((e) => e.event.type === type && 'node' in e.event && e.event.node === node)?.at;
  const cordoned = at('node.cordoned');
  const timedOut = at('node.drain.timeout');
  assert.ok(cordoned !== undefined && timedOut !== undefined, 'the journal has the cordon and the drain timeout');
  const seconds = (timedOut - cordoned) / 1000;
  assert.ok(seconds >= DRAIN_TIMEOUT_S - 1 && seconds <= DRAIN_TIMEOUT_S + SLACK_S, `the drain took ${seconds}s; its timeout is ${DRAIN_TIMEOUT_S}s`);
  const timeout = eventsOf(r, 'node.drain.timeout').find((e) => e.event.node === node)?.event;
  assert.equal(timeout?.policy, policy);
  assert.ok(timeout && timeout.blockers.length === pods && timeout.blockers.every((b) => blocker.test(b)), `the budgeted pods block: ${JSON.stringify(timeout?.blockers)}`);
  // (a web pod's eviction may have been refused for a moment too, while an earlier one's replacement started)
  const blocked = eventsOf(r, 'node.pod.blocked').find((e) => e.event.node === node && !e.event.pod.startsWith('shop/'))?.event;
  assert.match(blocked?.diagnostic ?? '', new RegExp(`eviction of \\w+/\\w+-[a-z0-9-]+ refused by its disruption budget: .*needs ${needs} healthy pods and has ${has}`));
}

test('fail: the run fails naming the budget, the node is given back, no pod is killed', { timeout: 120_000 }, async () => {
  const { k, before } = await given();
  // When the plan runs with drain.onTimeout fail
  const r = await roll(k, plan('fail'), { skipPreflight: true });
  // Then the run failed at the drain timeout, naming the budget with the real controller's numbers
  assert.equal(r.status, 'failed', reasonOf(r));
  assert.match(reasonOf(r), new RegExp(`^drain did not finish within ${DRAIN_TIMEOUT_S}s: `));
  assert.match(reasonOf(r), BLOCKER);
  assertDrainTimedOut(r, 'fail');
  // And the node is given back, nothing was rebooted, no budget broken, no pod killed
  assert.deepEqual(outcomes(r), { [HELD]: 'failed' });
  assert.deepEqual(await cordonedNodes(k), []);
  const d = since(await k.referee.report(), before);
  assert.deepEqual({ killed: d.killed, breaches: d.breaches, reboots: d.reboots }, { killed: 0, breaches: 0, reboots: {} });
  // And the audit log shows the 429s the journal was given
  assert.ok((await k.referee.report()).evictions.rejectedByPdb > before.evictions.rejectedByPdb, 'the API server refused evictions');
  // And a person sees the blocker as a Warning event on the node, stored by the real API server
  const events = (await k.api(REGION, '/api/v1/namespaces/default/events')) as { items: { reason: string; type: string; message: string; involvedObject: { name: string } }[] };
  const warning = events.items.find((e) => e.reason === 'DaylightDrainBlocked' && e.involvedObject.name === HELD);
  assert.equal(warning?.type, 'Warning');
  assert.match(warning?.message ?? '', BLOCKER);
});

test('skip: the held node is skipped and uncordoned, the other node of its zone maintained, and the run ends degraded naming it', { timeout: 150_000 }, async () => {
  const { k, before } = await given();
  // When the plan runs with drain.onTimeout skip
  const r = await roll(k, plan('skip'), { skipPreflight: true });
  // Then it is degraded: the held node is named as skipped with the budget that held it, the other maintained
  assert.equal(r.status, 'degraded', reasonOf(r));
  assertDrainTimedOut(r, 'skip');
  assert.deepEqual(outcomes(r), { [HELD]: 'skipped', 'eu-central-a-r1-n2': 'maintained' });
  const problems = summariseRun(replay(r.runId, r.entries)).problems;
  assert.equal(problems.length, 1, JSON.stringify(problems));
  assert.match(problems[0] ?? '', new RegExp(`^eu-central/${HELD}: skipped \\(drain did not finish within ${DRAIN_TIMEOUT_S}s: .*PDB pay/ledger needs 2 healthy, has 2`));
  // And nothing is left cordoned, only the other node rebooted (once), every budget held, no pod killed
  assert.deepEqual(await cordonedNodes(k), []);
  const d = since(await k.referee.report(), before);
  assert.deepEqual({ killed: d.killed, breaches: d.breaches, reboots: d.reboots }, { killed: 0, breaches: 0, reboots: { 'eu-central-a-r1-n2': 1 } });
});

test('force: the vault pod is deleted after the timeout, both nodes of its zone maintained, and the referee counts exactly the pods the journal names', { timeout: 180_000 }, async () => {
  const { k, before } = await given();
  // Given the vault's one pod on a node of zone c, under a budget that allows no disruption
  const [first, ...more] = await nodesOfWorkload(k, 'pay', 'vault');
  assert.ok(first && more.length === 0 && ZONE_C.includes(first), `one vault pod in zone c: ${[first, ...more].join()}`);
  // When a plan over zone c runs with drain.onTimeout force
  const r = await roll(k, plan('force', 'eu-central-c'), { skipPreflight: true });
  // Then both nodes of zone c are maintained, but the run is degraded, not succeeded
  assert.equal(r.status, 'degraded', reasonOf(r));
  assert.deepEqual(outcomes(r), Object.fromEntries(ZONE_C.map((n) => [n, 'maintained'])));
  // And the drain of the vault's node ended at its timeout, naming the budget, and the vault pod was deleted
  // (on each node of the zone it was on when drained: its replacement may land on the other one first)
  assertDrainTimedOut(r, 'force', { node: first, pods: 1, blocker: VAULT_BLOCKER, needs: 1 });
  const deleted = eventsOf(r, 'node.pods.deleted');
  const pods = deleted.flatMap((x) => x.event.pods);
  assert.ok(pods.length >= 1 && pods.every((p) => p.startsWith('pay/vault-')), JSON.stringify(deleted.map((x) => x.event)));
  assert.ok(deleted.some((x) => x.event.node === first), `the vault was deleted on ${first}`);
  assert.ok(deleted.every((x) => (x.event.budgets ?? []).some((b) => b.pdb === 'pay/vault')), 'each deletion names the budget it breaks');
  // And the referee, from the audit log, counts exactly those pods as killed without eviction, and the budget's breach
  const d = since(await k.referee.report(), before);
  assert.equal(d.killed, pods.length, JSON.stringify(await k.referee.details()));
  const killed = ((await k.referee.details()) as { kills: { pod: string }[] }).kills.map((x) => x.pod.replace(/^eu-central\//, ''));
  for (const p of pods) assert.ok(killed.includes(p), `${p} is among the referee's kills: ${killed.join(', ')}`);
  await k.until('the referee sees the vault budget breached', async () => since(await k.referee.report(), before).breaches >= 1, 30_000);
  // And the summary names each deleted pod; both nodes rebooted once, nothing left cordoned
  const problems = summariseRun(replay(r.runId, r.entries)).problems.join('\n');
  for (const p of pods) assert.ok(problems.includes(p), `${p} is named: ${problems}`);
  assert.match(problems, /deleted outside the Eviction API \(drain\.onTimeout: force\)/);
  assert.match(problems, /PDB pay\/vault went below its minimum/);
  assert.deepEqual(d.reboots, Object.fromEntries(ZONE_C.map((n) => [n, 1])));
  assert.deepEqual(await cordonedNodes(k), []);
});

/** jobs/queue: 2 pods on the second worker of zone a that never get Ready (kwok's readiness delay is a day), under minAvailable 1. */
const QUEUE_NODE = 'eu-central-a-r1-n2';
const QUEUE_YAML = `apiVersion: apps/v1
kind: Deployment
metadata: {name: queue, namespace: jobs}
spec:
  replicas: 2
  selector: {matchLabels: {app.kubernetes.io/name: queue}}
  template:
    metadata:
      labels: {app.kubernetes.io/name: queue}
      annotations: {${KWOK_DELAY.start}: 1s, ${KWOK_DELAY.ready}: 24h}
    spec:
      nodeSelector: {kubernetes.io/hostname: ${QUEUE_NODE}}
      containers: [{name: queue, image: registry.example/queue:1, resources: {requests: {cpu: 100m, memory: 64Mi}}}]
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: queue, namespace: jobs}
spec:
  minAvailable: 1
  selector: {matchLabels: {app.kubernetes.io/name: queue}}
`;
const QUEUE_BLOCKER = /jobs\/queue-[a-z0-9-]+: PDB jobs\/queue needs 1 healthy, has 0 \(allows 0 disruptions\)/;

test('pods that never get Ready under a budget: the real eviction handler refuses them, and the run fails at the drain timeout naming the budget', { timeout: 150_000 }, async () => {
  const { k, before } = await given();
  // Given jobs/queue, whose two pods on one node start but never get Ready, under a budget that needs one
  const kubectl = (args: readonly string[], input?: string) => run('kubectl', ['--kubeconfig', k.kubeconfigPath, ...args], input);
  await kubectl(['create', 'namespace', 'jobs']);
  await kubectl(['apply', '-f', '-'], QUEUE_YAML);
  try {
    await k.until('the queue pods run unready and the disruption controller counts them', async () => {
      const pdb = (await k.api(REGION, '/apis/policy/v1/namespaces/jobs/poddisruptionbudgets/queue')) as { status?: { expectedPods?: number; currentHealthy?: number; desiredHealthy?: number } };
      const pods = (await k.api(REGION, '/api/v1/namespaces/jobs/pods')) as { items: { status?: { phase?: string } }[] };
      return pods.items.length === 2 && pods.items.every((p) => p.status?.phase === 'Running') && pdb.status?.expectedPods === 2 && pdb.status.desiredHealthy === 1 && pdb.status.currentHealthy === 0;
    }, 60_000);
    assert.deepEqual(await nodesOfWorkload(k, 'jobs', 'queue'), [QUEUE_NODE]);
    // When a plan over that node runs with drain.onTimeout fail
    const r = await roll(k, rollPlan({ selector: `kubernetes.io/hostname=${QUEUE_NODE}`, maxUnavailable: 1, soak: '0s', gates: ['{type: kube, check: nodes-ready}'], drain: `{timeout: ${DRAIN_TIMEOUT_S}s, onTimeout: fail}` }), { skipPreflight: true });
    // Then the run failed at the drain timeout, naming the unhealthy budget
    assert.equal(r.status, 'failed', reasonOf(r));
    assert.match(reasonOf(r), QUEUE_BLOCKER);
    assertDrainTimedOut(r, 'fail', { node: QUEUE_NODE, pods: 2, blocker: QUEUE_BLOCKER, needs: 1, has: 0 });
    // And the node is given back, nothing rebooted, no pod killed
    assert.deepEqual(outcomes(r), { [QUEUE_NODE]: 'failed' });
    assert.deepEqual(await cordonedNodes(k), []);
    const d = since(await k.referee.report(), before);
    assert.deepEqual({ killed: d.killed, reboots: d.reboots }, { killed: 0, reboots: {} });
  } finally {
    // (the queue and its budget go, so the test after can drain the node)
    await kubectl(['delete', '--namespace', 'jobs', 'deployment/queue', 'poddisruptionbudget/queue']);
  }
});

/**
 * The ready timeout of the node that never returns, real time: the healthy worker's 3 s reboot comes back
 * well inside it, and the dead node is marked Unknown about 11 s after its last heartbeat (the grace period
 * and a monitor period), so the run's diagnosis at the timeout reads it NotReady.
 */
const READY_S = 20;

test('a node that never comes back, under ready.onTimeout fail: the run fails naming it, it stays cordoned, the zone after it is never touched', { timeout: 150_000 }, async () => {
  const { k, before } = await given();
  await k.until('the queue pods are gone', async () => ((await k.api(REGION, '/api/v1/namespaces/jobs/pods')) as { items: unknown[] }).items.length === 0, 60_000);
  // Given one worker of each zone (not the ledger's, whose budget allows no eviction), the one of zone b
  // keeping its kubelet down after its next reboot
  const selected = ['eu-central-a-r1-n2', DEAD, 'eu-central-c-r1-n1'];
  // When the plan, zone after zone with maxUnavailable 1, runs with ready.onTimeout fail and no gates (the ready policy decides)
  const r = await roll(k, rollPlan({ selector: `kubernetes.io/hostname in (${selected.join(',')})`, maxUnavailable: 1, soak: '0s', gates: [], ready: `{timeout: ${READY_S}s, onTimeout: fail}` }), { skipPreflight: true });
  console.log(`the run took ${(r.realMs / 1000).toFixed(1)} s: ${reasonOf(r)}`);
  // Then the run failed at the ready timeout, with the node's state in the reason: not back, same boot id
  assert.equal(r.status, 'failed', reasonOf(r));
  const notBack = new RegExp(`^node ${DEAD} did not come back with a new boot within ${READY_S}s: it is NotReady \\(.+\\), same boot id as before, kubelet v\\S+$`);
  const [why, held] = reasonOf(r).split('; left cordoned for a person or daylight recover: ');
  assert.match(why ?? '', notBack);
  // and the reason names the node left cordoned
  assert.match(held ?? '', new RegExp(`^${REGION}/${DEAD} \\(not back: NotReady \\(.+\\), left cordoned\\)$`));
  const timeout = eventsOf(r, 'node.ready.timeout').find((e) => e.event.node === DEAD);
  assert.equal(timeout?.event.policy, 'fail');
  assert.match(timeout?.event.message ?? '', notBack);
  const requested = eventsOf(r, 'node.action.requested').find((e) => e.event.node === DEAD)?.at ?? 0;
  const waited = ((timeout?.at ?? 0) - requested) / 1000;
  assert.ok(waited >= READY_S - 1 && waited <= READY_S + 15, `the wait for ${DEAD} took ${waited}s; its timeout is ${READY_S}s`);
  // and the run ended there: the give-back does not wait for the dead node again
  const ended = r.entries.at(-1)?.at ?? 0;
  assert.ok((ended - (timeout?.at ?? 0)) / 1000 <= 15, `the run ended ${(ended - (timeout?.at ?? 0)) / 1000}s after the ready timeout`);
  // And the summary says where the node was left, never "in progress"
  const summary = summariseRun(replay(r.runId, r.entries));
  assert.ok(summary.problems.some((p) => new RegExp(`^${REGION}/${DEAD}: not back: NotReady`).test(p)), JSON.stringify(summary.problems));
  assert.ok(!Object.keys(summary.nodes).some((n) => /in progress/.test(n)), JSON.stringify(summary.nodes));
  // And the first zone's worker was maintained, the dead node held for a person, the zone after it never touched
  assert.deepEqual(outcomes(r), { 'eu-central-a-r1-n2': 'maintained' });
  assert.ok(eventsOf(r, 'node.held').some((e) => e.event.node === DEAD), 'the journal holds the dead node');
  assert.ok(!r.entries.some((e) => 'node' in e.event && e.event.node.startsWith('eu-central-c-')), 'the third zone is not in the journal');
  // And only the dead node is left cordoned, and it is the one NotReady
  assert.deepEqual(await cordonedNodes(k), [DEAD]);
  assert.deepEqual(await notReadyNodes(k), [DEAD]);
  // And the referee (bootIDs, audit log, budget watches) saw only the first worker reboot (the dead one never
  // came back with a new bootID), no pod killed, no budget breached
  const d = since(await k.referee.report(), before);
  assert.deepEqual({ killed: d.killed, breaches: d.breaches, reboots: d.reboots }, { killed: 0, breaches: 0, reboots: { 'eu-central-a-r1-n2': 1 } });
});

/** Runs a command; throws with its output unless it exits 0. */
function run(command: string, args: readonly string[], input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(command, args, { timeout: 60_000 }, (error, stdout, stderr) => (error ? reject(new Error(`${command} ${args.join(' ')}: ${String(stderr)}`)) : resolve(String(stdout))));
    if (input !== undefined) child.stdin?.end(input);
  });
}
