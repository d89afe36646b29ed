// A run that dies at any point and is resumed completes as if it had never died: for EVERY journal entry k
// of a full run (a canary, two waves of two, maxUnavailable 2, a disruption budget that turns evictions
// away, gates and a soak), the process dies at entry k, in both ways a process can die there: right after
// entry k was kept (what it did next never happened) and as it asked for entry k+1 (everything it did
// after entry k happened, unjournaled). A dead process does nothing more: its journal appends never
// complete and every call it makes to the cluster, the gates or the clock hangs forever. Then a new
// process resumes from the k entries (some from a journal file whose last line the crash tore), at once
// or once the dead holder's lease has expired, and some die again while resuming. Each time: the run
// succeeds, every node rebooted exactly once and only while cordoned, nothing left cordoned, no pod killed
// without an eviction, the budget and maxUnavailable never breached, the lease free again, the journal
// chain intact, and every node maintained by the replayed state. The process-level test
// (test/integration/crash-resume.test.ts) keeps a few real SIGKILLs for the wiring: signals, torn lines on
// disk, the lease of a dead process.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { GateResult, RunEvent } from '../../../src/engine/events.ts';
import type { Journal } from '../../../src/engine/journal.ts';
import { LEASE_NAME, leaseSeconds } from '../../../src/engine/lease-keeper.ts';
import type { EngineDeps } from '../../../src/engine/ports.ts';
import type { Cluster } from '../../../src/engine/ports/cluster.ts';
import { chainBreak, headOf, sealEntry } from '../../../src/engine/ports/journal-chain.ts';
import type { JournalHead, SealedEntry } from '../../../src/engine/ports/journal.ts';
import { executeRun } from '../../../src/engine/runner.ts';
import type { RunEnd } from '../../../src/engine/runner.ts';
import { isFinished, replay } from '../../../src/engine/state.ts';
import { FileJournal, verifyChain } from '../../../src/journal/file-journal.ts';
import { abortError } from '../../../src/lib/clock.ts';
import type { Clock } from '../../../src/lib/clock.ts';
import { MemoryJournal } from '../../support/memory-journal.ts';
import { CLUSTER, FakeFleet, rebootPlan, RUN_ID, VirtualClock } from './runner-fakes.ts';

/** Generous: a loaded machine; all kill points together take a few seconds. */
const TEST = { timeout: 120_000 };
const WAVES = [['node-a1'], ['node-b1', 'node-b2'], ['node-c1', 'node-c2']];
const NODES = WAVES.flat();
const MAX_UNAVAILABLE = 2;

/** Where a process dies: once its journal holds `at` entries, right after the last was kept, or as it asks for the next. */
interface Crash {
  readonly at: number;
  readonly mode: 'kept' | 'asking';
}

/**
 * One `daylight run` process: alive, then dead. A dead process gets no answer to anything it asked before
 * and asks nothing more: every promise it waits on hangs. At the end of a case it is reaped (its hung
 * promises reject as aborted, so its code unwinds and its timers stop) to show it then changes nothing.
 */
class Process {
  private dead = false;
  private reaped = false;
  private readonly hung: (() => void)[] = [];
  private mark: () => void = () => undefined;
  /** Resolves when the process dies. */
  readonly died = new Promise<void>((r) => (this.mark = r));

  get isDead(): boolean {
    return this.dead;
  }

  die(): void {
    if (this.dead) return;
    this.dead = true;
    this.mark();
  }

  /** Fails everything the dead process waits on, so its code unwinds; none of it reaches the cluster or the journal. */
  reap(): void {
    this.reaped = true;
    for (const r of this.hung.splice(0)) r();
  }

  hang<T>(): Promise<T> {
    if (this.reaped) return Promise.reject(abortError());
    return new Promise<T>((_resolve, reject) => this.hung.push(() => reject(abortError())));
  }

  /** `f` if alive, and its answer only while still alive. */
  call<T>(f: () => Promise<T>): Promise<T> {
    if (this.dead) return this.hang();
    return f().then(
      (v) => (this.dead ? this.hang<T>() : v),
      (e: unknown) => (this.dead ? this.hang<T>() : Promise.reject(e instanceof Error ? e : new Error(String(e)))),
    );
  }
}

/** Every asynchronous member of a port, called only by a live process. */
function gated<T extends object>(port: T, proc: Process): T {
  return Object.fromEntries(Object.entries(port).map(([k, v]) => [k, typeof v === 'function' ? (...a: unknown[]) => proc.call(() => (v as (...x: unknown[]) => Promise<unknown>).apply(port, a)) : v])) as T;
}

