// A region around its regional phases, as the journal and the balancer see it: out of traffic only when the
// others serve and can carry the load, silenced and hooked around the drain, validated before it gets
// traffic back, restored in analysed steps and switched back to weight 0 at once when an analysis fails.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RunEvent } from '../../../src/engine/events.ts';
import { RunFailure } from '../../../src/engine/phase-runner.ts';
import { bringBack, takeOutOfTraffic } from '../../../src/engine/region.ts';
import { TrafficError } from '../../../src/traffic/types.ts';
import { drainedJournal, harness, OTHER, REGION, regionTraffic, scriptedAnalysis } from './regional-fakes.ts';
import type { Harness, HarnessOptions } from './regional-fakes.ts';

async function withHarness(o: HarnessOptions, body: (h: Harness) => Promise<void>): Promise<void> {
  const h = harness(o);
  try {
    await body(h);
  } finally {
    h.done();
  }
}

function runFailure(pattern: RegExp): (e: unknown) => boolean {
  return (e: unknown) => {
    assert.ok(e instanceof RunFailure, `expected a RunFailure, got ${String(e)}`);
    assert.match(e.message, pattern);
    return true;
  };
}

const hook = (on: string, run: string, onFailure = 'fail') => ({ on, type: 'command', run, onFailure });

/** Steps 0..n-1 of the restore already passed, as a run that stopped during the restore journaled them. */
function stepsPassed(percents: readonly number[]): RunEvent[] {
  return percents.flatMap((percent, step): RunEvent[] => [
    { type: 'traffic.step.requested', cluster: REGION, step, percent },
    { type: 'traffic.step.set', cluster: REGION, step, percent, weight: percent },
    { type: 'traffic.step.passed', cluster: REGION, step, percent },
  ]);
}

// ------------------------------------------------------------------------------------------ out of traffic

test('a region whose neighbour serves and can carry the load is silenced, hooked and drained, with the balancer from before kept', () =>
  withHarness({ hooks: [hook('pre-drain', './pre.sh'), hook('post-drain', './post.sh')] }, async (h) => {
    // Given eu-central and eu-west both in service at weight 100, and capacity that passes
    // When eu-central is taken out of traffic
    await takeOutOfTraffic(h.run);
    // Then the journal records each step before the next, the drain between its hooks
    assert.deepEqual(h.types(), ['traffic.before', 'region.preconditions', 'hook.ran pre-drain', 'silence.requested', 'silence.created', 'traffic.drain.requested', 'traffic.drained', 'hook.ran post-drain']);
    const [pre] = h.events('region.preconditions');
    assert.equal(pre?.passed, true);
    assert.deepEqual(pre?.results.map((r) => [r.gate, r.passed, r.message]), [
      ['other regions in service', true, 'eu-west (weight 100, UP) in service'],
      ['capacity without eu-central', true, 'eu-west can serve 800 rps; the whole demand is 500 rps (1.6×)'],
    ]);
    // And the balancer was asked for one drain, with the plan's drain timeout (default 2m)
    assert.deepEqual(h.traffic.changes, ['drain eu-central']);
    assert.equal(h.traffic.drainOptions?.timeoutMs, 120_000);
    assert.deepEqual(h.hooksRun, ['pre-drain ./pre.sh', 'post-drain ./post.sh']);
    // And the silence carries the run's marker, so recovery can find it
    assert.deepEqual(h.silences.created, [{ region: REGION, marker: 'daylight run run-7 region eu-central' }]);
    // And a resumed run would see the region drained, with the whole balancer from before and the silence
    const region = h.replayed().regions[REGION];
    assert.equal(region?.stage, 'drained');
    assert.deepEqual(region?.before, { [REGION]: regionTraffic(), [OTHER]: regionTraffic() });
    assert.deepEqual(region?.silences, { 'silence-1': 'http://127.0.0.1:9093' });
  }));

