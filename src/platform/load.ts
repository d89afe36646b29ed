// Reads a workspace file; every mistake comes back as file:line:column with the fix, and paths inside
// it (changelog files) are taken relative to the workspace file's own folder.
import { readFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { dirname, resolve } from 'node:path';
import { z } from 'zod';
import { errnoCode, UserError } from '../lib/errors.ts';
import { loadYaml } from '../lib/yaml-source.ts';
import { WorkspaceSchema } from './schema.ts';
import type { Workspace } from './schema.ts';

export interface LoadedWorkspace {
  readonly path: string;
  /** Changelog paths resolved against the workspace file's folder. */
  readonly workspace: Workspace;
  readonly sha256: string;
  readonly text: string;
}

export async function loadWorkspaceFile(path: string): Promise<LoadedWorkspace> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e: unknown) {
    const code = errnoCode(e);
    if (code === 'ENOENT') throw new UserError(`${path}: no such workspace file; pass the path of one, such as examples/platform/new.yaml`, { cause: e });
    if (code === 'EISDIR') throw new UserError(`${path}: is a folder; pass a workspace file, such as ${path.replace(/\/$/, '')}/workspace.yaml`, { cause: e });
    throw new UserError(`${path}: cannot read the workspace file (${code ?? 'unknown error'})`, { cause: e });
  }
  return parseWorkspace(path, text);
}

export function parseWorkspace(path: string, text: string): LoadedWorkspace {
  const workspace = loadYaml(path, text, WorkspaceSchema);
  const base = dirname(resolve(path));
  const components = workspace.spec.components.map((c) => (c.changelog ? { ...c, changelog: resolve(base, c.changelog) } : c));
  return { path, workspace: { ...workspace, spec: { ...workspace.spec, components } }, sha256: createHash('sha256').update(text).digest('hex'), text };
}

/**
 * A UserError for a problem found after loading (a changelog file that cannot be read), placed at
 * file:line:column of the value at `path` the same way schema errors are.
 */
export function problemAt(loaded: Pick<LoadedWorkspace, 'path' | 'text'>, path: readonly PropertyKey[], message: string): UserError {
  const pointer = z.unknown().superRefine((_value, ctx) => {
    ctx.addIssue({ code: 'custom', path: [...path], message });
  });
  try {
    loadYaml(loaded.path, loaded.text, pointer);
  } catch (e: unknown) {
    if (e instanceof UserError) return e;
    throw e;
  }
  return new UserError(`${loaded.path}: ${message}`);
}
