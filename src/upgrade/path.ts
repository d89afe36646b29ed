// The Kubernetes upgrade path, as pure functions over versions: the control plane one minor at a time,
// and the fewest kubelet upgrades that keep every kubelet inside the version-skew policy on the way.
import { RELEASES } from './data/releases.ts';
import type { Release } from './data/releases.ts';
import type { UpgradePlanner } from '../engine/ports/upgrade.ts';
import { beyondUpgradeOrderText, kubeletMaxSkew, tooFarBehind } from './skew.ts';
import { supportOf } from './support.ts';
import type { SupportCheck } from './support.ts';
import { minorName, parseVersion, withV } from './version.ts';
import type { KubeVersion } from './version.ts';

export interface NodeVersion {
  readonly name: string;
  /** As the node reports it in status.nodeInfo.kubeletVersion. */
  readonly kubeletVersion: string;
  /** Control-plane nodes' kubelets move with the control plane (kubeadm upgrades them in each step). */
  readonly controlPlane: boolean;
}

export interface PathInput {
  /** The version of every kube-apiserver instance (one for a single instance). */
  readonly apiservers: readonly string[];
  readonly nodes: readonly NodeVersion[];
  /** "v1.31" or "v1.31.2". */
  readonly target: string;
  /** Today, in epoch milliseconds, for the end-of-life check. */
  readonly now: number;
  readonly releases?: readonly Release[];
}

/** What a problem is about: the asked target (bad input), the cluster as it is, or a step of the path. */
export type ProblemTopic = 'target' | 'cluster' | 'path';

export interface PathProblem {
  readonly severity: 'error' | 'warning';
  readonly about: ProblemTopic;
  readonly code: string;
  readonly message: string;
  /** Index of the step the problem belongs to, when it belongs to one. */
  readonly step?: number;
}

export interface ControlPlaneStep {
  readonly kind: 'control-plane';
  readonly from: string;
  readonly to: string;
  /** The version to install: the latest known patch of `to`, or the patch asked for at the target. */
  readonly version: string;
  /** Control-plane nodes, whose kubelets follow in this step. */
  readonly nodes: readonly string[];
  readonly reason: string;
}

export interface KubeletStep {
  readonly kind: 'kubelets';
  readonly to: string;
  readonly version: string;
  readonly nodes: readonly { readonly name: string; readonly from: string }[];
  /** Whether the skew policy forces this step (before a control-plane step), or it is the final one. */
  readonly required: 'skew' | 'target';
  readonly reason: string;
}

export type PathStep = ControlPlaneStep | KubeletStep;

export interface UpgradePath {
  readonly apiservers: readonly string[];
  /** Minor of the oldest API server, from which the path starts; undefined when none could be read. */
  readonly current?: string;
  readonly newest?: string;
  /** Kubelet minors with their nodes, oldest first. */
  readonly kubelets: readonly { readonly minor: string; readonly nodes: readonly string[] }[];
  readonly target?: { readonly minor: string; readonly version: string };
  readonly steps: readonly PathStep[];
  readonly problems: readonly PathProblem[];
  /** Where the target stands in its support life. */
  readonly support?: SupportCheck;
}

interface Ctx {
  readonly releases: ReadonlyMap<number, Release>;
  readonly problems: PathProblem[];
  readonly steps: PathStep[];
  /** Node name → kubelet minor, as the path moves it. */
  readonly kubelets: Map<string, number>;
  readonly controlPlaneNodes: readonly string[];
  /** Exact version text per minor where one is known (the API servers', the asked target's). */
  readonly versions: Map<number, string>;
  readonly target: number;
}

