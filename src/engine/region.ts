// A region around its regional phases: out of traffic first (preconditions, silences, hooks, drain), back
// after (validation, then the canary restore steps with analysis). A failed analysis cuts the region's
// weight to 0 at once and fails the run with the measured values. Every change is journaled first, and
// the balancer's state from before the first change is kept so recovery can put it back.
import { errorMessage, isAbortError } from '../lib/errors.ts';
import { expireSilences } from './expire-silences.ts';
import type { Cluster } from './ports/cluster.ts';
import { atLeastReal } from '../lib/clock.ts';
import type { AnalysisRecord } from './ports/gates.ts';
import type { HookEvent } from '../plan/hook-schema.ts';
import type { RegionTraffic, TrafficSnapshot } from './ports/traffic.ts';
import type { GateResult, RunEvent } from './events.ts';
import { RunFailure } from './phase-runner.ts';
import type { EngineDeps, RegionalDeps } from './ports.ts';
import type { RegionState, RunState } from './state.ts';

export interface RegionRun {
  readonly deps: EngineDeps;
  readonly record: (e: RunEvent) => Promise<void>;
  readonly state: () => RunState;
  readonly cluster: Cluster;
  readonly signal: AbortSignal;
}

export function regionState(s: RunState, cluster: string): RegionState {
  return s.regions[cluster] ?? { cluster, stage: 'in-service', stepsDone: 0, silences: {} };
}

function regional(r: RegionRun): RegionalDeps {
  const d = r.deps.regional;
  if (!d) throw new RunFailure(`a regional phase on ${r.cluster.name} needs spec.traffic with a provider`);
  return d;
}

/** Takes the region out of traffic unless the journal says it already is. */
export async function takeOutOfTraffic(r: RegionRun): Promise<void> {
  const d = regional(r);
  const name = r.cluster.name;
  const stage = regionState(r.state(), name).stage;
  if (stage === 'drained') return;
  if (stage === 'cut') throw new RunFailure(`${name} was switched back after a failed analysis; it stays out of traffic`);
  const snapshot = await d.traffic.snapshot(r.signal);
  const before = snapshot.regions[name];
  if (!before) throw new RunFailure(`the ${d.traffic.provider} balancer does not know region ${name}; it knows ${Object.keys(snapshot.regions).join(', ')}`);
  if (!regionState(r.state(), name).before) await r.record({ type: 'traffic.before', cluster: name, regions: snapshot.regions });
  await preconditions(r, d, snapshot);
  await runHooks(r.deps, r.record, 'pre-drain', vars(r, 'pre-drain'), r.signal);
  await silence(r, d);
  await r.record({ type: 'traffic.drain.requested', cluster: name, before });
  const result = await d.traffic.drain(name, { timeoutMs: d.policy.drain.timeout.ms, signal: r.signal });
  await r.record({ type: 'traffic.drained', cluster: name, result });
  await runHooks(r.deps, r.record, 'post-drain', vars(r, 'post-drain'), r.signal);
}

/** Invariant 3: the others are healthy, in service, and can carry all the load; the last region never leaves. */
async function preconditions(r: RegionRun, d: RegionalDeps, snapshot: TrafficSnapshot): Promise<void> {
  const name = r.cluster.name;
  const others = Object.entries(snapshot.regions).filter(([n]) => n !== name);
  const serving = others.filter(([, t]) => serves(t));
  const results: GateResult[] = [
    serving.length > 0
      ? { gate: 'other regions in service', type: 'traffic', passed: true, value: serving.length, threshold: '>= 1', message: `${serving.map(([n, t]) => `${n} (weight ${t.weight}, ${t.health ?? 'up'})`).join(', ')} in service` }
      : { gate: 'other regions in service', type: 'traffic', passed: false, value: 0, threshold: '>= 1', message: `${name} is the last region in service (${others.map(([n, t]) => `${n}: ${t.state}, weight ${t.weight}, ${t.health ?? '?'}`).join('; ') || 'no other region'}); it never leaves traffic` },
    await d.capacity(name, snapshot, r.signal),
  ];
  const passed = results.every((x) => x.passed);
  await r.record({ type: 'region.preconditions', cluster: name, passed, results });
  if (!passed) throw new RunFailure(`${name} stays in traffic: ${results.filter((x) => !x.passed).map((x) => `${x.gate}: ${x.message}`).join('; ')}`);
}

