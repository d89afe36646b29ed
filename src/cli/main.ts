// The `daylight` command line: finds the command, runs it, and turns errors into exit codes and
// messages (no stack traces for mistakes in input).
import { readFileSync } from 'node:fs';
import { UserError, errorMessage } from '../lib/errors.ts';
import { suggest } from '../lib/yaml-source.ts';
import type { Command, Io } from './command.ts';
import { abortCommand, confirmCommand, pauseCommand, resumeCommand, statusCommand } from './control.ts';
import { demoCommand } from './demo.ts';
import { planCommand } from './plan.ts';
import { platformCommand } from './platform.ts';
import { preflightCommand } from './preflight.ts';
import { recoverCommand } from './recover.ts';
import { runCommand } from './run.ts';
import { sandboxCommand } from './sandbox.ts';
import { upgradeCommand } from './upgrade.ts';
import { reportCommand } from './report.ts';
import { auditCommand } from './audit.ts';
import { calendarCommand } from './calendar.ts';
import { statusPageCommand } from './status-page.ts';
import { serveCommand } from './serve.ts';

const COMMANDS: readonly Command[] = [demoCommand, sandboxCommand, preflightCommand, planCommand, runCommand, statusCommand, pauseCommand, resumeCommand, abortCommand, confirmCommand, recoverCommand, platformCommand, upgradeCommand, reportCommand, auditCommand, calendarCommand, statusPageCommand, serveCommand];

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
    io.out(topic ? topic.help : usage());
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
    return await command.run(rest, io);
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
