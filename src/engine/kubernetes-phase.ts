// A `kubernetes` phase on one cluster: the path checked against the skew policy, the backup, the
// control-plane nodes one at a time (each checked through /version, /readyz and its kubelet), then the
// workers rolled as a nodes phase with the `upgrade` action. Every step is journaled; a resumed run
// skips what the journal says is done.
import type { Cluster } from './ports/cluster.ts';
import { parseLabelSelector } from '../lib/selectors.ts';
import { controlPlanePhase, workersPhase } from '../plan/kubernetes-phase.ts';
import type { KubernetesPhase } from '../plan/schema.ts';
import { BudgetQueue } from './budget-queue.ts';
import { checkControlPlane } from './control-plane-checks.ts';
import type { RunEvent } from './events.ts';
import type { Journal } from './journal.ts';
import type { NodeContext } from './node-context.ts';
import { maintainNode } from './node-pipeline.ts';
import { runPhase, RunFailure } from './phase-runner.ts';
import type { EngineDeps } from './ports.ts';
import type { ControlPlaneProbe } from './ports/control-plane.ts';
import type { UpgradePlanner } from './ports/upgrade.ts';
import { backupBeforeUpgrade } from './pre-upgrade-backup.ts';
import { SharedReads } from './shared-reads.ts';
import { nodeKey } from './state.ts';
import type { RunState } from './state.ts';
import { workloadsToWaitFor } from './drain.ts';

export interface KubernetesRun {
  readonly deps: EngineDeps;
  readonly journal: Journal;
  readonly record: (e: RunEvent) => Promise<void>;
  readonly state: () => RunState;
  readonly cluster: Cluster;
  readonly phase: KubernetesPhase;
  readonly signal: AbortSignal;
}

export async function runKubernetesPhase(k: KubernetesRun): Promise<void> {
  const probe = k.deps.controlPlane?.get(k.cluster.name);
  if (!probe) throw new RunFailure(`cluster ${k.cluster.name} cannot read /version through this adapter, so phase ${k.phase.name} cannot check the control plane; use a kubeconfig connection`);
  await checkPath(k, probe);
  await backupBeforeUpgrade(k);
  await controlPlane(k, probe);
  const workers = workersPhase(k.phase);
  if (!completed(k, workers.name)) await runPhase({ ...k, phase: workers });
  await k.record({ type: 'phase.completed', cluster: k.cluster.name, phase: k.phase.name });
}

function upgradePlanner(k: KubernetesRun): UpgradePlanner {
  if (!k.deps.upgrades) throw new Error(`phase ${k.phase.name}: the engine was given no upgrade planner (EngineDeps.upgrades); the CLI wires one`);
  return k.deps.upgrades;
}

function completed(k: KubernetesRun, phase: string): boolean {
  return k.state().phases.some((p) => p.cluster === k.cluster.name && p.phase === phase && p.completed);
}

/**
 * Refuses the phase when the control plane is more than one minor below `to` (one phase per minor), when a
 * kubelet would fall outside the skew policy, or when the cluster is already outside it. Checked once.
 */
async function checkPath(k: KubernetesRun, probe: ControlPlaneProbe): Promise<void> {
  const done = k.journal.entries.some((e) => e.event.type === 'kubernetes.path.checked' && e.event.cluster === k.cluster.name && e.event.phase === k.phase.name && e.event.passed);
  if (done) return;
  const apiserver = await probe.version(k.signal).then((v) => v.text, (e: unknown) => {
    if (e instanceof Error && e.name === 'AbortError') throw e;
    throw new RunFailure(`phase ${k.phase.name} on ${k.cluster.name}: ${e instanceof Error ? e.message : String(e)}; the control plane's version must be known before an upgrade`);
  });
  const isControlPlane = parseLabelSelector(k.phase.controlPlane.selector);
  const nodes = (await k.cluster.nodes.list(k.signal)).map((n) => ({ name: n.name, kubeletVersion: n.kubeletVersion, controlPlane: isControlPlane(n.labels) }));
  const path = upgradePlanner(k).planPath({ apiservers: [apiserver], nodes, target: k.phase.to, now: k.deps.clock.now() });
  const errors = path.problems.filter((p) => p.severity === 'error').map((p) => p.message);
  const steps = path.steps.filter((s) => s.kind === 'control-plane');
  if (steps.length > 1) {
    const next = steps[0];
    errors.push(`the control plane runs ${apiserver}, ${steps.length} minors below ${k.phase.to}: it goes one minor at a time; add a kubernetes phase to ${next?.version ?? `v${next?.to}`} before this one (one phase per minor)`);
  }
  for (const s of path.steps) {
    if (s.kind === 'kubelets' && s.required === 'skew') errors.push(`${s.nodes.map((n) => n.name).join(', ')}: ${s.reason}; upgrade those kubelets first (a kubernetes phase to ${s.version})`);
  }
  const warnings = path.problems.filter((p) => p.severity === 'warning').map((p) => `warning: ${p.message}`);
  const passed = errors.length === 0;
  await k.record({ type: 'kubernetes.path.checked', cluster: k.cluster.name, phase: k.phase.name, apiserver, to: k.phase.to, passed, problems: [...errors, ...warnings] });
  if (!passed) throw new RunFailure(`phase ${k.phase.name} on ${k.cluster.name} cannot upgrade ${apiserver} to ${k.phase.to}: ${errors.join('; ')}`);
}

