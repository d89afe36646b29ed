// One run in this process, new or resumed: connect the clusters, check preflight for a new run, take the
// run directory, execute with Ctrl-C as pause, and report. `run`, `resume` and `demo` share it.
import { FileJournal } from '../journal/file-journal.ts';
import type { AnchorFailure } from '../journal/head-anchor.ts';
import type { JournalSigner } from '../engine/ports/journal-signing.ts';
import { ApprovalReader, SkipReader, ControlReader, claimOwner, createRunDir, newRunId, ownerAlive } from '../engine/run-dir.ts';
import type { RunPaths } from '../engine/run-dir.ts';
import { executeRun } from '../engine/runner.ts';
import { finishedParts } from '../engine/rollout-runner.ts';
import type { ExecuteOptions } from '../engine/runner.ts';
import type { RunEnd } from '../engine/runner.ts';
import { isFinished, replay } from '../engine/state.ts';
import type { RunState } from '../engine/state.ts';
import type { JournalEntry, RunEvent } from '../engine/events.ts';
import { Notifier } from '../notify/notifier.ts';
import type { Cluster } from '../engine/ports/cluster.ts';
import { UserError } from '../lib/errors.ts';
import type { RequestObserver } from '../lib/request-tally.ts';
import { nodePhases } from '../plan/kubernetes-phase.ts';
import type { LoadedPlan } from '../plan/load.ts';
import { renderFindings, runPreflight, summarise } from '../preflight/index.ts';
import type { Finding } from '../preflight/index.ts';
import { connectClusters } from './clusters.ts';
import { engineDeps } from './engine-wiring.ts';
import { openAnchoredJournal } from './journal-anchors.ts';
import { regionalDeps } from './regional-wiring.ts';
import { RunView } from './run-view.ts';
import { existingRun } from './state-dir.ts';
import type { ViewMode } from './run-view.ts';

export interface SessionOptions {
  readonly plan: LoadedPlan;
  readonly stateDir: string;
  readonly kubeconfig?: string;
  /** Resume this run instead of starting a new one. */
  readonly resume?: string;
  readonly view: ViewMode;
  readonly write: (text: string) => void;
  readonly skipPreflight?: boolean;
  /** Ctrl-C; the CLI passes a signal wired to SIGINT. */
  readonly interrupt?: AbortSignal;
  /** Signs the journal's entries and its anchored head: the CLI loads the key from the config directory, tests pass their own. */
  readonly signer: JournalSigner;
  /** Told of every API request the session makes (benchmarks and tests count them with a RequestTally). */
  readonly onRequest?: RequestObserver;
}

export type SessionEnd = (RunEnd & { readonly runId: string; readonly paths: RunPaths }) | { readonly status: 'refused'; readonly findings: readonly Finding[]; readonly runId?: undefined };

