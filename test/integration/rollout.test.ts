// A rollout (spec.rollout) on the sandbox: twelve small regions, one cluster each, labelled dev (3), staging
// (3) and prod (6, two per region eu, us and ap), every worker rebooted. Run in this process with its
// approval answered by `daylight approve`, and run as a `daylight run` child killed with SIGKILL at points
// fast-check chooses and resumed; judged by the sandbox's referee and API and by the journal on disk. The
// rollout's decisions (order, lanes, budgets, resume of every entry) are proved on fakes in
// test/unit/engine/rollout.test.ts; these prove the wiring: real clusters, real leases, a real process dying.
import { describe, test } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { runSession } from '../../src/cli/run-session.ts';
import type { JournalEntry, RunEvent } from '../../src/engine/events.ts';
import { replay } from '../../src/engine/state.ts';
import { verifyChain } from '../../src/journal/file-journal.ts';
import { parsePlan } from '../../src/plan/load.ts';
import { parseFleet } from '../../src/sandbox/fleet-load.ts';
import type { RefereeReport } from '../../src/sandbox/referee.ts';
import { allPodsReady, startTestSandbox } from '../support/sandbox.ts';
import type { TestSandbox } from '../support/sandbox.ts';
import { tempConfigHome, testSigner } from '../helpers/journal-key.ts';
import { daylightChild } from '../support/daylight-child.ts';
import type { Child, Exit } from '../support/daylight-child.ts';

// The CLIs this file starts make their journal key in a temporary config directory, not in the home.
tempConfigHome();

/** Simulated seconds per real second: a reboot (60 s) takes a fifth of a real second, a soak of 10 min two. */
const SPEED = 300;
/** Real-time limit for the twelve regions to come up with every pod Ready. */
const UP_MS = 60_000;
/** Real-time limit of one `daylight` child. */
const CHILD_MS = 120_000;

const PLACES = ['eu', 'us', 'ap'] as const;

interface ClusterSpec {
  readonly name: string;
  readonly env: 'dev' | 'staging' | 'prod';
  readonly region: (typeof PLACES)[number];
}

/** dev-<region>, staging-<region>, prod-<region>-1 and -2: one sandbox region (and kubeconfig context) each. */
const CLUSTERS: readonly ClusterSpec[] = [
  ...PLACES.map((region) => ({ name: `dev-${region}`, env: 'dev' as const, region })),
  ...PLACES.map((region) => ({ name: `staging-${region}`, env: 'staging' as const, region })),
  ...PLACES.flatMap((region) => [1, 2].map((i) => ({ name: `prod-${region}-${i}`, env: 'prod' as const, region }))),
];
const PROD = CLUSTERS.filter((c) => c.env === 'prod').map((c) => c.name);
/** The prod cluster whose analysis fails in the first test: a workload there that never gets a node. */
const BROKEN = 'prod-us-1';

/** The three workers of a region: one per zone, named as the sandbox names them. */
function workersOf(cluster: string): string[] {
  return ['a', 'b', 'c'].map((z) => `${cluster}-${z}-r1-n1`);
}

// ---------------------------------------------------------------------------------------------- fixtures

/**
 * Twelve regions of three zones with one worker each (and a control-plane node); in each, a Deployment of
 * three under a budget of one, and a DaemonSet. With `broken`, that region also has a Deployment whose pod
 * selects no node, so it is never available.
 */
function fleetYaml(o: { broken?: string } = {}): string {
  const regions = CLUSTERS.map((c) => [`    - name: ${c.name}`, '      zones:', ...['a', 'b', 'c'].map((z) => `        - {name: ${c.name}-${z}, racks: 1, nodesPerRack: 1}`), '      node: {cpu: "4", memory: 16Gi, rebootSeconds: 60}'].join('\n'));
  return [
    'apiVersion: sandbox.daylight.dev/v1alpha1',
    'kind: Fleet',
    'metadata: {name: rollout}',
    'spec:',
    `  speed: ${SPEED}`,
    '  regions:',
    ...regions,
    '  workloads:',
    '    - {name: web, namespace: shop, kind: Deployment, replicas: 3, cpu: 100m, memory: 64Mi, startupSeconds: 5, readinessSeconds: 5, pdb: {maxUnavailable: 1}, service: {rpsPerPod: 100}}',
    '    - {name: node-agent, namespace: kube-system, kind: DaemonSet, cpu: 10m, memory: 16Mi}',
    ...(o.broken ? [`    - {name: smoke, namespace: shop, kind: Deployment, replicas: 1, cpu: 10m, memory: 16Mi, nodeSelector: {daylight.test/never: "true"}, regions: [${o.broken}]}`] : []),
    '  traffic: {rps: 120}',
    '',
  ].join('\n');
}

