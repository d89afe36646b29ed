// Crash and resume of `daylight run` as a child process against the sandbox: killed with SIGKILL at points
// fast-check chooses (with a torn last journal line, and again while resuming), Ctrl-C, and `daylight
// recover`; judged by the sandbox's referee and kubectl, never by Daylight's own word. Every kill point of
// a run, in both ways a process can die there, is proved in-process by test/unit/engine/kill-points.test.ts
// (in seconds, over the engine's fakes); the few kills here prove the real process wiring: SIGKILL, a torn
// line in the journal file on disk, the lease and the cordons of a process that died.
import { describe, test } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { verifyChain } from '../../src/journal/file-journal.ts';
import type { JournalEntry, RunEventType } from '../../src/engine/events.ts';
import { replay } from '../../src/engine/state.ts';
import type { RefereeReport } from '../../src/sandbox/referee.ts';
import { ok } from '../e2e/helpers.ts';
import { smallFleet } from '../support/fleets.ts';
import { allPodsReady, startTestSandbox } from '../support/sandbox.ts';
import type { TestSandbox } from '../support/sandbox.ts';
import { tempConfigHome } from '../helpers/journal-key.ts';
import { daylightChild } from '../support/daylight-child.ts';
import type { Child, Exit } from '../support/daylight-child.ts';

// The CLIs this file starts make their journal key in a temporary config directory, not in the home.
tempConfigHome();

const REGION = 'eu-central';
/** Simulated seconds per real second: a reboot (60 s) takes half a real second, a whole run about three. */
const SPEED = 120;
const WORKERS = ['eu-central-a-r1-n1', 'eu-central-a-r1-n2', 'eu-central-b-r1-n1', 'eu-central-b-r1-n2', 'eu-central-c-r1-n1', 'eu-central-c-r1-n2'];
/**
 * A full run of the plan below on this fleet writes about 80 journal entries (measured: 79-83, depending on
 * how many evictions a budget turns away); its last ones (phase.completed, lease.released, run.succeeded)
 * come within a few milliseconds of each other, so kill points stop short of them.
 */
const LAST_KILL_POINT = 72;
/**
 * Kill points per test run: three (each a kill, a torn line and a second kill while resuming), more with
 * FC_RUNS (each takes about nine real seconds). The density is the unit test's: it kills at every entry.
 */
const RUNS = Math.max(3, Number(process.env.FC_RUNS ?? 3));
/** Real-time budget of one `daylight run` child. */
const CHILD_MS = 60_000;

// ---------------------------------------------------------------------------------------------- fixtures

/** 3 zones × 1 rack × 2 workers (plus a control-plane node), a Deployment under a PDB, and a DaemonSet. */
function crashFleet() {
  return smallFleet({
    speed: SPEED,
    rebootSeconds: 60,
    workloads: [
      '{name: web, namespace: shop, kind: Deployment, replicas: 4, cpu: 500m, memory: 256Mi, startupSeconds: 5, readinessSeconds: 5, pdb: {minAvailable: 3}, spread: zone, service: {rpsPerPod: 100}}',
      '{name: node-agent, namespace: kube-system, kind: DaemonSet}',
    ],
  });
}

/** Reboot every worker, two at a time, zone by zone, a canary first; waits long enough never to time out. */
function planYaml(): string {
  return [
    'apiVersion: daylight.dev/v1alpha1',
    'kind: MaintenancePlan',
    'metadata: {name: crash-test}',
    'spec:',
    '  clusters:',
    `    - {name: ${REGION}, context: ${REGION}}`,
    '  phases:',
    '    - name: os-reboot',
    '      type: nodes',
    '      maxUnavailable: 2',
    '      topology: {key: topology.kubernetes.io/zone, serial: true}',
    '      canary: 1',
    '      drain: {timeout: 1h, onTimeout: fail}',
    '      action: {type: agent, operation: reboot}',
    '      ready: {timeout: 1h}',
    '  gates:',
    '    - {type: kube, check: nodes-ready}',
    '    - {type: kube, check: workloads-available}',
    '',
  ].join('\n');
}

interface World {
  readonly ts: TestSandbox;
  readonly dir: string;
  readonly plan: string;
  readonly stateDir: string;
  stop(): Promise<void>;
}

