// A `platform` phase on one cluster: the two workspace files diffed, then every changed component in
// dependency order through its pre-checks, its upgrade command and its post-checks. Every command is
// journaled before it runs; the first failure halts the run (roll forward), after the component's
// rollback command when the plan asks for one. A resumed run skips the components the journal says are upgraded.
import { expireSilences } from './expire-silences.ts';
import { dirname, resolve } from 'node:path';
import type { Cluster } from './ports/cluster.ts';
import { Duration } from '../lib/duration.ts';
import { UserError } from '../lib/errors.ts';
import type { PlatformPhase } from '../plan/schema.ts';
import type { ComponentStep, PlatformChange, PlatformPort, PostStep, UpgradeStep, WorkspaceFile } from './ports/platform.ts';
import type { ComponentCommand, GateResult, RunEvent } from './events.ts';
import { veleroComponentBackup } from './platform-backup.ts';
import type { Journal } from './journal.ts';
import { RunFailure } from './phase-runner.ts';
import type { EngineDeps, Silencer } from './ports.ts';
import { silenceMarker } from './region.ts';
import type { RunState } from './state.ts';

/** An upgrade command gets this long (real time: helm and its hooks do not run faster in a sandbox). */
const UPGRADE_TIMEOUT = Duration.parse('30m');
/** Output kept in the journal from each command: its last lines, for the report. */
const OUTPUT_IN_JOURNAL = 2000;

export interface PlatformRun {
  readonly deps: EngineDeps;
  readonly journal: Journal;
  readonly record: (e: RunEvent) => Promise<void>;
  readonly state: () => RunState;
  readonly cluster: Cluster;
  readonly phase: PlatformPhase;
  readonly signal: AbortSignal;
}

type Steps = PlatformChange['components'][number];

export async function runPlatformPhase(p: PlatformRun): Promise<void> {
  const { change, from, to } = await readWorkspaces(p, platformPort(p));
  await journalDiff(p, change, { from, to });
  for (const c of change.components) {
    if (upgraded(p, c.component)) continue;
    if (p.signal.aborted) throw new DOMException('the operation was aborted', 'AbortError');
    await upgradeComponent(p, c);
  }
  await p.record({ type: 'phase.completed', cluster: p.cluster.name, phase: p.phase.name });
}

function where(p: PlatformRun) {
  return { cluster: p.cluster.name, phase: p.phase.name };
}

function platformPort(p: PlatformRun): PlatformPort {
  if (!p.deps.platform) throw new Error(`phase ${p.phase.name}: the engine was given no platform port (EngineDeps.platform); the CLI wires one`);
  return p.deps.platform;
}

/** Both workspace files, relative to the plan's folder, and the change between them; a bad file fails the run at its file:line:column. */
async function readWorkspaces(p: PlatformRun, platform: PlatformPort): Promise<{ change: PlatformChange; from: WorkspaceFile; to: WorkspaceFile }> {
  const base = dirname(resolve(p.deps.plan.path));
  try {
    const files = await platform.read(resolve(base, p.phase.workspace.from), resolve(base, p.phase.workspace.to));
    refuseChangedFiles(p, files.from, files.to);
    const change = await files.change({ cluster: p.cluster.name, runId: p.deps.runId, rollback: p.phase.rollback, ...(p.phase.prometheus !== undefined ? { prometheus: p.phase.prometheus } : {}) });
    return { change, from: files.from, to: files.to };
  } catch (e: unknown) {
    if (!(e instanceof UserError)) throw e;
    throw new RunFailure(`phase ${p.phase.name} on ${p.cluster.name}: ${e.message}\nfix the workspace file and start a new run; no component was touched by this step`);
  }
}

/** A resumed run upgrades what it diffed at its start, not what the files say now. */
function refuseChangedFiles(p: PlatformRun, from: WorkspaceFile, to: WorkspaceFile): void {
  const first = p.journal.entries.find((e) => e.event.type === 'platform.diffed' && e.event.cluster === p.cluster.name && e.event.phase === p.phase.name)?.event;
  if (first?.type !== 'platform.diffed') return;
  for (const [was, now] of [[first.from, from], [first.to, to]] as const) {
    if (was.sha256 !== now.sha256) throw new UserError(`${now.path}: changed since this run diffed it (sha256 ${was.sha256.slice(0, 12)}, now ${now.sha256.slice(0, 12)}); put back the file the run started with, or start a new run`);
  }
}

