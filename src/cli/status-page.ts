// `daylight status-page`: a status page for the people who use the platform: maintenance in progress (and
// which region is out of traffic), recent maintenance, and with -f the next planned runs; HTML or JSON.
import { writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { listRuns, ownerAlive, readOwner, runPaths } from '../engine/run-dir.ts';
import { replay } from '../engine/state.ts';
import { errnoCode, UserError } from '../lib/errors.ts';
import { buildStatusPage } from '../notify/status-page.ts';
import type { StatusRunInput } from '../notify/status-page.ts';
import { renderStatusPageHtml } from '../notify/status-page-html.ts';
import { loadPlanFile } from '../plan/load.ts';
import { verifyJournal } from '../report/integrity.ts';
import { HELP_OPTION, OUTPUT_OPTION, parse, stringFlag } from './args.ts';
import { scheduleOf } from './calendar.ts';
import { KUBECONFIG_OPTION } from './clusters.ts';
import type { Command } from './command.ts';
import { documentFormat, FORMAT_OPTION } from './document-format.ts';
import { STATE_DIR_OPTION, stateDir } from './state-dir.ts';
import { readJournalText } from '../journal/file-journal.ts';

const HELP = `Usage: daylight status-page [--state-dir DIR] [-f plan.yaml [--days N] [--eta]] [--format html|json] [--out FILE]

A status page from the runs in the state directory: maintenance in progress (running or paused runs,
with the regions out of traffic), recent completed maintenance, and with -f the planned runs of the
next --days days (28 by default; --eta places them by the planner's ETA, reading the clusters).
  --format html|json  html (default): one file that opens offline; json: the same content as data
  -o json             same as --format json
  --out FILE          write to FILE instead of standard output (regenerate it from cron or a hook)
  --title TEXT        the page's title (default "Maintenance status")
Exit codes: 0 written; 2 bad input.`;

export const statusPageCommand: Command = {
  name: 'status-page',
  help: HELP,
  async run(argv, io) {
    const p = parse('status-page', argv, { ...HELP_OPTION, ...OUTPUT_OPTION, ...STATE_DIR_OPTION, ...FORMAT_OPTION, ...KUBECONFIG_OPTION, file: { type: 'string', short: 'f' }, days: { type: 'string' }, eta: { type: 'boolean' }, out: { type: 'string' }, title: { type: 'string' } });
    if (p.values.help) {
      io.out(HELP);
      return 0;
    }
    if (p.positionals.length > 0) throw new UserError(`unexpected argument "${p.positionals[0]}"; daylight status-page takes flags only (see --help)`);
    const format = documentFormat(p);
    const nowMs = Date.now();
    const file = stringFlag(p, 'file');
    const plan = file ? await loadPlanFile(file) : undefined;
    const planned = plan ? { ...(await scheduleOf(p, plan, nowMs)), plan: plan.plan.metadata.name } : undefined;
    const page = buildStatusPage({ runs: readRuns(stateDir(p)), nowMs, ...(planned ? { planned } : {}) });
    const text = format === 'json' ? JSON.stringify(page, null, 2) : renderStatusPageHtml(page, stringFlag(p, 'title'));
    const out = stringFlag(p, 'out');
    if (!out) {
      io.out(text);
      return 0;
    }
    try {
      writeFileSync(out, text);
    } catch (e: unknown) {
      throw new UserError(`--out ${out}: cannot write it (${errnoCode(e) ?? 'unknown error'}); check that its folder exists and is writable`, { cause: e });
    }
    io.out(`status page written to ${out}: ${page.headline}`);
    return 0;
  },
};

/** Every run in the state directory, read without Journal.open: a broken chain is shown flagged, not refused. */
function readRuns(dir: string): StatusRunInput[] {
  return listRuns(dir).map((runId) => {
    const paths = runPaths(dir, runId);
    const { chain, entries } = verifyJournal(readJournalText(paths.journal));
    const owner = readOwner(paths);
    const live = owner && owner.host !== hostname() ? undefined : ownerAlive(paths) !== undefined;
    return { runId, state: replay(runId, entries), intact: chain.ok, ...(live !== undefined ? { live } : {}) };
  });
}