/** The path from the versions the cluster runs to `target`, with every problem found on the way. */
export function planPath(input: PathInput): UpgradePath {
  const releases = new Map((input.releases ?? RELEASES).map((r) => [Number(r.minor.split('.')[1]), r]));
  const problems: PathProblem[] = [];
  const apiservers = readApiservers(input.apiservers, problems);
  const nodes = readNodes(input.nodes, problems);
  const kubelets = groupKubelets(nodes);
  const base = { apiservers: input.apiservers, kubelets, steps: [], problems };
  if (apiservers.length === 0) {
    problems.push({ severity: 'error', about: 'cluster', code: 'no-apiserver', message: 'no kube-apiserver version could be read; check that the API server answers GET /version' });
    return base;
  }
  const oldest = Math.min(...apiservers.map((a) => a.minor));
  const newest = Math.max(...apiservers.map((a) => a.minor));
  const at = { ...base, current: minorName(oldest), newest: minorName(newest) };
  const target = readTarget(input.target, { releases, newest, problems });
  if (!target) return at;
  const release = releases.get(target.minor) as Release;
  const support = supportOf(release, input.now);
  if (support.phase === 'end-of-life' || support.phase === 'maintenance') {
    problems.push({ severity: 'warning', about: 'target', code: `target-${support.phase}`, message: `${support.message}; consider a newer target` });
  }
  checkCluster({ apiservers, oldest, newest, nodes, releases, problems });
  const versions = new Map<number, string>();
  for (const a of [...apiservers].sort((x, y) => (x.patch ?? 0) - (y.patch ?? 0))) if (a.patch !== undefined) versions.set(a.minor, withV(a.text.replace(/^v/, '')));
  const targetVersion = target.patch === undefined ? withV(release.latestPatch) : withV(`1.${target.minor}.${target.patch}`);
  versions.set(target.minor, targetVersion);
  const ctx: Ctx = {
    releases,
    problems,
    steps: [],
    kubelets: new Map(nodes.map((n) => [n.name, n.minor])),
    controlPlaneNodes: nodes.filter((n) => n.controlPlane).map((n) => n.name),
    versions,
    target: target.minor,
  };
  walk(ctx, { oldest, newest });
  return { ...at, target: { minor: minorName(target.minor), version: targetVersion }, steps: ctx.steps, support };
}

interface ReadNode {
  readonly name: string;
  readonly minor: number;
  readonly controlPlane: boolean;
}

function readApiservers(versions: readonly string[], problems: PathProblem[]): KubeVersion[] {
  const out: KubeVersion[] = [];
  for (const text of versions) {
    const v = parseVersion(text);
    if (v) out.push(v);
    else problems.push({ severity: 'error', about: 'cluster', code: 'apiserver-version-unreadable', message: `kube-apiserver version "${text}" is not a Kubernetes 1.x version; it is left out of the path` });
  }
  return out;
}

function readNodes(nodes: readonly NodeVersion[], problems: PathProblem[]): ReadNode[] {
  const out: ReadNode[] = [];
  for (const n of nodes) {
    const v = parseVersion(n.kubeletVersion);
    if (v) out.push({ name: n.name, minor: v.minor, controlPlane: n.controlPlane });
    else problems.push({ severity: 'error', about: 'cluster', code: 'kubelet-version-unreadable', message: `node ${n.name}: kubelet version "${n.kubeletVersion}" is not a Kubernetes 1.x version; the node is left out of the path` });
  }
  return out;
}

function groupKubelets(nodes: readonly ReadNode[]): { minor: string; nodes: string[] }[] {
  const by = new Map<number, string[]>();
  for (const n of nodes) by.set(n.minor, [...(by.get(n.minor) ?? []), n.name]);
  return [...by.entries()].sort(([a], [b]) => a - b).map(([minor, names]) => ({ minor: minorName(minor), nodes: names }));
}

function readTarget(text: string, o: { releases: ReadonlyMap<number, Release>; newest: number; problems: PathProblem[] }): KubeVersion | undefined {
  const v = parseVersion(text);
  const known = [...o.releases.keys()].sort((a, b) => a - b);
  const range = known.length ? `${minorName(known[0] as number)} to ${minorName(known[known.length - 1] as number)}` : 'none';
  if (!v) {
    o.problems.push({ severity: 'error', about: 'target', code: 'target-unreadable', message: `target "${text}" is not a Kubernetes version; write one like v1.31 or v1.31.2` });
    return undefined;
  }
  if (v.minor < o.newest) {
    o.problems.push({ severity: 'error', about: 'target', code: 'target-below-current', message: `target ${text} is below the control plane's ${minorName(o.newest)}; Kubernetes is not downgraded across minors: choose ${minorName(o.newest)} or newer` });
    return undefined;
  }
  if (!o.releases.has(v.minor)) {
    o.problems.push({ severity: 'error', about: 'target', code: 'target-unknown', message: `target ${text}: ${minorName(v.minor)} is not in the releases table (it knows ${range}); choose one of those, or update Daylight for newer releases` });
    return undefined;
  }
  return v;
}

interface ClusterState {
  readonly apiservers: readonly KubeVersion[];
  readonly oldest: number;
  readonly newest: number;
  readonly nodes: readonly ReadNode[];
  readonly releases: ReadonlyMap<number, Release>;
  readonly problems: PathProblem[];
}