for (const [what, other] of [
  ['at weight 0', regionTraffic({ weight: 0, state: 'drain' })],
  ['DOWN', regionTraffic({ health: 'DOWN' })],
] as const) {
  test(`the last region in service is never drained (the other one ${what})`, () =>
    withHarness({ regions: { [REGION]: regionTraffic(), [OTHER]: other }, hooks: [hook('pre-drain', './pre.sh')] }, async (h) => {
      // Given eu-west no longer serving
      // When eu-central is to be taken out of traffic
      // Then the run fails naming eu-central as the last region, and what eu-west looks like
      await assert.rejects(takeOutOfTraffic(h.run), runFailure(new RegExp(`^eu-central stays in traffic: other regions in service: eu-central is the last region in service \\(eu-west: ${other.state}, weight ${other.weight}, ${other.health}\\); it never leaves traffic$`)));
      // And nothing was drained, silenced or hooked; the failed precondition is journaled
      assert.deepEqual(h.traffic.changes, []);
      assert.deepEqual(h.silences.created, []);
      assert.deepEqual(h.hooksRun, []);
      assert.deepEqual(h.types(), ['traffic.before', 'region.preconditions']);
      assert.equal(h.events('region.preconditions')[0]?.passed, false);
      assert.equal(h.replayed().regions[REGION]?.stage, 'in-service');
    }));
}

test('capacity that the others lack keeps the region in traffic, with the measured value in the message and the journal', () =>
  withHarness(
    {
      capacity: () => Promise.resolve({ gate: `capacity without ${REGION}`, type: 'capacity', passed: false, value: 0.6, threshold: '>= 1× the demand', message: 'eu-west can serve 300 rps; the whole demand is 500 rps: only 0.6× of it without eu-central; add replicas in the other regions first' }),
    },
    async (h) => {
      // Given eu-west in service but able to carry only 0.6× of the demand
      // When eu-central is to be taken out of traffic
      await assert.rejects(takeOutOfTraffic(h.run), runFailure(/^eu-central stays in traffic: capacity without eu-central: eu-west can serve 300 rps; the whole demand is 500 rps: only 0\.6× of it without eu-central; add replicas/));
      // Then no drain was asked for, and the journal keeps the measurement
      assert.deepEqual(h.traffic.changes, []);
      const capacity = h.events('region.preconditions')[0]?.results.find((r) => r.gate === `capacity without ${REGION}`);
      assert.deepEqual(capacity && { passed: capacity.passed, value: capacity.value, threshold: capacity.threshold }, { passed: false, value: 0.6, threshold: '>= 1× the demand' });
    },
  ));

test('a region the balancer does not know is refused, naming the regions it knows', () =>
  withHarness({ regions: { [OTHER]: regionTraffic(), 'us-east': regionTraffic() } }, async (h) => {
    await assert.rejects(takeOutOfTraffic(h.run), runFailure(/^the fake balancer does not know region eu-central; it knows eu-west, us-east$/));
    assert.deepEqual(h.traffic.changes, []);
    assert.deepEqual(h.types(), []);
  }));

test('a plan without traffic settings cannot run a regional phase', () =>
  withHarness({ regional: false }, async (h) => {
    await assert.rejects(takeOutOfTraffic(h.run), runFailure(/^a regional phase on eu-central needs spec\.traffic with a provider$/));
  }));

test('a drain the data plane does not confirm propagates and leaves the region "draining" for recovery', () =>
  withHarness({ hooks: [hook('post-drain', './post.sh')] }, async (h) => {
    // Given a balancer whose drain is not confirmed
    const unconfirmed = new TrafficError('the balancer did not confirm no demand sent to eu-central within 10000 ms');
    h.traffic.failDrain = unconfirmed;
    // When eu-central is taken out of traffic
    // Then the balancer's own error comes out unchanged (the run pauses on it rather than failing)
    await assert.rejects(takeOutOfTraffic(h.run), (e: unknown) => e === unconfirmed);
    // And the journal says a drain was requested and not confirmed, so recovery knows the weight may have changed
    assert.deepEqual(h.types().slice(-1), ['traffic.drain.requested']);
    assert.equal(h.replayed().regions[REGION]?.stage, 'draining');
    assert.deepEqual(h.hooksRun, []);
  }));

// ------------------------------------------------------------------------------------------------- hooks

