// The workspace file (`kind: Workspace`): the platform's components, each at a version, with how to
// upgrade it, what it depends on and how to check it. The one source of truth for what a platform diff
// and a platform phase may do; unknown fields, unknown dependencies and cycles are errors.
import { z } from 'zod';
import { Duration, MAX_RETENTION_MS } from '../lib/duration.ts';
import { suggest } from '../lib/yaml-source.ts';
import { renderTemplate, templateProblem } from '../lib/template.ts';
import { duration } from '../plan/values.ts';
import { BUILTIN_CHECK_NAMES } from './builtin-checks.ts';
import { findCycle } from './graph.ts';

/** The variables a component's templates may use. `from` is known only when an installed version is upgraded. */
export const TEMPLATE_VARIABLES = ['name', 'version', 'from', 'cluster'] as const;

const SAMPLE_VARS: Readonly<Record<string, string>> = Object.fromEntries(TEMPLATE_VARIABLES.map((v) => [v, v]));

const componentName = z
  .string()
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, { message: 'use lower-case letters, digits and "-", starting and ending with a letter or digit (a Helm release name such as "ingress-nginx")' })
  .max(53);

/** A `{{variable}}` template: every placeholder must be one of TEMPLATE_VARIABLES. */
const template = z.string().min(1).superRefine((text, ctx) => {
  const problem = templateProblem(text, TEMPLATE_VARIABLES);
  if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
});

/** A URL that may hold placeholders: checked as a URL once they are filled. */
const urlTemplate = template.superRefine((text, ctx) => {
  if (templateProblem(text, TEMPLATE_VARIABLES) !== undefined) return;
  if (!URL.canParse(renderTemplate(text, SAMPLE_VARS))) ctx.addIssue({ code: 'custom', message: `"${text}" is not a URL; write it in full, such as "https://grafana.example.com/api/health"` });
});

/** YAML reads `1.10` as the number 1.1: a version must be a string. */
const version = z.union([z.string().min(1), z.number()]).transform((v, ctx) => {
  if (typeof v === 'string') return v.trim();
  ctx.addIssue({ code: 'custom', message: `YAML reads this as the number ${v}; quote the version as written, such as version: "1.10" (unquoted, 1.10 is read as 1.1)` });
  return z.NEVER;
});

const deploymentRef = z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?\/[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, { message: 'write a Deployment as "<namespace>/<name>", such as "monitoring/grafana"' });

/** A Velero Backup created and waited for before the upgrade (reference §7.6), or a command that makes one. */
const BackupSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('command'), run: template, timeout: duration('30m').default(Duration.parse('30m')) }),
  z.strictObject({
    type: z.literal('velero'),
    /** Where Velero runs and Backup objects live. */
    namespace: z.string().min(1).default('velero'),
    includedNamespaces: z.array(z.string().min(1)).min(1),
    /** How long Velero keeps the backup (Velero's default is 30 days). */
    ttl: duration('720h', MAX_RETENTION_MS).default(Duration.parse('720h', MAX_RETENTION_MS)),
    storageLocation: z.string().min(1).optional(),
    snapshotVolumes: z.boolean().optional(),
    /** true to include cluster-scoped objects (CRDs). */
    includeClusterResources: z.boolean().optional(),
    /** How long to wait for status.phase Completed. */
    timeout: duration('30m').default(Duration.parse('30m')),
  }),
]);

const HttpCheckSchema = z.strictObject({
  name: z.string().min(1).optional(),
  url: urlTemplate,
  expectStatus: z.number().int().min(100).max(599).default(200),
  timeout: duration('5s').default(Duration.parse('5s')),
});

const PrometheusCheckSchema = z
  .strictObject({
    name: z.string().min(1).optional(),
    query: z.string().min(1),
    max: z.number().optional(),
    min: z.number().optional(),
    /** Default: spec.prometheus.url. */
    url: z.url().optional(),
    timeout: duration('5s').default(Duration.parse('5s')),
  })
  .refine((c) => c.max !== undefined || c.min !== undefined, { message: 'a prometheus check needs a threshold; set max, min or both' });

const ThresholdsSchema = z.strictObject(Object.fromEntries(BUILTIN_CHECK_NAMES.map((n) => [n, z.number().optional()])) as Record<(typeof BUILTIN_CHECK_NAMES)[number], z.ZodOptional<z.ZodNumber>>);

const ChecksSchema = z.strictObject({
  /** Endpoints that must answer with expectStatus after the upgrade. */
  http: z.array(HttpCheckSchema).default([]),
  /** Deployments ("<namespace>/<name>") that must be fully available with a container image tagged imageTag. */
  deployments: z.array(deploymentRef).default([]),
  /** The image tag the deployments must run; default the component's version (a leading "v" is ignored). */
  imageTag: template.default('{{version}}'),
  /** Component-specific commands (sh), each passing with exit code 0. */
  command: z.array(template).default([]),
  commandTimeout: duration('1m').default(Duration.parse('1m')),
  prometheus: z.array(PrometheusCheckSchema).default([]),
  /** Built-in metric checks by name (see builtin-checks.ts). */
  builtin: z.array(z.enum(BUILTIN_CHECK_NAMES)).default([]),
  /** A different max for a built-in check of this component. */
  thresholds: ThresholdsSchema.default({}),
});