interface PlanOptions {
  /** An approval before the staging stage. */
  readonly approval: boolean;
  /** Each prod cluster's analysis after its maintenance. */
  readonly analysis: boolean;
}

/**
 * Every worker rebooted, one at a time per cluster. dev all at once then a 10-minute soak; staging one at a
 * time, then a soak; prod one group per region, two groups at once, no failure allowed.
 */
function planYaml(o: PlanOptions): string {
  const clusters = CLUSTERS.map((c) => `    - {name: ${c.name}, context: ${c.name}, labels: {env: ${c.env}, region: ${c.region}}}`);
  return [
    'apiVersion: daylight.dev/v1alpha1',
    'kind: MaintenancePlan',
    'metadata: {name: fleet-reboot}',
    'spec:',
    '  clusters:',
    ...clusters,
    '  phases:',
    '    - name: os-reboot',
    '      type: nodes',
    '      selector: "!node-role.kubernetes.io/control-plane"',
    '      maxUnavailable: 1',
    '      drain: {timeout: 1h, onTimeout: fail, ignoreDaemonSets: true}',
    '      action: {type: agent, operation: reboot}',
    '      ready: {timeout: 1h}',
    '  gates:',
    '    - {type: kube, check: nodes-ready}',
    '  rollout:',
    '    stages:',
    '      - {name: dev, clusters: {selector: env=dev}, maxConcurrency: 100%, afterStageWait: 10m}',
    `      - {name: staging, clusters: {selector: env=staging}, ${o.approval ? 'before: [{type: approval, name: change board}], ' : ''}afterStageWait: 10m}`,
    `      - {name: prod, clusters: {selector: env=prod}, groups: {by: region}, maxConcurrency: 2, maxAllowedFailures: 0${o.analysis ? ', after: [{type: kube, check: workloads-available, name: analysis}]' : ''}}`,
    '',
  ].join('\n');
}

interface World {
  readonly ts: TestSandbox;
  readonly dir: string;
  readonly planPath: string;
  readonly planText: string;
  readonly stateDir: string;
  stop(): Promise<void>;
}

/** A fresh twelve-region sandbox with every pod Ready (but a broken region's), a plan file and an empty state dir. */
async function world(plan: PlanOptions, o: { broken?: string } = {}): Promise<World> {
  const ts = await startTestSandbox(parseFleet('rollout-fleet.yaml', fleetYaml(o)), { speed: SPEED });
  const dir = await mkdtemp(join(tmpdir(), 'daylight-rollout-'));
  const stop = async () => {
    await ts.stop();
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const ready = o.broken ? async () => (await unreadyPods(ts)).join() === `${o.broken}/shop/smoke` : () => allPodsReady(ts.sandbox);
    await ts.until(o.broken ? `every pod but ${o.broken}'s shop/smoke is Ready` : 'every pod of the fleet is Ready', ready, UP_MS);
    const planText = planYaml(plan);
    const planPath = join(dir, 'plan.yaml');
    await writeFile(planPath, planText);
    return { ts, dir, planPath, planText, stateDir: join(dir, 'state'), stop };
  } catch (e: unknown) {
    await stop();
    throw e;
  }
}

interface PodItem {
  readonly metadata: { readonly name: string; readonly namespace: string; readonly labels?: Record<string, string> };
  readonly status?: { readonly conditions?: readonly { readonly type: string; readonly status: string }[] };
}

