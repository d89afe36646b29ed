// `daylight platform diff old.yaml new.yaml`: what a platform-stack upgrade would change, in which order,
// and what the changelogs say on the way. Exit 0 with or without changes; 2 on bad input.
import { UserError } from '../lib/errors.ts';
import { diffWorkspaces } from '../platform/diff.ts';
import { readChangelogs } from '../platform/changelog-read.ts';
import { loadWorkspaceFile } from '../platform/load.ts';
import { diffJson, renderDiff } from '../platform/render-diff.ts';
import { HELP_OPTION, OUTPUT_OPTION, outputFlag, parse } from './args.ts';
import type { Command, Io } from './command.ts';

const HELP = `Usage: daylight platform diff OLD.yaml NEW.yaml [-o json]

Compares two workspace files (kind: Workspace, one component per platform block, each at a version):
components added, removed, upgraded (from → to; a downgrade is flagged) and unchanged, what else changed
about each (upgrade command, checks, ...), and the order in which the changed ones would be upgraded:
dependencies (dependsOn) first, ties by name. For every upgraded component with a changelog file, the
entries between the two versions, breaking changes marked.

Exit codes: 0 the diff was made (with or without changes); 2 bad input (unreadable or invalid workspace).
See docs/platform.md for the workspace file.`;

export const platformCommand: Command = {
  name: 'platform',
  help: HELP,
  async run(argv, io) {
    const p = parse('platform', argv, { ...HELP_OPTION, ...OUTPUT_OPTION });
    if (p.values.help) {
      io.out(HELP);
      return 0;
    }
    const [sub, ...files] = p.positionals;
    if (sub !== 'diff') throw new UserError(`${sub ? `unknown subcommand "${sub}"` : 'missing subcommand'}; use: daylight platform diff OLD.yaml NEW.yaml`);
    return diffCommand(files, outputFlag(p), io);
  },
};

async function diffCommand(files: readonly string[], output: 'text' | 'json', io: Io): Promise<number> {
  const [beforePath, afterPath, extra] = files;
  if (!beforePath || !afterPath) throw new UserError('platform diff needs two workspace files; use: daylight platform diff OLD.yaml NEW.yaml');
  if (extra !== undefined) throw new UserError(`unexpected argument "${extra}"; platform diff compares exactly two workspace files`);
  const [before, after] = await Promise.all([loadWorkspaceFile(beforePath), loadWorkspaceFile(afterPath)]);
  const diff = await readChangelogs(diffWorkspaces(before.workspace, after.workspace), after);
  io.out(output === 'json' ? JSON.stringify(diffJson(diff)) : renderDiff(diff, { before: beforePath, after: afterPath }, process.cwd()));
  return 0;
}
