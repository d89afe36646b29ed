// `npm run crd:render`: deploy/crds/, the CustomResourceDefinitions generated from the plan's and the run's zod
// schemas, for `kubectl apply --server-side -f deploy/crds/`, and the same files in charts/daylight/crds/,
// where Helm installs them from. A test renders them again and compares, so the files cannot drift from the schemas.
// `npm run crd:render` runs chart:render after it: deploy/daylight.yaml carries the CRDs too.
import { mkdir, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { stringify } from 'yaml';
import type { CustomResourceDefinition } from '../src/crd/definition.ts';
import { maintenancePlanCrd } from '../src/crd/plan-crd.ts';
import { maintenanceRunCrd } from '../src/crd/run-crd.ts';

const ROOT = resolve(import.meta.dirname, '..');
export const CRD_DIR = join(ROOT, 'deploy', 'crds');
export const CHART_CRD_DIR = join(ROOT, 'charts', 'daylight', 'crds');

export interface CrdFile {
  readonly path: string;
  readonly crd: CustomResourceDefinition;
  readonly text: string;
}

/** Each CRD as the file it is committed as. */
export function crdFiles(): CrdFile[] {
  return [maintenancePlanCrd(), maintenanceRunCrd()].map((crd) => {
    return { path: join(CRD_DIR, `${crd.spec.names.plural}.yaml`), crd, text: crdYaml(crd) };
  });
}

function crdYaml(crd: CustomResourceDefinition): string {
  return [
    `# The ${crd.metadata.name} CustomResourceDefinition, generated from its zod schemas (src/crd/) by \`npm run crd:render\`.`,
    '# Do not edit: change the schema and render again (a test fails when this file and the schema differ).',
    stringify(crd, { lineWidth: 0, version: '1.1' }).trimEnd(),
    '',
  ].join('\n');
}

if (import.meta.main) {
  for (const file of crdFiles()) {
    for (const path of [file.path, join(CHART_CRD_DIR, basename(file.path))]) {
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, file.text);
      console.log(`crd:render wrote ${relative(ROOT, path)}`);
    }
  }
}