/** `region/namespace/workload` of every pod of the fleet that is not Ready. */
async function unreadyPods(ts: TestSandbox): Promise<string[]> {
  const out: string[] = [];
  for (const c of CLUSTERS) {
    const items = ((await ts.api(c.name, '/api/v1/pods')) as { items: PodItem[] }).items;
    const unready = items.filter((p) => !p.status?.conditions?.some((x) => x.type === 'Ready' && x.status === 'True'));
    out.push(...unready.map((p) => `${c.name}/${p.metadata.namespace}/${p.metadata.labels?.['app.kubernetes.io/name'] ?? p.metadata.name}`));
  }
  return out.sort();
}

// ------------------------------------------------------------------------------------------ the journal

/** The journal's whole lines (a line cut short by a kill, without its newline, is not an entry). */
function entriesOf(journal: string): JournalEntry[] {
  return readFileSync(journal, 'utf8')
    .split('\n')
    .slice(0, -1)
    .map((l) => JSON.parse(l) as JournalEntry);
}

function ofType<T extends RunEvent['type']>(entries: readonly JournalEntry[], type: T): { at: number; event: Extract<RunEvent, { type: T }> }[] {
  return entries.filter((e) => e.event.type === type).map((e) => ({ at: e.at, event: e.event as Extract<RunEvent, { type: T }> }));
}

/** [start, end] of each cluster's maintenance on the run's clock: its lease taken and given back. */
function spans(entries: readonly JournalEntry[]): Map<string, [number, number]> {
  const out = new Map<string, [number, number]>();
  for (const { at, event } of ofType(entries, 'lease.acquired')) if (!out.has(event.cluster)) out.set(event.cluster, [at, Infinity]);
  for (const { at, event } of ofType(entries, 'lease.released')) {
    const s = out.get(event.cluster);
    if (s) s[1] = at;
  }
  return out;
}

const overlap = (a: readonly [number, number], b: readonly [number, number]) => a[0] < b[1] && b[0] < a[1];

/** The most of `intervals` that hold at once. */
function mostAtOnce(intervals: readonly (readonly [number, number])[]): number {
  return Math.max(0, ...intervals.map(([start]) => intervals.filter(([a, b]) => a <= start && start < b).length));
}

/** The one run in the state dir, once its journal exists. */
function theRun(stateDir: string): { runId: string; journal: string } | undefined {
  const runs = join(stateDir, 'runs');
  if (!existsSync(runs)) return undefined;
  const [runId, ...more] = readdirSync(runs);
  assert.equal(more.length, 0, 'one run in the state dir');
  if (!runId) return undefined;
  const journal = join(runs, runId, 'journal.jsonl');
  return existsSync(journal) ? { runId, journal } : undefined;
}

function lineCount(journal: string): number {
  return readFileSync(journal, 'utf8').split('\n').length - 1;
}

// ------------------------------------------------------------------------------------ the daylight child

function daylight(args: readonly string[]): Child {
  return daylightChild(args, CHILD_MS);
}

function runArgs(w: World, resume?: string): string[] {
  return ['run', '-f', w.planPath, '--kubeconfig', w.ts.kubeconfigPath, '--state-dir', w.stateDir, '-o', 'json', ...(resume ? ['--resume', resume] : [])];
}

/** Polls the journal every few milliseconds until `ready` holds for its entry count, then SIGKILLs the child. Undefined when it ended first. */
async function killWhen(child: Child, stateDir: string, ready: (lines: number) => boolean): Promise<Exit | undefined> {
  for (;;) {
    if (child.done()) return undefined;
    const run = theRun(stateDir);
    if (run && ready(lineCount(run.journal))) {
      child.kill('SIGKILL');
      const exit = await child.exited;
      return exit.signal === 'SIGKILL' ? exit : undefined;
    }
    await new Promise((r) => setTimeout(r, 4));
  }
}

function lastJson(stdout: string): Record<string, unknown> {
  return JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as Record<string, unknown>;
}

// ----------------------------------------------------------------------------------- what a user checks

async function referee(ts: TestSandbox): Promise<RefereeReport> {
  return (await ts.api(CLUSTERS[0]?.name ?? '', '/sandbox/v1/referee')) as RefereeReport;
}

