// A rollout (spec.rollout) on fake clusters and the virtual clock: twelve clusters labelled dev, staging and
// prod across three regions. The stages go one after another, dev's clusters at once, the soak after a stage
// holds the next one for its whole length, the staging stage waits for its approval, prod's groups (one per
// region) run two at a time with their clusters one after another; a prod cluster whose analysis fails stops
// its group and halts the stage at maxAllowedFailures 0, naming it, with nothing left cordoned; within the
// budget the run ends degraded, never succeeded; a run stopped at any entry and resumed maintains no cluster
// twice and reboots no node twice.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import type { ApprovalAnswer } from '../../../src/engine/approvals.ts';
import type { SkipRequest } from '../../../src/engine/ports/skips.ts';
import type { GateResult, JournalEntry, RunEvent } from '../../../src/engine/events.ts';
import type { EngineDeps } from '../../../src/engine/ports.ts';
import { executeRun } from '../../../src/engine/runner.ts';
import type { ExecuteOptions, RunEnd } from '../../../src/engine/runner.ts';
import { finishedParts } from '../../../src/engine/rollout-runner.ts';
import { FileJournal } from '../../../src/journal/file-journal.ts';
import { PlanSchema } from '../../../src/plan/schema.ts';
import { resolveRollout, rolloutLowerBound } from '../../../src/planner/rollout.ts';
import { stageLines } from '../../../src/engine/run-summary.ts';
import { FakeFleet, RUN_ID, VirtualClock } from './runner-fakes.ts';
import { FakeTraffic, regionTraffic, scriptedAnalysis } from './regional-fakes.ts';

const HOUR = 3_600_000;
const REGIONS = ['eu', 'us', 'ap'];
/** dev-<region>, staging-<region>, prod-<region>-1 and -2, for eu, us and ap: 3 + 3 + 6 = 12 clusters. */
const CLUSTERS = [
  ...REGIONS.map((r) => ({ name: `dev-${r}`, labels: { env: 'dev', region: r } })),
  ...REGIONS.map((r) => ({ name: `staging-${r}`, labels: { env: 'staging', region: r } })),
  ...REGIONS.flatMap((r) => [1, 2].map((i) => ({ name: `prod-${r}-${i}`, labels: { env: 'prod', region: r } }))),
];

interface Options {
  /** Clusters whose analysis after maintenance fails. */
  readonly analysisFails?: readonly string[];
  readonly prodFailures?: number;
  /** Approves the staging stage's gate when it is asked (default true). */
  readonly approve?: boolean;
  /** Skips a person sends before the run starts, as `daylight skip` would. */
  readonly skips?: readonly SkipRequest[];
  /** The prod stage's groups (default: by region). */
  readonly prodGroups?: Record<string, unknown>;
}

function plan(o: Options) {
  return PlanSchema.parse({
    apiVersion: 'daylight.dev/v1alpha1',
    kind: 'MaintenancePlan',
    metadata: { name: 'fleet-os-patch' },
    spec: {
      clusters: CLUSTERS,
      phases: [{ name: 'os-patch', type: 'nodes', action: { type: 'agent', operation: 'reboot' }, ready: { timeout: '5m' }, drain: { timeout: '2m' } }],
      rollout: {
        stages: [
          { name: 'dev', clusters: { selector: 'env=dev' }, maxConcurrency: '100%', afterStageWait: '1h' },
          { name: 'staging', clusters: { selector: 'env=staging' }, before: [{ type: 'approval', name: 'change board' }], afterStageWait: '30m' },
          { name: 'prod', clusters: { selector: 'env=prod' }, groups: o.prodGroups ?? { by: 'region' }, maxConcurrency: 2, maxAllowedFailures: o.prodFailures ?? 0, after: [{ type: 'kube', check: 'nodes-ready', name: 'analysis' }] },
        ],
      },
    },
  });
}

