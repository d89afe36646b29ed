// The steps of one component's upgrade as data, in order: pre-checks (backup, changelog and breaking
// changes, alert silences), the upgrade command rendered, post-checks (pods healthy, deployed image
// versions, endpoints, component checks, key metrics). Pure: the engine executes them, the journal and
// the report show them as they are.
import { createHash } from 'node:crypto';
import { Duration } from '../lib/duration.ts';
import { renderTemplate } from '../lib/template.ts';
import type { TemplateQuoting } from '../lib/template.ts';
import type { Gate } from '../plan/schema.ts';
import { BUILTIN_CHECKS } from './builtin-checks.ts';
import type { AddedComponent, UpgradedComponent, WorkspaceDiff } from './diff.ts';
import type { Component, VeleroBackupSpec } from './schema.ts';
import type { ComponentStep, PostCheck, PostStep, PreStep, UpgradeStep, VeleroBackupObject } from '../engine/ports/platform.ts';

/** The step types are the engine's (it executes them): src/engine/ports/platform.ts. */
export type { ComponentStep, DeploymentExpectation, PostCheck, PostStep, PreStep, UpgradeStep, VeleroBackupObject } from '../engine/ports/platform.ts';

/** What a component's templates may refer to: {{name}}, {{version}}, {{from}} (upgrades only), {{cluster}}. */
export interface StepVars {
  readonly name: string;
  readonly version: string;
  readonly from?: string;
  readonly cluster: string;
}

/**
 * Fills `{{name}}`, `{{version}}`, `{{from}}`, `{{cluster}}` in a command (values shell-quoted where they
 * need it) or, with quoting 'none', in a URL, an image tag or a matcher (values as they are).
 * A placeholder that is not known (`{{from}}` on a component being installed) is a TemplateError (a
 * UserError) that names the known ones. Any executor can run the result (sh, an SSH hop, a Job).
 */
export function renderCommand(template: string, vars: StepVars, quoting: TemplateQuoting = 'shell'): string {
  const known: Record<string, string> = { name: vars.name, version: vars.version, cluster: vars.cluster };
  if (vars.from !== undefined) known.from = vars.from;
  return renderTemplate(template, known, quoting);
}

export interface StepContext {
  /** The cluster (region) the component is upgraded in: {{cluster}}. */
  readonly cluster: string;
  /** Labels the Velero backup and makes its name unique to the run. */
  readonly runId?: string;
  /** spec.prometheus.url of the workspace: for prometheus checks without their own url, and builtin checks. */
  readonly prometheusUrl?: string;
  /** The plan asks to roll back a component whose upgrade or post-checks fail (default: roll forward, halt). */
  readonly rollback?: boolean;
}

/** The steps of one added or upgraded component of a diff. */
export function componentSteps(change: AddedComponent | UpgradedComponent, ctx: StepContext): ComponentStep[] {
  const c = change.component;
  const vars: StepVars = { name: c.name, version: c.version, cluster: ctx.cluster, ...('from' in change ? { from: change.from } : {}) };
  return [...preSteps(change, vars, ctx), upgradeStep(c, vars, ctx), ...postSteps(c, vars, ctx)];
}

/** Every changed component's steps, in the diff's upgrade order. */
export function platformSteps(diff: WorkspaceDiff, ctx: StepContext): { readonly component: string; readonly steps: ComponentStep[] }[] {
  const changes = new Map<string, AddedComponent | UpgradedComponent>([...diff.added, ...diff.upgraded].map((c) => [c.name, c]));
  return diff.order.map((o) => ({ component: o.name, steps: componentSteps(changes.get(o.name) as AddedComponent | UpgradedComponent, ctx) }));
}

function preSteps(change: AddedComponent | UpgradedComponent, vars: StepVars, ctx: StepContext): PreStep[] {
  const c = change.component;
  const out: PreStep[] = [];
  const base = (what: string, title: string) => ({ id: `${c.name}/${what}`, component: c.name, title, phase: 'pre' as const });
  if (c.backup?.type === 'velero') {
    const backup = veleroBackup(c.backup, vars, ctx.runId);
    out.push({ ...base('backup', `back up namespaces ${c.backup.includedNamespaces.join(', ')} with Velero: Backup ${backup.metadata.namespace}/${backup.metadata.name}, until Completed`), kind: 'backup-velero', backup, waitFor: 'Completed', timeout: c.backup.timeout });
  } else if (c.backup?.type === 'command') {
    const run = renderCommand(c.backup.run, vars);
    out.push({ ...base('backup', `back up: ${run}`), kind: 'backup-command', run, timeout: c.backup.timeout });
  }
  if ('changelog' in change && change.changelog) {
    const log = change.changelog;
    const breaking = log.breaking.length ? `, ${log.breaking.length} breaking` : ', none breaking';
    out.push({ ...base('changelog', `changelog ${change.from} → ${change.to}: ${log.entries.length} ${log.entries.length === 1 ? 'entry' : 'entries'}${breaking}`), kind: 'changelog', file: log.file, entries: log.entries, breaking: log.breaking, missingTarget: log.missingTarget });
  }
  if (c.silences.length) {
    const matchers = c.silences.map((m) => ({ name: m.name, value: renderCommand(m.value, vars, 'none'), isRegex: m.isRegex }));
    out.push({ ...base('silence', `silence alerts matching ${matchers.map((m) => `${m.name}${m.isRegex ? '=~' : '='}${JSON.stringify(m.value)}`).join(', ')}`), kind: 'silence', matchers });
  }
  return out;
}

