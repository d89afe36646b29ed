// In-memory fakes for the runner (`executeRun`, `runPhase`): a fleet of nodes behind a ClusterPort that
// cordons, evicts, reboots on the agent's request and counts how many nodes are unavailable at once; a
// virtual clock on which every wait of the engine (reboots, soaks, gate retries, windows, leases) passes
// in no real time; and a harness that wires them, a plan parsed through the schema and a real journal in
// a temporary folder. All ClusterPort-shaped code of the runner tests is here, in one place.
import type { TestContext } from 'node:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { GateResult, JournalEntry, PlannedWave, RunEvent } from '../../../src/engine/events.ts';
import { FileJournal } from '../../../src/journal/file-journal.ts';
import type { EngineDeps, WindowPort } from '../../../src/engine/ports.ts';
import { executeRun } from '../../../src/engine/runner.ts';
import type { RunEnd } from '../../../src/engine/runner.ts';
import type { ControlCommand } from '../../../src/engine/run-dir.ts';
import type { ApprovalAnswer } from '../../../src/engine/ports/approvals.ts';
import type { RunState } from '../../../src/engine/state.ts';
import type { Cluster } from '../../../src/engine/ports/cluster.ts';
import { ANNOTATIONS } from '../../../src/engine/ports/cluster-views.ts';
import type { NodeView, PdbView, PodView, WorkloadView } from '../../../src/engine/ports/cluster-views.ts';
import { abortError } from '../../../src/lib/clock.ts';
import type { Clock } from '../../../src/lib/clock.ts';
import { PlanSchema } from '../../../src/plan/schema.ts';
import type { Gate, Plan } from '../../../src/plan/schema.ts';
import { fakeCluster, nodeView, workloadView } from '../checks/fakes.ts';
import { daemonPod, pdb, pod } from '../preflight/fixtures.ts';

export const NOW = 1_700_000_000_000;
export const RUN_ID = 'run-9';
export const CLUSTER = 'eu-central';

interface Timer {
  readonly at: number;
  readonly seq: number;
  readonly fire: () => void;
  readonly fail: (e: Error) => void;
}

/** Cluster time past which a run is taken to be running away (waiting forever on the clock) and stopped. */
const HORIZON_MS = 30 * 24 * 3_600_000;

/**
 * A clock whose time moves only when every piece of work is waiting on it: then it jumps to the earliest
 * wake-up. Waits that overlap overlap in cluster time too (two nodes rebooting for 60 s take 60 s), and a
 * run of an hour of cluster time takes milliseconds. `hold()` stops time (work that waits on the clock
 * stays waiting) until `release()`: for a test that must act between two steps of the run. A run that
 * would wait past 30 days of cluster time fails every wait instead, so a broken engine cannot spin forever.
 */
export class VirtualClock implements Clock {
  readonly speed = 1;
  /** Every wait asked for, in cluster ms. */
  readonly slept: number[] = [];
  private t: number;
  private readonly start: number;
  private seq = 0;
  private timers: Timer[] = [];
  private held = false;
  private scheduled = false;

  constructor(start = NOW) {
    this.t = start;
    this.start = start;
  }

  now(): number {
    return this.t;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(abortError());
    this.slept.push(ms);
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        this.timers = this.timers.filter((x) => x !== timer);
        reject(abortError());
      };
      const timer: Timer = {
        at: this.t + Math.max(0, ms),
        seq: this.seq++,
        fire: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
        fail: (e) => {
          signal?.removeEventListener('abort', onAbort);
          reject(e);
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.timers.push(timer);
      this.schedule();
    });
  }

  hold(): void {
    this.held = true;
  }

  release(): void {
    this.held = false;
    this.schedule();
  }

  /** After the current turn of the event loop (every promise that can settle has settled): wake the earliest waiter. */
  private schedule(): void {
    if (this.scheduled || this.held) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.tick();
    });
  }

  private tick(): void {
    if (this.held || this.timers.length === 0) return;
    const at = Math.min(...this.timers.map((x) => x.at));
    if (at > this.start + HORIZON_MS) {
      const waiting = this.timers;
      this.timers = [];
      for (const x of waiting) x.fail(new Error('the virtual clock would pass 30 days of cluster time: the run waits forever'));
      return;
    }
    this.t = Math.max(this.t, at);
    const due = this.timers.filter((x) => x.at <= this.t).sort((a, b) => a.seq - b.seq);
    this.timers = this.timers.filter((x) => x.at > this.t);
    for (const x of due) x.fire();
    if (this.timers.length > 0) this.schedule();
  }
}