const SilenceMatcherSchema = z.strictObject({ name: z.string().min(1), value: template, isRegex: z.boolean().default(false) });

const ComponentSchema = z.strictObject({
  name: componentName,
  version,
  /** The command that upgrades (or installs) it: `helm upgrade --install {{name}} ... --version {{version}}`. */
  upgrade: template,
  /** Used only when the plan asks for rollback on failure; the runbooks prefer rolling forward. */
  rollback: template.optional(),
  dependsOn: z.array(z.string().min(1)).default([]),
  /** A Markdown changelog with `## <version>` headings, relative to the workspace file. */
  changelog: z.string().min(1).optional(),
  backup: BackupSchema.optional(),
  /** Alert silences (Alertmanager matchers) held while the component is upgraded. */
  silences: z.array(SilenceMatcherSchema).default([]),
  checks: ChecksSchema.default(ChecksSchema.parse({})),
});

export const WorkspaceSchema = z
  .strictObject({
    apiVersion: z.literal('daylight.dev/v1alpha1'),
    kind: z.literal('Workspace'),
    metadata: z.strictObject({ name: z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, { message: 'use lower-case letters, digits and "-", starting and ending with a letter or digit' }).max(63) }),
    spec: z
      .strictObject({
        /** The Prometheus that prometheus and builtin checks ask, unless a check names its own url. */
        prometheus: z.strictObject({ url: z.url() }).optional(),
        components: z.array(ComponentSchema).min(1),
      })
      .superRefine((spec, ctx) => {
        uniqueNames(spec.components, ctx);
        knownDependencies(spec.components, ctx);
        noCycle(spec.components, ctx);
        prometheusKnown(spec, ctx);
      }),
  });

type ComponentInput = z.output<typeof ComponentSchema>;

function uniqueNames(components: readonly ComponentInput[], ctx: z.RefinementCtx): void {
  const names = components.map((c) => c.name);
  names.forEach((n, i) => {
    const first = names.indexOf(n);
    if (first !== i) ctx.addIssue({ code: 'custom', path: ['components', i, 'name'], message: `component "${n}" appears twice (first as components[${first}]); give each component its own name` });
  });
}

function knownDependencies(components: readonly ComponentInput[], ctx: z.RefinementCtx): void {
  const names = components.map((c) => c.name);
  components.forEach((c, i) => {
    c.dependsOn.forEach((dep, j) => {
      const path = ['components', i, 'dependsOn', j];
      if (dep === c.name) ctx.addIssue({ code: 'custom', path, message: `"${c.name}" depends on itself; remove it from its own dependsOn` });
      else if (!names.includes(dep)) ctx.addIssue({ code: 'custom', path, message: `no component "${dep}" in this workspace; ${hint(dep, names)}` });
    });
  });
}

function hint(dep: string, names: readonly string[]): string {
  const close = suggest(dep, names);
  return close ? `did you mean "${close}"?` : `components here: ${names.join(', ')}`;
}

function noCycle(components: readonly ComponentInput[], ctx: z.RefinementCtx): void {
  const graph = new Map(components.map((c) => [c.name, c.dependsOn.filter((d) => d !== c.name)]));
  const cycle = findCycle(graph);
  if (!cycle || cycle.length < 2) return;
  const [first, second] = cycle as [string, string];
  const i = components.findIndex((c) => c.name === first);
  const j = components[i]?.dependsOn.indexOf(second) ?? 0;
  ctx.addIssue({ code: 'custom', path: ['components', i, 'dependsOn', j], message: `dependency cycle: ${cycle.join(' → ')}; remove one of these dependsOn entries` });
}

function prometheusKnown(spec: { prometheus?: { url: string }; components: readonly ComponentInput[] }, ctx: z.RefinementCtx): void {
  if (spec.prometheus) return;
  const fix = 'add spec.prometheus: {url: "http://prometheus.example:9090"}';
  spec.components.forEach((c, i) => {
    c.checks.prometheus.forEach((p, j) => {
      if (!p.url) ctx.addIssue({ code: 'custom', path: ['components', i, 'checks', 'prometheus', j], message: `a prometheus check needs a Prometheus to ask; ${fix}, or url: on this check` });
    });
    if (c.checks.builtin.length > 0) ctx.addIssue({ code: 'custom', path: ['components', i, 'checks', 'builtin'], message: `built-in checks ask Prometheus; ${fix}` });
  });
}

export type Workspace = z.output<typeof WorkspaceSchema>;
export type Component = Workspace['spec']['components'][number];
export type ComponentChecks = Component['checks'];
export type ComponentBackup = NonNullable<Component['backup']>;
export type VeleroBackupSpec = Extract<ComponentBackup, { type: 'velero' }>;
export type HttpCheck = ComponentChecks['http'][number];
export type PrometheusCheck = ComponentChecks['prometheus'][number];
export type SilenceMatcher = Component['silences'][number];
