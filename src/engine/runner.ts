// A run from start (or from its journal) to its end: clusters in plan order (or a rollout's stages and
// groups, rollout-runner.ts), each under its lease, phases one after another; pause, resume and abort from the terminal or other processes; on failure
// or abort every node this run holds is given back.
import { awaitApproval, phaseStep, regionStep } from './approvals.ts';
import type { ApprovalWait } from './approvals.ts';
import type { RunEvent } from './events.ts';
import type { Phase } from '../plan/schema.ts';
import { giveBackAll } from './give-back.ts';
import type { GiveBackOptions } from './give-back.ts';
import { readyDeadline } from './deadlines.ts';
import { runProblems } from './verdict.ts';
import type { Journal } from './journal.ts';
import { runKubernetesPhase } from './kubernetes-phase.ts';
import { runPlatformPhase } from './platform-phase.ts';
import { holdLease, LEASE_NAME, LeaseBusy } from './lease-keeper.ts';
import type { HeldLease } from './lease-keeper.ts';
import { NodeFailure } from './node-pipeline.ts';
import { runPhase, RunFailure } from './phase-runner.ts';
import { ClusterFailed, runRollout } from './rollout-runner.ts';
import { resolvePhaseVersion } from './versions.ts';
import { resolveRollout } from '../planner/rollout.ts';
import { bringBack, regionState, runHooks, takeOutOfTraffic } from './region.ts';
import type { EngineDeps } from './ports.ts';
import type { Cluster } from './ports/cluster.ts';
import { errorMessage, isAbortError } from '../lib/errors.ts';
import { oneAtATime } from '../lib/concurrency.ts';
import type { ControlCommand } from './run-dir.ts';
import { isFinished, LiveState } from './state.ts';
import type { RunState, RunStatus } from './state.ts';

export interface RunEnd {
  readonly status: RunStatus;
  readonly reason?: string;
  readonly state: RunState;
}

export interface ExecuteOptions {
  readonly deps: EngineDeps;
  readonly journal: Journal;
  /** Ctrl-C: the run pauses cleanly and this process ends. */
  readonly interrupt?: AbortSignal;
  /** Commands from `daylight pause|resume|abort RUN`. */
  readonly control?: { poll(): ControlCommand[] };
  /**
   * When the run stops and this says so, its clusters' leases are kept instead of given back: the
   * controller's, when it was deposed or is stopping, whose next leader carries the run on under the same
   * holder (the run id) at once. A deposed leader that gave them back would free the clusters under the
   * run that is still going.
   */
  readonly keepLeases?: () => boolean;
  /** A new run carrying on the rollout of an aborted or failed one: the clusters and stages it finished, journaled at the start. */
  readonly continueFrom?: { readonly runId: string; readonly clusters: readonly string[]; readonly stages: readonly string[] };
}

type StopReason = 'interrupt' | 'pause' | 'abort' | 'lease';

const CONTROL_POLL_MS = 250;

export async function executeRun(o: ExecuteOptions): Promise<RunEnd> {
  const { deps, journal } = o;
  const live = new LiveState(deps.runId, journal.entries);
  const record = async (event: RunEvent): Promise<void> => {
    const entry = await journal.append(event);
    deps.emit(entry, live.follow(entry));
  };
  const holder = deps.runId;
  if (journal.entries.length === 0) {
    await record({ type: 'run.started', plan: { name: deps.plan.plan.metadata.name, path: deps.plan.path, sha256: deps.plan.sha256 }, clusters: [...deps.clusters.keys()], holder });
    await record({ type: 'preflight.evaluated', findings: deps.preflight ?? [], skipped: deps.preflight === undefined });
    if (o.continueFrom) await record({ type: 'rollout.continued', from: o.continueFrom.runId, clusters: o.continueFrom.clusters, stages: o.continueFrom.stages });
  } else {
    await record({ type: 'run.resumed', holder });
  }
  for (;;) {
    const stop = await attempt(o, live, record);
    if (stop !== 'pause') return ended(o, live, record);
    const next = await waitForResume(o, record);
    if (next === 'abort') {
      await finishAbort(o, live, record, 'aborted by daylight abort while paused');
      return ended(o, live, record);
    }
    if (next === 'interrupt') return end(live);
    await record({ type: 'run.resumed', holder });
  }
}

