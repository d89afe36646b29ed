// In-memory fakes for the regional part of the engine: a balancer that keeps weights and records what it
// was asked, a clock that never really waits, silences and hooks that record their calls, and a real
// journal in a temporary folder whose replay is the state the engine (and a resumed run) sees.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AnalysisRecord, Verdict } from '../../../src/engine/ports/gates.ts';
import type { GateResult, RunEvent } from '../../../src/engine/events.ts';
import { Journal } from '../../../src/engine/journal.ts';
import type { EngineDeps, RegionalDeps, SilencePort } from '../../../src/engine/ports.ts';
import type { RegionRun } from '../../../src/engine/region.ts';
import { LiveState, replay } from '../../../src/engine/state.ts';
import type { RunState } from '../../../src/engine/state.ts';
import { abortError } from '../../../src/lib/clock.ts';
import type { Clock } from '../../../src/lib/clock.ts';
import type { HookResult } from '../../../src/engine/events.ts';
import { PlanSchema } from '../../../src/plan/schema.ts';
import type { Gate, Hook } from '../../../src/plan/schema.ts';
import type { DrainOptions, DrainResult, RegionTraffic, TrafficPort, TrafficSnapshot } from '../../../src/engine/ports/traffic.ts';
import { fakeCluster } from '../checks/fakes.ts';

export const NOW = 1_700_000_000_000;
export const RUN_ID = 'run-7';
export const REGION = 'eu-central';
export const OTHER = 'eu-west';