interface NodeItem {
  readonly metadata: { readonly name: string; readonly annotations?: Record<string, string> };
  readonly spec: { readonly unschedulable?: boolean };
}

/** `region/node` of every node any region's API shows cordoned or annotated as held by a run. */
async function cordonedAnywhere(ts: TestSandbox): Promise<string[]> {
  const out: string[] = [];
  for (const c of CLUSTERS) {
    const items = ((await ts.api(c.name, '/api/v1/nodes')) as { items: NodeItem[] }).items;
    out.push(...items.filter((n) => n.spec.unschedulable === true || n.metadata.annotations?.['daylight.dev/cordoned-by'] !== undefined).map((n) => `${c.name}/${n.metadata.name}`));
  }
  return out;
}

/**
 * The referee in every region: no pod killed without an eviction and no budget breached anywhere, never
 * more than one node of a region out at once, and each region's workers rebooted as `expected` says.
 */
async function assertRefereeClean(ts: TestSandbox, expected: (cluster: string) => number): Promise<void> {
  const r = await referee(ts);
  const details = (await ts.api(CLUSTERS[0]?.name ?? '', '/sandbox/v1/referee/details')) as { kills?: { region: string }[] };
  for (const c of CLUSTERS) {
    const n = expected(c.name);
    assert.deepEqual(workersOf(c.name).map((w) => r.reboots[`${c.name}/${w}`] ?? 0), [n, n, n], `${c.name}: each worker rebooted ${n === 1 ? 'exactly once' : 'never'}: ${JSON.stringify(r.reboots)}`);
    assert.ok((r.maxConcurrentUnavailableNodes[c.name] ?? 0) <= 1, `${c.name}: at most one node out at once, saw ${r.maxConcurrentUnavailableNodes[c.name]}`);
    assert.deepEqual((details.kills ?? []).filter((k) => k.region === c.name), [], `${c.name}: no pod killed without an eviction`);
  }
  assert.equal(Object.keys(r.reboots).length, CLUSTERS.filter((c) => expected(c.name) > 0).length * 3, `no other node rebooted: ${JSON.stringify(r.reboots)}`);
  assert.equal(r.podsKilledWithoutEviction, 0, JSON.stringify(details));
  assert.equal(r.pdbBreaches, 0, JSON.stringify(details));
}

// ------------------------------------------------------------------------------------------------- tests