function upgradeStep(c: Component, vars: StepVars, ctx: StepContext): UpgradeStep {
  const run = renderCommand(c.upgrade, vars);
  const rollback = ctx.rollback && c.rollback ? renderCommand(c.rollback, vars) : undefined;
  const what = vars.from !== undefined ? `upgrade ${c.name} ${vars.from} → ${vars.version}` : `install ${c.name} ${vars.version}`;
  return {
    id: `${c.name}/upgrade`,
    component: c.name,
    title: `${what}: ${run}`,
    phase: 'upgrade',
    kind: 'upgrade',
    ...(vars.from !== undefined ? { from: vars.from } : {}),
    to: vars.version,
    run,
    ...(rollback !== undefined ? { rollback } : {}),
  };
}

function postSteps(c: Component, vars: StepVars, ctx: StepContext): PostStep[] {
  const out: PostStep[] = [];
  const gate = (id: string, check: PostCheck, title: string, g: Gate): PostStep => ({ id: `${c.name}/${id}`, component: c.name, title, phase: 'post', kind: 'gate', check, gate: g });
  out.push(gate('pods-healthy', 'pods-healthy', 'pods healthy: every workload of the cluster available', { type: 'kube', check: 'workloads-available', name: `${c.name}: pods healthy` }));
  if (c.checks.deployments.length) {
    const tag = renderCommand(c.checks.imageTag, vars, 'none');
    const expect = c.checks.deployments.map((ref) => {
      const [namespace, name] = ref.split('/') as [string, string];
      return { namespace, name, tag };
    });
    out.push({ id: `${c.name}/deployments`, component: c.name, title: `deployments ${c.checks.deployments.join(', ')} available and running image tag ${tag}`, phase: 'post', kind: 'deployments', expect });
  }
  c.checks.http.forEach((h, i) => {
    const url = renderCommand(h.url, vars, 'none');
    out.push(gate(`endpoint/${i}`, 'endpoint', `endpoint ${url} answers ${h.expectStatus}`, { type: 'http', url, expectStatus: h.expectStatus, timeout: h.timeout, name: h.name ?? `${c.name}: ${url}` }));
  });
  c.checks.command.forEach((t, i) => {
    const run = renderCommand(t, vars);
    out.push(gate(`command/${i}`, 'command', `command exits 0: ${run}`, { type: 'command', run, timeout: c.checks.commandTimeout, name: `${c.name}: ${run}` }));
  });
  c.checks.prometheus.forEach((p, i) => {
    const url = p.url ?? ctx.prometheusUrl;
    if (url === undefined) throw new Error(`${c.name}: prometheus check ${i} has no Prometheus URL (the workspace loader requires one)`);
    const g: Gate = { type: 'prometheus', url, query: p.query, timeout: p.timeout, name: p.name ?? `${c.name}: ${p.query}`, ...(p.max !== undefined ? { max: p.max } : {}), ...(p.min !== undefined ? { min: p.min } : {}) };
    out.push(gate(`prometheus/${i}`, 'prometheus', `metric ${p.name ?? p.query} ${threshold(p.min, p.max)}`, g));
  });
  for (const name of c.checks.builtin) {
    const b = BUILTIN_CHECKS[name];
    const max = c.checks.thresholds[name] ?? b.max;
    if (ctx.prometheusUrl === undefined) throw new Error(`${c.name}: builtin check ${name} has no Prometheus URL (the workspace loader requires one)`);
    out.push(gate(`builtin/${name}`, 'builtin', `${b.description} <= ${max}`, { type: 'prometheus', url: ctx.prometheusUrl, query: b.query, max, timeout: Duration.parse('5s'), name: `${c.name}: ${name}` }));
  }
  return out;
}

function threshold(min: number | undefined, max: number | undefined): string {
  return [min !== undefined ? `>= ${min}` : '', max !== undefined ? `<= ${max}` : ''].filter(Boolean).join(' and ');
}

/** Velero object names end up in label values too: at most 63 characters, lower case, digits, "-" and ".". */
const NAME_LIMIT = 63;

function veleroBackup(spec: VeleroBackupSpec, vars: StepVars, runId: string | undefined): VeleroBackupObject {
  const parts = ['pre-upgrade', vars.name, ...(vars.from !== undefined ? [vars.from, 'to'] : ['install']), vars.version, ...(runId ? [runId] : [])];
  return {
    apiVersion: 'velero.io/v1',
    kind: 'Backup',
    metadata: {
      name: objectName(parts.join('-')),
      namespace: spec.namespace,
      labels: { 'app.kubernetes.io/managed-by': 'daylight', 'daylight.dev/component': vars.name, ...(runId ? { 'daylight.dev/run': objectName(runId) } : {}) },
    },
    spec: {
      includedNamespaces: [...spec.includedNamespaces],
      ttl: spec.ttl.toString(),
      ...(spec.storageLocation !== undefined ? { storageLocation: spec.storageLocation } : {}),
      ...(spec.snapshotVolumes !== undefined ? { snapshotVolumes: spec.snapshotVolumes } : {}),
      ...(spec.includeClusterResources !== undefined ? { includeClusterResources: spec.includeClusterResources } : {}),
    },
  };
}

/** A valid, deterministic object name: the same inputs give the same name, so a resumed run finds its backup. */
export function objectName(text: string): string {
  const clean = text.toLowerCase().replace(/[^a-z0-9.-]+/g, '-').replace(/-{2,}/g, '-').replace(/^[-.]+|[-.]+$/g, '');
  if (clean.length <= NAME_LIMIT) return clean;
  const hash = createHash('sha256').update(text).digest('hex').slice(0, 8);
  return `${clean.slice(0, NAME_LIMIT - 9).replace(/[-.]+$/, '')}-${hash}`;
}
