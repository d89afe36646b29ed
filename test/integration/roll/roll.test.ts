// The run engine end to end against the sandbox: a full zero-downtime roll of 12 workers keeps every
// budget as the referee counts it, nodes cordoned by someone else are left alone and counted, and a gate
// that fails before a wave stops the run with the gate's message and no node left cordoned.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ok } from '../../e2e/helpers.ts';
import type { TestSandbox } from '../../support/sandbox.ts';
import { assertCleanRoll, cordonedNodes, eventsOf, nodes, referee, roll, rollFleet, rollPlan, upFleet, workers } from './fixtures.ts';

/** 60 s reboots take 0.2 s; the engine's few milliseconds per request stay small against every step. */
const SPEED = 300;
const TEST = { timeout: 60_000 };

async function withRollFleet(f: (ts: TestSandbox) => Promise<void>): Promise<void> {
  const ts = await upFleet(rollFleet(), SPEED);
  try {
    await f(ts);
  } finally {
    await ts.stop();
  }
}

/** A TCP port on 127.0.0.1 that nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  return address.port;
}

for (const { maxUnavailable, resolved } of [{ maxUnavailable: '25%', resolved: 3 }, { maxUnavailable: 2, resolved: 2 }]) {
  test(`a full roll with maxUnavailable ${maxUnavailable} reboots every worker once and keeps every budget`, TEST, async () => {
    await withRollFleet(async (ts) => {
      // Given 12 workers in 3 zones × 2 racks with budgeted, zone-spread Deployments, a DaemonSet and a StatefulSet with emptyDir
      const all = await workers(ts);
      assert.equal(all.length, 12);
      // When a plan with maxUnavailable ${maxUnavailable}, zone then rack, a canary of 1, runs
      const r = await roll(ts, rollPlan({ maxUnavailable }));
      // Then every worker is rebooted exactly once and given back, and no budget broke
      await assertCleanRoll(ts, r, { workers: all, maxUnavailable: resolved });
      // And the waves are planned with the resolved budget, the canary alone, each wave within it
      const planned = eventsOf(r, 'phase.planned')[0]?.event;
      assert.equal(planned?.budget, resolved);
      assert.deepEqual(planned?.waves[0]?.nodes.length, 1, 'the canary goes alone');
      assert.ok(planned?.waves.every((w) => w.nodes.length <= resolved), 'no wave is larger than the budget');
      // And the run's -o json output carries the run id on every line
      const lines = r.output.trim().split('\n').map((l) => JSON.parse(l) as { runId?: string });
      assert.ok(lines.length >= r.entries.length && lines.every((l) => l.runId === r.runId));
    });
  });
}

test('a rolling roll keeps maxUnavailable nodes busy in one zone at a time, every budget kept', TEST, async () => {
  await withRollFleet(async (ts) => {
    // Given 12 workers in 3 zones
    const all = await workers(ts);
    // When a rolling plan with maxUnavailable 3 runs: each zone one wave, 3 of its 4 nodes at a time
    const r = await roll(ts, rollPlan({ maxUnavailable: 3, rolling: true, topology: '{key: topology.kubernetes.io/zone, serial: true}' }));
    // Then every worker is rebooted exactly once, no budget broke, never more than 3 out at once
    await assertCleanRoll(ts, r, { workers: all, maxUnavailable: 3 });
    // And the plan was a canary, then one wave per zone
    const planned = eventsOf(r, 'phase.planned')[0]?.event;
    assert.deepEqual(planned?.waves.map((w) => w.nodes.length), [1, 3, 4, 4]);
    // And inside a zone the fourth node started before the first three were all done (no barrier)
    const zoneB = planned?.waves[2]?.nodes ?? [];
    const started = (n: string) => eventsOf(r, 'node.cordon.requested').find((e) => e.event.node === n)?.at ?? 0;
    const finished = (n: string) => eventsOf(r, 'node.done').find((e) => e.event.node === n)?.at ?? 0;
    const order = [...zoneB].sort((a, b) => started(a) - started(b));
    const fourth = order[3] as string;
    const firstThreeDone = Math.max(...order.slice(0, 3).map(finished));
    assert.ok(started(fourth) < firstThreeDone, `${fourth} started at ${started(fourth)}, the first three were done at ${firstThreeDone}`);
  });
});

test('nodes cordoned by someone else are left alone and count against maxUnavailable', TEST, async () => {
  await withRollFleet(async (ts) => {
    // Given two workers a person cordoned before the run
    const theirs = ['eu-central-a-r2-n1', 'eu-central-c-r1-n2'];
    for (const node of theirs) ok(await ts.kubectl(['cordon', node]), `cordon ${node}`);
    const all = await workers(ts);
    // When a plan with maxUnavailable 25% (3 of 12) runs
    const r = await roll(ts, rollPlan({ maxUnavailable: '25%' }));
    // Then it maintains every other worker once, and ends degraded, not succeeded: their nodes were not maintained
    assert.equal(r.status, 'degraded', r.end.status === 'refused' ? r.output : r.end.reason);
    const problems = eventsOf(r, 'run.degraded')[0]?.event.problems ?? [];
    assert.deepEqual(problems, theirs.map((n) => `eu-central/${n}: not maintained: left alone by phase os-patch (cordoned by someone else)`));
    const ref = await referee(ts);
    const ours = all.filter((n) => !theirs.includes(n));
    assert.deepEqual(Object.keys(ref.reboots).sort(), ours.map((n) => `eu-central/${n}`).sort(), 'their nodes are not rebooted');
    assert.deepEqual(eventsOf(r, 'node.done').map((d) => `${d.event.node} ${d.event.outcome}`).sort(), ours.map((n) => `${n} maintained`).sort());
    // And their nodes are still cordoned, without Daylight's owner annotation, and untouched by the journal
    assert.deepEqual(await cordonedNodes(ts), theirs);
    for (const n of (await nodes(ts)).filter((x) => theirs.includes(x.metadata.name))) {
      assert.equal(n.metadata.annotations?.['daylight.dev/cordoned-by'], undefined);
    }
    assert.ok(!r.entries.some((e) => 'node' in e.event && theirs.includes(e.event.node)), 'no node event for their nodes');
    // And the plan counts them: 3 minus the 2 already out leaves waves of 1, and the referee never saw more than 3 out
    const planned = eventsOf(r, 'phase.planned')[0]?.event;
    assert.deepEqual(planned?.excluded.map((x) => `${x.node}: ${x.reason}`), theirs.map((n) => `${n}: cordoned by someone else`));
    assert.equal(planned?.budget, 1);
    const max = ref.maxConcurrentUnavailableNodes['eu-central'] ?? 0;
    assert.ok(max <= 3, `at most 3 nodes unavailable at once including theirs, the referee saw ${max}`);
    assert.equal(ref.pdbBreaches, 0);
    assert.equal(ref.podsKilledWithoutEviction, 0);
  });
});

test('a command gate that fails before the first wave stops the run with its message and touches no node', TEST, async () => {
  await withRollFleet(async (ts) => {
    // Given a smoke test that fails
    const gate = '{type: command, name: smoke, run: "echo checkout answers 503; exit 1"}';
    // When a plan gated on it runs
    const started = Date.now();
    const r = await roll(ts, rollPlan({ gates: ['{type: kube, check: nodes-ready}', gate] }));
    // Then the run failed, naming the gate and its output
    assert.equal(r.status, 'failed');
    assert.match(r.end.status === 'failed' ? (r.end.reason ?? '') : '', /^gates failed before wave 0 on eu-central: smoke: echo checkout answers 503; exit 1 exited 1 after [\d.]+s; last output: checkout answers 503$/);
    const evaluated = eventsOf(r, 'gates.evaluated');
    assert.ok(evaluated.length >= 1 && evaluated.every((g) => !g.event.passed));
    assert.deepEqual(evaluated.at(-1)?.event.results.map((g) => `${g.gate} ${g.passed}`), ['kube nodes-ready true', 'smoke false']);
    // And no wave started, no node was cordoned or rebooted
    assert.equal(eventsOf(r, 'wave.started').length, 0);
    assert.deepEqual(await cordonedNodes(ts), []);
    assert.deepEqual((await referee(ts)).reboots, {});
    assert.ok(Date.now() - started < 20_000);
  });
});

test('an http gate to a closed port fails closed before the first wave, and no node is cordoned', TEST, async () => {
  await withRollFleet(async (ts) => {
    // Given a health endpoint nobody serves
    const url = `http://127.0.0.1:${await closedPort()}/healthz`;
    // When a plan gated on it runs
    const r = await roll(ts, rollPlan({ gates: [`{type: http, url: "${url}", expectStatus: 200}`] }));
    // Then the run failed with the gate's reason, and nothing was touched
    assert.equal(r.status, 'failed');
    assert.match(r.end.status === 'failed' ? (r.end.reason ?? '') : '', new RegExp(`^gates failed before wave 0 on eu-central: .*GET ${url.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} failed: .*ECONNREFUSED`));
    assert.equal(eventsOf(r, 'wave.started').length, 0);
    assert.deepEqual(await cordonedNodes(ts), []);
    assert.deepEqual((await referee(ts)).reboots, {});
  });
});

test('a gate that starts failing mid-run stops it before the next wave; maintained nodes stay so, none is left cordoned', TEST, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'daylight-gate-'));
  try {
    await withRollFleet(async (ts) => {
      // Given a smoke test that passes twice, then fails for good
      const script = join(dir, 'smoke.sh');
      await writeFile(script, `n=$(cat ${dir}/count 2>/dev/null || echo 0)\necho $((n + 1)) > ${dir}/count\nif [ "$n" -ge 2 ]; then echo "smoke test failed on call $((n + 1))"; exit 1; fi\n`);
      // When a plan gated on it runs
      const r = await roll(ts, rollPlan({ gates: [`{type: command, name: smoke, run: "sh ${script}"}`] }));
      // Then waves 0 and 1 ran, and the run failed before wave 2 with the gate's message
      assert.equal(r.status, 'failed');
      assert.match(r.end.status === 'failed' ? (r.end.reason ?? '') : '', /^gates failed before wave 2 on eu-central: smoke: .*smoke test failed on call \d+$/);
      assert.deepEqual(eventsOf(r, 'wave.started').map((w) => w.event.wave), [0, 1]);
      // And the nodes of those waves were maintained once each, the others never touched, and none is cordoned
      const maintained = eventsOf(r, 'node.done').filter((d) => d.event.outcome === 'maintained').map((d) => d.event.node).sort();
      const planned = eventsOf(r, 'phase.planned')[0]?.event;
      assert.deepEqual(maintained, [...(planned?.waves[0]?.nodes ?? []), ...(planned?.waves[1]?.nodes ?? [])].sort());
      assert.deepEqual(Object.keys((await referee(ts)).reboots).sort(), maintained.map((n) => `eu-central/${n}`));
      assert.deepEqual(await cordonedNodes(ts), []);
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