export interface FleetOptions {
  /** The cluster's name (default CLUSTER). */
  readonly name?: string;
  /** Node names; each runs one pod of Deployment shop/web and one node-exporter DaemonSet pod. */
  readonly nodes: readonly string[];
  /** Cluster ms from the agent's request until a node is Ready on a new boot; per node, else `rebootMs`. */
  readonly rebootMs?: number | ((node: string) => number);
  /** Nodes that go NotReady on the agent's request and never come back. */
  readonly neverBack?: readonly string[];
  /** Nodes that also run a pod of pay/ledger, whose budget refuses every eviction. */
  readonly ledgerOn?: readonly string[];
  /** Until this cluster time, Deployment shop/web lacks one available pod, as with a pod that never gets Ready. */
  readonly webShortUntil?: number;
  /**
   * Deployment shop/web under a budget of one disruption (minAvailable: all its pods but one): an evicted or
   * killed pod is replaced on a schedulable Ready node `replaceMs` later, and until then the budget refuses
   * the next eviction of a web pod, as the API server does.
   */
  readonly webBudget?: { readonly replaceMs: number };
}

/**
 * A cluster of `nodes`: cordon and uncordon with the owner's run id, evictions that take the pod off the
 * node at once (a budget that allows nothing refuses pay/ledger's), an agent that reboots a node in
 * `rebootMs` of cluster time. It counts unavailable nodes (cordoned or NotReady) at every change.
 */
export class FakeFleet {
  readonly port: Cluster;
  /** What was asked, in order: `cordon node-a1`, `evict node-a1 shop/web-node-a1`, `reboot node-a1`, `uncordon node-a1`, `delete ...`. */
  readonly calls: string[] = [];
  /** Kubernetes Events written on nodes, as `node-a1 DaylightDrainBlocked`. */
  readonly nodeEvents: string[] = [];
  /** The most nodes unavailable at once, and the cluster times at which each node became unavailable and available again. */
  maxUnavailable = 0;
  readonly outAt: Record<string, number> = {};
  readonly backAt: Record<string, number> = {};
  /** The duration each acquire of the Lease asked for, and the cluster times of its renewals. */
  readonly leaseAsked: number[] = [];
  readonly leaseRenewedAt: number[] = [];
  /** Pods other than DaemonSet pods still on a node when its reboot was asked: a reboot kills them without an eviction. */
  readonly killedWithoutEviction: string[] = [];
  /** Nodes whose action was asked while they were schedulable: pods could land on them as they went down. */
  readonly actedUncordoned: string[] = [];
  /** With `webBudget`: the fewest web pods Ready at once (its budget wants all but one). */
  webLowest: number;
  /** When the lease was last taken or renewed (cluster time); its holder's claim lasts the lease's duration from then. */
  leaseTakenOrRenewedAt: number | undefined;
  private replacements = 0;
  private readonly nodes = new Map<string, NodeView>();
  private pods: PodView[] = [];
  private readonly clock: VirtualClock;
  private readonly o: FleetOptions;
  private lease: string | undefined;
  private readonly waiters = new Set<() => void>();