/** The control-plane nodes one at a time, each a wave of one, each checked before the next. */
async function controlPlane(k: KubernetesRun, probe: ControlPlaneProbe): Promise<void> {
  const cp = controlPlanePhase(k.phase);
  if (completed(k, cp.name)) return;
  const planned = await planControlPlane(k);
  const reads = new SharedReads(k.cluster, 250, { clusterAgeMs: 4000, speed: k.deps.clock.speed });
  const budgets = new BudgetQueue(await k.cluster.budgets.feed(k.signal));
  try {
    for (let i = planned.wavesDone; i < planned.waves.length; i++) {
      const node = planned.waves[i]?.nodes[0] as string;
      await upgradeControlPlaneNode(k, { node, index: i, last: i === planned.waves.length - 1, reads, budgets, probe });
    }
  } finally {
    budgets.close();
  }
  await k.record({ type: 'phase.completed', cluster: k.cluster.name, phase: cp.name });
}

async function planControlPlane(k: KubernetesRun): Promise<{ waves: readonly { nodes: readonly string[] }[]; wavesDone: number }> {
  const cp = controlPlanePhase(k.phase);
  const existing = k.state().phases.find((p) => p.cluster === k.cluster.name && p.phase === cp.name);
  if (existing) return existing;
  const plan = k.deps.planPhase(await k.cluster.snapshot(k.signal), cp);
  if (plan.blockers.length > 0) throw new RunFailure(`phase ${k.phase.name} on ${k.cluster.name}: the control plane cannot start: ${plan.blockers.join('; ')}`);
  const nodes = plan.waves.flatMap((w) => w.nodes);
  if (nodes.length === 0) throw new RunFailure(`phase ${k.phase.name} on ${k.cluster.name}: no node matches controlPlane.selector "${k.phase.controlPlane.selector}"${plan.excluded.length ? ` that can be maintained (${plan.excluded.map((x) => `${x.node}: ${x.reason}`).join('; ')})` : ''}; set the selector to your control-plane nodes`);
  const reason = 'control-plane nodes one at a time, the first as kubeadm upgrade apply, the others as kubeadm upgrade node';
  const waves = nodes.map((n, index) => ({ index, nodes: [n], reason }));
  await k.record({ type: 'phase.planned', cluster: k.cluster.name, phase: cp.name, budget: 1, waves, excluded: plan.excluded });
  return { waves, wavesDone: 0 };
}

interface CpNode {
  readonly node: string;
  readonly index: number;
  readonly last: boolean;
  readonly reads: SharedReads;
  readonly budgets: BudgetQueue;
  readonly probe: ControlPlaneProbe;
}

async function upgradeControlPlaneNode(k: KubernetesRun, o: CpNode): Promise<void> {
  const phase = controlPlanePhase(k.phase, { first: o.index === 0 });
  const state = k.state().nodes[nodeKey(k.cluster.name, o.node)];
  if (!state) await k.record({ type: 'wave.started', cluster: k.cluster.name, phase: phase.name, wave: o.index, nodes: [o.node] });
  const ctx: NodeContext = { cluster: k.cluster, clusterName: k.cluster.name, node: o.node, runId: k.deps.runId, phase, clock: k.deps.clock, record: k.record, signal: k.signal, reads: o.reads, budgets: o.budgets };
  const outcome = await maintainNode({ ctx, state, evictedWorkloads: evictedWorkloads(k, o.node), exec: k.deps.exec });
  if (outcome !== 'maintained') throw new RunFailure(`control-plane node ${o.node} on ${k.cluster.name} was ${outcome}, not upgraded: the control plane must reach ${k.phase.to} before the workers; repair the node and start the run again`);
  const checked = k.journal.entries.some((e) => e.event.type === 'control-plane.checked' && e.event.cluster === k.cluster.name && e.event.node === o.node && e.event.phase === k.phase.name && e.event.passed);
  if (!checked) {
    const results = await checkControlPlane({ cluster: k.cluster, probe: o.probe, clock: k.deps.clock, node: o.node, to: k.phase.to, last: o.last, settleMs: k.phase.controlPlane.ready.timeout.ms, signal: k.signal });
    const passed = results.every((r) => r.passed);
    await k.record({ type: 'control-plane.checked', cluster: k.cluster.name, phase: k.phase.name, node: o.node, passed, results });
    if (!passed) throw new RunFailure(`control plane of ${k.cluster.name} after ${o.node}: ${results.filter((r) => !r.passed).map((r) => `${r.gate}: ${r.message}`).join('; ')}`);
  }
  await k.record({ type: 'wave.completed', cluster: k.cluster.name, phase: phase.name, wave: o.index });
}

/** Workloads that lost pods in an earlier drain of this node, and the DaemonSets it left there, from the journal (a resumed run waits for them). */
function evictedWorkloads(k: KubernetesRun, node: string): string[] {
  const out = new Set<string>();
  for (const e of k.journal.entries) {
    const ev = e.event;
    if (ev.type === 'node.drain.started' && ev.cluster === k.cluster.name && ev.node === node) for (const w of workloadsToWaitFor(ev.pods.filter((d) => d.decision !== 'refuse'))) out.add(w);
  }
  return [...out];
}