/** A run that reached its end runs its run-end hooks (with the outcome); a paused one does not. */
async function ended(o: ExecuteOptions, live: LiveState, record: (e: RunEvent) => Promise<void>): Promise<RunEnd> {
  const s = live.state;
  if (isFinished(s.status)) {
    const vars = { run: o.deps.runId, plan: o.deps.plan.plan.metadata.name, event: 'run-end', outcome: s.status };
    await runHooks(o.deps, record, 'run-end', vars, new AbortController().signal).catch(async (e: unknown) => {
      if (!(e instanceof RunFailure)) throw e;
      // A run-end hook that must not fail (onFailure: fail) marks a run that finished its work as failed.
      if (live.state.status === 'succeeded' || live.state.status === 'degraded') await record({ type: 'run.failed', reason: e.message });
    });
  }
  return end(live);
}

function end(live: LiveState): RunEnd {
  const s = live.state;
  return { status: s.status, reason: s.reason, state: s };
}

/** One go at the remaining work; returns 'pause' when the run should wait for `resume`. */
async function attempt(o: ExecuteOptions, live: LiveState, record: (e: RunEvent) => Promise<void>): Promise<StopReason | 'done'> {
  const work = new AbortController();
  const stopWith = (why: StopReason) => {
    if (!work.signal.aborted) work.abort(why);
  };
  const onInterrupt = () => stopWith('interrupt');
  o.interrupt?.addEventListener('abort', onInterrupt, { once: true });
  if (o.interrupt?.aborted) stopWith('interrupt');
  const control = pollControl(o, record, stopWith);
  const leases: HeldLease[] = [];
  try {
    await allClusters(o, live, record, { signal: work.signal, leases, lost: () => stopWith('lease') });
    const refused = await control.stop();
    if (refused !== undefined) throw refused;
    const problems = runProblems(live.state);
    if (problems.length === 0) await record({ type: 'run.succeeded' });
    else await record({ type: 'run.degraded', reason: `the run finished, but ${problems.length} ${problems.length === 1 ? 'thing was' : 'things were'} not done as planned`, problems });
    return 'done';
  } catch (e: unknown) {
    const refused = await control.stop();
    return await stopped(o, live, record, refused !== undefined ? { error: refused, reason: undefined } : { error: e, reason: work.signal.reason as StopReason | undefined });
  } finally {
    await control.stop();
    o.interrupt?.removeEventListener('abort', onInterrupt);
    for (const l of leases) {
      if (o.keepLeases?.()) {
        await l.stop();
        continue;
      }
      const problem = await l.release();
      if (problem) await record({ type: 'warning', message: problem });
    }
  }
}

interface Work {
  readonly signal: AbortSignal;
  readonly leases: HeldLease[];
  readonly lost: () => void;
}