interface Harness {
  readonly clock: VirtualClock;
  readonly fleets: Map<string, FakeFleet>;
  readonly journal: FileJournal<RunEvent>;
  readonly inbox: ApprovalAnswer[];
  run(interrupt?: AbortSignal, onEntry?: (e: JournalEntry) => void, more?: Pick<ExecuteOptions, 'control' | 'continueFrom'>): Promise<RunEnd>;
  /** A new run on the same clusters and clock, with its own journal (as `daylight run --resume` of an aborted run starts). */
  next(): Harness;
  events<T extends RunEvent['type']>(type: T): { at: number; event: Extract<RunEvent, { type: T }> }[];
  done(): void;
}

function harness(o: Options, signal: AbortSignal, shared?: { clock: VirtualClock; fleets: Map<string, FakeFleet>; runId: string }): Harness {
  const dir = mkdtempSync(join(tmpdir(), 'daylight-rollout-'));
  const clock = shared?.clock ?? new VirtualClock();
  signal.addEventListener('abort', () => clock.release(), { once: true });
  const runId = shared?.runId ?? RUN_ID;
  const journal = FileJournal.open<RunEvent>(join(dir, 'journal.jsonl'), runId, () => clock.now());
  const fleets = shared?.fleets ?? new Map(CLUSTERS.map((c) => [c.name, new FakeFleet(clock, { name: c.name, nodes: [`${c.name}-a1`, `${c.name}-b1`], rebootMs: 60_000 })]));
  const inbox: ApprovalAnswer[] = [];
  const skips: SkipRequest[] = [...(o.skips ?? [])];
  const p = plan(o);
  const listeners: ((e: JournalEntry) => void)[] = [];
  const deps: EngineDeps = {
    runId,
    plan: { path: 'plans/fleet.yaml', plan: p, sha256: 'f'.repeat(64), text: '' },
    clusters: new Map([...fleets].map(([n, f]) => [n, f.port])),
    clock,
    planPhase: (snapshot) => ({ budget: 1, waves: snapshot.nodes.map((n, index) => ({ index, nodes: [n.name] })), excluded: [], blockers: [] }),
    evaluateGates: async (gates, cluster) =>
      gates.map((g): GateResult => {
        const passed = !(o.analysisFails ?? []).includes(cluster.name);
        return { gate: g.name ?? g.type, type: g.type, passed, message: passed ? 'every node Ready' : 'error rate 7% over 1%' };
      }),
    exec: () => Promise.reject(new Error('an agent action runs no command')),
    approvals: { poll: () => inbox.splice(0) },
    skips: { poll: () => skips.splice(0) },
    emit: (entry) => {
      if (entry.event.type === 'approval.requested' && o.approve !== false) {
        // a person answers a minute after the request, on the run's clock
        void clock.sleep(60_000).then(() => inbox.push({ id: 'a-1', step: 'stage/staging', decision: 'approve', by: 'alice', via: 'cli', at: new Date(clock.now()).toISOString(), comment: 'CAB-7' }));
      }
      for (const f of listeners) f(entry);
    },
  };
  return {
    clock,
    fleets,
    journal,
    inbox,
    run: (interrupt, onEntry, more) => {
      listeners.length = 0;
      if (onEntry) listeners.push(onEntry);
      return executeRun({ deps, journal, interrupt: interrupt ?? signal, ...more });
    },
    next: () => harness(o, signal, { clock, fleets, runId: `${runId}-next` }),
    events: <T extends RunEvent['type']>(type: T) => journal.entries.filter((x) => x.event.type === type).map((x) => ({ at: x.at, event: x.event as Extract<RunEvent, { type: T }> })),
    done: () => {
      clock.release();
      journal.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** [start, end] of each cluster's maintenance: its lease taken and given back. */
function spans(h: Harness): Map<string, [number, number]> {
  const out = new Map<string, [number, number]>();
  for (const { at, event } of h.events('lease.acquired')) out.set(event.cluster, [at, Infinity]);
  for (const { at, event } of h.events('lease.released')) {
    const s = out.get(event.cluster);
    if (s) s[1] = at;
  }
  return out;
}

const overlap = (a: [number, number], b: [number, number]) => a[0] < b[1] && b[0] < a[1];

function reboots(h: Harness): Record<string, number> {
  const out: Record<string, number> = {};
  for (const f of h.fleets.values()) for (const c of f.calls.filter((x) => x.startsWith('reboot '))) out[c.slice(7)] = (out[c.slice(7)] ?? 0) + 1;
  return out;
}

function cordoned(h: Harness): string[] {
  return [...h.fleets.values()].flatMap((f) => [...CLUSTERS.map((c) => c.name)].flatMap((c) => [`${c}-a1`, `${c}-b1`]).filter((n) => { try { return f.node(n).unschedulable; } catch { return false; } }));
}

test('stages in order: dev at once, the soak holds staging for an hour, staging waits for its approval, prod two regions at a time, each region\'s clusters one after another', { timeout: 60_000 }, async (t) => {
  const h = harness({}, t.signal);
  try {
    const end = await h.run();
    assert.equal(end.status, 'succeeded', end.reason);
    const s = spans(h);
    const at = (c: string) => s.get(c) ?? assert.fail(`${c} was not maintained`);
    // dev: its three clusters at once (maxConcurrency 100%)
    assert.ok(overlap(at('dev-eu'), at('dev-us')) && overlap(at('dev-us'), at('dev-ap')), 'the dev clusters ran in parallel');
    // the soak: staging's first cluster starts no sooner than an hour after dev's end, and its approval
    const devDone = h.events('rollout.stage.completed').find((e) => e.event.stage === 'dev')?.at ?? 0;
    const soaked = h.events('rollout.soak.completed').find((e) => e.event.stage === 'dev')?.at ?? 0;
    assert.ok(soaked - devDone >= HOUR, `dev soaked ${soaked - devDone} ms`);
    const asked = h.events('approval.requested').find((e) => e.event.step === 'stage/staging');
    assert.ok(asked && asked.at >= soaked, 'staging asks for its approval after the soak');
    const granted = h.events('approval.granted')[0];
    assert.equal(granted?.event.by, 'alice');
    assert.ok(Math.min(...REGIONS.map((r) => at(`staging-${r}`)[0])) >= (granted?.at ?? Infinity), 'no staging cluster before the approval');
    // staging's clusters one at a time (maxConcurrency 1)
    assert.ok(!overlap(at('staging-eu'), at('staging-us')) && !overlap(at('staging-us'), at('staging-ap')) && !overlap(at('staging-eu'), at('staging-ap')));
    // prod: after staging's 30-minute soak; two region groups at a time, each group's clusters in order
    const stagingSoaked = h.events('rollout.soak.completed').find((e) => e.event.stage === 'staging')?.at ?? Infinity;
    const prod = CLUSTERS.filter((c) => c.labels.env === 'prod').map((c) => c.name);
    assert.ok(Math.min(...prod.map((c) => at(c)[0])) >= stagingSoaked);
    for (const r of REGIONS) assert.ok(at(`prod-${r}-1`)[1] <= at(`prod-${r}-2`)[0], `prod-${r}: its clusters in order`);
    const group = (r: string): [number, number] => [at(`prod-${r}-1`)[0], at(`prod-${r}-2`)[1]];
    const points = REGIONS.map((r) => group(r)[0]);
    const most = Math.max(...points.map((p) => REGIONS.filter((r) => group(r)[0] <= p && p < group(r)[1]).length));
    assert.equal(most, 2, 'two region groups at once, never three');
    // every node rebooted once, nothing left cordoned, each group and stage journaled as completed
    assert.deepEqual(Object.values(reboots(h)), new Array(24).fill(1));
    assert.deepEqual(cordoned(h), []);
    assert.deepEqual(h.events('rollout.group.completed').filter((e) => e.event.stage === 'prod').map((e) => e.event.group).sort(), ['region=ap', 'region=eu', 'region=us']);
    assert.deepEqual(h.events('rollout.stage.completed').map((e) => e.event.stage), ['dev', 'staging', 'prod']);
    // and the makespan is within 10% of the stage structure's lower bound (each cluster: 2 nodes, one at a time)
    const first = h.journal.entries[0]?.at ?? 0;
    const last = h.journal.entries.at(-1)?.at ?? 0;
    const perCluster = Math.max(...[...s.values()].map(([a, b]) => b - a));
    const bound = rolloutLowerBound(resolveRollout(plan({}).spec), () => perCluster) + 60_000; // + the approval's minute
    assert.ok(last - first <= bound * 1.1, `makespan ${last - first} ms against a bound of ${bound} ms`);
  } finally {
    h.done();
  }
});

test('a prod cluster whose analysis fails stops its group and halts the stage at maxAllowedFailures 0, naming it; nothing is left cordoned', { timeout: 60_000 }, async (t) => {
  const h = harness({ analysisFails: ['prod-us-1'] }, t.signal);
  try {
    const end = await h.run();
    assert.equal(end.status, 'failed');
    assert.match(end.reason ?? '', /stage prod halted: 1 of its clusters failed, beyond its maxAllowedFailures of 0: prod-us-1 \(its analysis after maintenance failed: analysis: error rate 7% over 1%\)/);
    assert.deepEqual(h.events('rollout.cluster.failed').map((e) => [e.event.cluster, e.event.group]), [['prod-us-1', 'region=us']]);
    assert.ok(h.events('rollout.group.stopped').some((e) => e.event.group === 'region=us'));
    // prod-us-2 after the failure in its group is never started, nor is the region group that had not started
    const s = spans(h);
    assert.equal(s.has('prod-us-2'), false);
    assert.equal(s.has('prod-ap-1'), false, 'the third group does not start once the stage halted');
    assert.deepEqual(cordoned(h), []);
    assert.equal(Object.values(reboots(h)).every((n) => n === 1), true);
    // and daylight status (and the MaintenanceRun's status) says so per stage and group
    const lines = stageLines(end.state);
    assert.equal(lines.length, 3);
    assert.match(lines[0] ?? '', /^stage dev: completed · groups 3\/3 done · clusters 3\/3 maintained$/);
    assert.match(lines[2] ?? '', /^stage prod: halted · groups \d\/3 done \(stopped: .*region=us.*\) · clusters \d\/6 maintained, 1 failed \(prod-us-1\) · 1 of its clusters failed/);
  } finally {
    h.done();
  }
});

test('within its failure budget the rollout goes on and ends degraded, naming the failed cluster; never succeeded', { timeout: 60_000 }, async (t) => {
  const h = harness({ analysisFails: ['prod-eu-1'], prodFailures: 1 }, t.signal);
  try {
    const end = await h.run();
    assert.equal(end.status, 'degraded', end.reason);
    assert.ok(end.state.problems?.some((p) => /^prod-eu-1: failed in stage prod, group region=eu: its analysis after maintenance failed/.test(p)), JSON.stringify(end.state.problems));
    // a group's own budget is the stage's: one failure and it goes on
    const s = spans(h);
    for (const c of CLUSTERS) assert.ok(s.has(c.name), `${c.name} maintained`);
  } finally {
    h.done();
  }
});

test('a run stopped at any entry and resumed maintains no cluster twice, reboots no node twice, and does not soak again what it soaked', { timeout: 120_000 }, async (t) => {
  await fc.assert(
    fc.asyncProperty(fc.array(fc.integer({ min: 5, max: 200 }), { minLength: 1, maxLength: 3 }), async (stops) => {
      const h = harness({}, t.signal);
      try {
        let end: RunEnd | undefined;
        for (const k of stops) {
          const stop = new AbortController();
          let n = 0;
          end = await h.run(stop.signal, () => {
            if (++n === k) stop.abort();
          });
          if (end.status !== 'paused') break;
        }
        if (end?.status === 'paused') end = await h.run();
        assert.equal(end?.status, 'succeeded', end?.reason);
        assert.deepEqual(Object.values(reboots(h)), new Array(24).fill(1), JSON.stringify(reboots(h)));
        assert.deepEqual(cordoned(h), []);
        // every cluster's lease taken once more than it was given back never: each cluster maintained in one go or resumed, never redone
        for (const c of CLUSTERS) assert.equal(h.events('phase.completed').filter((e) => e.event.cluster === c.name).length, 1, c.name);
        assert.equal(h.events('rollout.soak.completed').length, 2);
        const devSoak = h.events('rollout.soak.started').filter((e) => e.event.stage === 'dev').map((e) => e.event.until);
        assert.ok(devSoak.every((u) => u === devSoak[0]), 'a resumed soak keeps its end');
      } finally {
        h.done();
      }
    }),
    { numRuns: 15 },
  );
});

test('skips: a cluster, a group and a stage a person skipped are not maintained, the run journals who and why and ends degraded; a skip of what the rollout lacks is a warning', { timeout: 60_000 }, async (t) => {
  const skips: SkipRequest[] = [
    { id: 's-1', target: { cluster: 'dev-us' }, by: 'alice', via: 'cli', comment: 'hardware ticket HW-12' },
    { id: 's-2', target: { group: 'prod/region=ap' }, by: 'bob', via: 'cli', comment: 'ap freeze' },
    { id: 's-3', target: { cluster: 'nope' }, by: 'carol', via: 'cli' },
    { id: 's-4', target: { cluster: 'dev-us' }, by: 'dave', via: 'cli' },
  ];
  const h = harness({ skips }, t.signal);
  try {
    const end = await h.run();
    assert.equal(end.status, 'degraded', end.reason);
    const s = spans(h);
    assert.deepEqual(['dev-us', 'prod-ap-1', 'prod-ap-2'].filter((c) => s.has(c)), [], 'the skipped cluster and group were not started');
    assert.equal(s.size, 9);
    assert.deepEqual(h.events('rollout.skipped').map((e) => [e.event.key, e.event.by, e.event.comment]), [['cluster/dev-us', 'alice', 'hardware ticket HW-12'], ['group/prod/region=ap', 'bob', 'ap freeze']]);
    assert.ok(h.events('warning').some((e) => /skip of cluster nope by carol ignored: the rollout has no cluster "nope"/.test(e.event.message)));
    assert.ok(h.events('rollout.group.stopped').some((e) => e.event.group === 'region=ap' && /skipped by bob \(ap freeze\)/.test(e.event.reason)));
    assert.deepEqual(end.state.problems?.filter((p) => /skipped/.test(p)), ['cluster dev-us: skipped by alice (hardware ticket HW-12): not maintained in this run', 'group prod/region=ap: skipped by bob (ap freeze): not maintained in this run']);
    assert.deepEqual(cordoned(h), []);
  } finally {
    h.done();
  }
});

test('a stage skipped before it starts runs nothing and soaks nothing: the next one starts at once', { timeout: 60_000 }, async (t) => {
  const h = harness({ skips: [{ id: 's-1', target: { stage: 'staging' }, by: 'alice', via: 'cli' }] }, t.signal);
  try {
    const end = await h.run();
    assert.equal(end.status, 'degraded');
    assert.deepEqual(h.events('rollout.stage.started').map((e) => e.event.stage), ['dev', 'prod']);
    assert.equal(h.events('approval.requested').length, 0, 'the skipped stage\'s approval is not asked');
    assert.deepEqual(h.events('rollout.soak.completed').map((e) => e.event.stage), ['dev']);
  } finally {
    h.done();
  }
});

test('an aborted rollout goes on in a new run from where it stopped: finished clusters and completed stages are not done again', { timeout: 60_000 }, async (t) => {
  const h = harness({}, t.signal);
  let second: Harness | undefined;
  try {
    // Given a run aborted once the first prod cluster is done
    const commands: ('abort')[] = [];
    let abortSent = false;
    const first = await h.run(undefined, (e) => {
      if (!abortSent && e.event.type === 'lease.released' && e.event.cluster.startsWith('prod-')) {
        abortSent = true;
        commands.push('abort');
        // the run reads its controls every 250 ms of real time: the cluster's clock waits until it has
        h.clock.hold();
        setTimeout(() => h.clock.release(), 600);
      }
    }, { control: { poll: () => commands.splice(0) } });
    assert.equal(first.status, 'aborted', first.reason);
    const carried = finishedParts(first.state, plan({}));
    assert.ok(carried.clusters.length >= 7 && carried.clusters.length < 12, `finished before the abort: ${carried.clusters.join(', ')}`);
    assert.deepEqual(carried.stages, ['dev', 'staging']);
    // When a new run carries it on
    second = h.next();
    const end = await second.run(undefined, undefined, { continueFrom: { runId: RUN_ID, ...carried } });
    // Then it succeeds, starting no finished cluster and no completed stage
    assert.equal(end.status, 'succeeded', end.reason);
    const again = [...spans(second).keys()];
    assert.deepEqual(again.filter((c) => carried.clusters.includes(c)), []);
    assert.deepEqual(again.sort(), CLUSTERS.map((c) => c.name).filter((c) => !carried.clusters.includes(c)).sort());
    assert.deepEqual(second.events('rollout.stage.started').map((e) => e.event.stage), ['prod']);
    assert.deepEqual(second.events('rollout.continued').map((e) => e.event.from), [RUN_ID]);
    // And every node of a cluster the first run finished was rebooted once in all; a cluster under way at the
    // abort is maintained again from its start, so its nodes at most twice
    const counts = reboots(h);
    for (const c of CLUSTERS) {
      for (const n of [`${c.name}-a1`, `${c.name}-b1`]) {
        if (carried.clusters.includes(c.name)) assert.equal(counts[n], 1, n);
        else assert.ok((counts[n] ?? 0) >= 1 && (counts[n] ?? 0) <= 2, `${n}: ${counts[n]}`);
      }
    }
    assert.deepEqual(cordoned(h), []);
  } finally {
    second?.done();
    h.done();
  }
});

test('a named group with maxConcurrency 2 runs two of its clusters at once; the other groups one after another', { timeout: 60_000 }, async (t) => {
  const h = harness({ prodGroups: { named: [{ name: 'eu-us', selector: 'region in (eu,us)', maxConcurrency: 2 }, { name: 'ap', selector: 'region=ap' }] } }, t.signal);
  try {
    const end = await h.run();
    assert.equal(end.status, 'succeeded', end.reason);
    const s = spans(h);
    const at = (c: string) => s.get(c) ?? assert.fail(`${c} was not maintained`);
    const euUs = ['prod-eu-1', 'prod-eu-2', 'prod-us-1', 'prod-us-2'].map(at);
    const most = Math.max(...euUs.map((a) => euUs.filter((b) => b[0] <= a[0] && a[0] < b[1]).length));
    assert.equal(most, 2, 'two clusters of the eu-us group at once, never more');
    assert.ok(at('prod-ap-1')[1] <= at('prod-ap-2')[0], 'the ap group one after another');
    assert.deepEqual(Object.values(reboots(h)), new Array(24).fill(1));
  } finally {
    h.done();
  }
});

test('a regional phase inside a stage of three groups at once: one region out of traffic at a time, never the last serving one', { timeout: 60_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'daylight-rollout-regional-'));
  const clock = new VirtualClock();
  t.signal.addEventListener('abort', () => clock.release(), { once: true });
  const journal = FileJournal.open<RunEvent>(join(dir, 'journal.jsonl'), RUN_ID, () => clock.now());
  try {
    const names = ['eu', 'us', 'ap'];
    const fleets = new Map(names.map((n) => [n, new FakeFleet(clock, { name: n, nodes: [`${n}-a1`, `${n}-b1`], rebootMs: 60_000 })]));
    const p = PlanSchema.parse({
      apiVersion: 'daylight.dev/v1alpha1',
      kind: 'MaintenancePlan',
      metadata: { name: 'regional-fleet' },
      spec: {
        clusters: names.map((n) => ({ name: n, labels: { env: 'prod' } })),
        traffic: { provider: 'sandbox', restore: { steps: [50, 100], interval: '30s', every: '10s' }, analysis: [{ type: 'proxy', name: 'error rate' }] },
        phases: [{ name: 'os-patch', type: 'nodes', regional: true, action: { type: 'agent', operation: 'reboot' }, ready: { timeout: '5m' }, drain: { timeout: '2m' } }],
        rollout: { stages: [{ name: 'prod', clusters: { selector: 'env=prod' }, maxConcurrency: 3 }] },
      },
    });
    const traffic = new FakeTraffic(Object.fromEntries(names.map((n) => [n, regionTraffic()])));
    const policy = p.spec.traffic;
    assert.ok(policy);
    // The capacity check sees the balancer as it is: the others must serve
    const capacity: NonNullable<EngineDeps['regional']>['capacity'] = async (region, snapshot) => {
      const serving = Object.entries(snapshot.regions).filter(([n, r]) => n !== region && r.weight > 0).length;
      return { gate: `capacity without ${region}`, type: 'capacity', passed: serving >= 1, value: serving, threshold: '>= 1 region serving', message: `${serving} other region(s) serving` };
    };
    const deps: EngineDeps = {
      runId: RUN_ID,
      plan: { path: 'plans/regional.yaml', plan: p, sha256: 'r'.repeat(64), text: '' },
      clusters: new Map([...fleets].map(([n, f]) => [n, f.port])),
      clock,
      planPhase: (snapshot) => ({ budget: 1, waves: snapshot.nodes.map((n, index) => ({ index, nodes: [n.name] })), excluded: [], blockers: [] }),
      evaluateGates: async (gates) => gates.map((g): GateResult => ({ gate: g.name ?? g.type, type: g.type, passed: true, message: 'ok' })),
      exec: () => Promise.reject(new Error('an agent action runs no command')),
      emit: () => undefined,
      regional: { traffic, policy, capacity, analyse: scriptedAnalysis(['success']).analyse },
    };
    const end = await executeRun({ deps, journal, interrupt: t.signal });
    assert.equal(end.status, 'succeeded', end.reason);
    // Then every region left and came back, one at a time: never two drained at once
    const changes = traffic.changes.filter((c) => c.startsWith('drain') || c.endsWith(' 100'));
    let out = 0;
    let most = 0;
    for (const c of changes) {
      out += c.startsWith('drain') ? 1 : -1;
      most = Math.max(most, out);
    }
    assert.equal(most, 1, changes.join(', '));
    assert.deepEqual(changes.filter((c) => c.startsWith('drain')).sort(), ['drain ap', 'drain eu', 'drain us']);
    assert.equal(journal.entries.filter((e) => e.event.type === 'region.preconditions' && !e.event.passed).length, 0, 'no region was refused: each waited for the one before it');
    // And the groups still ran at once where they could: their leases overlap
    const leased = journal.entries.filter((e) => e.event.type === 'lease.acquired').map((e) => e.at);
    assert.equal(leased.length, 3);
  } finally {
    clock.release();
    journal.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