function serves(t: RegionTraffic): boolean {
  return t.state === 'ready' && t.weight > 0 && !/^(DOWN|MAINT|NOLB)/.test(t.health ?? '');
}

async function silence(r: RegionRun, d: RegionalDeps): Promise<void> {
  const s = d.silences;
  const name = r.cluster.name;
  if (!s || Object.keys(regionState(r.state(), name).silences).length > 0) return;
  const marker = silenceMarker(r.deps.runId, name);
  await r.record({ type: 'silence.requested', cluster: name, alertmanager: s.alertmanager, marker });
  const id = await s.create(name, marker, r.signal);
  await r.record({ type: 'silence.created', cluster: name, alertmanager: s.alertmanager, id });
}

/** Put into a silence's comment, so that recovery finds silences a crash left before their id was journaled. */
export function silenceMarker(runId: string, cluster: string): string {
  return `daylight run ${runId} region ${cluster}`;
}

/** Validation, then the restore steps from where the journal left them, then silences expired. */
export async function bringBack(r: RegionRun): Promise<void> {
  const name = r.cluster.name;
  const st = regionState(r.state(), name);
  if (st.stage === 'restored' || st.stage === 'in-service') return;
  const d = regional(r);
  if (st.stage === 'cut') throw new RunFailure(`${name} was switched back after a failed analysis; it stays out of traffic`);
  if (st.stepsDone === 0) await validate(r, d);
  await runHooks(r.deps, r.record, 'pre-restore', vars(r, 'pre-restore'), r.signal);
  const steps = d.policy.restore.steps;
  for (let step = regionState(r.state(), name).stepsDone; step < steps.length; step++) await restoreStep(r, d, step, steps[step] as number);
  const after = await d.traffic.snapshot(r.signal);
  await r.record({ type: 'traffic.restored', cluster: name, weight: after.regions[name]?.weight ?? 0 });
  await expireRegionSilences(r, d);
  await runHooks(r.deps, r.record, 'post-restore', vars(r, 'post-restore'), r.signal);
}

async function validate(r: RegionRun, d: RegionalDeps): Promise<void> {
  const seen = new Set<string>();
  const gates = [...d.policy.validation, ...r.deps.plan.plan.spec.gates].filter((g) => {
    const key = JSON.stringify(g);
    return !seen.has(key) && Boolean(seen.add(key));
  });
  const results = gates.length > 0 ? await r.deps.evaluateGates(gates, r.cluster, r.signal) : [];
  const passed = results.every((x) => x.passed);
  await r.record({ type: 'region.validated', cluster: r.cluster.name, passed, results });
  if (!passed) throw new RunFailure(`${r.cluster.name} failed its validation and stays out of traffic: ${results.filter((x) => !x.passed).map((x) => `${x.gate}: ${x.message}`).join('; ')}`);
}

/** One canary step: the share set and confirmed, then measurements every `every` until `interval` passed. */
async function restoreStep(r: RegionRun, d: RegionalDeps, step: number, percent: number): Promise<void> {
  const name = r.cluster.name;
  const policy = d.policy.restore;
  await r.record({ type: 'traffic.step.requested', cluster: name, step, percent });
  await d.traffic.setShare(name, percent, r.signal);
  let last = (await d.traffic.snapshot(r.signal)).regions[name];
  await r.record({ type: 'traffic.step.set', cluster: name, step, percent, ...(last ? { weight: last.weight } : {}) });
  const clock = r.deps.clock;
  const end = clock.now() + policy.interval.ms;
  const tally = { failures: 0, inconclusive: 0, successes: 0 };
  while (d.policy.analysis.length > 0 || clock.now() < end) {
    await clock.sleep(Math.min(atLeastReal(clock, policy.every.ms, 100), Math.max(0, end - clock.now())), r.signal);
    if (d.policy.analysis.length > 0) {
      const now = (await d.traffic.snapshot(r.signal)).regions[name];
      const records = await Promise.all(d.policy.analysis.map((a) => d.analyse(a, { region: name, since: last, now, signal: r.signal })));
      // Too few requests for the balancer's counters: the next measurement looks at a longer stretch.
      if (!records.some((x, i) => x.verdict === 'inconclusive' && d.policy.analysis[i]?.type === 'proxy')) last = now;
      for (const x of records) tally[x.verdict === 'success' ? 'successes' : x.verdict === 'failure' ? 'failures' : 'inconclusive']++;
      await r.record({ type: 'analysis.measured', cluster: name, step, records, ...tally });
      const why = verdictOf(tally, policy, records);
      if (why) await cut(r, d, `analysis failed at step ${step + 1} (${percent}%): ${why}`);
    }
    if (clock.now() >= end) break;
  }
  if (d.policy.analysis.length > 0 && tally.successes === 0) await cut(r, d, `step ${step + 1} (${percent}%) ended with no successful measurement (${tally.inconclusive} without data); no data is never a success`);
  await r.record({ type: 'traffic.step.passed', cluster: name, step, percent });
}

