// Reads a plan file; every mistake comes back as file:line:column with the fix, and paths inside the
// plan (kubeconfig files) are taken relative to the plan's own folder.
import { readFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { dirname, resolve } from 'node:path';
import { errnoCode, UserError } from '../lib/errors.ts';
import { loadYaml } from '../lib/yaml-source.ts';
import { PlanSchema } from './schema.ts';
import type { Plan } from './schema.ts';

export interface LoadedPlan {
  readonly path: string;
  readonly plan: Plan;
  /** sha256 of the file's text: a run records which plan it executes. */
  readonly sha256: string;
  readonly text: string;
}

export async function loadPlanFile(path: string): Promise<LoadedPlan> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e: unknown) {
    const code = errnoCode(e);
    if (code === 'ENOENT') throw new UserError(`${path}: no such plan file; pass -f with a path such as examples/plans/demo.yaml`, { cause: e });
    throw new UserError(`${path}: cannot read the plan file (${code ?? 'unknown error'})`, { cause: e });
  }
  return parsePlan(path, text);
}

export function parsePlan(path: string, text: string): LoadedPlan {
  const plan = loadYaml(path, text, PlanSchema);
  const base = dirname(resolve(path));
  const clusters = plan.spec.clusters.map((c) => (c.kubeconfig ? { ...c, kubeconfig: resolve(base, c.kubeconfig) } : c));
  const source = plan.spec.versionSource;
  const versionSource = source?.type === 'file' ? { ...source, path: resolve(base, source.path) } : source;
  return { path, plan: { ...plan, spec: { ...plan.spec, clusters, ...(versionSource ? { versionSource } : {}) } }, sha256: createHash('sha256').update(text).digest('hex'), text };
}
