// `daylight upgrade plan --to v1.31`: the Kubernetes upgrade path within the version-skew policy, the
// end-of-life check, and the removed APIs still in use in the cluster and the manifests. Exit 1 when
// something blocks the upgrade.
import { connect } from '../kube/client.ts';
import type { KubeCluster } from '../kube/adapter.ts';
import { UserError } from '../lib/errors.ts';
import { suggest } from '../lib/yaml-source.ts';
import { manifestFilesUnder } from '../upgrade/manifest-scan.ts';
import { renderUpgradePlan, upgradePlanJson } from '../upgrade/render.ts';
import { planUpgrade } from '../upgrade/upgrade-plan.ts';
import { parseVersion } from '../upgrade/version.ts';
import { HELP_OPTION, OUTPUT_OPTION, outputFlag, parse, stringFlag } from './args.ts';
import type { Parsed } from './args.ts';
import { KUBECONFIG_OPTION } from './clusters.ts';
import type { Command, Io } from './command.ts';

const HELP = `Usage: daylight upgrade <subcommand> [flags]

Kubernetes version upgrades, one minor at a time within the version-skew policy.

Subcommands:
  plan   the upgrade path, the end-of-life check and the removed APIs still in use

Run daylight upgrade plan --help for its flags.`;

const PLAN_HELP = `Usage: daylight upgrade plan --to v1.31 [--context C] [--kubeconfig FILE] [--manifests DIR]... [-o json]
       daylight upgrade plan --to v1.31 --from v1.28 --manifests DIR

Reads the kube-apiserver and kubelet versions of the cluster (the kubeconfig's current context, or
--context), and prints:
  - the path: the control plane one minor at a time; kubelets kept within the skew policy (never
    newer than the API server, at most three minors older, two below 1.25), upgraded only where the
    policy requires and at the end, skipping the minors it allows them to skip; a warning where a
    kubelet is two minors behind (the upstream upgrade-order text asks for N-1 or N-2);
  - where the target stands in its support life (a shipped table of release and end-of-life dates);
  - every object in the cluster and under --manifests (.yaml, .yml, .json, recursively; multi-document
    files and kind: List) whose apiVersion a minor up to the target removes, with the replacement.
    Cluster objects are judged by the apiVersion they were written with (the
    kubectl.kubernetes.io/last-applied-configuration annotation) where they carry it.

Flags:
  --to VERSION       the target: v1.31 (the latest known patch) or v1.31.2
  --context NAME     the kubeconfig context (default: the current one)
  --kubeconfig FILE  default: $KUBECONFIG, then ~/.kube/config
  --manifests DIR    a directory (or file) of manifests to scan; may be repeated
  --from VERSION     plan without a cluster: the control plane runs this version (kubelets unknown)
  -o json            the plan as JSON

Exit codes: 0 nothing blocks the upgrade; 1 a removed API is in use or the cluster is outside the
skew policy; 2 bad input.`;

const SUBCOMMANDS = ['plan'] as const;

const PLAN_OPTIONS = {
  ...HELP_OPTION,
  ...OUTPUT_OPTION,
  ...KUBECONFIG_OPTION,
  to: { type: 'string' },
  from: { type: 'string' },
  context: { type: 'string' },
  manifests: { type: 'string', multiple: true },
} as const;

export const upgradeCommand: Command = {
  name: 'upgrade',
  help: HELP,
  async run(argv, io) {
    if (argv[0] === 'help') {
      io.out(HELP);
      return 0;
    }
    // one parse for the subcommand and its flags, so that flags may come before the subcommand
    const p = parse(argv.includes('plan') ? 'upgrade plan' : 'upgrade', argv, PLAN_OPTIONS);
    const [sub] = p.positionals;
    if (sub === undefined) {
      if (p.values.help) {
        io.out(HELP);
        return 0;
      }
      throw new UserError('missing the subcommand; use: daylight upgrade plan --to v1.31\nSee: daylight upgrade --help');
    }
    if (sub !== 'plan') {
      const hint = suggest(sub, SUBCOMMANDS);
      throw new UserError(`unknown subcommand "upgrade ${sub}"${hint ? `; did you mean "upgrade ${hint}"?` : ''}\nSee: daylight upgrade --help`);
    }
    return planSubcommand(p, io);
  },
};

async function planSubcommand(p: Parsed, io: Io): Promise<number> {
  if (p.values.help) {
    io.out(PLAN_HELP);
    return 0;
  }
  const extra = p.positionals.slice(1);
  if (extra.length > 0) throw new UserError(`upgrade plan takes no arguments, got "${extra.join(' ')}"; pass the target with --to v1.31\nSee: daylight upgrade plan --help`);
  const output = outputFlag(p);
  const target = versionFlag(p, 'to', true) as string;
  const from = versionFlag(p, 'from', false);
  if (from !== undefined && (stringFlag(p, 'context') !== undefined || stringFlag(p, 'kubeconfig') !== undefined)) {
    throw new UserError('--from plans without a cluster: leave out --context and --kubeconfig, or leave out --from to read the cluster');
  }
  const roots = Array.isArray(p.values.manifests) ? p.values.manifests.map(String) : [];
  const manifestFiles = roots.length > 0 ? await manifestFilesUnder(roots) : undefined;
  const cluster = from === undefined ? await connectCluster(p) : undefined;
  try {
    const report = await planUpgrade({
      target,
      now: Date.now(),
      // the context connect selected (--context, or the kubeconfig's current one) names the cluster
      ...(cluster ? { cluster: { name: cluster.api.kubeConfig.getCurrentContext(), api: cluster.api } } : {}),
      ...(from !== undefined ? { from } : {}),
      ...(manifestFiles ? { manifestFiles } : {}),
    });
    const targetError = report.path.problems.find((x) => x.severity === 'error' && x.about === 'target');
    if (targetError) throw new UserError(`${targetError.message} (--to)`);
    io.out(output === 'json' ? JSON.stringify(upgradePlanJson(report)) : renderUpgradePlan(report));
    return report.blocking > 0 || report.errors > 0 ? 1 : 0;
  } finally {
    await cluster?.close();
  }
}

function versionFlag(p: Parsed, name: 'to' | 'from', required: boolean): string | undefined {
  const raw = stringFlag(p, name);
  if (raw === undefined) {
    if (required) throw new UserError(`missing the target: pass --${name} with a Kubernetes version like v1.31\nSee: daylight upgrade plan --help`);
    return undefined;
  }
  if (!parseVersion(raw)) throw new UserError(`--${name} ${raw}: not a Kubernetes version; write one like v1.31 or v1.31.2`);
  return raw;
}

function connectCluster(p: Parsed): Promise<KubeCluster> {
  const context = stringFlag(p, 'context');
  return connect({ name: context ?? 'current context', kubeconfig: stringFlag(p, 'kubeconfig'), context, env: process.env });
}