  constructor(clock: VirtualClock, o: FleetOptions) {
    this.clock = clock;
    this.o = o;
    this.webLowest = o.nodes.length;
    for (const n of o.nodes) {
      this.nodes.set(n, nodeView(n, { bootId: `boot-${n}-1`, labels: { 'topology.kubernetes.io/zone': `zone-${n.slice(-2, -1)}` } }));
      this.pods.push(pod(`web-${n}`, n, { app: 'web' }), daemonPod(`node-exporter-${n}`, n, 'node-exporter', { lastAlive: NOW - 3_600_000 }));
      if (o.ledgerOn?.includes(n)) this.pods.push(pod(`ledger-${n}`, n, { namespace: 'pay', app: 'ledger' }));
    }
    const onNode = (n: string) => this.pods.filter((p) => p.nodeName === n);
    this.port = fakeCluster({
      name: o.name ?? CLUSTER,
      snapshot: async () => ({ cluster: o.name ?? CLUSTER, takenAt: clock.now(), version: 'v1.30.4', nodes: [...this.nodes.values()], pods: [...this.pods], pdbs: this.budgets(), workloads: this.workloads() }),
      nodes: {
        list: async () => [...this.nodes.values()],
        get: async (n) => this.nodes.get(n),
        cordon: async (n, runId) => {
          this.calls.push(`cordon ${n}`);
          const before = this.node(n);
          this.set(n, { unschedulable: true, cordonedBy: runId });
          return { changed: !before.unschedulable, ...(before.unschedulable ? { previousOwner: before.cordonedBy ?? 'unknown' } : {}) };
        },
        uncordon: async (n, runId) => {
          if (this.node(n).cordonedBy !== runId) return false;
          this.calls.push(`uncordon ${n}`);
          this.set(n, { unschedulable: false, cordonedBy: undefined });
          return true;
        },
        requestAction: async (n, a) => {
          this.calls.push(`${a.operation} ${n}`);
          if (!this.node(n).unschedulable) this.actedUncordoned.push(n);
          // As the node agent's request is kept: an annotation with its id, which a resumed run reads back.
          this.set(n, { ready: false, readyMessage: 'kubelet stopped posting node status', annotations: { ...this.node(n).annotations, [ANNOTATIONS.action]: JSON.stringify({ id: a.id, operation: a.operation }) } });
          const killed = this.pods.filter((p) => p.nodeName === n && p.controller?.kind !== 'DaemonSet');
          this.killedWithoutEviction.push(...killed.map((p) => `${p.namespace}/${p.name}`));
          this.pods = this.pods.filter((p) => !(p.nodeName === n && p.controller?.kind === 'DaemonSet'));
          if (o.webBudget) for (const p of killed.filter(isWeb)) this.remove(p);
          if (this.o.neverBack?.includes(n)) return;
          const ms = typeof o.rebootMs === 'function' ? o.rebootMs(n) : (o.rebootMs ?? 60_000);
          void clock.sleep(ms).then(() => {
            // each reboot a new boot: boot-<node>-2, -3, ...
            const boot = Number(/-(\d+)$/.exec(this.node(n).bootId)?.[1] ?? '1') + 1;
            this.set(n, { ready: true, readyMessage: undefined, bootId: `boot-${n}-${boot}` });
            this.pods.push(daemonPod(`node-exporter-${n}-2`, n, 'node-exporter', { lastAlive: clock.now() }));
            this.changed();
          });
        },
        waitFor: async (n, done, timeoutMs, signal) => ((await this.until(() => done(this.node(n)), timeoutMs, signal)) ? this.node(n) : undefined),
      },
      pods: {
        onNode: async (n) => onNode(n),
        // The fleet's pods as a watch keeps them: a wait ends when a change makes it hold, or at its timeout.
        watchNode: async (n) => ({
          pods: async () => onNode(n),
          waitUntil: (done, timeoutMs, signal) => this.until(() => done(onNode(n)), timeoutMs, signal),
          close: () => undefined,
        }),
        evict: async (p) => {
          this.calls.push(`evict ${p.namespace}/${p.name}`);
          if (!this.pods.some((x) => x.uid === p.uid)) return { kind: 'gone' };
          if (p.namespace === 'pay') return { kind: 'blocked', message: "Cannot evict pod as it would violate the pod's disruption budget." };
          const evicted = this.pods.find((x) => x.uid === p.uid);
          if (o.webBudget && evicted && isWeb(evicted)) {
            if (this.webAllowed() <= 0) return { kind: 'blocked', message: "Cannot evict pod as it would violate the pod's disruption budget." };
            this.remove(evicted);
            return { kind: 'evicted' };
          }
          this.pods = this.pods.filter((x) => x.uid !== p.uid);
          this.changed();
          return { kind: 'evicted' };
        },
        delete: async (p, grace) => {
          this.calls.push(`delete ${p.namespace}/${p.name} grace ${grace}`);
          this.pods = this.pods.filter((x) => x.uid !== p.uid);
          this.changed();
        },
        waitGone: async (n, uids, timeoutMs, signal) => {
          const left = () => uids.filter((u) => this.pods.some((p) => p.uid === u && p.nodeName === n));
          await this.until(() => left().length === 0, timeoutMs, signal);
          return left();
        },
      },
      // The budgets answer at the eviction, as the API server does; the feed keeps none, so no eviction waits in line.
      budgets: { list: async () => this.budgets() },
      workloads: { list: async () => this.workloads() },
      events: {
        onNode: async (n, e) => {
          this.nodeEvents.push(`${n} ${e.reason}`);
        },
      },
      leases: {
        acquire: async (_name, holder, durationSeconds) => {
          this.leaseAsked.push(durationSeconds);
          if (this.lease !== undefined && this.lease !== holder) return { acquired: false, heldBy: { holder: this.lease } };
          this.lease = holder;
          this.leaseTakenOrRenewedAt = clock.now();
          return { acquired: true };
        },
        renew: async (_name, holder) => {
          if (this.lease !== holder) return false;
          this.leaseRenewedAt.push(clock.now());
          this.leaseTakenOrRenewedAt = clock.now();
          return true;
        },
        release: async (_name, holder) => {
          if (this.lease === holder) this.lease = undefined;
        },
        read: async () => (this.lease ? { holder: this.lease } : undefined),
      },
    });
  }

