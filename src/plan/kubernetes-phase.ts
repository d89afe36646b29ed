// The node phases a `kubernetes` phase rolls: its control-plane nodes one at a time, then its workers, each
// as a nodes phase with the `upgrade` action, so preflight, the planner and the engine treat them as such.
import { Duration } from '../lib/duration.ts';
import type { KubernetesPhase, NodesPhase, Phase } from './schema.ts';

/** The control plane's part of a kubernetes phase; `first` picks the command for the first node (`kubeadm upgrade apply`). */
export function controlPlanePhase(k: KubernetesPhase, o: { first: boolean } = { first: true }): NodesPhase {
  const cp = k.controlPlane;
  const a = cp.action;
  const action: NodesPhase['action'] =
    a.type === 'agent'
      ? { type: 'agent', operation: 'upgrade', version: k.to }
      : { type: 'command', run: o.first ? a.run : (a.runOthers ?? a.run), operation: 'upgrade', version: k.to, timeout: a.timeout };
  return {
    name: `${k.name}-control-plane`,
    type: 'nodes',
    regional: false,
    selector: cp.selector,
    maxUnavailable: 1,
    canary: 1,
    drain: cp.drain,
    action,
    ready: cp.ready,
    soak: Duration.ofMs(0),
    rolling: false,
    estimates: {},
  };
}

/** The workers' part of a kubernetes phase: a nodes phase with the worker settings and the `upgrade` action. */
export function workersPhase(k: KubernetesPhase): NodesPhase {
  const w = k.workers;
  const action: NodesPhase['action'] =
    w.action.type === 'agent' ? { type: 'agent', operation: 'upgrade', version: k.to } : { type: 'command', run: w.action.run, operation: 'upgrade', version: k.to, timeout: w.action.timeout };
  return {
    name: `${k.name}-workers`,
    type: 'nodes',
    regional: false,
    selector: w.selector,
    maxUnavailable: w.maxUnavailable,
    ...(w.topology ? { topology: w.topology } : {}),
    canary: w.canary,
    drain: w.drain,
    action,
    ready: w.ready,
    soak: w.soak,
    ...(w.budgetWaitRounds !== undefined ? { budgetWaitRounds: w.budgetWaitRounds } : {}),
    rolling: w.rolling,
    estimates: {},
  };
}

/** Every nodes phase a plan phase rolls, in order: itself, a kubernetes phase's control plane then workers, or none (platform). */
export function nodePhases(phase: Phase): NodesPhase[] {
  if (phase.type === 'platform') return [];
  return phase.type === 'nodes' ? [phase] : [controlPlanePhase(phase), workersPhase(phase)];
}