/** The fleet as one process reaches it: a watch or budget feed it opened answers only while it lives. */
function clusterIn(c: Cluster, proc: Process): Cluster {
  return {
    name: c.name,
    snapshot: (s) => proc.call(() => c.snapshot(s)),
    nodes: gated(c.nodes, proc),
    pods: {
      ...gated(c.pods, proc),
      watchNode: (n, s) => proc.call(() => c.pods.watchNode(n, s)).then((w) => ({ pods: (x) => proc.call(() => w.pods(x)), waitUntil: (d, t, x) => proc.call(() => w.waitUntil(d, t, x)), close: () => w.close() })),
    },
    budgets: gated(c.budgets, proc),
    workloads: gated(c.workloads, proc),
    leases: gated(c.leases, proc),
    events: gated(c.events, proc),
  };
}

function clockIn(clock: VirtualClock, proc: Process): Clock {
  return {
    speed: clock.speed,
    now: () => clock.now(),
    sleep: (ms, signal) => proc.call(() => clock.sleep(ms, signal)),
  };
}

/** The process's journal: entries up to the crash point are kept; the process dies there; past it nothing is. */
class ProcessJournal implements Journal {
  readonly runId = RUN_ID;
  /** The event whose append the process died asking for. */
  fatal: RunEvent | undefined;
  private asked: number;
  private readonly inner: Journal;
  private readonly proc: Process;
  private readonly crash: Crash | undefined;

  constructor(inner: Journal, proc: Process, crash: Crash | undefined) {
    this.inner = inner;
    this.proc = proc;
    this.crash = crash;
    this.asked = inner.entries.length;
  }

  get entries(): readonly SealedEntry<RunEvent>[] {
    return this.inner.entries;
  }

  head(): JournalHead {
    return this.inner.head();
  }

  append(event: RunEvent): Promise<SealedEntry<RunEvent>> {
    if (this.proc.isDead) return this.proc.hang();
    const seq = ++this.asked;
    const crash = this.crash;
    if (crash && seq > crash.at) {
      if (crash.mode === 'asking') {
        this.fatal = event;
        this.proc.die();
      }
      return this.proc.hang();
    }
    return this.proc.call(() =>
      this.inner.append(event).then((e) => {
        if (crash?.mode === 'kept' && e.seq === crash.at) this.proc.die();
        return e;
      }),
    );
  }
}

interface World {
  readonly clock: VirtualClock;
  readonly fleet: FakeFleet;
}

const PLAN = rebootPlan({
  phase: { maxUnavailable: MAX_UNAVAILABLE, soak: '1m', drain: { timeout: '10m' } },
  gates: [
    { type: 'kube', check: 'nodes-ready', name: 'nodes-ready' },
    { type: 'kube', check: 'workloads-available', name: 'workloads-available' },
  ],
});

function world(): World {
  const clock = new VirtualClock();
  // shop/web has a pod on each node, its budget lets one go at a time: two nodes draining together turn evictions away
  return { clock, fleet: new FakeFleet(clock, { nodes: NODES, rebootMs: 60_000, webBudget: { replaceMs: 5_000 } }) };
}

/** What `daylight run` wires for one process: every port through it, so its death stops them all. */
function depsFor(w: World, proc: Process): EngineDeps {
  const cluster = clusterIn(w.fleet.port, proc);
  return {
    runId: RUN_ID,
    plan: { path: 'plans/weekly.yaml', plan: PLAN, sha256: 'e'.repeat(64), text: '' },
    clusters: new Map([[CLUSTER, cluster]]),
    clock: clockIn(w.clock, proc),
    planPhase: () => ({ budget: MAX_UNAVAILABLE, waves: WAVES.map((nodes, index) => ({ index, nodes })), excluded: [], blockers: [] }),
    // The gates read the cluster as the real ones do: every node Ready, every workload whole
    evaluateGates: async (gates, c, signal) => {
      const down = (await c.nodes.list(signal)).filter((n) => !n.ready).map((n) => n.name);
      const short = (await c.workloads.list(signal)).filter((x) => x.availableReplicas < x.replicas).map((x) => `${x.namespace}/${x.name}`);
      return gates.map((g): GateResult => {
        const bad = g.type === 'kube' && g.check === 'nodes-ready' ? down : short;
        return { gate: g.name ?? g.type, type: g.type, passed: bad.length === 0, message: bad.length === 0 ? 'ok' : `not ready: ${bad.join(', ')}` };
      });
    },
    exec: () => Promise.reject(new Error('an agent action runs no command')),
    emit: () => undefined,
  };
}