export async function runSession(o: SessionOptions): Promise<SessionEnd> {
  const connected = await connectClusters(o.plan.plan, { kubeconfig: o.kubeconfig, signal: o.interrupt, ...(o.onRequest ? { onRequest: o.onRequest } : {}) });
  try {
    const first = connected.clusters.values().next().value;
    if (!first) throw new UserError('the plan names no cluster');
    const clock = first.clock;
    let findings: Finding[] | undefined;
    if (!o.resume && !o.skipPreflight) {
      findings = await preflight(o.plan, connected.clusters);
      if (findings.some((f) => f.severity === 'blocking')) {
        o.write(`${renderFindings(findings)}\nNot started: ${summarise(findings).blocking} blocking finding(s). Fix them, or pass --skip-preflight to run anyway.\n`);
        return { status: 'refused', findings };
      }
    }
    // A rollout whose run was aborted or failed goes on in a new run, from where that one stopped
    const resumed = o.resume ? resumable(o.stateDir, o.resume, o.plan) : undefined;
    const continueFrom = resumed && 'continueFrom' in resumed ? resumed.continueFrom : undefined;
    const paths = resumed && 'paths' in resumed ? resumed.paths : createRunDir(o.stateDir, newRunId(o.plan.plan.metadata.name, clock.now()));
    if (continueFrom) o.write(o.view === 'json' ? `${JSON.stringify({ runId: paths.runId, type: 'rollout.continuing', from: continueFrom.runId, clusters: continueFrom.clusters })}\n` : `Run ${continueFrom.runId} is over; its rollout goes on in run ${paths.runId}: ${continueFrom.clusters.length} cluster(s) it finished (${continueFrom.clusters.join(', ') || 'none'}) are not maintained again.\n`);
    claimOwner(paths);
    const anchored = openAnchoredJournal({ path: paths.journal, runId: paths.runId, clock, clusters: connected.clusters, signer: o.signer, onFailure: anchorWarning(o) });
    const journal = anchored.journal;
    const view = new RunView(o.view, o.write);
    const ask = (question: string) => o.write(o.view === 'json' ? `${JSON.stringify({ runId: paths.runId, type: 'traffic.confirmation.requested', question })}\n` : `\n${question}\n`);
    const regional = regionalDeps({ plan: o.plan.plan, clusters: connected.clusters, clock, runId: paths.runId, paths, ask });
    try {
      const notifier = new Notifier((o.plan.plan.spec.notify?.webhooks ?? []).map((w) => w.url));
      const emit = (e: JournalEntry, state: RunState) => {
        view.onEntry(e);
        notifier.onEntry(e, state);
      };
      const deps = { ...engineDeps({ runId: paths.runId, plan: o.plan, clusters: connected.clusters, clock, emit, ...(regional ? { regional } : {}) }), ...(findings ? { preflight: findings } : {}), approvals: new ApprovalReader(paths), skips: new SkipReader(paths) };
      const end = await executeRun({ deps, journal, interrupt: o.interrupt, control: new ControlReader(paths), ...(continueFrom ? { continueFrom } : {}) });
      await notifier.flush();
      return { ...end, runId: paths.runId, paths };
    } finally {
      // The final head goes to the clusters before the session ends: a cut tail shows against it.
      await anchored.close();
      await regional?.traffic.close();
    }
  } finally {
    await connected.close();
  }
}

/** One warning per store that cannot take the head; the run goes on (its entries are signed regardless). */
function anchorWarning(o: SessionOptions): (f: AnchorFailure) => void {
  const warned = new Set<string>();
  return (f) => {
    if (warned.has(f.where)) return;
    warned.add(f.where);
    o.write(o.view === 'json' ? `${JSON.stringify({ type: 'journal.anchor.failed', where: f.where, message: f.message })}\n` : `\nwarning: the journal's head could not be anchored in ${f.where}: ${f.message}; it is tried again with the next entry\n`);
  };
}

async function preflight(plan: LoadedPlan, clusters: ReadonlyMap<string, Cluster>): Promise<Finding[]> {
  const out: Finding[] = [];
  for (const cluster of clusters.values()) {
    const snapshot = await cluster.snapshot();
    for (const phase of plan.plan.spec.phases.flatMap(nodePhases)) out.push(...runPreflight({ snapshot, plan: plan.plan, phase }));
  }
  return out;
}

/**
 * A run that can be resumed here: it exists, no live process owns it, same plan, and it is not over; or it
 * ended aborted or failed and its plan has a rollout, which a new run carries on from where it stopped.
 */
function resumable(stateDir: string, runId: string, plan: LoadedPlan): { readonly paths: RunPaths } | { readonly continueFrom: NonNullable<ExecuteOptions['continueFrom']> } {
  const paths = existingRun(stateDir, runId, `run -f ${plan.path} --resume`);
  const journal = FileJournal.open<RunEvent>(paths.journal, runId, () => 0);
  const state = replay(runId, journal.entries);
  journal.close();
  if (journal.entries.length === 0) throw new UserError(`run ${runId} has an empty journal in ${paths.dir}; start a new run instead`);
  const owner = ownerAlive(paths);
  if (owner && owner.pid !== process.pid) throw new UserError(`run ${runId} is running in process ${owner.pid} on ${owner.host}; use daylight pause|resume|abort ${runId} to steer it`);
  if (state.plan && state.plan.sha256 !== plan.sha256) {
    throw new UserError(`run ${runId} was started with another version of ${state.plan.path} (sha256 ${state.plan.sha256.slice(0, 12)}, now ${plan.sha256.slice(0, 12)}); resume it with the plan it started with, or start a new run`);
  }
  if (isFinished(state.status)) {
    const rollout = plan.plan.spec.rollout !== undefined && (state.status === 'aborted' || state.status === 'failed');
    if (!rollout) throw new UserError(`run ${runId} is over (${state.status}${state.reason ? `: ${state.reason}` : ''}); start a new run with daylight run -f ${plan.path}`);
    return { continueFrom: { runId, ...finishedParts(state, plan.plan) } };
  }
  return { paths };
}

