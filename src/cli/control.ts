// `daylight status|pause|resume|abort RUN`: read a run's journal, or steer the process that runs it. A run
// whose process is gone is resumed or aborted right here.
import { giveBackAll } from '../engine/give-back.ts';
import { readyDeadline } from '../engine/deadlines.ts';
import type { RunEvent } from '../engine/events.ts';
import { FileJournal } from '../journal/file-journal.ts';
import { listRuns, ownerAlive, runPaths, sendControl } from '../engine/run-dir.ts';
import type { ControlCommand, RunPaths } from '../engine/run-dir.ts';
import { isFinished, LiveState, replay, waitingApprovals } from '../engine/state.ts';
import { describeWaiting } from '../engine/approvals.ts';
import type { RunState } from '../engine/state.ts';
import { systemClock } from '../lib/clock.ts';
import { UserError } from '../lib/errors.ts';
import { loadPlanFile } from '../plan/load.ts';
import { HELP_OPTION, OUTPUT_OPTION, outputFlag, parse, positionals, stringFlag } from './args.ts';
import { connectClusters, KUBECONFIG_OPTION } from './clusters.ts';
import { openAnchoredJournal } from './journal-anchors.ts';
import { journalKeyPath, journalSignerAt } from './journal-key.ts';
import type { Command, Io } from './command.ts';
import { runAndReport } from './run.ts';
import { existingRun, STATE_DIR_OPTION, stateDir } from './state-dir.ts';
import { renderSummary, stageLines, summariseRun } from '../engine/run-summary.ts';

function readState(paths: RunPaths): RunState {
  const journal = FileJournal.open<RunEvent>(paths.journal, paths.runId, () => 0);
  try {
    return replay(paths.runId, journal.entries);
  } finally {
    journal.close();
  }
}

const STATUS_HELP = `Usage: daylight status [RUN] [--state-dir DIR] [-o json]

Without RUN: the runs in the state directory. With RUN: its status, waves and nodes, read from its journal.`;

export const statusCommand: Command = {
  name: 'status',
  help: STATUS_HELP,
  async run(argv, io) {
    const p = parse('status', argv, { ...HELP_OPTION, ...OUTPUT_OPTION, ...STATE_DIR_OPTION });
    if (p.values.help) {
      io.out(STATUS_HELP);
      return 0;
    }
    const dir = stateDir(p);
    const json = outputFlag(p) === 'json';
    const [runId] = positionals(p, 1, 'daylight status [RUN]');
    if (!runId) {
      const runs = listRuns(dir).map((id) => {
        const s = readState(runPaths(dir, id));
        return { ...summariseRun(s), live: ownerAlive(runPaths(dir, id)) !== undefined, waiting: !isFinished(s.status) && waitingApprovals(s).length > 0 };
      });
      io.out(json ? JSON.stringify(runs) : runs.length ? runs.map((r) => `${r.runId}  ${r.status}${r.waiting ? ' (waiting for approval)' : ''}${r.live ? ' (live)' : ''}  ${Object.entries(r.nodes).map(([k, v]) => `${v} ${k}`).join(', ')}`).join('\n') : `no runs in ${dir}`);
      return 0;
    }
    const paths = existingRun(dir, runId, 'status');
    const s = readState(paths);
    const owner = ownerAlive(paths);
    const waiting = waitingApprovals(s);
    if (json) io.out(JSON.stringify({ ...summariseRun(s), live: owner !== undefined, waitingForApproval: waiting.map((w) => w.step), approvals: s.approvals, stages: s.stages, failedClusters: s.failedClusters, phases: s.phases, nodes: s.nodes }));
    else io.out(`${renderSummary(summariseRun(s))}\n${waiting.map((w) => `WaitingForApproval: ${describeWaiting(s.runId, w)}\n`).join('')}${owner ? `Running in process ${owner.pid} on ${owner.host}.` : 'No process runs it now.'}\n${[...stageLines(s), ...s.phases.map((ph) => `${ph.cluster} · ${ph.phase}: ${ph.wavesDone}/${ph.waves.length} waves done${ph.completed ? ' (complete)' : ''}`)].join('\n')}`);
    return 0;
  },
};