/** A fresh sandbox with every pod Ready (so referee counts start at 0), a plan file and an empty state dir. */
async function world(): Promise<World> {
  const ts = await startTestSandbox(crashFleet(), { speed: SPEED });
  const dir = await mkdtemp(join(tmpdir(), 'daylight-crash-'));
  try {
    await ts.until('every pod of the fleet is Ready', () => allPodsReady(ts.sandbox), 20_000);
    const plan = join(dir, 'plan.yaml');
    await writeFile(plan, planYaml());
    return {
      ts,
      dir,
      plan,
      stateDir: join(dir, 'state'),
      stop: async () => {
        await ts.stop();
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (e: unknown) {
    await ts.stop();
    await rm(dir, { recursive: true, force: true });
    throw e;
  }
}

// ------------------------------------------------------------------------------------ the daylight child

function daylight(args: readonly string[]): Child {
  return daylightChild(args, CHILD_MS);
}

function runArgs(w: World, resume?: string): string[] {
  return ['run', '-f', w.plan, '--kubeconfig', w.ts.kubeconfigPath, '--state-dir', w.stateDir, '-o', 'json', ...(resume ? ['--resume', resume] : [])];
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

/** The journal's whole lines (a torn last line, without its newline, is not an entry). */
function entries(journal: string): JournalEntry[] {
  return readFileSync(journal, 'utf8')
    .split('\n')
    .slice(0, -1)
    .map((l) => JSON.parse(l) as JournalEntry);
}

function statusOf(runId: string, journal: string): string {
  return replay(runId, entries(journal)).status;
}

function lineCount(journal: string): number {
  return readFileSync(journal, 'utf8').split('\n').length - 1;
}

/**
 * Waits (polling the journal every few milliseconds) until `ready` holds for the journal's text, then sends
 * `signal` and waits for the child to end. Undefined when the child ended by itself before that.
 */
async function signalWhen(child: Child, stateDir: string, ready: (journal: string) => boolean, signal: NodeJS.Signals): Promise<Exit | undefined> {
  for (;;) {
    if (child.done()) return undefined;
    const run = theRun(stateDir);
    if (run && ready(run.journal)) {
      child.kill(signal);
      const exit = await child.exited;
      return exit.signal === signal || signal !== 'SIGKILL' ? exit : undefined;
    }
    await new Promise((r) => setTimeout(r, 4));
  }
}

/**
 * What a crash in the middle of writing the next entry leaves: the start of that entry's line and no newline.
 * (A SIGKILL cannot tear a single write(2) to a regular file, so the test tears it, as a power cut would.)
 */
function tearNextEntry(journal: string, runId: string, keep: number): void {
  const last = entries(journal).at(-1);
  const next = { seq: (last?.seq ?? 0) + 1, at: last?.at ?? 0, wall: new Date().toISOString(), runId, event: { type: 'node.cordon.requested', cluster: REGION, node: WORKERS[0] }, prev: last?.hash ?? '', hash: 'f'.repeat(64) };
  const line = JSON.stringify(next);
  appendFileSync(journal, line.slice(0, Math.min(keep, line.length - 1)));
}

// ----------------------------------------------------------------------------------- what a user checks

async function referee(ts: TestSandbox): Promise<RefereeReport> {
  return (await ts.api(REGION, '/sandbox/v1/referee')) as RefereeReport;
}

interface NodeLook {
  readonly name: string;
  readonly unschedulable: boolean;
  readonly cordonedBy: string;
}

/** Every node as kubectl shows it: name, spec.unschedulable and the daylight.dev/cordoned-by annotation. */
async function nodes(ts: TestSandbox): Promise<NodeLook[]> {
  const out = ok(await ts.kubectl(['--context', REGION, 'get', 'nodes', '-o', 'jsonpath={range .items[*]}{.metadata.name}{"\\t"}{.spec.unschedulable}{"\\t"}{.metadata.annotations.daylight\\.dev/cordoned-by}{"\\n"}{end}']), 'get nodes');
  return out
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => {
      const [name = '', unschedulable = '', cordonedBy = ''] = l.split('\t');
      return { name, unschedulable: unschedulable === 'true', cordonedBy };
    });
}

function lastJson(stdout: string): Record<string, unknown> {
  const line = stdout.trim().split('\n').at(-1) ?? '';
  return JSON.parse(line) as Record<string, unknown>;
}

function count(list: readonly JournalEntry[], type: RunEventType): number {
  return list.filter((e) => e.event.type === type).length;
}

/**
 * The outcome a user wants after any number of crashes: done, each worker rebooted once, nothing left cordoned.
 * `final` is the last process's exit, undefined when the last kill came after the run had succeeded.
 */
async function assertCompletedCleanly(w: World, runId: string, final: Exit | undefined): Promise<void> {
  if (final) {
    assert.equal(final.code, 0, `the last resume exits 0\n${final.stderr}\n${final.stdout.trim().split('\n').slice(-4).join('\n')}`);
    assert.doesNotMatch(final.stderr, /\n\s+at /, 'no stack trace');
    assert.deepEqual({ type: lastJson(final.stdout).type, status: lastJson(final.stdout).status }, { type: 'run.summary', status: 'succeeded' });
  }
  const r = await referee(w.ts);
  assert.deepEqual(r.reboots, Object.fromEntries(WORKERS.map((n) => [`${REGION}/${n}`, 1])), 'every worker rebooted exactly once, the control plane never');
  assert.equal(r.pdbBreaches, 0, 'no budget breached');
  assert.equal(r.podsKilledWithoutEviction, 0, 'no pod killed without an eviction');
  assert.ok((r.maxConcurrentUnavailableNodes[REGION] ?? 0) <= 2, `never more than 2 nodes out (saw ${r.maxConcurrentUnavailableNodes[REGION]})`);
  const left = (await nodes(w.ts)).filter((n) => n.unschedulable || n.cordonedBy);
  assert.deepEqual(left, [], 'no node left cordoned or annotated');
  const run = theRun(w.stateDir);
  assert.ok(run);
  assert.equal(run.runId, runId);
  const text = readFileSync(run.journal, 'utf8');
  assert.deepEqual(verifyChain(text), { ok: true, entries: text.split('\n').filter(Boolean).length }, 'the journal hash chain verifies');
  const list = entries(run.journal);
  // And the journal is signed throughout and matches the head its run anchored in the cluster
  const audit = await daylight(['audit', 'verify', runId, '--state-dir', w.stateDir, '--kubeconfig', w.ts.kubeconfigPath]).exited;
  assert.equal(audit.code, 0, `audit verify exits 0\n${audit.stderr}`);
  assert.match(audit.stdout, new RegExp(`intact, signed by key [0-9a-f]{32}, anchored at seq \\d+ in cluster ${REGION} .*: ${list.length} entries`));
  assert.equal(count(list, 'run.started'), 1, 'started once');
  assert.ok(count(list, 'run.resumed') >= 1, 'resumed at least once');
  assert.equal(list.at(-1)?.event.type, 'run.succeeded');
  assert.deepEqual(count(list, 'node.action.requested') >= WORKERS.length, true);
  const state = replay(runId, list);
  assert.deepEqual(
    WORKERS.map((n) => state.nodes[`${REGION}/${n}`]?.outcome),
    WORKERS.map(() => 'maintained'),
  );
}

// ------------------------------------------------------------------------------------------------- tests

// Each test has its own sandbox, state dir and processes, so they run side by side: most of their time is
// waiting on child processes and on a dead run's lease.
describe('daylight run killed and resumed', { concurrency: true }, () => {
  test('killed with SIGKILL at points fast-check chooses (and again while resuming), then resumed, it completes with no node rebooted twice and no cordon left behind', { timeout: 60_000 + RUNS * 60_000 }, async (t: TestContext) => {
    const seed = Number(process.env.FC_SEED ?? Date.now() % 2_147_483_647);
    t.diagnostic(`fast-check seed ${seed} (rerun with FC_SEED=${seed})`);
    const points: string[] = [];
    await fc.assert(
      fc.asyncProperty(
        // where the first kill lands, spread evenly over the run (a few cases should not all sit at its edges)
        fc.noBias(fc.integer({ min: 1, max: LAST_KILL_POINT })),
        // the resumed process is killed too, this many entries later (at most at LAST_KILL_POINT)
        fc.integer({ min: 1, max: 40 }),
        // the next entry is left torn, this many bytes of it
        fc.integer({ min: 1, max: 300 }),
        async (killAt, secondKillAfter, tornBytes) => {
          const w = await world();
          const children: Child[] = [];
          const start = (resume?: string) => {
            const c = daylight(runArgs(w, resume));
            children.push(c);
            return c;
          };
          try {
            // Given a fresh fleet and a run of the plan in its own process
            const first = start();
            // When the run is killed with SIGKILL once its journal holds `killAt` entries
            const killed = await signalWhen(first, w.stateDir, (j) => lineCount(j) >= killAt, 'SIGKILL');
            assert.ok(killed, `the run was still going at ${killAt} entries\n${(await first.exited).stderr}`);
            const run = theRun(w.stateDir);
            assert.ok(run);
            const at = lineCount(run.journal);
            let point = `kill at ${killAt} (died at ${at})`;
            // (and the next entry is cut short as a crash mid-write would leave it)
            tearNextEntry(run.journal, run.runId, tornBytes);
            point += ` torn ${tornBytes}B`;
            // And it is resumed, the resumed process is killed too, then it is resumed until it ends
            let final: Exit | 'killed after it succeeded' | undefined;
            for (let round = 0; round < 5 && !final; round++) {
              const resumed = start(run.runId);
              if (round === 0) {
                // (kept short of the run's last entries, so that the second kill lands in each case)
                const threshold = Math.min(at + secondKillAfter, Math.max(at + 1, LAST_KILL_POINT));
                const again = await signalWhen(resumed, w.stateDir, (j) => lineCount(j) >= threshold && !entries(j).some((e) => e.event.type === 'phase.completed'), 'SIGKILL');
                if (again) {
                  point += `, resumed and killed again at ${threshold} (died at ${lineCount(run.journal)})`;
                  final = statusOf(run.runId, run.journal) === 'succeeded' ? 'killed after it succeeded' : undefined;
                  continue;
                }
              }
              final = await resumed.exited;
            }
            points.push(point);
            assert.ok(final, 'the run ended within five resumes');
            if (final === 'killed after it succeeded') {
              // (the second kill came just after run.succeeded: the run is over, and a resume says so)
              const refused = await start(run.runId).exited;
              assert.equal(refused.code, 2);
              assert.match(refused.stderr, /^daylight: run \S+ is over \(succeeded\); start a new run/);
            }
            // Then it succeeded, every worker rebooted exactly once, and nothing is left cordoned
            await assertCompletedCleanly(w, run.runId, final === 'killed after it succeeded' ? undefined : final);
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

  test('Ctrl-C pauses the run, exits non-zero with its cordons kept under its run id, and --resume completes it', { timeout: 120_000 }, async () => {
    const w = await world();
    const children: Child[] = [];
    try {
      // Given a run in its own process
      const child = daylight(runArgs(w));
      children.push(child);
      // When Ctrl-C (SIGINT) reaches it while the canary node is rebooting
      const exit = await signalWhen(child, w.stateDir, (j) => entries(j).some((e) => e.event.type === 'node.action.requested'), 'SIGINT');
      // Then it pauses: exit 1, the journal ends with run.paused saying it was interrupted
      assert.ok(exit, 'the run was still going');
      assert.equal(exit.code, 1, exit.stderr);
      assert.match(exit.stderr, /Pausing at once/);
      assert.doesNotMatch(exit.stderr, /\n\s+at /, 'no stack trace');
      const run = theRun(w.stateDir);
      assert.ok(run);
      const list = entries(run.journal);
      const last = list.at(-1)?.event;
      assert.equal(last?.type, 'run.paused');
      assert.match(last?.type === 'run.paused' ? last.reason : '', /interrupted/);
      assert.match(lastJson(exit.stdout).status as string, /paused/);
      // And the nodes it cordoned and had not given back stay cordoned, annotated with its run id
      const held = Object.values(replay(run.runId, list).nodes).filter((n) => n.step !== 'done' && n.step !== 'pending' && n.step !== 'cordoning');
      assert.ok(held.length >= 1, 'the canary was cordoned when Ctrl-C came');
      const look = await nodes(w.ts);
      for (const n of held) assert.deepEqual(look.find((x) => x.name === n.node), { name: n.node, unschedulable: true, cordonedBy: run.runId });
      assert.deepEqual(look.filter((x) => x.unschedulable).map((x) => x.name).sort(), held.map((n) => n.node).sort(), 'and no other node is cordoned');
      // When it is resumed
      const resumed = daylight(runArgs(w, run.runId));
      children.push(resumed);
      // Then it completes, and no worker was rebooted twice
      await assertCompletedCleanly(w, run.runId, await resumed.exited);
    } finally {
      for (const c of children) c.kill('SIGKILL');
      await Promise.all(children.map((c) => c.exited));
      await w.stop();
    }
  });

  test('daylight recover uncordons exactly the dead run\'s nodes once its lease expired, leaves a kubectl cordon alone, --dry-run changes nothing, and --resume maintains what recover gave back', { timeout: 180_000 }, async () => {
    const w = await world();
    const children: Child[] = [];
    const recover = async (...extra: string[]) => {
      const c = daylight(['recover', '--kubeconfig', w.ts.kubeconfigPath, '--context', REGION, '--state-dir', w.stateDir, ...extra]);
      children.push(c);
      return c.exited;
    };
    try {
      // Given a run killed with SIGKILL while both nodes of the zone-b wave are cordoned
      const child = daylight(runArgs(w));
      children.push(child);
      const zoneB = ['eu-central-b-r1-n1', 'eu-central-b-r1-n2'];
      const killed = await signalWhen(child, w.stateDir, (j) => zoneB.every((n) => entries(j).some((e) => e.event.type === 'node.cordoned' && 'node' in e.event && e.event.node === n)), 'SIGKILL');
      assert.ok(killed, 'the run was still going');
      const run = theRun(w.stateDir);
      assert.ok(run);
      const entriesAtDeath = lineCount(run.journal);
      const ours = (await nodes(w.ts)).filter((n) => n.cordonedBy === run.runId).map((n) => n.name).sort();
      assert.deepEqual(ours, zoneB, 'the dead run holds the two zone-b nodes');
      // And a node a person cordoned with kubectl (no annotation)
      const manual = 'eu-central-c-r1-n1';
      ok(await w.ts.kubectl(['--context', REGION, 'cordon', manual]), 'kubectl cordon');
      const cordonedBefore = await nodes(w.ts);
      // When recover runs while the dead run's Lease is still fresh (renewed each second in its holder's name,
      // as a holder still alive on another host would: however long the recover process takes to start)
      const fresh = keepLeaseFresh(w.ts);
      const early = await recover().finally(fresh.stop);
      // Then it leaves everything, saying the run is still active
      assert.equal(early.code, 0, early.stderr);
      for (const n of zoneB) assert.match(early.stdout, new RegExp(`${REGION}/${n} \\(run ${run.runId}\\): left: run still active`));
      assert.ok((await fresh.stopped) > 0, 'the Lease was renewed while recover ran');
      assert.deepEqual(await nodes(w.ts), cordonedBefore);
      // When the Lease has expired (10 real seconds after its last renewal on this fast sandbox) and recover runs with --dry-run
      await w.ts.until('the dead run\'s Lease expired', () => leaseExpired(w.ts), 60_000);
      const dry = await recover('--dry-run');
      // Then it names the dead run's nodes and changes nothing
      assert.equal(dry.code, 0, dry.stderr);
      assert.deepEqual(dry.stdout.trim().split('\n').sort(), zoneB.map((n) => `${REGION}/${n} (run ${run.runId}): would uncordon (dry run)`));
      assert.deepEqual(await nodes(w.ts), cordonedBefore);
      assert.equal(lineCount(run.journal), entriesAtDeath, 'a dry run writes nothing to the journal');
      // When recover runs for real
      const real = await recover('-o', 'json');
      // Then exactly the dead run's nodes are uncordoned, the kubectl cordon stays, and the run's journal says so
      assert.equal(real.code, 0, real.stderr);
      const done = JSON.parse(real.stdout) as { node: string; runId: string; action: string }[];
      assert.deepEqual(done.map((d) => `${d.node} ${d.runId} ${d.action}`).sort(), zoneB.map((n) => `${n} ${run.runId} uncordoned`));
      const after = await nodes(w.ts);
      assert.deepEqual(after.filter((n) => n.unschedulable || n.cordonedBy), [{ name: manual, unschedulable: true, cordonedBy: '' }]);
      const text = readFileSync(run.journal, 'utf8');
      assert.equal(verifyChain(text).ok, true, 'the journal still verifies');
      const recorded = entries(run.journal).slice(entriesAtDeath);
      assert.deepEqual(recorded.map((e) => `${e.event.type} ${'node' in e.event ? e.event.node : ''}`).sort(), zoneB.map((n) => `node.recovered ${n}`).sort());
      // And recover did not mark them done: the run's state does not count them as maintained or skipped
      const state = replay(run.runId, entries(run.journal));
      for (const n of zoneB) assert.notEqual(state.nodes[`${REGION}/${n}`]?.step, 'done', `${n} is not done`);
      // And a second recover finds nothing to do
      const again = await recover();
      assert.equal(again.code, 0, again.stderr);
      assert.match(again.stdout, /nothing to recover/);
      // When the person uncordons their node and resumes the run
      ok(await w.ts.kubectl(['--context', REGION, 'uncordon', manual]), 'kubectl uncordon');
      const resumed = daylight(runArgs(w, run.runId));
      children.push(resumed);
      const exit = await resumed.exited;
      // Then the run maintains the nodes recover gave back: each worker rebooted exactly once, the run succeeded
      // (the referee's count of nodes out at once includes the person's cordon while the run was dead, so it is not judged here)
      assert.equal(exit.code, 0, `${exit.stderr}\n${exit.stdout.trim().split('\n').slice(-3).join('\n')}`);
      assert.equal(lastJson(exit.stdout).status, 'succeeded');
      const ref = await referee(w.ts);
      assert.deepEqual(ref.reboots, Object.fromEntries(WORKERS.map((n) => [`${REGION}/${n}`, 1])), 'every worker rebooted exactly once');
      assert.equal(ref.pdbBreaches, 0);
      assert.equal(ref.podsKilledWithoutEviction, 0);
      assert.deepEqual((await nodes(w.ts)).filter((n) => n.unschedulable || n.cordonedBy), [], 'nothing left cordoned');
      const end = replay(run.runId, entries(run.journal));
      for (const n of zoneB) assert.equal(end.nodes[`${REGION}/${n}`]?.outcome, 'maintained', `${n} maintained`);
    } finally {
      for (const c of children) c.kill('SIGKILL');
      await Promise.all(children.map((c) => c.exited));
      await w.stop();
    }
  });
});

describe('daylight run: an outcome that is not a full success is never reported as one', () => {
  test('a worker a person cordoned is left alone: the run ends degraded with exit 1, naming the node and why', { timeout: 120_000 }, async () => {
    const w = await world();
    let child: Child | undefined;
    try {
      // Given a worker cordoned with kubectl before the run
      const manual = 'eu-central-c-r1-n2';
      ok(await w.ts.kubectl(['--context', REGION, 'cordon', manual]), 'kubectl cordon');
      // When the plan runs to its end
      child = daylight(runArgs(w));
      const exit = await child.exited;
      // Then it exits 1 and its summary says degraded, naming the node it did not maintain
      assert.equal(exit.code, 1, `${exit.stderr}\n${exit.stdout.trim().split('\n').slice(-3).join('\n')}`);
      assert.doesNotMatch(exit.stderr, /\n\s+at /, 'no stack trace');
      const summary = lastJson(exit.stdout) as { type?: string; status?: string; problems?: string[] };
      assert.equal(summary.type, 'run.summary');
      assert.equal(summary.status, 'degraded');
      assert.deepEqual(summary.problems, [`${REGION}/${manual}: not maintained: left alone by phase os-reboot (cordoned by someone else)`]);
      // And every other worker was rebooted once, the cordoned one never, and the person's cordon stays
      const r = await referee(w.ts);
      assert.deepEqual(r.reboots, Object.fromEntries(WORKERS.filter((n) => n !== manual).map((n) => [`${REGION}/${n}`, 1])));
      assert.deepEqual((await nodes(w.ts)).filter((n) => n.unschedulable).map((n) => n.name), [manual]);
    } finally {
      child?.kill('SIGKILL');
      await child?.exited;
      await w.stop();
    }
  });
});

interface LeaseObject {
  readonly spec?: { readonly holderIdentity?: string; readonly renewTime?: string; readonly leaseDurationSeconds?: number };
}

/**
 * Renews the maintenance Lease every real second by the sandbox's clock, keeping its holder, as a holder
 * that is still alive would; `stop` ends it, and `stopped` gives how many renewals were written.
 */
function keepLeaseFresh(ts: TestSandbox): { stop: () => void; stopped: Promise<number> } {
  let going = true;
  const stopped = (async () => {
    let renewals = 0;
    while (going) {
      const renewTime = new Date(ts.sandbox.fleet.clock.nowMs()).toISOString().replace('Z', '000Z');
      ok(await ts.kubectl(['--context', REGION, '-n', 'kube-system', 'patch', 'lease', 'daylight-maintenance', '--type=merge', '-p', JSON.stringify({ spec: { renewTime } })]), 'renew the Lease');
      renewals++;
      await new Promise((r) => setTimeout(r, 1000));
    }
    return renewals;
  })();
  return { stop: () => void (going = false), stopped };
}

/** The maintenance Lease's renewTime + duration lies behind the sandbox's clock. */
async function leaseExpired(ts: TestSandbox): Promise<boolean> {
  const lease = (await ts.api(REGION, '/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/daylight-maintenance')) as LeaseObject;
  const renewed = Date.parse(lease.spec?.renewTime ?? '');
  const seconds = lease.spec?.leaseDurationSeconds ?? 0;
  return Number.isFinite(renewed) && renewed + seconds * 1000 < ts.sandbox.fleet.clock.nowMs();
}