test('a failing pre-drain hook with onFailure fail stops before the drain, with its message', () =>
  withHarness({ hooks: [hook('pre-drain', './migrate.sh')], failingHooks: ['./migrate.sh'] }, async (h) => {
    await assert.rejects(takeOutOfTraffic(h.run), runFailure(/^pre-drain hook \.\/migrate\.sh failed: exited 3: migration 042 is locked$/));
    assert.deepEqual(h.traffic.changes, []);
    assert.deepEqual(h.silences.created, [], 'no silence outlives a region that never left traffic');
    const [ran] = h.events('hook.ran');
    assert.deepEqual(ran && { cluster: ran.cluster, ok: ran.result.ok, output: ran.result.output }, { cluster: REGION, ok: false, output: 'migration 042 is locked' });
    assert.equal(h.replayed().regions[REGION]?.stage, 'in-service');
  }));

test('a failing pre-drain hook with onFailure continue is recorded and the drain goes on', () =>
  withHarness({ hooks: [hook('pre-drain', './notify.sh', 'continue')], failingHooks: ['./notify.sh'] }, async (h) => {
    await takeOutOfTraffic(h.run);
    assert.equal(h.events('hook.ran')[0]?.result.ok, false);
    assert.deepEqual(h.traffic.changes, ['drain eu-central']);
    assert.equal(h.replayed().regions[REGION]?.stage, 'drained');
  }));

// ------------------------------------------------------------------------------------------ back to traffic

test('a validated region with every measurement a success passes every step in order and its silence is expired', () =>
  withHarness(
    {
      journalled: drainedJournal(),
      traffic: { validation: [{ type: 'http', url: 'http://127.0.0.1:8080/healthz', name: 'smoke' }, { type: 'kube', check: 'nodes-ready' }] },
      gates: [{ type: 'kube', check: 'nodes-ready' }],
      hooks: [hook('pre-restore', './warm.sh'), hook('post-restore', './announce.sh')],
    },
    async (h) => {
      // Given eu-central drained with a silence, and an analysis that always succeeds
      const from = h.journal.entries.length;
      // When it is brought back
      await bringBack(h.run);
      // Then it is validated once, with its own gates and the plan's (a gate in both is evaluated once)
      assert.deepEqual(h.gateCalls.map((gates) => gates.map((g) => g.name ?? `${g.type}`)), [['smoke', 'kube']]);
      // And the shares 10, 50, 100 were set in order, nothing else changed
      assert.deepEqual(h.traffic.changes, ['setShare eu-central 10', 'setShare eu-central 50', 'setShare eu-central 100']);
      // And each step was measured 3 times (every 10s for 30s) before it passed
      const steps = h.types().slice(from);
      assert.deepEqual(steps, [
        'region.validated',
        'hook.ran pre-restore',
        ...[0, 1, 2].flatMap(() => ['traffic.step.requested', 'traffic.step.set', 'analysis.measured', 'analysis.measured', 'analysis.measured', 'traffic.step.passed']),
        'traffic.restored',
        'silence.expired',
        'hook.ran post-restore',
      ]);
      assert.deepEqual(h.events('traffic.step.passed').map((e) => e.percent), [10, 50, 100]);
      assert.deepEqual(h.events('traffic.step.set').map((e) => e.weight), [10, 50, 100]);
      assert.equal(h.events('traffic.restored')[0]?.weight, 100);
      // And the silence made at the drain is expired, and a resumed run would see the region restored
      assert.deepEqual(h.silences.expired, ['silence-earlier']);
      const region = h.replayed().regions[REGION];
      assert.deepEqual(region && { stage: region.stage, stepsDone: region.stepsDone, silences: region.silences }, { stage: 'restored', stepsDone: 3, silences: {} });
    },
  ));

