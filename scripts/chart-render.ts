// `npm run chart:render`: deploy/daylight-agent.yaml and deploy/daylight.yaml, the agent's and the controller's
// charts rendered with their default values for those who install without Helm (`kubectl apply -f`), by the
// Helm `npm run lab:build` builds. Tests render them again and compare, so the files cannot drift from the charts.
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
export const CONTROLLER_CHART_DIR = join(ROOT, 'charts', 'daylight');
export const CONTROLLER_MANIFEST_PATH = join(ROOT, 'deploy', 'daylight.yaml');
export const CONTROLLER_RELEASE = 'daylight';
export const CONTROLLER_NAMESPACE = 'daylight-system';

/** A chart as a release: where it is, and the release's name and namespace. */
export interface ChartRelease {
  readonly dir: string;
  readonly release: string;
  readonly namespace: string;
  /** Render the chart's crds/ too (`helm template --include-crds`), as `helm install` installs them. */
  readonly includeCrds?: boolean;
}

export const AGENT_CHART: ChartRelease = { dir: AGENT_CHART_DIR, release: AGENT_RELEASE, namespace: AGENT_NAMESPACE };
export const CONTROLLER_CHART: ChartRelease = { dir: CONTROLLER_CHART_DIR, release: CONTROLLER_RELEASE, namespace: CONTROLLER_NAMESPACE };

/** Helm from the lab build's cache, built first when it is not there (minutes once, then a stat). */
export async function labHelm(log?: (line: string) => void): Promise<string> {
  const build = await buildUpstream({ cacheRoot: process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), only: ['helm'], ...(log ? { log } : {}) });
  return build.binaries.helm;
}

/** `helm template` of a chart (the agent's unless told), as `helm install` would render it, with `--set` and `--set-json` pairs. */
export async function helmTemplate(helm: string, o: { readonly chart?: ChartRelease; readonly set?: readonly string[]; readonly setJson?: readonly string[] } = {}): Promise<string> {
  const chart = o.chart ?? AGENT_CHART;
  const args = ['template', chart.release, chart.dir, '--namespace', chart.namespace];
  if (chart.includeCrds) args.push('--include-crds');
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

/**
 * The controller's manifest file: its CRDs first (the chart's crds/, which Helm installs before the rest), then
 * the namespace, then the release. The namespace carries no Pod Security label: the controller's pod meets the
 * restricted level, and the agent's manifest labels the same namespace privileged for its own pods (applied
 * after this one, its label stays).
 */
export function controllerManifest(rendered: string): string {
  return [
    '# The Daylight controller, for `kubectl apply -f deploy/daylight.yaml`: charts/daylight rendered with its',
    `# default values and its CRDs (release ${CONTROLLER_RELEASE}, namespace ${CONTROLLER_NAMESPACE}) by \`npm run chart:render\`.`,
    '# Do not edit: change the chart and render again (a test fails when this file and the chart differ).',
    'apiVersion: v1',
    'kind: Namespace',
    'metadata:',
    `  name: ${CONTROLLER_NAMESPACE}`,
    '---',
    rendered.trim().replace(/^---\n/, ''),
    '',
  ].join('\n');
}

if (import.meta.main) {
  const helm = await labHelm((line) => console.log(`chart:render ${line}`));
  await writeFile(AGENT_MANIFEST_PATH, agentManifest(await helmTemplate(helm)));
  console.log(`chart:render wrote ${AGENT_MANIFEST_PATH}`);
  await writeFile(CONTROLLER_MANIFEST_PATH, controllerManifest(await helmTemplate(helm, { chart: { ...CONTROLLER_CHART, includeCrds: true } })));
  console.log(`chart:render wrote ${CONTROLLER_MANIFEST_PATH}`);
}