/** What is already outside the policy, or worth doing first, before any step. */
function checkCluster(s: ClusterState): void {
  const cluster = (severity: 'error' | 'warning', code: string, message: string) => s.problems.push({ severity, about: 'cluster', code, message });
  if (s.newest - s.oldest > 1) {
    cluster('error', 'apiservers-skewed', `the kube-apiserver instances run ${minorName(s.oldest)} and ${minorName(s.newest)}: HA instances must be within one minor; bring the oldest to ${minorName(s.newest - 1)} or newer first`);
  }
  const newer = s.nodes.filter((n) => n.minor > s.oldest);
  for (const [minor, names] of byMinor(newer)) {
    cluster('error', 'kubelet-newer', `kubelet ${minorName(minor)} on ${nodeList(names)} is newer than the oldest kube-apiserver (${minorName(s.oldest)}); the skew policy never allows a kubelet newer than the API server: upgrade the API servers first or put these nodes back to ${minorName(s.oldest)}`);
  }
  const old = s.nodes.filter((n) => tooFarBehind(n.minor, s.newest));
  for (const [minor, names] of byMinor(old)) {
    cluster('error', 'kubelet-too-old', `kubelet ${minorName(minor)} on ${nodeList(names)} is ${s.newest - minor} minors behind kube-apiserver ${minorName(s.newest)}, more than the ${kubeletMaxSkew(minor)} the skew policy allows; the path upgrades them first`);
  }
  const release = s.releases.get(s.oldest);
  const behind = s.apiservers.filter((a) => a.minor === s.oldest && a.patch !== undefined && release && a.patch < (parseVersion(release.latestPatch)?.patch ?? 0));
  if (release && behind.length > 0) {
    cluster('warning', 'not-latest-patch', `the control plane runs ${behind[0]?.text}; ${release.latestPatch} is the latest patch of ${release.minor} in the table: the upgrade order recommends moving to it before the next minor`);
  }
}

/** Walks the control plane up one minor at a time, inserting kubelet steps where the policy requires. */
function walk(ctx: Ctx, start: { oldest: number; newest: number }): void {
  let oldest = start.oldest;
  const first = start.newest > start.oldest ? start.newest : start.oldest + 1;
  for (let next = first; next <= ctx.target; next++) {
    const forced = [...ctx.kubelets].filter(([, k]) => tooFarBehind(k, next));
    if (forced.length > 0) kubeletStep(ctx, { forced: forced.map(([name]) => name), level: oldest, next });
    warnUpgradeOrder(ctx, next);
    controlPlaneStep(ctx, { from: oldest, to: next, finishing: next === start.newest && start.newest > start.oldest });
    for (const name of ctx.controlPlaneNodes) ctx.kubelets.set(name, Math.max(next, ctx.kubelets.get(name) ?? next));
    oldest = next;
  }
  const behind = [...ctx.kubelets].filter(([, k]) => k < ctx.target).map(([name]) => name);
  if (behind.length > 0) {
    const from = describeFrom(ctx, behind);
    const why = ctx.steps.length > 0 ? 'go there in one step, as the skew policy let them stay behind while the control plane moved' : 'run behind the control plane';
    const reason = `every kubelet ends at the target ${minorName(ctx.target)}: ${from} ${why}; drain each node first (in-place minor kubelet upgrades are not supported)`;
    pushKubelets(ctx, { names: behind, to: ctx.target, required: 'target', reason });
  }
}

/** Kubelets the skew policy forces up before the control plane moves to `next`, plus those that may as well come along. */
function kubeletStep(ctx: Ctx, o: { forced: readonly string[]; level: number; next: number }): void {
  const joiners = [...ctx.kubelets]
    .filter(([name, k]) => !o.forced.includes(name) && k < o.level && 1 + upgradesNeeded(o.level, o.level, ctx.target) <= upgradesNeeded(k, o.level, ctx.target))
    .map(([name]) => name);
  const names = [...o.forced, ...joiners];
  const from = describeFrom(ctx, o.forced);
  const joined = joiners.length ? `; ${describeFrom(ctx, joiners)} come along, since they would need an upgrade before the target anyway` : '';
  const reason = `before the control plane moves to ${minorName(o.next)}, every kubelet must be at ${minorName(o.next - 3)} or newer (at most three minors behind, two for kubelets older than 1.25): ${from} go to the control plane's ${minorName(o.level)}${joined}`;
  pushKubelets(ctx, { names, to: o.level, required: 'skew', reason });
}

/** Kubelet upgrades a node at `kubelet` needs, upgraded as late as possible, while the control plane goes from `level` to `target`. */
function upgradesNeeded(kubelet: number, level: number, target: number): number {
  let k = kubelet;
  let count = 0;
  for (let next = level + 1; next <= target; next++) {
    if (tooFarBehind(k, next)) {
      k = next - 1;
      count++;
    }
  }
  return k < target ? count + 1 : count;
}