test('a failed measurement beyond failureLimit switches the region back to weight 0 at once and fails the run', () => {
  // Given an analysis that succeeds through the 10% step and then measures an error rate of 0.31
  const analysis = scriptedAnalysis(['success', 'success', 'success', 'failure', 'success']);
  return withHarness({ journalled: drainedJournal(), analyse: analysis.analyse }, async (h) => {
    // When eu-central is brought back
    // Then the run fails saying where, what was measured and how fast it was switched back
    await assert.rejects(bringBack(h.run), runFailure(/^eu-central switched back to weight 0 in \d+ ms: analysis failed at step 2 \(50%\): 1 failed measurement\(s\), limit 0: error rate: error rate = 0\.31$/));
    // And the cut came right after the 50% share: no 100% step, no further measurement
    assert.deepEqual(h.traffic.changes, ['setShare eu-central 10', 'setShare eu-central 50', 'cut eu-central']);
    assert.equal(analysis.calls, 4);
    assert.deepEqual(h.types().slice(-3), ['traffic.cut.requested', 'traffic.cut', 'silence.expired']);
    const [cut] = h.events('traffic.cut');
    assert.ok(cut);
    assert.match(cut.reason, /error rate = 0\.31/);
    assert.equal(cut.weight, 0);
    assert.ok(Number.isInteger(cut.ms) && cut.ms >= 0, `cut.ms = ${cut.ms}`);
    // And a resumed run sees the region cut, with the reason
    const region = h.replayed().regions[REGION];
    assert.equal(region?.stage, 'cut');
    assert.match(region?.reason ?? '', /^analysis failed at step 2 \(50%\)/);
  });
});

test('failureLimit 1 tolerates one failed measurement in a step and switches back at the second', () => {
  const analysis = scriptedAnalysis(['failure', 'success', 'failure']);
  return withHarness({ journalled: drainedJournal(), analyse: analysis.analyse, traffic: { restore: { steps: [10, 50, 100], interval: '30s', every: '10s', failureLimit: 1 } } }, async (h) => {
    await assert.rejects(bringBack(h.run), runFailure(/analysis failed at step 1 \(10%\): 2 failed measurement\(s\), limit 1/));
    assert.deepEqual(h.traffic.changes, ['setShare eu-central 10', 'cut eu-central']);
    assert.equal(analysis.calls, 3);
  });
});

test('measurements without data beyond inconclusiveLimit switch the region back', () =>
  withHarness({ journalled: drainedJournal(), analyse: scriptedAnalysis(['inconclusive']).analyse }, async (h) => {
    // Given an analysis that never has data, and the default limit of 2 per step (3 measurements a step)
    await assert.rejects(bringBack(h.run), runFailure(/analysis failed at step 1 \(10%\): 3 measurement\(s\) without data, limit 2: error rate: only 3 requests answered/));
    assert.deepEqual(h.traffic.changes, ['setShare eu-central 10', 'cut eu-central']);
    assert.equal(h.replayed().regions[REGION]?.stage, 'cut');
  }));

test('a step whose measurements all had no data fails even within inconclusiveLimit: no data is never a success', () =>
  withHarness({ journalled: drainedJournal(), analyse: scriptedAnalysis(['inconclusive']).analyse, traffic: { restore: { steps: [10, 100], interval: '20s', every: '10s' } } }, async (h) => {
    // Given two measurements a step, both without data, within the limit of 2
    await assert.rejects(bringBack(h.run), runFailure(/: step 1 \(10%\) ended with no successful measurement \(2 without data\); no data is never a success$/));
    assert.deepEqual(h.traffic.changes, ['setShare eu-central 10', 'cut eu-central']);
    assert.deepEqual(h.events('traffic.step.passed'), []);
  }));

test('a step with one success and no data within the limit passes', () =>
  withHarness({ journalled: drainedJournal(), analyse: scriptedAnalysis(['inconclusive', 'success', 'inconclusive', 'success']).analyse, traffic: { restore: { steps: [10, 100], interval: '30s', every: '10s' } } }, async (h) => {
    await bringBack(h.run);
    assert.deepEqual(h.traffic.changes, ['setShare eu-central 10', 'setShare eu-central 100']);
    assert.equal(h.replayed().regions[REGION]?.stage, 'restored');
  }));

