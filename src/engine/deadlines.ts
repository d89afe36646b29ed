// The plan's timeouts as deadlines for steps the engine takes outside a node's own pipeline: every wait
// ends when the plan says the step it belongs to ends, never after a fixed time of its own.
import { controlPlanePhase, workersPhase } from '../plan/kubernetes-phase.ts';
import type { NodesPhase, Plan } from '../plan/schema.ts';
import type { NodeState, RunState } from './state.ts';

/** The nodes phases of the plan as the engine runs them: a kubernetes phase is its control plane, then its workers. */
function nodesPhases(plan: Plan): NodesPhase[] {
  return plan.spec.phases.flatMap((ph) => (ph.type === 'nodes' ? [ph] : ph.type === 'kubernetes' ? [controlPlanePhase(ph), workersPhase(ph)] : []));
}

/** The ready timeout (ms) of the phase that planned `n`, or the longest in the plan when none did. */
export function readyTimeoutMs(plan: Plan, s: RunState, n: NodeState): number {
  const phases = nodesPhases(plan);
  const planned = s.phases.find((ph) => ph.cluster === n.cluster && ph.waves.some((w) => w.nodes.includes(n.node)));
  const phase = planned ? phases.find((ph) => ph.name === planned.phase) : undefined;
  return phase ? phase.ready.timeout.ms : Math.max(0, ...phases.map((ph) => ph.ready.timeout.ms));
}

/** When (cluster time) a node this run acted on stops being waited for: its request plus its ready timeout. */
export function readyDeadline(plan: Plan, s: RunState, n: NodeState): number {
  const requestedAt = n.action?.requestedAt ?? n.startedAt ?? 0;
  return requestedAt + readyTimeoutMs(plan, s, n);
}