  node(n: string): NodeView {
    const v = this.nodes.get(n);
    if (!v) throw new Error(`the fake fleet has no node ${n}`);
    return v;
  }

  /** Nodes cordoned now, by name. */
  cordoned(): string[] {
    return [...this.nodes.values()].filter((n) => n.unschedulable).map((n) => n.name);
  }

  /** Node names the agent was asked to reboot, in order. */
  rebooted(): string[] {
    return this.calls.filter((c) => c.startsWith('reboot ')).map((c) => c.slice('reboot '.length));
  }

  /** The nodes each call was about, for calls of `kind` (`cordon`, `uncordon`, `reboot`), in order. */
  touched(kind: string): string[] {
    return this.calls.filter((c) => c.startsWith(`${kind} `)).map((c) => c.slice(kind.length + 1));
  }

  private set(n: string, change: Partial<NodeView>): void {
    const before = this.node(n);
    const after = { ...before, ...change };
    this.nodes.set(n, after);
    const out = (v: NodeView) => v.unschedulable || !v.ready;
    if (!out(before) && out(after)) this.outAt[n] ??= this.clock.now();
    if (out(before) && !out(after)) this.backAt[n] = this.clock.now();
    this.maxUnavailable = Math.max(this.maxUnavailable, [...this.nodes.values()].filter(out).length);
    this.changed();
  }

  private budgets(): PdbView[] {
    const ledger = this.pods.filter((p) => p.namespace === 'pay').length;
    const n = this.o.nodes.length;
    const web = this.pods.filter(isWeb).length;
    return [
      ...(ledger > 0 ? [pdb('ledger', 'ledger', { namespace: 'pay', currentHealthy: ledger, desiredHealthy: ledger, expectedPods: ledger, disruptionsAllowed: 0 })] : []),
      ...(this.o.webBudget ? [pdb('web', 'web', { currentHealthy: web, desiredHealthy: n - 1, expectedPods: n, disruptionsAllowed: this.webAllowed() })] : []),
    ];
  }

  private workloads(): WorkloadView[] {
    const n = this.o.nodes.length;
    const available = this.o.webBudget ? this.pods.filter(isWeb).length : this.clock.now() < (this.o.webShortUntil ?? 0) ? n - 1 : n;
    return [workloadView('Deployment', 'web', n, { availableReplicas: available }), workloadView('DaemonSet', 'node-exporter', n, { namespace: 'kube-system' })];
  }