interface Case {
  /** Where each process but the last dies, in order; the last runs to the end. */
  readonly crashes: readonly Crash[];
  /** Resume only once the dead holder's lease has expired on the clock (else at once). */
  readonly late?: boolean;
  /** The first resume opens a journal file whose last line the crash left torn, this many bytes of it. */
  readonly tornBytes?: number;
  readonly dir?: string;
}

interface Played {
  /** False when the first crash point lies past the end of the run: it ended before, and no process died. */
  readonly died: boolean;
  readonly end: RunEnd | undefined;
  readonly entries: readonly SealedEntry<RunEvent>[];
  readonly w: World;
  readonly said: string;
}

async function settled(j: Journal, count: number): Promise<void> {
  for (let i = 0; j.entries.length < count && i < 10_000; i++) await new Promise((r) => setImmediate(r));
}

/** A journal file holding `entries` and the first `bytes` of the entry that was being written. */
function tornFile(dir: string, entries: readonly SealedEntry<RunEvent>[], fatal: RunEvent, bytes: number, at: number): string {
  const path = join(dir, `journal-${entries.length}-${bytes}.jsonl`);
  const next = JSON.stringify(sealEntry(headOf(entries), { runId: RUN_ID, event: fatal, at, wall: new Date(at).toISOString() }, undefined));
  writeFileSync(path, `${entries.map((e) => JSON.stringify(e)).join('\n')}\n${next.slice(0, Math.min(bytes, next.length - 1))}`);
  return path;
}

async function play(c: Case): Promise<Played> {
  const w = world();
  const dead: { proc: Process; run: Promise<unknown> }[] = [];
  let entries: readonly SealedEntry<RunEvent>[] = [];
  let end: RunEnd | undefined;
  let fatal: RunEvent | undefined;
  const said: string[] = [];
  const files: FileJournal<RunEvent>[] = [];
  const journals: Journal[] = [];
  try {
    for (const [i, crash] of [...c.crashes, undefined].entries()) {
      const proc = new Process();
      if (i > 0 && c.late) await w.clock.sleep(Math.max(0, (w.fleet.leaseTakenOrRenewedAt ?? 0) + leaseSeconds(w.clock) * 1000 - w.clock.now()) + 1);
      let inner: Journal = new MemoryJournal<RunEvent>({ runId: RUN_ID, clock: () => w.clock.now(), entries });
      if (i === 1 && c.tornBytes !== undefined && c.dir && fatal) {
        const file = FileJournal.open<RunEvent>(tornFile(c.dir, entries, fatal, c.tornBytes, w.clock.now()), RUN_ID, () => w.clock.now());
        files.push(file);
        assert.equal(file.entries.length, entries.length, 'the torn line is not an entry');
        inner = file;
        said.push(`torn ${c.tornBytes}B`);
      }
      journals.push(inner);
      const journal = new ProcessJournal(inner, proc, crash);
      const run = executeRun({ deps: depsFor(w, proc), journal });
      const first = await Promise.race([run, proc.died.then(() => 'died' as const)]);
      if (first !== 'died') {
        end = first;
        entries = inner.entries;
        if (i === 0 && crash) return { died: false, end, entries, w, said: said.join(', ') };
        break;
      }
      dead.push({ proc, run: run.catch(() => undefined) });
      await settled(inner, crash?.at ?? 0);
      entries = [...inner.entries];
      fatal = journal.fatal;
      said.push(`died at ${entries.length} (${crash?.mode})`);
      assert.equal(entries.length, crash?.at);
      // (killed after the run had succeeded: a resume of a run that is over is refused by the CLI)
      if (isFinished(replay(RUN_ID, entries).status)) break;
    }
    // And what is left of the dead processes, reaped, changes nothing in the cluster or the journal
    const calls = w.fleet.calls.length;
    const kept = journals.map((j) => j.entries.length);
    for (const d of dead) d.proc.reap();
    await Promise.all(dead.map((d) => d.run));
    assert.equal(w.fleet.calls.length, calls, 'a dead process called the cluster');
    assert.deepEqual(journals.map((j) => j.entries.length), kept, 'a dead process wrote to a journal');
    for (const f of files) assert.deepEqual(verifyChain(readFileSync(f.path, 'utf8')), { ok: true, entries: f.entries.length }, 'the journal file verifies');
    return { died: true, end, entries, w, said: said.join(', ') };
  } finally {
    for (const f of files) f.close();
  }
}

