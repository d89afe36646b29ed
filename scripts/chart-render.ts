// `npm run chart:render`: deploy/daylight-agent.yaml, the agent's chart rendered with its default values for
// those who install without Helm (`kubectl apply -f`), by the Helm `npm run lab:build` builds. A test renders
// it again and compares, so the file cannot drift from the chart.
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { buildUpstream } from '../src/sandbox/kubernetes/upstream-build.ts';

const ROOT = resolve(import.meta.dirname, '..');
export const AGENT_CHART_DIR = join(ROOT, 'charts', 'daylight-agent');
export const AGENT_MANIFEST_PATH = join(ROOT, 'deploy', 'daylight-agent.yaml');
export const AGENT_RELEASE = 'daylight-agent';
export const AGENT_NAMESPACE = 'daylight-system';

/** Helm from the lab build's cache, built first when it is not there (minutes once, then a stat). */
export async function labHelm(log?: (line: string) => void): Promise<string> {
  const build = await buildUpstream({ cacheRoot: process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), only: ['helm'], ...(log ? { log } : {}) });
  return build.binaries.helm;
}

/** `helm template` of the agent's chart, as `helm install` would render it, with `--set` and `--set-json` pairs. */
export async function helmTemplate(helm: string, o: { readonly set?: readonly string[]; readonly setJson?: readonly string[] } = {}): Promise<string> {
  const args = ['template', AGENT_RELEASE, AGENT_CHART_DIR, '--namespace', AGENT_NAMESPACE];
  for (const s of o.set ?? []) args.push('--set', s);
  for (const s of o.setJson ?? []) args.push('--set-json', s);
  const { stdout } = await promisify(execFile)(helm, args, { maxBuffer: 16 * 1024 * 1024 });
  return stdout;
}

/**
 * The manifest file: the namespace first (helm install --create-namespace makes it; kubectl apply needs it
 * written out), labelled for Pod Security's privileged level, which hostPID and a hostPath mount need.
 */
export function agentManifest(rendered: string): string {
  return [
    '# The Daylight node agent, for `kubectl apply -f deploy/daylight-agent.yaml`: charts/daylight-agent rendered',
    `# with its default values (release ${AGENT_RELEASE}, namespace ${AGENT_NAMESPACE}) by \`npm run chart:render\`.`,
    '# Do not edit: change the chart and render again (a test fails when this file and the chart differ).',
    'apiVersion: v1',
    'kind: Namespace',
    'metadata:',
    `  name: ${AGENT_NAMESPACE}`,
    '  labels:',
    '    # hostPID and the hostPath mount of the sentinel directory are beyond the baseline level',
    '    pod-security.kubernetes.io/enforce: privileged',
    rendered.trimEnd(),
    '',
  ].join('\n');
}

if (import.meta.main) {
  const helm = await labHelm((line) => console.log(`chart:render ${line}`));
  await writeFile(AGENT_MANIFEST_PATH, agentManifest(await helmTemplate(helm)));
  console.log(`chart:render wrote ${AGENT_MANIFEST_PATH}`);
}