function controlCommand(command: ControlCommand, help: string, local: (io: Io, paths: RunPaths, p: ReturnType<typeof parse>) => Promise<number>): Command {
  return {
    name: command,
    help,
    async run(argv, io) {
      const p = parse(command, argv, { ...HELP_OPTION, ...OUTPUT_OPTION, ...STATE_DIR_OPTION, ...KUBECONFIG_OPTION, file: { type: 'string', short: 'f' } });
      if (p.values.help) {
        io.out(help);
        return 0;
      }
      const paths = existingRun(stateDir(p), positionals(p, 1, `daylight ${command} RUN`)[0], command);
      const owner = ownerAlive(paths);
      if (owner) {
        sendControl(paths, command);
        io.out(`${command} sent to run ${paths.runId} (process ${owner.pid}); it acts at once. Follow it with daylight status ${paths.runId}`);
        return 0;
      }
      return local(io, paths, p);
    },
  };
}

export const pauseCommand = controlCommand('pause', `Usage: daylight pause RUN [--state-dir DIR]

Tells the process running RUN to stop its in-flight waits and wait for daylight resume or abort.`, async (io, paths) => {
  const s = readState(paths);
  io.out(`No process runs ${paths.runId} (status ${s.status}); it is already stopped. Continue it with daylight resume ${paths.runId}.`);
  return 0;
});

export const resumeCommand = controlCommand('resume', `Usage: daylight resume RUN [-f plan.yaml] [--kubeconfig FILE] [--state-dir DIR] [-o json]

Tells the process running RUN to go on; if no process runs it, resumes it here, with the plan file it
started with (or -f).`, async (io, paths, p) => {
  const s = readState(paths);
  const file = stringFlag(p, 'file') ?? s.plan?.path;
  if (!file) throw new UserError(`run ${paths.runId} records no plan file; pass -f plan.yaml`);
  const plan = await loadPlanFile(file);
  return runAndReport(io, { plan, stateDir: stateDir(p), kubeconfig: stringFlag(p, 'kubeconfig'), resume: paths.runId, json: outputFlag(p) === 'json' });
});

export const abortCommand = controlCommand('abort', `Usage: daylight abort RUN [-f plan.yaml] [--kubeconfig FILE] [--state-dir DIR]

Stops RUN for good: every node it cordoned goes back to service if it is Ready. If no process runs it,
the nodes are given back from here.`, async (io, paths, p) => {
  const s = readState(paths);
  if (isFinished(s.status)) {
    io.out(`run ${paths.runId} is already over (${s.status}).`);
    return 0;
  }
  const file = stringFlag(p, 'file') ?? s.plan?.path;
  if (!file) throw new UserError(`run ${paths.runId} records no plan file; pass -f plan.yaml`);
  const plan = await loadPlanFile(file);
  const connected = await connectClusters(plan.plan, { kubeconfig: stringFlag(p, 'kubeconfig') });
  const clock = connected.clusters.values().next().value?.clock;
  const anchored = openAnchoredJournal({ path: paths.journal, runId: paths.runId, clock: clock ?? systemClock, clusters: connected.clusters, signer: journalSignerAt(journalKeyPath()) });
  const journal = anchored.journal;
  try {
    const live = new LiveState(paths.runId, journal.entries);
    const record = async (e: RunEvent) => {
      live.follow(await journal.append(e));
    };
    const r = await giveBackAll({ state: live.state, clusters: connected.clusters, runId: paths.runId, outcome: 'skipped', why: 'aborted by daylight abort', record, clock: clock ?? systemClock, readyDeadline: (n) => readyDeadline(plan.plan, live.state, n) });
    await record({ type: 'run.aborted', reason: 'aborted by daylight abort (no process was running it)' });
    io.out(`run ${paths.runId} aborted: ${r.returned.length} node(s) given back${r.held.length ? `; still held: ${r.held.join(', ')}` : ''}.`);
    return 0;
  } finally {
    await anchored.close();
    await connected.close();
  }
});

export const confirmCommand = controlCommand('confirm', `Usage: daylight confirm RUN [--state-dir DIR]

With traffic provider manual, a run asks a person to change the global load balancer and waits. Make the
change, check the balancer's statistics as the question says, then confirm here.`, async (io, paths) => {
  io.out(`No process runs ${paths.runId}; nothing waits for a confirmation. Resume it with daylight resume ${paths.runId}.`);
  return 1;
});