async function allClusters(o: ExecuteOptions, live: LiveState, record: (e: RunEvent) => Promise<void>, w: Work): Promise<void> {
  const started = o.journal.entries.some((e) => e.event.type === 'hook.ran' && e.event.result.on === 'run-start');
  if (!started) await runHooks(o.deps, record, 'run-start', { run: o.deps.runId, plan: o.deps.plan.plan.metadata.name, event: 'run-start' }, w.signal);
  const phases = o.deps.plan.plan.spec.phases;
  const completed = (name: string, phase: string) => live.state.phases.some((x) => x.cluster === name && x.phase === phase && x.completed);
  const carried = (name: string) => live.state.continuedFrom?.clusters.includes(name) === true;
  const finished = (name: string) => carried(name) || (phases.every((ph) => completed(name, ph.name)) && (!phases.some((ph) => ph.regional) || ['restored', 'in-service'].includes(regionState(live.state, name).stage)));
  // Decisions that must see each other: asking an approval once for a phase that clusters of parallel groups
  // reach together, resolving a minor to one release
  const serial = keyedSerial();
  // One region out of traffic at a time across a rollout's parallel groups: regional phases keep their meaning
  // (the regions one after another, never the last serving one out) whatever maxConcurrency says
  const regionOut = exclusive();
  const maintain = async (name: string, cluster: Cluster): Promise<void> => {
    if (finished(name)) {
      // A process that died after the cluster's last phase, before it gave the lease back: give it back now,
      // or the cluster stays locked for the lease's duration and the run reads as still holding it.
      if (live.state.leases[name] !== undefined) await giveBackLease(cluster, o.deps.runId, record, w.signal);
      return;
    }
    const region = { deps: o.deps, record, state: () => live.state, cluster, signal: w.signal };
    const lease = await holdLease({ cluster, holder: o.deps.runId, clock: o.deps.clock, durationSeconds: o.deps.plan.plan.spec.lease.duration.seconds, onLost: () => w.lost(), signal: w.signal });
    w.leases.push(lease);
    let released = false;
    let outOfTraffic: (() => void) | undefined;
    const backInTraffic = async () => {
      await bringBack(region);
      outOfTraffic?.();
      outOfTraffic = undefined;
    };
    try {
      await record({ type: 'lease.acquired', cluster: name, holder: o.deps.runId });
      for (const [i, phase] of phases.entries()) {
        // A restore that a crash interrupted ends before any phase outside the region's drain.
        if (!phase.regional) await backInTraffic();
        if (completed(name, phase.name)) continue;
        const run = { deps: o.deps, journal: o.journal, record, state: () => live.state, cluster, signal: w.signal };
        await approvalsBefore(run, phase, serial);
        if (phase.regional) {
          outOfTraffic ??= await regionOut(w.signal);
          await takeOutOfTraffic(region);
        }
        if (phase.type === 'kubernetes') {
          // A minor resolved to its release once for the run (one question at a time, so parallel groups agree)
          const question = { deps: o.deps, record, state: () => live.state, cluster: name, signal: w.signal, mode: rollout.versions };
          const exact = await serial(`version ${phase.to}`, () => resolvePhaseVersion(question, phase));
          await runKubernetesPhase({ ...run, phase: exact });
        } else if (phase.type === 'platform') await runPlatformPhase({ ...run, phase });
        else await runPhase({ ...run, phase });
        if (phase.regional && !phases[i + 1]?.regional) await backInTraffic();
      }
      // A run that stopped between its last regional phase and the end of the restore finishes the restore.
      if (phases.some((ph) => ph.regional)) await backInTraffic();
      w.leases.splice(w.leases.indexOf(lease), 1);
      released = true;
      const problem = await lease.release();
      if (problem) await record({ type: 'warning', cluster: name, message: problem });
      else await record({ type: 'lease.released', cluster: name });
    } catch (e: unknown) {
      // The next region may leave once this one's run is over: a failed or stopped one stays as the journal says
      outOfTraffic?.();
      // In a rollout a failed cluster gives its nodes back, then its lease, and the others go on; a stop of the
      // run (pause, abort, Ctrl-C, a lost lease) keeps them for the run's own end
      const failure = e instanceof NodeFailure || e instanceof RunFailure || e instanceof LeaseBusy;
      if (released || w.signal.aborted || !rollout.explicit || !failure) throw e;
      const s = live.state;
      const mine: RunState = { ...s, nodes: Object.fromEntries(Object.entries(s.nodes).filter(([, n]) => n.cluster === name)) };
      const back = await giveBackAll({ ...giveBackDeps(o, live), state: mine, outcome: 'failed', why: e.message, record });
      w.leases.splice(w.leases.indexOf(lease), 1);
      const problem = await lease.release();
      if (problem) await record({ type: 'warning', cluster: name, message: problem });
      else await record({ type: 'lease.released', cluster: name });
      throw new ClusterFailed(`${e.message}${heldNote(back.held)}`);
    }
  };
  const rollout = resolveRollout(o.deps.plan.plan.spec);
  if (!rollout.explicit) {
    for (const [name, cluster] of o.deps.clusters) await maintain(name, cluster);
    return;
  }
  await runRollout({ deps: o.deps, journal: o.journal, live, record, signal: w.signal, maintain, finished }, rollout);
}