test('a failing validation gate keeps the region out of traffic', () =>
  withHarness(
    {
      journalled: drainedJournal(),
      traffic: { validation: [{ type: 'http', url: 'http://127.0.0.1:8080/healthz', name: 'smoke' }] },
      hooks: [hook('pre-restore', './warm.sh')],
      gateResults: (gates) => gates.map((g) => ({ gate: g.name ?? g.type, type: g.type, passed: false, value: 503, threshold: '= 200', message: 'GET http://127.0.0.1:8080/healthz answered 503' })),
    },
    async (h) => {
      await assert.rejects(bringBack(h.run), runFailure(/^eu-central failed its validation and stays out of traffic: smoke: GET http:\/\/127\.0\.0\.1:8080\/healthz answered 503$/));
      assert.deepEqual(h.traffic.changes, []);
      assert.deepEqual(h.hooksRun, []);
      assert.equal(h.events('region.validated')[0]?.passed, false);
      assert.equal(h.replayed().regions[REGION]?.stage, 'drained');
      assert.deepEqual(h.silences.expired, []);
    },
  ));

test('a region switched back after a failed analysis stays out: neither drained again nor restored', () =>
  withHarness({ journalled: [...drainedJournal(), { type: 'traffic.cut', cluster: REGION, reason: 'analysis failed at step 1 (10%)', ms: 80, weight: 0 }] }, async (h) => {
    await assert.rejects(bringBack(h.run), runFailure(/^eu-central was switched back after a failed analysis; it stays out of traffic$/));
    await assert.rejects(takeOutOfTraffic(h.run), runFailure(/^eu-central was switched back after a failed analysis; it stays out of traffic$/));
    assert.deepEqual(h.traffic.calls, []);
  }));

// ------------------------------------------------------------------------------------------------ resume

test('a resumed run whose journal says drained does not drain, silence or hook again', () =>
  withHarness({ journalled: drainedJournal(), hooks: [hook('pre-drain', './pre.sh')] }, async (h) => {
    const before = h.journal.entries.length;
    await takeOutOfTraffic(h.run);
    assert.deepEqual(h.traffic.calls, []);
    assert.deepEqual(h.silences.created, []);
    assert.deepEqual(h.hooksRun, []);
    assert.equal(h.journal.entries.length, before);
  }));

test('a resumed run with 2 of 3 steps passed goes on at the third step without validating again', () =>
  withHarness({ journalled: [...drainedJournal(), { type: 'region.validated', cluster: REGION, passed: true, results: [] }, ...stepsPassed([10, 50])], traffic: { validation: [{ type: 'kube', check: 'nodes-ready' }] } }, async (h) => {
    await bringBack(h.run);
    assert.deepEqual(h.gateCalls, []);
    assert.deepEqual(h.traffic.changes, ['setShare eu-central 100']);
    assert.deepEqual(h.events('traffic.step.passed').map((e) => e.step), [0, 1, 2]);
    const region = h.replayed().regions[REGION];
    assert.deepEqual(region && { stage: region.stage, stepsDone: region.stepsDone }, { stage: 'restored', stepsDone: 3 });
  }));

test('a region taken out a second time in the same run is validated and restored step by step again', () =>
  withHarness({ traffic: { validation: [{ type: 'kube', check: 'nodes-ready' }] } }, async (h) => {
    // Given a plan whose regional phases are not next to each other: the region leaves and comes back twice
    await takeOutOfTraffic(h.run);
    await bringBack(h.run);
    // When it leaves traffic again and is brought back
    await takeOutOfTraffic(h.run);
    await bringBack(h.run);
    // Then the second return is validated and goes through every step again, ending at full weight
    assert.equal(h.gateCalls.length, 2);
    const shares = ['setShare eu-central 10', 'setShare eu-central 50', 'setShare eu-central 100'];
    assert.deepEqual(h.traffic.changes, ['drain eu-central', ...shares, 'drain eu-central', ...shares]);
    assert.deepEqual(h.events('traffic.restored').map((e) => e.weight), [100, 100]);
    // And each leave had its own silence, each expired
    assert.deepEqual(h.silences.expired, ['silence-1', 'silence-2']);
  }));

test('a region that never left traffic is given back as it is, also by an engine without a balancer (plans without regional phases)', () =>
  withHarness({ regional: false }, async (h) => {
    await bringBack(h.run);
    assert.deepEqual(h.types(), []);
    assert.deepEqual(h.traffic.changes, []);
  }));