function pushKubelets(ctx: Ctx, o: { names: readonly string[]; to: number; required: 'skew' | 'target'; reason: string }): void {
  const nodes = [...o.names].sort().map((name) => ({ name, from: minorName(ctx.kubelets.get(name) ?? o.to) }));
  ctx.steps.push({ kind: 'kubelets', to: minorName(o.to), version: versionOf(ctx, o.to), nodes, required: o.required, reason: o.reason });
  for (const name of o.names) ctx.kubelets.set(name, o.to);
}

function warnUpgradeOrder(ctx: Ctx, next: number): void {
  const far = [...ctx.kubelets].filter(([, k]) => beyondUpgradeOrderText(k, next) && !tooFarBehind(k, next));
  for (const [minor, names] of byMinor(far.map(([name, k]) => ({ name, minor: k })))) {
    ctx.problems.push({
      severity: 'warning',
      about: 'path',
      code: 'kubelet-two-behind',
      step: ctx.steps.length,
      message: `kubelet ${minorName(minor)} on ${nodeList(names)} is two minors behind the control plane's ${minorName(next - 1)} when it moves to ${minorName(next)}: the skew policy allows it (three minors), but the upgrade-order text asks for kubelets at N-1 or N-2 (${minorName(next - 1)} or ${minorName(next - 2)}) before kube-apiserver goes to N (${minorName(next)}); upgrade them first to follow that text`,
    });
  }
}

function controlPlaneStep(ctx: Ctx, o: { from: number; to: number; finishing: boolean }): void {
  const version = versionOf(ctx, o.to);
  const n = ctx.controlPlaneNodes.length;
  const cpNodes = n ? `; the kubelet${n === 1 ? '' : 's'} of ${nodeList(ctx.controlPlaneNodes)} ${n === 1 ? 'follows' : 'follow'}, each node drained first` : '';
  const reason = o.finishing
    ? `the kube-apiserver instances still at ${minorName(o.from)} join those at ${minorName(o.to)}, so that the whole control plane runs one minor${cpNodes}`
    : `kube-apiserver never skips a minor, not even in a single-instance cluster: ${minorName(o.from)} → ${minorName(o.to)}, then controller-manager and scheduler${cpNodes}`;
  ctx.steps.push({ kind: 'control-plane', from: minorName(o.from), to: minorName(o.to), version, nodes: [...ctx.controlPlaneNodes].sort(), reason });
}

/** The version to install for a minor: the exact one known (API servers, asked target), else the table's latest patch. */
function versionOf(ctx: Ctx, minor: number): string {
  const known = ctx.versions.get(minor) ?? (ctx.releases.get(minor) ? withV(ctx.releases.get(minor)?.latestPatch ?? '') : undefined);
  if (known) return known;
  const name = minorName(minor);
  if (!ctx.problems.some((p) => p.code === 'minor-not-in-table' && p.message.startsWith(name))) {
    ctx.problems.push({ severity: 'warning', about: 'path', code: 'minor-not-in-table', message: `${name} is not in the releases table, so its latest patch is unknown: install the newest ${name}.x` });
  }
  return `v${name}.x`;
}

function describeFrom(ctx: Ctx, names: readonly string[]): string {
  const parts = [...byMinor(names.map((name) => ({ name, minor: ctx.kubelets.get(name) ?? 0 })))].map(([minor, n]) => `${nodeList(n)} at ${minorName(minor)}`);
  return parts.join(', ');
}

function byMinor(nodes: readonly { name: string; minor: number }[]): Map<number, string[]> {
  const out = new Map<number, string[]>();
  for (const n of [...nodes].sort((a, b) => a.minor - b.minor || a.name.localeCompare(b.name))) out.set(n.minor, [...(out.get(n.minor) ?? []), n.name]);
  return out;
}

/** "node a" / "nodes a, b, c and 4 more". */
export function nodeList(names: readonly string[], shown = 5): string {
  const sorted = [...names].sort();
  const head = sorted.slice(0, shown).join(', ');
  const more = sorted.length > shown ? ` and ${sorted.length - shown} more` : '';
  return `${sorted.length === 1 ? 'node' : 'nodes'} ${head}${more}`;
}

/** The planner as the engine's kubernetes phase asks for it (src/engine/ports/upgrade.ts); the CLI wires it. */
export const upgradePlanner: UpgradePlanner = { planPath };