/** A lock: resolves with its release once no one else holds it; a waiter whose signal aborts stops waiting. */
function exclusive(): (signal: AbortSignal) => Promise<() => void> {
  let tail: Promise<void> = Promise.resolve();
  return async (signal) => {
    let release: () => void = () => undefined;
    const mine = new Promise<void>((resolve) => (release = resolve));
    const before = tail;
    tail = before.then(() => mine);
    let onAbort: () => void = () => undefined;
    const aborted = new Promise<never>((_, reject) => {
      onAbort = () => reject(signal.reason);
      if (signal.aborted) onAbort();
      else signal.addEventListener('abort', onAbort, { once: true });
    });
    aborted.catch(() => undefined); // an abort after the lock is held is no one's error
    try {
      await Promise.race([before, aborted]);
    } catch (e: unknown) {
      release(); // never held: the next one goes when the one before it is done
      throw e;
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
    let done = false;
    return () => {
      if (!done) release();
      done = true;
    };
  };
}

/** Runs `f` for one key at a time: a second caller with the same key waits for the first to end. */
function keyedSerial(): <T>(key: string, f: () => Promise<T>) => Promise<T> {
  const byKey = new Map<string, ReturnType<typeof oneAtATime>>();
  return (key, f) => {
    let run = byKey.get(key);
    if (!run) byKey.set(key, (run = oneAtATime()));
    return run(f);
  };
}

/** The phase's approvals before it starts on a cluster: once for the phase, then for the region before it leaves traffic. */
async function approvalsBefore(run: ApprovalWait & { readonly cluster: Cluster }, phase: Phase, serial: ReturnType<typeof keyedSerial>): Promise<void> {
  const before = phase.before?.[0];
  if (before) await serial(phaseStep(phase.name), () => awaitApproval(run, { step: phaseStep(phase.name), phase: phase.name, gate: before }));
  const region = phase.type === 'platform' ? undefined : phase.beforeEachRegion?.[0];
  if (region && phase.regional) await awaitApproval(run, { step: regionStep(phase.name, run.cluster.name), phase: phase.name, cluster: run.cluster.name, gate: region });
}

/** Releases the cluster's lease if this run still holds it (the port leaves another holder's alone). */
async function giveBackLease(cluster: Cluster, holder: string, record: (e: RunEvent) => Promise<void>, signal: AbortSignal): Promise<void> {
  try {
    await cluster.leases.release(LEASE_NAME, holder, signal);
  } catch (e: unknown) {
    if (isAbortError(e)) throw e;
    await record({ type: 'warning', cluster: cluster.name, message: `the lease on cluster ${cluster.name} could not be released (${errorMessage(e)}); it expires on its own` });
    return;
  }
  await record({ type: 'lease.released', cluster: cluster.name });
}

async function stopped(o: ExecuteOptions, live: LiveState, record: (e: RunEvent) => Promise<void>, s: { error: unknown; reason: StopReason | undefined }): Promise<StopReason> {
  // A fetch cut by the run's own stop rejects with the signal's reason itself (the string 'pause'), not an AbortError
  const aborted = (s.error instanceof Error && s.error.name === 'AbortError') || (s.reason !== undefined && s.error === s.reason);
  if (aborted && s.reason === 'abort') {
    await finishAbort(o, live, record, 'aborted by daylight abort');
    return 'abort';
  }
  if (aborted && s.reason === 'pause') {
    await record({ type: 'run.paused', reason: 'paused by daylight pause; waiting for daylight resume or abort' });
    return 'pause';
  }
  if (aborted && s.reason === 'lease') {
    await record({ type: 'run.paused', reason: 'lost the lease of a cluster: another process may be maintaining it; resume with daylight run --resume once it is free' });
    return 'lease';
  }
  if (aborted) {
    await record({ type: 'run.paused', reason: 'interrupted (Ctrl-C); resume with daylight run --resume' });
    return 'interrupt';
  }
  if (s.error instanceof NodeFailure || s.error instanceof RunFailure || s.error instanceof LeaseBusy) {
    const why = s.error.message;
    const back = await giveBackAll({ ...giveBackDeps(o, live), outcome: 'failed', why, record });
    await record({ type: 'run.failed', reason: `${why}${heldNote(back.held)}` });
    return 'abort';
  }
  const message = s.error instanceof Error ? s.error.message : String(s.error);
  await record({ type: 'run.paused', reason: `stopped by an error: ${message}; fix it and resume with daylight run --resume` });
  return 'interrupt';
}

async function finishAbort(o: ExecuteOptions, live: LiveState, record: (e: RunEvent) => Promise<void>, why: string): Promise<RunEnd> {
  const back = await giveBackAll({ ...giveBackDeps(o, live), outcome: 'skipped', why, record });
  await record({ type: 'run.aborted', reason: `${why}${heldNote(back.held)}` });
  return end(live);
}

/** What the give-back needs of the run: its clusters, clock, and each node's deadline to come back. */
function giveBackDeps(o: ExecuteOptions, live: LiveState): Pick<GiveBackOptions, 'state' | 'clusters' | 'runId' | 'clock' | 'readyDeadline'> {
  return { state: live.state, clusters: o.deps.clusters, runId: o.deps.runId, clock: o.deps.clock, readyDeadline: (n) => readyDeadline(o.deps.plan.plan, live.state, n) };
}

/** Nodes the give-back left cordoned (not Ready), named in the run's reason so nobody has to dig for them. */
/**
 * Reads the commands of `daylight pause|resume|abort` every CONTROL_POLL_MS, one poll at a time, each
 * journaled before it is acted on. `stop` ends the polling once the poll in flight is done, and gives the
 * journal's refusal of a command, if there was one (the run stopped on it as on an error).
 */
function pollControl(o: ExecuteOptions, record: (e: RunEvent) => Promise<void>, stopWith: (why: StopReason) => void): { stop(): Promise<unknown> } {
  let polling = Promise.resolve();
  let refused: unknown;
  const poll = async () => {
    for (const c of o.control?.poll() ?? []) {
      await record({ type: 'control.received', command: c });
      if (c !== 'resume' && c !== 'confirm') stopWith(c);
    }
  };
  const timer = setInterval(() => {
    polling = polling.then(poll).catch((e: unknown) => {
      refused ??= e;
      stopWith('interrupt');
    });
  }, CONTROL_POLL_MS);
  return {
    stop: async () => {
      clearInterval(timer);
      await polling;
      return refused;
    },
  };
}

function heldNote(held: readonly string[]): string {
  return held.length > 0 ? `; left cordoned for a person or daylight recover: ${held.join(', ')}` : '';
}

/** While paused by `daylight pause`: wait for resume, abort, or Ctrl-C. */
async function waitForResume(o: ExecuteOptions, record: (e: RunEvent) => Promise<void>): Promise<'resume' | 'abort' | 'interrupt'> {
  for (;;) {
    if (o.interrupt?.aborted) return 'interrupt';
    for (const c of o.control?.poll() ?? []) {
      await record({ type: 'control.received', command: c });
      if (c === 'resume' || c === 'abort') return c;
    }
    await new Promise((r) => setTimeout(r, CONTROL_POLL_MS));
  }
}