describe('a rollout across twelve sandbox regions', () => {
  test('stages in order (dev at once, staging after the soak and its approval, prod two region groups at once); a prod cluster whose analysis fails halts the stage, naming it; nothing left cordoned, the referee clean everywhere', { timeout: 240_000 }, async (t: TestContext) => {
    // Given twelve regions, one prod cluster holding a workload that is never available
    const w = await world({ approval: true, analysis: true }, { broken: BROKEN });
    const approvals: Promise<Exit>[] = [];
    let stopWatching = false;
    try {
      // And a person who approves the staging stage when it asks, with `daylight approve`
      const watch = (async () => {
        while (!stopWatching) {
          const run = theRun(w.stateDir);
          if (run && entriesOf(run.journal).some((e) => e.event.type === 'approval.requested' && e.event.step === 'stage/staging')) {
            approvals.push(daylight(['approve', run.runId, '--step', 'stage/staging', '--as', 'alice', '--comment', 'CAB-7', '--state-dir', w.stateDir]).exited);
            return;
          }
          await new Promise((r) => setTimeout(r, 20));
        }
      })();
      // When the plan runs in this process
      const started = Date.now();
      const end = await runSession({ plan: parsePlan(w.planPath, w.planText), stateDir: w.stateDir, kubeconfig: w.ts.kubeconfigPath, view: 'json', write: () => undefined, signer: testSigner() });
      stopWatching = true;
      await watch;
      t.diagnostic(`the run took ${((Date.now() - started) / 1000).toFixed(1)} s real`);
      assert.notEqual(end.status, 'refused', end.status === 'refused' ? JSON.stringify(end.findings) : '');
      if (end.status === 'refused') return;
      const approved = await approvals[0];
      assert.equal(approved?.code, 0, `daylight approve exits 0: ${approved?.stderr}`);
      const entries = entriesOf(end.paths.journal);
      t.diagnostic(`${entries.length} journal entries, ${((entries.at(-1)?.at ?? 0) - (entries[0]?.at ?? 0)) / 60_000} simulated minutes`);

      // Then the run failed: stage prod halted, naming the cluster whose analysis failed and why
      assert.equal(end.status, 'failed');
      assert.match(end.reason ?? '', new RegExp(`^stage prod halted: 1 of its clusters failed, beyond its maxAllowedFailures of 0: ${BROKEN} \\(its analysis after maintenance failed: analysis: .*shop/smoke 0/1 available`));
      assert.deepEqual(ofType(entries, 'rollout.cluster.failed').map((e) => `${e.event.stage} ${e.event.group} ${e.event.cluster}`), [`prod region=us ${BROKEN}`]);
      assert.deepEqual(ofType(entries, 'rollout.stage.halted').map((e) => e.event.stage), ['prod']);
      assert.equal(entries.at(-1)?.event.type, 'run.failed');
      assert.deepEqual(verifyChain(readFileSync(end.paths.journal, 'utf8')), { ok: true, entries: entries.length }, 'the hash chain verifies');

      const s = spans(entries);
      const at = (c: string) => s.get(c) ?? assert.fail(`${c} was never started`);
      // And dev's three clusters ran at once
      const dev = CLUSTERS.filter((c) => c.env === 'dev').map((c) => at(c.name));
      assert.equal(mostAtOnce(dev), 3, `the dev clusters overlap: ${JSON.stringify(dev)}`);
      // And staging began only after dev's 10-minute soak and the approval, its clusters one at a time
      const devCompleted = ofType(entries, 'rollout.stage.completed').find((e) => e.event.stage === 'dev')?.at ?? Infinity;
      const devSoaked = ofType(entries, 'rollout.soak.completed').find((e) => e.event.stage === 'dev')?.at ?? Infinity;
      assert.ok(devSoaked - devCompleted >= 10 * 60_000, `dev soaked ${(devSoaked - devCompleted) / 1000} s`);
      assert.ok(Math.max(...dev.map((d) => d[1])) <= devCompleted, 'every dev cluster given back before the stage completed');
      const asked = ofType(entries, 'approval.requested').find((e) => e.event.step === 'stage/staging');
      const granted = ofType(entries, 'approval.granted').find((e) => e.event.step === 'stage/staging');
      assert.ok(asked && asked.at >= devSoaked, 'the approval is asked after the soak');
      assert.equal(granted?.event.by, 'alice');
      const staging = CLUSTERS.filter((c) => c.env === 'staging').map((c) => at(c.name));
      assert.ok(Math.min(...staging.map((x) => x[0])) >= (granted?.at ?? Infinity), 'no staging cluster before the approval');
      assert.equal(mostAtOnce(staging), 1, `staging's clusters one at a time: ${JSON.stringify(staging)}`);
      // And prod began after staging's soak, two region groups at once, each group's clusters in order
      const stagingSoaked = ofType(entries, 'rollout.soak.completed').find((e) => e.event.stage === 'staging')?.at ?? Infinity;
      const prod = PROD.filter((c) => s.has(c)).map((c) => at(c));
      assert.ok(Math.min(...prod.map((x) => x[0])) >= stagingSoaked, 'prod starts after staging soaked');
      assert.ok(mostAtOnce(prod) <= 2, `at most two prod clusters (one per group) at once: ${JSON.stringify(Object.fromEntries(PROD.map((c) => [c, s.get(c)])))}`);
      assert.ok(overlap(at('prod-eu-1'), at(BROKEN)), 'the eu and us groups ran side by side');
      if (s.has('prod-eu-2')) assert.ok(at('prod-eu-1')[1] <= at('prod-eu-2')[0], 'prod-eu: its clusters in order');
      // And once the stage halted, neither the rest of the us group nor the ap group started
      for (const c of ['prod-us-2', 'prod-ap-1', 'prod-ap-2']) assert.equal(s.has(c), false, `${c} never started`);
      // And the running eu group stops after its current cluster: none is started (journaled in order with the
      // halt: a start and the halt are decided one at a time) once the stage halted
      const haltedSeq = entries.find((e) => e.event.type === 'rollout.stage.halted')?.seq ?? Infinity;
      const startedAfterHalt = entries.filter((e) => e.event.type === 'rollout.cluster.started' && e.seq > haltedSeq).map((e) => (e.event as { cluster: string }).cluster);
      assert.deepEqual(startedAfterHalt, [], 'started after the stage halted');
      assert.ok(entries.some((e) => e.event.type === 'rollout.group.stopped' && (e.event as { group: string }).group === 'region=eu') || !s.has('prod-eu-2') || entries.some((e) => e.event.type === 'rollout.cluster.started' && (e.event as { cluster: string }).cluster === 'prod-eu-2' && e.seq < haltedSeq), 'prod-eu-2 started before the halt, or its group stopped');
      // And every cluster it started was maintained through its phase and given back
      for (const [c, span] of s) {
        assert.ok(Number.isFinite(span[1]), `${c}: its lease given back`);
        assert.equal(ofType(entries, 'phase.completed').filter((e) => e.event.cluster === c).length, 1, `${c}: its phase completed once`);
      }
      // And nothing is left cordoned in any region, and the referee is clean in every region
      assert.deepEqual(await cordonedAnywhere(w.ts), []);
      await assertRefereeClean(w.ts, (c) => (s.has(c) ? 1 : 0));
    } finally {
      stopWatching = true;
      await Promise.all(approvals);
      await w.stop();
    }
  });
});

