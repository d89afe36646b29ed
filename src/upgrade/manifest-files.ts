// The manifest files under the directories given to --manifests: every .yaml, .yml and .json, found
// recursively, in a stable order; a missing directory is the user's to fix.
import { readdir, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { errnoCode, UserError } from '../lib/errors.ts';

const EXTENSIONS = new Set(['.yaml', '.yml', '.json']);
/** Folders that hold no manifests of the user's and can be large. */
const SKIPPED = new Set(['.git', 'node_modules']);

/** Manifest files under `root` (a directory, or a single file), sorted. */
export async function manifestFiles(root: string): Promise<string[]> {
  let info;
  try {
    info = await stat(root);
  } catch (e: unknown) {
    if (errnoCode(e) === 'ENOENT') throw new UserError(`--manifests ${root}: no such directory; pass a directory of Kubernetes manifests (.yaml, .yml, .json)`, { cause: e });
    throw new UserError(`--manifests ${root}: cannot be read (${errnoCode(e) ?? String(e)}); check its permissions`, { cause: e });
  }
  if (info.isFile()) return [root];
  if (!info.isDirectory()) throw new UserError(`--manifests ${root}: not a directory or a file; pass a directory of Kubernetes manifests`);
  const files: string[] = [];
  const pending = [root];
  for (let dir = pending.pop(); dir !== undefined; dir = pending.pop()) {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory() && !SKIPPED.has(entry.name)) pending.push(path);
      else if (entry.isFile() && EXTENSIONS.has(extname(entry.name).toLowerCase())) files.push(path);
    }
  }
  return files.sort();
}