async function journalDiff(p: PlatformRun, change: PlatformChange, files: { from: WorkspaceFile; to: WorkspaceFile }): Promise<void> {
  if (p.journal.entries.some((e) => e.event.type === 'platform.diffed' && e.event.cluster === p.cluster.name && e.event.phase === p.phase.name)) return;
  const ref = (w: WorkspaceFile) => ({ path: w.path, sha256: w.sha256 });
  await p.record({ type: 'phase.planned', cluster: p.cluster.name, phase: p.phase.name, budget: 1, waves: [], excluded: [] });
  await p.record({
    type: 'platform.diffed',
    ...where(p),
    from: ref(files.from),
    to: ref(files.to),
    order: change.order,
    removed: change.removed,
    downgrades: change.downgrades,
  });
}

function upgraded(p: PlatformRun, component: string): boolean {
  return p.journal.entries.some((e) => e.event.type === 'component.upgraded' && e.event.cluster === p.cluster.name && e.event.phase === p.phase.name && e.event.component === component);
}

/** A silence for the component's alerts, journaled before it is made; its comment carries the run's marker for recovery. */
async function holdSilence(p: PlatformRun, component: string, matchers: readonly { name: string; value: string; isRegex: boolean }[], silencer: Silencer): Promise<void> {
  const marker = silenceMarker(p.deps.runId, p.cluster.name);
  await p.record({ type: 'silence.requested', cluster: p.cluster.name, alertmanager: silencer.alertmanager, marker });
  const id = await silencer.create(matchers, `${marker}: upgrade of ${component} by phase ${p.phase.name}`, p.signal);
  await p.record({ type: 'silence.created', cluster: p.cluster.name, alertmanager: silencer.alertmanager, id });
}

/** The silences this run holds on the cluster, expired (after a component, whether it passed or failed). */
async function releaseSilences(p: PlatformRun): Promise<void> {
  const silencer = p.deps.silencer;
  if (!silencer) return;
  await expireSilences({ expirer: silencer, silences: p.state().regions[p.cluster.name]?.silences ?? {}, cluster: p.cluster.name, record: p.record, signal: p.signal });
}

async function upgradeComponent(p: PlatformRun, c: Steps): Promise<void> {
  try {
    await upgradeWithChecks(p, c);
  } finally {
    await releaseSilences(p);
  }
}

async function upgradeWithChecks(p: PlatformRun, c: Steps): Promise<void> {
  const up = c.steps.find((s): s is UpgradeStep => s.kind === 'upgrade') as UpgradeStep;
  await p.record({ type: 'component.started', ...where(p), component: c.component, ...(up.from !== undefined ? { from: up.from } : {}), to: up.to, steps: c.steps.map((s) => ({ id: s.id, title: s.title })) });
  for (const step of c.steps) {
    if (step.phase === 'pre') await preStep(p, step);
    else if (step.phase === 'upgrade') await command(p, { component: c.component, step: 'upgrade', run: step.run, timeout: UPGRADE_TIMEOUT }, step);
  }
  await postChecks(p, up, c.steps.filter((s): s is PostStep => s.phase === 'post'));
  await p.record({ type: 'component.upgraded', ...where(p), component: c.component, to: up.to });
}

async function preStep(p: PlatformRun, step: Extract<ComponentStep, { phase: 'pre' }>): Promise<void> {
  switch (step.kind) {
    case 'backup-command':
      if (!backedUp(p, step.component)) await command(p, { component: step.component, step: 'backup', run: step.run, timeout: step.timeout }, undefined);
      return;
    case 'changelog':
      await p.record({ type: 'component.changelog', ...where(p), component: step.component, file: step.file, entries: step.entries.length, breaking: step.breaking, missingTarget: step.missingTarget });
      return;
    case 'silence':
      if (p.deps.silencer) {
        await holdSilence(p, step.component, step.matchers, p.deps.silencer);
        return;
      }
      await p.record({
        type: 'component.silences.skipped',
        ...where(p),
        component: step.component,
        matchers: step.matchers.map((m) => `${m.name}${m.isRegex ? '=~' : '='}${JSON.stringify(m.value)}`),
        reason: 'the plan has no spec.silences (an Alertmanager); silence these alerts in Alertmanager by hand, or expect them to fire',
      });
      return;
    case 'backup-velero': {
      const failed = await veleroComponentBackup(p, step);
      if (failed !== undefined) await fail(p, { component: step.component, step: step.id, reason: `failed its backup: ${failed}` }, undefined);
      return;
    }
  }
}

function backedUp(p: PlatformRun, component: string): boolean {
  return p.journal.entries.some((e) => e.event.type === 'component.command.finished' && e.event.cluster === p.cluster.name && e.event.phase === p.phase.name && e.event.component === component && e.event.step === 'backup' && e.event.passed);
}