  /** With `webBudget`: how many web pods the budget lets go now. */
  private webAllowed(): number {
    return Math.max(0, this.pods.filter(isWeb).length - (this.o.nodes.length - 1));
  }

  /** With `webBudget`: a web pod goes, and its ReplicaSet's replacement is Ready on a schedulable node `replaceMs` later. */
  private remove(p: PodView): void {
    this.pods = this.pods.filter((x) => x.uid !== p.uid);
    this.webLowest = Math.min(this.webLowest, this.pods.filter(isWeb).length);
    this.changed();
    const place = () => {
      const to = [...this.nodes.values()].filter((v) => v.ready && !v.unschedulable).map((v) => v.name).sort()[0];
      if (to === undefined) return later();
      this.pods.push(pod(`web-${to}-r${++this.replacements}`, to, { app: 'web' }));
      this.changed();
    };
    // (past the clock's horizon the cluster stops too: the run's own waits say so)
    const later = () => void this.clock.sleep(this.o.webBudget?.replaceMs ?? 0).then(place, () => undefined);
    later();
  }

  /** Waits until `done` holds after a change of the fleet; false once `timeoutMs` of cluster time passed. */
  private until(done: () => boolean, timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    if (done()) return Promise.resolve(true);
    const over = new AbortController();
    return new Promise<boolean>((resolve, reject) => {
      const check = () => {
        if (!done()) return;
        this.waiters.delete(check);
        over.abort();
        resolve(true);
      };
      this.waiters.add(check);
      this.clock.sleep(timeoutMs, signal ? AbortSignal.any([signal, over.signal]) : over.signal).then(
        () => {
          this.waiters.delete(check);
          resolve(done());
        },
        (e: unknown) => {
          this.waiters.delete(check);
          if (!over.signal.aborted) reject(e instanceof Error ? e : new Error(String(e)));
        },
      );
    });
  }

  /** After every change: the waits whose condition now holds end. */
  private changed(): void {
    for (const check of [...this.waiters]) check();
  }
}

function isWeb(p: PodView): boolean {
  return p.namespace === 'shop' && p.labels.app === 'web';
}

export interface RunnerOptions extends Omit<FleetOptions, 'nodes'> {
  /** The waves the planner gives, as node names; `estimateMs` per wave for the window. */
  readonly waves: readonly (readonly string[])[];
  readonly estimateMs?: number;
  /** The nodes phase's settings (maxUnavailable, soak, drain, ready), merged into a reboot phase. */
  readonly phase?: Record<string, unknown>;
  readonly gates?: readonly Record<string, unknown>[];
  readonly gateRetry?: string;
  /** The plan's spec.lease. */
  readonly lease?: Record<string, unknown>;
  readonly window?: Record<string, unknown>;
  readonly windows?: WindowPort;
  /** Whether the gates pass at their n-th evaluation (0-based, counted over the run); default: always. */
  readonly gatesPass?: (evaluation: number, gates: readonly Gate[]) => boolean;
}

export interface RunnerHarness {
  readonly fleet: FakeFleet;
  readonly clock: VirtualClock;
  readonly journal: FileJournal<RunEvent>;
  /** Gate evaluations: the cluster time of each. */
  readonly gateEvaluations: number[];
  /** Commands `daylight pause|resume|abort` would leave for the run; it reads them every 250 ms. */
  readonly control: ControlCommand[];
  /** Answers to approval gates (`daylight approve|reject`) for the run's inbox; it reads them while it waits. */
  readonly inbox: ApprovalAnswer[];
  /** Calls `f` with every entry as the run records it, before the run goes on. */
  onEntry(f: (e: JournalEntry, state: RunState) => void): void;
  /** `interrupt`: a Ctrl-C of this run only (default: the test's signal). */
  run(interrupt?: AbortSignal): Promise<RunEnd>;
  types(): string[];
  events<T extends RunEvent['type']>(type: T): Extract<RunEvent, { type: T }>[];
  /** The cluster time of the first entry matching `pred`. */
  at(pred: (e: RunEvent) => boolean): number;
  done(): void;
}