function verdictOf(t: { failures: number; inconclusive: number }, policy: RegionalDeps['policy']['restore'], records: readonly AnalysisRecord[]): string | undefined {
  const detail = records.filter((x) => x.verdict !== 'success').map((x) => `${x.analysis}: ${x.message}`).join('; ');
  if (t.failures > policy.failureLimit) return `${t.failures} failed measurement(s), limit ${policy.failureLimit}: ${detail}`;
  if (t.inconclusive > policy.inconclusiveLimit) return `${t.inconclusive} measurement(s) without data, limit ${policy.inconclusiveLimit}: ${detail}`;
  return undefined;
}

/** Switch-back: weight 0 at once (confirmed on the data plane), the time it took journaled, the run failed. */
async function cut(r: RegionRun, d: RegionalDeps, reason: string): Promise<never> {
  const name = r.cluster.name;
  await r.record({ type: 'traffic.cut.requested', cluster: name, reason });
  const started = performance.now();
  await d.traffic.cut(name, r.signal);
  const ms = Math.round(performance.now() - started);
  await r.record({ type: 'traffic.cut', cluster: name, reason, ms, weight: await weightAfterCut(r, d) });
  await expireRegionSilences(r, d);
  throw new RunFailure(`${name} switched back to weight 0 in ${ms} ms: ${reason}`);
}

/** The cut is verified by the adapter; the weight read back after it is for the record, and says so when it cannot be read. */
async function weightAfterCut(r: RegionRun, d: RegionalDeps): Promise<number> {
  try {
    return (await d.traffic.snapshot(r.signal)).regions[r.cluster.name]?.weight ?? 0;
  } catch (e: unknown) {
    if (isAbortError(e)) throw e;
    await r.record({ type: 'warning', cluster: r.cluster.name, message: `the weight after the switch-back could not be read back (${errorMessage(e)}); the adapter confirmed weight 0` });
    return 0;
  }
}

async function expireRegionSilences(r: RegionRun, d: RegionalDeps): Promise<void> {
  if (!d.silences) return;
  await expireSilences({ expirer: d.silences, silences: regionState(r.state(), r.cluster.name).silences, cluster: r.cluster.name, record: r.record, signal: r.signal });
}

function vars(r: RegionRun, event: HookEvent): Record<string, string> {
  return { run: r.deps.runId, cluster: r.cluster.name, region: r.cluster.name, event, plan: r.deps.plan.plan.metadata.name };
}

/** Runs the plan's hooks for `on`; a failed hook with onFailure fail fails the run, with its output. */
export async function runHooks(deps: EngineDeps, record: (e: RunEvent) => Promise<void>, on: HookEvent, v: Readonly<Record<string, string>>, signal: AbortSignal): Promise<void> {
  const hooks = deps.plan.plan.spec.hooks.filter((h) => h.on === on);
  if (hooks.length === 0) return;
  if (!deps.runHook) throw new RunFailure(`the plan has ${on} hooks but this engine cannot run hooks`);
  for (const hook of hooks) {
    const result = await deps.runHook(hook, v, signal);
    await record({ type: 'hook.ran', ...(v.cluster ? { cluster: v.cluster } : {}), result });
    if (!result.ok && hook.onFailure === 'fail') throw new RunFailure(`${on} hook ${result.target} failed: ${result.message}`);
  }
}