/** A clock whose sleep moves time on at once; `slept` lists every wait asked for. */
export function manualClock(start = NOW): Clock & { readonly slept: number[] } {
  let t = start;
  const slept: number[] = [];
  return {
    speed: 1,
    slept,
    now: () => t,
    sleep: async (ms, signal) => {
      if (signal?.aborted) throw abortError();
      slept.push(ms);
      t += ms;
    },
  };
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

export function regionTraffic(o: Partial<RegionTraffic> = {}): RegionTraffic {
  return { weight: 100, initialWeight: 100, state: 'ready', sessions: 0, health: 'UP', ...o };
}

/** A balancer that keeps a weight per region and records every call as `drain eu-central`, `setShare eu-central 50`, ... */
export class FakeTraffic implements TrafficPort {
  readonly provider = 'fake';
  readonly regions: readonly string[];
  readonly calls: string[] = [];
  readonly state: Record<string, Mutable<RegionTraffic>>;
  drainOptions: DrainOptions | undefined;
  /** Thrown by drain or cut instead of changing anything, as a data plane that did not confirm. */
  failDrain: Error | undefined;
  failCut: Error | undefined;

  constructor(regions: Record<string, RegionTraffic>) {
    this.regions = Object.keys(regions);
    this.state = Object.fromEntries(Object.entries(regions).map(([n, t]) => [n, { ...t }]));
  }

  snapshot(): Promise<TrafficSnapshot> {
    this.calls.push('snapshot');
    return Promise.resolve({ at: NOW, regions: structuredClone(this.state) });
  }

  drain(region: string, o: DrainOptions): Promise<DrainResult> {
    this.calls.push(`drain ${region}`);
    this.drainOptions = o;
    if (this.failDrain) return Promise.reject(this.failDrain);
    Object.assign(this.region(region), { weight: 0, state: 'drain' });
    return Promise.resolve({ newTrafficStoppedMs: 40, sessionsGoneMs: 900, sessionsShut: 0 });
  }

  setShare(region: string, percent: number): Promise<void> {
    this.calls.push(`setShare ${region} ${percent}`);
    const r = this.region(region);
    Object.assign(r, { weight: (r.initialWeight * percent) / 100, state: 'ready' });
    return Promise.resolve();
  }

  cut(region: string): Promise<void> {
    this.calls.push(`cut ${region}`);
    if (this.failCut) return Promise.reject(this.failCut);
    Object.assign(this.region(region), { weight: 0, state: 'drain' });
    return Promise.resolve();
  }

  putBack(region: string, before: RegionTraffic): Promise<void> {
    this.calls.push(`putBack ${region}`);
    Object.assign(this.region(region), before);
    return Promise.resolve();
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  /** Calls that change the balancer, without the reads. */
  get changes(): string[] {
    return this.calls.filter((c) => c !== 'snapshot');
  }

  private region(name: string): Mutable<RegionTraffic> {
    const r = this.state[name];
    if (!r) throw new Error(`the fake balancer has no region ${name}`);
    return r;
  }
}

export class FakeSilences implements SilencePort {
  readonly alertmanager = 'http://127.0.0.1:9093';
  readonly created: { region: string; marker: string }[] = [];
  readonly expired: string[] = [];

  create(region: string, marker: string): Promise<string> {
    this.created.push({ region, marker });
    return Promise.resolve(`silence-${this.created.length}`);
  }

  expire(id: string): Promise<void> {
    this.expired.push(id);
    return Promise.resolve();
  }
}

/** Answers each measurement with the next verdict of `script` (the last one repeats); `calls` counts them. */
export function scriptedAnalysis(script: readonly Verdict[]): { readonly analyse: RegionalDeps['analyse']; readonly calls: number } {
  let calls = 0;
  const analyse: RegionalDeps['analyse'] = async (a) => {
    const verdict = script[Math.min(calls, script.length - 1)] ?? 'success';
    calls++;
    const value = verdict === 'failure' ? 0.31 : verdict === 'success' ? 0.002 : undefined;
    const message = verdict === 'inconclusive' ? 'only 3 requests answered since the step began' : `error rate = ${value}`;
    const record: AnalysisRecord = { analysis: a.name ?? a.type, type: a.type, verdict, ...(value !== undefined ? { value } : {}), threshold: '<= 0.01', message, measuredAt: NOW };
    return record;
  };
  return {
    analyse,
    get calls() {
      return calls;
    },
  };
}

export function capacityPassing(): RegionalDeps['capacity'] {
  return () => Promise.resolve({ gate: `capacity without ${REGION}`, type: 'capacity', passed: true, value: 1.6, threshold: '>= 1× the demand', message: 'eu-west can serve 800 rps; the whole demand is 500 rps (1.6×)' });
}

/** A command hook result; `ok: false` exits 3 with the output a failing migration would print. */
export function hookResult(hook: Hook, ok: boolean): HookResult {
  const target = hook.type === 'command' ? hook.run : hook.url;
  return { on: hook.on, type: hook.type, target, ok, onFailure: hook.onFailure, exitCode: ok ? 0 : 3, timedOut: false, durationMs: 12, output: ok ? '' : 'migration 042 is locked', message: ok ? 'exited 0' : 'exited 3: migration 042 is locked' };
}

export interface PlanOptions {
  readonly traffic?: Record<string, unknown>;
  readonly hooks?: readonly Record<string, unknown>[];
  readonly gates?: readonly Record<string, unknown>[];
}

/** A two-region plan with one regional phase, parsed through the plan schema (so defaults apply). */
export function regionalPlan(o: PlanOptions = {}): EngineDeps['plan'] {
  const plan = PlanSchema.parse({
    apiVersion: 'daylight.dev/v1alpha1',
    kind: 'MaintenancePlan',
    metadata: { name: 'weekly-os-patch' },
    spec: {
      clusters: [{ name: REGION }, { name: OTHER }],
      traffic: { provider: 'sandbox', restore: { steps: [10, 50, 100], interval: '30s', every: '10s' }, analysis: [{ type: 'proxy', name: 'error rate' }], ...o.traffic },
      phases: [{ name: 'os-patch', type: 'nodes', regional: true }],
      gates: o.gates ?? [],
      hooks: o.hooks ?? [],
    },
  });
  return { path: 'plans/weekly.yaml', plan, sha256: 'f'.repeat(64), text: '' };
}

export interface Harness {
  readonly run: RegionRun;
  readonly traffic: FakeTraffic;
  readonly silences: FakeSilences;
  readonly clock: ReturnType<typeof manualClock>;
  /** Gates given to evaluateGates, one list per call. */
  readonly gateCalls: (readonly Gate[])[];
  /** Hooks run, as `pre-drain ./pre.sh`. */
  readonly hooksRun: string[];
  readonly journal: Journal;
  /** Event types in journal order; hook.ran shows as `hook.ran <on>`. */
  types(): string[];
  events<T extends RunEvent['type']>(type: T): Extract<RunEvent, { type: T }>[];
  /** The state a resumed run would see: the journal read back from disk and replayed. */
  replayed(): RunState;
  done(): void;
}

export interface HarnessOptions extends PlanOptions {
  readonly regions?: Record<string, RegionTraffic>;
  readonly capacity?: RegionalDeps['capacity'];
  readonly analyse?: RegionalDeps['analyse'];
  readonly gateResults?: (gates: readonly Gate[]) => GateResult[];
  /** Hooks (by their `run`) that fail. */
  readonly failingHooks?: readonly string[];
  /** Events already in the journal, as a run that stopped after them left it. */
  readonly journalled?: readonly RunEvent[];
  readonly silences?: boolean;
  readonly regional?: boolean;
}

/** The engine's view of one region, wired to the fakes, with the journal as a run keeps it. */
export function harness(o: HarnessOptions = {}): Harness {
  const dir = mkdtempSync(join(tmpdir(), 'daylight-region-'));
  const path = join(dir, 'journal.jsonl');
  const clock = manualClock();
  const journal = Journal.open(path, RUN_ID, clock.now);
  const live = new LiveState(RUN_ID, []);
  const record = (e: RunEvent) => {
    live.follow(journal.append(e));
  };
  for (const e of o.journalled ?? []) record(e);
  const traffic = new FakeTraffic(o.regions ?? { [REGION]: regionTraffic(), [OTHER]: regionTraffic() });
  const silences = new FakeSilences();
  const plan = regionalPlan(o);
  const policy = plan.plan.spec.traffic;
  if (!policy) throw new Error('the regional plan has no traffic');
  const gateCalls: (readonly Gate[])[] = [];
  const hooksRun: string[] = [];
  const cluster = { ...fakeCluster(), name: REGION };
  const deps: EngineDeps = {
    runId: RUN_ID,
    plan,
    clusters: new Map([[REGION, cluster]]),
    clock,
    planPhase: () => {
      throw new Error('regional tests plan no phase');
    },
    evaluateGates: (gates) => {
      gateCalls.push(gates);
      return Promise.resolve(o.gateResults?.(gates) ?? gates.map((g) => ({ gate: g.name ?? g.type, type: g.type, passed: true, message: 'ok' })));
    },
    exec: () => Promise.reject(new Error('regional tests run no command')),
    emit: () => undefined,
    ...(o.regional === false ? {} : { regional: { traffic, policy, capacity: o.capacity ?? capacityPassing(), analyse: o.analyse ?? scriptedAnalysis(['success']).analyse, ...(o.silences === false ? {} : { silences }) } }),
    runHook: (hook) => {
      hooksRun.push(`${hook.on} ${hook.type === 'command' ? hook.run : hook.url}`);
      return Promise.resolve(hookResult(hook, !(hook.type === 'command' && o.failingHooks?.includes(hook.run))));
    },
  };
  const run: RegionRun = { deps, record, state: () => live.state, cluster, signal: new AbortController().signal };
  return {
    run,
    traffic,
    silences,
    clock,
    gateCalls,
    hooksRun,
    journal,
    types: () => journal.entries.map((x) => (x.event.type === 'hook.ran' ? `hook.ran ${x.event.result.on}` : x.event.type)),
    events: <T extends RunEvent['type']>(type: T) => journal.entries.map((x) => x.event).filter((e): e is Extract<RunEvent, { type: T }> => e.type === type),
    replayed: () => {
      const reread = Journal.open(path, RUN_ID, clock.now);
      reread.close();
      return replay(RUN_ID, reread.entries);
    },
    done: () => {
      journal.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Events a run that drained `REGION` has journaled: what a resumed run finds. */
export function drainedJournal(): RunEvent[] {
  const before = { [REGION]: regionTraffic(), [OTHER]: regionTraffic() };
  return [
    { type: 'traffic.before', cluster: REGION, regions: before },
    { type: 'region.preconditions', cluster: REGION, passed: true, results: [] },
    { type: 'silence.requested', cluster: REGION, alertmanager: 'http://127.0.0.1:9093', marker: `daylight run ${RUN_ID} region ${REGION}` },
    { type: 'silence.created', cluster: REGION, alertmanager: 'http://127.0.0.1:9093', id: 'silence-earlier' },
    { type: 'traffic.drain.requested', cluster: REGION, before: regionTraffic() },
    { type: 'traffic.drained', cluster: REGION, result: { newTrafficStoppedMs: 40, sessionsGoneMs: 900, sessionsShut: 0 } },
  ];
}