/**
 * A full run of the plan without its approval writes about 570 journal entries on this fleet (measured:
 * 567-575, depending on how many evictions a budget turns away); its last ones (the last cluster's give-back,
 * its analysis, the group, the stage, run.succeeded) come within milliseconds of each other, so kill points
 * stop short of them.
 */
const LAST_KILL_POINT = 540;
/**
 * Runs per test run: three (each a fresh fleet, one or two kills and resumes, about 20 real seconds), more
 * with FC_RUNS. The density is the unit test's: it stops the rollout at entries over its whole length.
 */
const RUNS = Math.max(3, Number(process.env.FC_RUNS ?? 3));

describe('a rollout killed with SIGKILL and resumed', () => {
  test('killed at points fast-check chooses and resumed until it ends, it succeeds with no cluster maintained twice, every worker of every region rebooted once, nothing cordoned', { timeout: 60_000 + RUNS * 90_000 }, async (t: TestContext) => {
    const seed = Number(process.env.FC_SEED ?? Date.now() % 2_147_483_647);
    t.diagnostic(`fast-check seed ${seed} (rerun with FC_SEED=${seed})`);
    const points: string[] = [];
    await fc.assert(
      fc.asyncProperty(
        // one or two kills, each once the journal holds that many entries (the second in the resumed process)
        fc.uniqueArray(fc.noBias(fc.integer({ min: 1, max: LAST_KILL_POINT })), { minLength: 1, maxLength: 2 }).map((xs) => [...xs].sort((a, b) => a - b)),
        async (kills) => {
          // Given a fresh fleet and the plan (no approval, each prod cluster's analysis passing) run as `daylight run`
          const w = await world({ approval: false, analysis: true });
          const children: Child[] = [];
          const start = (resume?: string) => {
            const c = daylight(runArgs(w, resume));
            children.push(c);
            return c;
          };
          const started = Date.now();
          try {
            // When it is killed with SIGKILL once its journal holds each kill point's entries (the second kill in
            // the resumed process, after it wrote at least one entry), and resumed after each kill
            let runId = '';
            const died: number[] = [];
            let child: Child | undefined = start();
            for (const k of kills) {
              const killed = await killWhen(child, w.stateDir, (lines) => lines >= Math.max(k, (died.at(-1) ?? 0) + 1));
              if (!killed) break;
              const dead = theRun(w.stateDir);
              assert.ok(dead, 'the run has a journal');
              runId = dead.runId;
              died.push(lineCount(dead.journal));
              // (a kill just after run.succeeded leaves nothing to resume)
              child = replay(runId, entriesOf(dead.journal)).status === 'succeeded' ? undefined : start(runId);
              if (!child) break;
            }
            const final = await child?.exited;
            const run = theRun(w.stateDir);
            assert.ok(run && (runId === '' || runId === run.runId), 'one run, resumed under its own id');
            const entries = entriesOf(run.journal);
            points.push(`kills at ${kills.join(', ')} (died at ${died.join(', ')}), ${entries.length} entries, ${((Date.now() - started) / 1000).toFixed(0)} s`);
            // Then the last process exits 0 and says succeeded
            if (final) {
              assert.equal(final.code, 0, `the last process exits 0\n${final.stderr}\n${final.stdout.trim().split('\n').slice(-3).join('\n')}`);
              assert.doesNotMatch(final.stderr, /\n\s+at /, 'no stack trace');
              assert.deepEqual({ type: lastJson(final.stdout).type, status: lastJson(final.stdout).status }, { type: 'run.summary', status: 'succeeded' });
            }
            // And no cluster was maintained twice, every worker rebooted once, nothing is left cordoned
            await assertResumedCleanly(w, entries, died.length);
          } finally {
            for (const c of children) c.kill('SIGKILL');
            await Promise.all(children.map((c) => c.exited));
            await w.stop();
          }
        },
      ),
      { numRuns: RUNS, seed, endOnFailure: true },
    );
    t.diagnostic(`kill points: ${points.join('; ')}`);
  });
});

