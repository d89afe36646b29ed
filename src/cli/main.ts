// The `daylight` command line: finds the command, loads and runs it, and turns errors into exit codes and
// messages (no stack traces for mistakes in input).
import { readFileSync } from 'node:fs';
import { UserError, errorMessage } from '../lib/errors.ts';
import { suggest } from '../lib/yaml-source.ts';
import type { CommandEntry, Io } from './command.ts';

/**
 * Every command, in the order `daylight --help` lists them. Each module is imported only when its command
 * runs: `daylight report` or `daylight --help` need not load the Kubernetes client, the sandbox or the
 * engine (a second or two of start-up on a small machine).
 */
export const COMMANDS: readonly CommandEntry[] = [
  { name: 'demo', summary: 'the main job on the embedded sandbox: a full zero-downtime maintenance of two regions', load: async () => (await import('./demo.ts')).demoCommand },
  { name: 'sandbox', summary: 'serve a simulated Kubernetes fleet (one API server per region)', load: async () => (await import('./sandbox.ts')).sandboxCommand },
  { name: 'preflight', summary: 'what would break zero downtime, before anything is touched', load: async () => (await import('./preflight.ts')).preflightCommand },
  { name: 'plan', summary: 'the schedule: phases, waves, ETA, lower bound, blockers', load: async () => (await import('./plan.ts')).planCommand },
  { name: 'run', summary: 'execute a plan, journaled; resumable after any crash', load: async () => (await import('./run.ts')).runCommand },
  { name: 'status', summary: 'show a run (or list the runs) from the journal', load: async () => (await import('./control.ts')).statusCommand },
  { name: 'pause', summary: 'pause a running run at once (cordoned nodes stay with it)', load: async () => (await import('./control.ts')).pauseCommand },
  { name: 'resume', summary: 'resume a paused run (in this process if none runs it)', load: async () => (await import('./control.ts')).resumeCommand },
  { name: 'abort', summary: 'abort a run and give back every node it holds', load: async () => (await import('./control.ts')).abortCommand },
  { name: 'skip', summary: 'skip a stage, group or cluster of a run\'s rollout (who and why are journaled; the run ends degraded)', load: async () => (await import('./skip.ts')).skipCommand },
  { name: 'approve', summary: 'approve the approval gate a run waits at (who, when and the comment are journaled)', load: async () => (await import('./approve.ts')).approveCommand },
  { name: 'reject', summary: 'reject the approval gate a run waits at: the run ends failed with the reason', load: async () => (await import('./approve.ts')).rejectCommand },
  { name: 'confirm', summary: 'confirm a traffic change the manual provider asked for', load: async () => (await import('./control.ts')).confirmCommand },
  { name: 'controller', summary: 'Daylight in the cluster: runs MaintenanceRuns and scheduled plans, one leader among its replicas', load: async () => (await import('./controller.ts')).controllerCommand },
  { name: 'agent', summary: 'the node agent for one node: carries out reboot, patch and upgrade actions, publishes reboot-required', load: async () => (await import('./agent.ts')).agentCommand },
  { name: 'recover', summary: 'put back what an interrupted run left (cordons)', load: async () => (await import('./recover.ts')).recoverCommand },
  { name: 'platform', summary: 'platform-stack upgrades: diff two workspace files (components, order, changelogs)', load: async () => (await import('./platform.ts')).platformCommand },
  { name: 'upgrade', summary: 'Kubernetes upgrades: the path within the skew policy, end of life, removed APIs in use', load: async () => (await import('./upgrade.ts')).upgradeCommand },
  { name: 'report', summary: 'audit trail and compliance evidence for one run (HTML or JSON)', load: async () => (await import('./report.ts')).reportCommand },
  { name: 'audit', summary: 'verify a run journal\'s chain, signatures and anchor (audit verify RUN), print the journal key (audit key)', load: async () => (await import('./audit.ts')).auditCommand },
  { name: 'calendar', summary: 'planned runs and change freezes as iCalendar, with notices before each run', load: async () => (await import('./calendar.ts')).calendarCommand },
  { name: 'status-page', summary: 'a status page: maintenance in progress, recent and planned (HTML or JSON)', load: async () => (await import('./status-page.ts')).statusPageCommand },
  { name: 'serve', summary: 'web dashboard and API of the runs: live fleet, traffic, timeline, gates; pause, resume, abort', load: async () => (await import('./serve.ts')).serveCommand },
];

export function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

function usage(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    'daylight: zero-downtime maintenance for Kubernetes platforms',
    '',
    'Usage: daylight <command> [flags]',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Flags: --help (any command), --version, --state-dir DIR (any command: where runs are kept)',
    'Exit codes: 0 success, 1 the thing judged is not OK, 2 bad input.',
  ].join('\n');
}

/** `daylight --state-dir DIR status` as `daylight status --state-dir DIR`: global flags may come first, as kubectl's. */
function globalFlagsAfterCommand(argv: readonly string[]): readonly string[] {
  const global: string[] = [];
  let i = 0;
  for (; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a.startsWith('--state-dir=')) global.push(a);
    else if (a === '--state-dir' && i + 1 < argv.length) global.push(a, argv[++i] as string);
    else break;
  }
  if (global.length === 0) return argv;
  if (i >= argv.length) return [];
  return [argv[i] as string, ...global, ...argv.slice(i + 1)];
}

export async function main(argv: readonly string[], io: Io): Promise<number> {
  const [first, ...rest] = globalFlagsAfterCommand(argv);
  if (first === undefined || first === '--help' || first === '-h' || first === 'help') {
    const topic = first === 'help' ? COMMANDS.find((c) => c.name === rest[0]) : undefined;
    io.out(topic ? (await topic.load()).help : usage());
    return 0;
  }
  if (first === '--version' || first === '-v' || first === 'version') {
    io.out(`daylight ${version()}`);
    return 0;
  }
  const command = COMMANDS.find((c) => c.name === first);
  try {
    if (!command) {
      const hint = suggest(first, COMMANDS.map((c) => c.name));
      throw new UserError(`unknown command "${first}"${hint ? `; did you mean "${hint}"?` : ''}\nRun daylight --help for the list of commands.`);
    }
    return await (await command.load()).run(rest, io);
  } catch (e: unknown) {
    if (e instanceof UserError) {
      io.err(`daylight: ${e.message}`);
      return 2;
    }
    io.err(`daylight: internal error: ${errorMessage(e)}`);
    if (e instanceof Error && e.stack && process.env.DAYLIGHT_DEBUG) io.err(e.stack);
    return 1;
  }
}
