// Kube gates: the cluster's own view of health, read through its nodes and workloads ports. Each names the nodes or
// workloads that hold it back, with their numbers.
import type { Gate } from '../plan/schema.ts';
import type { NodeView, WorkloadView } from '../engine/ports/cluster-views.ts';
import type { GateContext, Measurement } from './types.ts';

type KubeGate = Extract<Gate, { type: 'kube' }>;

/** At most this many offenders are named in a message; the count says how many there are. */
const LISTED = 10;

export async function checkKube(gate: KubeGate, ctx: GateContext): Promise<Measurement> {
  switch (gate.check) {
    case 'nodes-ready':
      return nodesReady(await listNodes(ctx));
    case 'workloads-available':
      return workloadsAvailable(await listWorkloads(ctx));
    case 'no-unexpected-cordons':
      return noUnexpectedCordons(await listNodes(ctx), ctx.runId);
  }
}

async function listNodes(ctx: GateContext): Promise<NodeView[]> {
  try {
    return await ctx.cluster.nodes.list(ctx.signal);
  } catch (e: unknown) {
    throw new Error(`could not list the nodes of ${ctx.cluster.name}`, { cause: e });
  }
}

async function listWorkloads(ctx: GateContext): Promise<WorkloadView[]> {
  try {
    return await ctx.cluster.workloads.list(ctx.signal);
  } catch (e: unknown) {
    throw new Error(`could not list the workloads of ${ctx.cluster.name}`, { cause: e });
  }
}

export function nodesReady(nodes: readonly NodeView[]): Measurement {
  const notReady = nodes.filter((n) => !n.ready);
  if (nodes.length === 0) return { passed: false, value: 0, threshold: '0', message: 'the cluster lists no nodes' };
  if (notReady.length === 0) return { passed: true, value: 0, threshold: '0', message: `all ${nodes.length} nodes are Ready` };
  const names = notReady.map((n) => (n.readyMessage ? `${n.name} (${n.readyMessage})` : n.name));
  return { passed: false, value: notReady.length, threshold: '0', message: `${notReady.length} of ${nodes.length} nodes are NotReady: ${list(names)}` };
}

export function workloadsAvailable(workloads: readonly WorkloadView[]): Measurement {
  const watched = workloads.filter((w) => !w.owned && w.kind !== 'ReplicaSet');
  const behind = watched.filter((w) => w.availableReplicas < w.replicas || w.observedGeneration < w.generation);
  if (behind.length === 0) return { passed: true, value: 0, threshold: '0', message: `all ${watched.length} workloads are available` };
  return { passed: false, value: behind.length, threshold: '0', message: `${behind.length} of ${watched.length} workloads are not available: ${list(behind.map(describeWorkload))}` };
}

function describeWorkload(w: WorkloadView): string {
  const text = `${w.namespace}/${w.name} ${w.availableReplicas}/${w.replicas} available`;
  return w.observedGeneration < w.generation ? `${text}, generation ${w.generation} not yet observed (at ${w.observedGeneration})` : text;
}

export function noUnexpectedCordons(nodes: readonly NodeView[], runId: string): Measurement {
  const cordoned = nodes.filter((n) => n.unschedulable);
  const others = cordoned.filter((n) => n.cordonedBy !== runId);
  const ours = cordoned.length - others.length;
  const mine = ours > 0 ? ` (${ours} cordoned by this run)` : '';
  if (others.length === 0) return { passed: true, value: 0, threshold: '0', message: `no node is cordoned by anyone but this run${mine}` };
  const names = others.map((n) => `${n.name} (${n.cordonedBy ? `cordoned by run ${n.cordonedBy}` : 'cordoned outside Daylight'})`);
  return { passed: false, value: others.length, threshold: '0', message: `${others.length} nodes are cordoned by someone else${mine}: ${list(names)}` };
}

function list(items: readonly string[]): string {
  const shown = items.slice(0, LISTED).join(', ');
  return items.length > LISTED ? `${shown} and ${items.length - LISTED} more` : shown;
}
