// Reads the changelog files of a diff's upgraded components and attaches the entries each upgrade passes
// through. A changelog that cannot be read is bad input, reported at its `changelog:` line.
import { readFile } from 'node:fs/promises';
import { relative } from 'node:path';
import { errnoCode } from '../lib/errors.ts';
import { mapLimit } from '../lib/concurrency.ts';
import { changelogBetween, parseChangelog } from './changelog.ts';
import type { UpgradedComponent, WorkspaceDiff } from './diff.ts';
import { problemAt } from './load.ts';
import type { LoadedWorkspace } from './load.ts';

/** Files read at once. */
const READ_LIMIT = 8;

/** The diff with `changelog` filled on every upgraded component of `after` that names a changelog file. */
export async function readChangelogs(diff: WorkspaceDiff, after: LoadedWorkspace): Promise<WorkspaceDiff> {
  const upgraded = await mapLimit(diff.upgraded, READ_LIMIT, (u) => withChangelog(u, after));
  return { ...diff, upgraded };
}

async function withChangelog(u: UpgradedComponent, after: LoadedWorkspace): Promise<UpgradedComponent> {
  const file = u.component.changelog;
  if (!file) return u;
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e: unknown) {
    const index = after.workspace.spec.components.findIndex((c) => c.name === u.name);
    const code = errnoCode(e);
    const what = code === 'ENOENT' ? 'no such file' : `cannot be read (${code ?? 'unknown error'})`;
    throw problemAt(after, ['spec', 'components', index, 'changelog'], `${relative(process.cwd(), file) || file}: ${what}; write the path relative to the workspace file, or remove changelog`);
  }
  return { ...u, changelog: { file, ...changelogBetween(parseChangelog(text), u.from, u.to) } };
}