interface Command {
  readonly component: string;
  readonly step: ComponentCommand;
  readonly run: string;
  readonly timeout: Duration;
}

/** Runs one command, journaled before and after; a failure halts the run (after the rollback, when there is one). */
async function command(p: PlatformRun, c: Command, up: UpgradeStep | undefined): Promise<void> {
  await p.record({ type: 'component.command.requested', ...where(p), component: c.component, step: c.step, command: c.run });
  const r = await p.deps.exec(c.run, { timeoutMs: c.timeout.ms, signal: p.signal });
  const passed = r.exitCode === 0 && !r.timedOut;
  const output = r.output.slice(-OUTPUT_IN_JOURNAL);
  await p.record({ type: 'component.command.finished', ...where(p), component: c.component, step: c.step, passed, exitCode: r.exitCode, timedOut: r.timedOut, ms: Math.round(r.durationMs), output });
  if (passed) return;
  const tail = output.trim().split('\n').slice(-3).join(' | ');
  const why = r.timedOut
    ? `failed: its ${c.step} command "${c.run}" did not finish within ${c.timeout.toString()}`
    : `failed: its ${c.step} command "${c.run}" exited ${r.exitCode ?? r.signal}${tail ? `: ${tail}` : ''}`;
  await fail(p, { component: c.component, step: `${c.component}/${c.step}`, reason: why, value: r.timedOut ? 'timed out' : (r.exitCode ?? r.signal ?? 'killed') }, up);
}

/** Post-checks in order: the gates through the plan's gate evaluator, the deployments through the cluster. */
async function postChecks(p: PlatformRun, up: UpgradeStep, steps: readonly PostStep[]): Promise<void> {
  const results: GateResult[] = [];
  for (const s of steps) {
    if (s.kind === 'gate') results.push(...(await p.deps.evaluateGates([s.gate], p.cluster, p.signal)));
    else results.push({ gate: `${s.component}: deployments`, type: 'deployments', ...(await platformPort(p).checkDeployments(p.cluster.name, s.expect, p.signal)) });
  }
  const passed = results.every((r) => r.passed);
  await p.record({ type: 'component.checked', ...where(p), component: up.component, passed, results });
  const failed = results.filter((r) => !r.passed);
  const first = failed[0];
  if (!first) return;
  const measured = failed.map((r) => `${r.gate}: ${r.message}${r.value !== undefined ? ` (measured ${r.value}${r.threshold !== undefined ? `, threshold ${r.threshold}` : ''})` : ''}`);
  await fail(p, { component: up.component, step: `${up.component}/post-checks`, reason: `failed its post-check${failed.length > 1 ? 's' : ''}: ${measured.join('; ')}`, ...(first.value !== undefined ? { value: first.value } : {}) }, up);
}

interface Failure {
  readonly component: string;
  readonly step: string;
  readonly reason: string;
  readonly value?: number | string;
}

/** Records the failure, rolls back when the plan asks and the component can, and halts the run. */
async function fail(p: PlatformRun, f: Failure, up: UpgradeStep | undefined): Promise<never> {
  await p.record({ type: 'component.failed', ...where(p), component: f.component, step: f.step, reason: f.reason, ...(f.value !== undefined ? { value: f.value } : {}) });
  let after = 'roll forward: fix the cause, then start a new run (components already upgraded are unchanged by a rerun of their command)';
  if (up?.rollback !== undefined) {
    const r = await rollback(p, f.component, up.rollback);
    after = r ? `rolled back with "${up.rollback}"` : `the rollback command "${up.rollback}" failed too; see the journal and repair ${f.component} by hand`;
  } else if (up && p.phase.rollback) {
    after = `rollback: true, but ${f.component} has no rollback command in the workspace; ${after}`;
  }
  throw new RunFailure(`phase ${p.phase.name} on ${p.cluster.name}: component ${f.component} ${f.reason}; the run halts before the components after it; ${after}`);
}

async function rollback(p: PlatformRun, component: string, run: string): Promise<boolean> {
  await p.record({ type: 'component.command.requested', ...where(p), component, step: 'rollback', command: run });
  const r = await p.deps.exec(run, { timeoutMs: UPGRADE_TIMEOUT.ms, signal: p.signal });
  const passed = r.exitCode === 0 && !r.timedOut;
  await p.record({ type: 'component.command.finished', ...where(p), component, step: 'rollback', passed, exitCode: r.exitCode, timedOut: r.timedOut, ms: Math.round(r.durationMs), output: r.output.slice(-OUTPUT_IN_JOURNAL) });
  return passed;
}
