// The fleet file's faults on the sandbox's kubernetes engine, as faults.test.ts and stuck.test.ts play them
// on the simulated one: a full roll through an API that fails 10% of requests and answers in 20 ms (the
// engine's fault proxy in front of the real kube-apiserver; 10%, not faults.test.ts's 5%, because a run
// over 3 workers makes only about 100 requests, and at 5% one in 150 runs would meet no fault at all), and a node whose kubelet never comes back
// after its reboot (the node agent keeps it down; the real node-lifecycle controller marks it Unknown).
// Each case has its own sandbox: API faults are per fleet, and a node that never returns stays dead.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { summariseRun } from '../../../src/engine/run-summary.ts';
import { replay } from '../../../src/engine/state.ts';
import { assertCleanRoll, cordonedNodes, eventsOf, notReadyNodes, outcomes, REGION, roll, rollPlan, workers } from './fixtures.ts';
import type { Roll } from './fixtures.ts';
import { fleetWhole, since, upKubernetesFleet } from './kubernetes-fixtures.ts';

/** Longer than the node-monitor grace period and its monitor period: each reboot is seen Unknown. */
const REBOOT_SECONDS = 16;

const reasonOf = (r: Roll) => (r.end.status === 'refused' ? r.output : (r.end.reason ?? ''));

/** One zone of 3 workers: a budgeted web Deployment with a Service, a StatefulSet with emptyDir, a DaemonSet. */
const FAULTY_API_WORKLOADS = [
  '{name: web, namespace: shop, kind: Deployment, replicas: 4, cpu: 250m, memory: 256Mi, startupSeconds: 1, readinessSeconds: 2, pdb: {minAvailable: 3}, service: {rpsPerPod: 100}}',
  '{name: db, namespace: shop, kind: StatefulSet, replicas: 2, cpu: 250m, memory: 256Mi, startupSeconds: 1, readinessSeconds: 2, pdb: {maxUnavailable: 1}, emptyDir: true}',
  '{name: node-agent, namespace: kube-system, kind: DaemonSet, cpu: 50m, memory: 64Mi, startupSeconds: 1, readinessSeconds: 1}',
];

test('a full roll through an API that fails 10% of requests and answers in 20 ms keeps every invariant, retrying the failures', { timeout: 300_000 }, async () => {
  // Given 3 workers whose region's API (the fault proxy in front of kube-apiserver) fails 10% of requests and delays each by 20 ms
  const k = await upKubernetesFleet({ zones: 1, racks: 1, nodesPerRack: 3, rebootSeconds: REBOOT_SECONDS, workloads: FAULTY_API_WORKLOADS, faults: '{api: {errorRate: 0.1, latencyMs: 20}}' });
  try {
    const all = await workers(k);
    assert.equal(all.length, 3);
    const before = k.sandbox.apiFaultCounts(REGION);
    assert.ok(before, 'the region has a fault proxy');
    // When the plan with maxUnavailable 1 runs through it (only the run uses the kubeconfig; the test reads the API server directly)
    const r = await roll(k, rollPlan({ maxUnavailable: 1, soak: '0s', ready: '{timeout: 5m}', drain: '{timeout: 5m, onTimeout: fail, ignoreDaemonSets: true, deleteEmptyDirData: true}' }));
    const after = k.sandbox.apiFaultCounts(REGION);
    assert.ok(after);
    const injected = after.injected - before.injected;
    const passed = after.forwarded - before.forwarded;
    console.log(`the roll took ${(r.realMs / 1000).toFixed(1)} s; ${r.requests} requests, of which the proxy failed ${injected} and passed ${passed}`);
    // Then it succeeds as a clean roll: every worker rebooted once, budgets held, no pod killed, none left cordoned
    await assertCleanRoll(k, r, { workers: all, maxUnavailable: 1 }, k.referee);
    assert.ok(await fleetWhole(k), 'every workload is whole after the run');
    // And the run met the faults and went on past them: the proxy failed some of its requests, and the
    // requests it counted were the run's (each retry is a request of its own; the run's count has its
    // discovery besides, which the proxy passes uncounted)
    assert.ok(r.end.status !== 'refused');
    assert.ok(injected > 0, `the proxy failed ${injected} of the run's ${injected + passed} resource requests`);
    assert.ok(injected / (injected + passed) < 0.25, `about 10% failed: ${injected} of ${injected + passed}`);
    assert.ok(Math.abs(r.requests - (injected + passed)) <= 10, `the run made ${r.requests} requests, the proxy saw ${injected + passed}`);
  } finally {
    await k.stop();
  }
});

test('a node that never comes back, under ready.onTimeout fail: the run fails naming it, it stays cordoned, the zone after it is never touched', { timeout: 300_000 }, async () => {
  // Given 3 zones of 1 worker, the second of which keeps its kubelet down after its next reboot
  const DEAD = 'eu-central-b-r1-n1';
  const READY_S = 40;
  const k = await upKubernetesFleet({
    zones: 3,
    racks: 1,
    nodesPerRack: 1,
    rebootSeconds: 6,
    workloads: ['{name: web, namespace: shop, kind: Deployment, replicas: 3, cpu: 250m, memory: 256Mi, startupSeconds: 1, readinessSeconds: 2, pdb: {maxUnavailable: 1}}'],
    faults: `{nodes: {${DEAD}: {neverReturns: true}}}`,
  });
  try {
    const before = await k.referee.report();
    // When the plan, zone after zone with maxUnavailable 1, runs with ready.onTimeout fail and no gates (the ready policy decides)
    const r = await roll(k, rollPlan({ maxUnavailable: 1, soak: '0s', gates: [], ready: `{timeout: ${READY_S}s, onTimeout: fail}` }), { skipPreflight: true });
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
    assert.deepEqual(outcomes(r), { 'eu-central-a-r1-n1': 'maintained' });
    assert.ok(eventsOf(r, 'node.held').some((e) => e.event.node === DEAD), 'the journal holds the dead node');
    assert.ok(!r.entries.some((e) => 'node' in e.event && e.event.node === 'eu-central-c-r1-n1'), 'the third zone is not in the journal');
    // And only the dead node is left cordoned, and it is the one NotReady
    assert.deepEqual(await cordonedNodes(k), [DEAD]);
    assert.deepEqual(await notReadyNodes(k), [DEAD]);
    // And the referee (bootIDs, audit log, budget watches) saw only the first worker reboot (the dead one never
    // came back with a new bootID), no pod killed, no budget breached
    const d = since(await k.referee.report(), before);
    assert.deepEqual({ killed: d.killed, breaches: d.breaches, reboots: d.reboots }, { killed: 0, breaches: 0, reboots: { 'eu-central-a-r1-n1': 1 } });
  } finally {
    await k.stop();
  }
});
