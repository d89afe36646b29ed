// `daylight audit verify RUN`: checks a run journal's hash chain; exit 0 when it is intact, 1 when an entry
// was edited, removed or reordered (naming the first bad entry: its seq, its line and what is wrong).
import { readFileSync } from 'node:fs';
import { UserError } from '../lib/errors.ts';
import { describeChain, verifyJournal } from '../report/integrity.ts';
import { HELP_OPTION, OUTPUT_OPTION, outputFlag, parse } from './args.ts';
import type { Command } from './command.ts';
import { existingRun, STATE_DIR_OPTION, stateDir } from './state-dir.ts';

const HELP = `Usage: daylight audit verify RUN [--state-dir DIR] [-o json]

Verifies the hash chain of RUN's journal: every entry carries the sha256 of the one before it, so an
entry edited, removed or moved after it was written shows. Prints the number of entries and the last
hash (keep it with the change record: it anchors the whole chain), or the first bad entry.
Exit codes: 0 chain intact; 1 chain broken; 2 bad input (no such run).`;

export const auditCommand: Command = {
  name: 'audit',
  summary: 'verify a run journal\'s hash chain (audit verify RUN)',
  help: HELP,
  async run(argv, io) {
    const p = parse('audit', argv, { ...HELP_OPTION, ...OUTPUT_OPTION, ...STATE_DIR_OPTION });
    if (p.values.help) {
      io.out(HELP);
      return 0;
    }
    const [sub, runId, ...extra] = p.positionals;
    if (sub !== 'verify') throw new UserError(`${sub === undefined ? 'missing the subcommand' : `unknown subcommand "${sub}"`}; use: daylight audit verify RUN`);
    if (extra.length > 0) throw new UserError(`unexpected argument "${extra[0]}"; use: daylight audit verify RUN`);
    const paths = existingRun(stateDir(p), runId, 'audit verify');
    const { chain } = verifyJournal(readFileSync(paths.journal, 'utf8'));
    if (outputFlag(p) === 'json') io.out(JSON.stringify({ runId: paths.runId, journal: paths.journal, ...chain }));
    else if (chain.ok) io.out(`${paths.runId}: ${describeChain(chain)}`);
    else io.err(`${paths.journal}: ${describeChain(chain)}`);
    return chain.ok ? 0 : 1;
  },
};