/** A plan of one reboot phase on CLUSTER, parsed through the schema, with the settings `o` gives. */
export function rebootPlan(o: Pick<RunnerOptions, 'phase' | 'gates' | 'gateRetry' | 'window' | 'lease'>): Plan {
  return PlanSchema.parse({
    apiVersion: 'daylight.dev/v1alpha1',
    kind: 'MaintenancePlan',
    metadata: { name: 'weekly-os-patch' },
    spec: {
      clusters: [{ name: CLUSTER }],
      ...(o.window ? { window: o.window } : {}),
      phases: [{ name: 'os-patch', type: 'nodes', action: { type: 'agent', operation: 'reboot' }, ready: { timeout: '5m' }, drain: { timeout: '2m' }, ...o.phase }],
      gates: o.gates ?? [],
      ...(o.gateRetry ? { gateRetry: o.gateRetry } : {}),
      ...(o.lease ? { lease: o.lease } : {}),
    },
  });
}

/** `signal`: the test's own (aborted when it times out), which interrupts the run and lets the clock go. */
export function runnerHarness(o: RunnerOptions, signal?: AbortSignal): RunnerHarness {
  const dir = mkdtempSync(join(tmpdir(), 'daylight-runner-'));
  const clock = new VirtualClock();
  signal?.addEventListener('abort', () => clock.release(), { once: true });
  const journal = FileJournal.open<RunEvent>(join(dir, 'journal.jsonl'), RUN_ID, () => clock.now());
  const nodes = o.waves.flat();
  const fleet = new FakeFleet(clock, { ...o, nodes });
  const plan = rebootPlan(o);
  const gateEvaluations: number[] = [];
  const listeners: ((e: JournalEntry, s: RunState) => void)[] = [];
  const control: ControlCommand[] = [];
  const inbox: ApprovalAnswer[] = [];
  const waves: (PlannedWave & { estimateMs?: number })[] = o.waves.map((w, index) => ({ index, nodes: w, ...(o.estimateMs !== undefined ? { estimateMs: o.estimateMs } : {}) }));
  const deps: EngineDeps = {
    runId: RUN_ID,
    plan: { path: 'plans/weekly.yaml', plan, sha256: 'e'.repeat(64), text: '' },
    clusters: new Map([[CLUSTER, fleet.port]]),
    clock,
    planPhase: () => ({ budget: 2, waves, excluded: [], blockers: [] }),
    evaluateGates: async (gates) => {
      const passed = o.gatesPass?.(gateEvaluations.length, gates) ?? true;
      gateEvaluations.push(clock.now());
      return gates.map((g): GateResult => ({ gate: g.name ?? g.type, type: g.type, passed, message: passed ? 'ok' : 'node-b1 is NotReady' }));
    },
    ...(o.windows ? { windows: o.windows } : {}),
    exec: () => Promise.reject(new Error('an agent action runs no command')),
    approvals: { poll: () => inbox.splice(0) },
    emit: (entry, state) => {
      for (const f of listeners) f(entry, state);
    },
  };
  const events = <T extends RunEvent['type']>(type: T) => journal.entries.map((x) => x.event).filter((e): e is Extract<RunEvent, { type: T }> => e.type === type);
  return {
    fleet,
    clock,
    journal,
    gateEvaluations,
    control,
    inbox,
    onEntry: (f) => listeners.push(f),
    run: (interrupt) => executeRun({ deps, journal, control: { poll: () => control.splice(0) }, ...((interrupt ?? signal) ? { interrupt: interrupt ?? signal } : {}) }),
    types: () => journal.entries.map((x) => x.event.type),
    events,
    at: (pred) => {
      const e = journal.entries.find((x) => pred(x.event));
      if (!e) throw new Error('no such entry in the journal');
      return e.at;
    },
    done: () => {
      journal.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Runs `f` over a fresh harness tied to the test's signal, then lets the clock go and ends the run. */
export async function withRun(t: TestContext, o: RunnerOptions, f: (h: RunnerHarness) => Promise<void>): Promise<void> {
  const h = runnerHarness(o, t.signal);
  try {
    await f(h);
  } finally {
    h.clock.release();
    h.done();
  }
}