/** The outcome a user wants after any number of crashes. */
async function assertCompleted(p: Played, crashes: number): Promise<void> {
  const why = `${p.said}\n${p.entries.map((e) => `${e.seq} ${e.event.type} ${'node' in e.event ? e.event.node : ''}`).join('\n')}`;
  const { fleet } = p.w;
  const state = replay(RUN_ID, p.entries);
  assert.equal(state.status, 'succeeded', `${state.reason}\n${why}`);
  if (p.end) assert.equal(p.end.status, 'succeeded', why);
  assert.deepEqual(fleet.rebooted().sort(), [...NODES].sort(), `every node rebooted exactly once\n${why}`);
  assert.deepEqual(fleet.cordoned(), [], `nothing left cordoned\n${why}`);
  assert.deepEqual(NODES.filter((n) => fleet.node(n).cordonedBy !== undefined), [], 'no cordon owner left');
  assert.deepEqual(fleet.killedWithoutEviction, [], `no pod killed without an eviction\n${why}`);
  assert.deepEqual(fleet.actedUncordoned, [], `every node cordoned when its reboot was asked\n${why}`);
  assert.ok(fleet.webLowest >= NODES.length - 1, `the budget of shop/web held (lowest ${fleet.webLowest})\n${why}`);
  assert.ok(fleet.maxUnavailable <= MAX_UNAVAILABLE, `never more than ${MAX_UNAVAILABLE} nodes out (saw ${fleet.maxUnavailable})\n${why}`);
  assert.equal(chainBreak(p.entries), undefined, 'the journal chain is intact');
  assert.equal(await fleet.port.leases.read(LEASE_NAME), undefined, `the lease is free again\n${why}`);
  assert.deepEqual(NODES.map((n) => state.nodes[`${CLUSTER}/${n}`]?.outcome), NODES.map(() => 'maintained'), why);
  assert.equal(p.entries.filter((e) => e.event.type === 'run.started').length, 1);
  const over = state.status === 'succeeded' && p.end === undefined;
  if (!over) assert.equal(p.entries.filter((e) => e.event.type === 'run.resumed').length, crashes, why);
}

test('a run that is never killed: the plan reboots every node once, and its budget turns evictions away', TEST, async () => {
  // Given the plan and the fleet every kill point starts from; When it runs to its end
  const p = await play({ crashes: [] });
  // Then it succeeded cleanly, and the budget of shop/web refused some evictions on the way
  await assertCompleted(p, 0);
  assert.ok(p.entries.some((e) => e.event.type === 'node.pod.blocked'), 'some eviction was turned away');
  assert.ok(p.entries.length > 60, `a long enough run (${p.entries.length} entries)`);
});

for (const mode of ['kept', 'asking'] as const) {
  const how = mode === 'kept' ? 'right after entry k was kept' : 'as it asked for entry k+1';
  test(`killed ${how}, for every k of a full run, then resumed: it completes, every node rebooted once, nothing left cordoned, no budget breached`, TEST, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'daylight-kill-points-'));
    try {
      let k = 1;
      for (; ; k++) {
        // Given a run killed at entry k (resumed at once, or once its lease expired; now and then from a torn journal file)
        const torn = mode === 'asking' && k % 40 === 5 ? { tornBytes: 20 + 7 * k, dir } : {};
        const p = await play({ crashes: [{ at: k, mode }], late: k % 2 === 1, ...torn });
        // (past the last entry the run ends before it can be killed: every kill point is covered)
        if (!p.died) break;
        // Then it completes as if never killed
        await assertCompleted(p, 1);
      }
      assert.ok(k > 60, `killed at ${k - 1} points`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

test('killed, then killed again while resuming a few entries later, then resumed: it still completes cleanly', TEST, async () => {
  let cases = 0;
  for (const k of [2, 12, 22, 32, 42, 52, 62]) {
    for (const m of [1, 3, 8, 20]) {
      // Given a run killed at entry k, and its resume killed at entry k + m, each in one of the two ways
      const modes = (['kept', 'asking'] as const);
      const p = await play({ crashes: [{ at: k, mode: modes[(k + m) % 2] ?? 'kept' }, { at: k + m, mode: modes[m % 2] ?? 'kept' }], late: m % 3 === 0 });
      if (!p.died) continue;
      cases++;
      // Then the third process completes it as if never killed
      const resumes = p.entries.filter((e) => e.event.type === 'run.resumed').length;
      await assertCompleted(p, resumes);
      assert.ok(resumes >= 1 && resumes <= 2);
    }
  }
  assert.ok(cases >= 24, `${cases} double kills`);
});