/**
 * After kills and resumes: one run, started once and resumed once per kill; each cluster's phase completed
 * once and its analysis judged once; the stages completed in order, each soak journaled with one end; every
 * worker of every region rebooted exactly once, nothing cordoned, the referee clean, the hash chain intact.
 */
async function assertResumedCleanly(w: World, entries: readonly JournalEntry[], kills: number): Promise<void> {
  const count = (type: RunEvent['type']) => entries.filter((e) => e.event.type === type).length;
  assert.equal(count('run.started'), 1, 'started once');
  assert.equal(count('run.resumed'), kills, 'resumed once per kill');
  assert.equal(entries.at(-1)?.event.type, 'run.succeeded');
  const runId = entries[0]?.runId ?? '';
  const text = readFileSync(theRun(w.stateDir)?.journal ?? '', 'utf8');
  assert.deepEqual(verifyChain(text), { ok: true, entries: entries.length }, 'the journal hash chain verifies');
  for (const c of CLUSTERS) {
    assert.equal(ofType(entries, 'phase.completed').filter((e) => e.event.cluster === c.name).length, 1, `${c.name}: maintained once (one phase.completed)`);
  }
  assert.deepEqual(ofType(entries, 'rollout.gates.evaluated').map((e) => e.event.cluster).sort(), [...PROD].sort(), 'each prod cluster analysed once');
  assert.deepEqual(ofType(entries, 'rollout.stage.completed').map((e) => e.event.stage), ['dev', 'staging', 'prod']);
  for (const stage of ['dev', 'staging']) {
    const ends = new Set(ofType(entries, 'rollout.soak.started').filter((e) => e.event.stage === stage).map((e) => e.event.until));
    assert.equal(ends.size, 1, `${stage}: its soak keeps one end across resumes`);
    assert.equal(ofType(entries, 'rollout.soak.completed').filter((e) => e.event.stage === stage).length, 1, `${stage}: soaked once`);
  }
  const state = replay(runId, entries);
  const nodes = CLUSTERS.flatMap((c) => workersOf(c.name).map((n) => `${c.name}/${n}`));
  assert.deepEqual(nodes.map((n) => `${n} ${state.nodes[n]?.outcome}`), nodes.map((n) => `${n} maintained`));
  assert.deepEqual(await cordonedAnywhere(w.ts), [], 'nothing cordoned or annotated in any region');
  await assertRefereeClean(w.ts, () => 1);
}
