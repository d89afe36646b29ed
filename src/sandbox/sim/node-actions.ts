// The node agent protocol of DESIGN.md section 6, as the simulated kubelet carries it out: an action in
// `daylight.dev/action`, progress and outcome in `daylight.dev/action-status`.
import { randomUUID } from 'node:crypto';
import { isExactVersion } from '../../lib/kube-version.ts';
import type { Node } from '../k8s-types.ts';
import type { Change } from '../store.ts';
import type { Controller, SimContext } from './context.ts';
import { recordEvent } from './events.ts';
import { numberAnnotation } from './objects.ts';
import type { NodeAction, NodeActionStatus, Readiness } from './node-status.ts';
import { ACTION_ANNOTATION, readAction, readActionStatus, withActionStatus, withReadiness } from './node-status.ts';

export const NODE_TIMING = {
  rebootSeconds: 'sandbox.daylight.dev/reboot-seconds',
  upgradeSeconds: 'sandbox.daylight.dev/upgrade-seconds',
} as const;

export interface NodeHooks {
  /** The node went down: its pods die. */
  killPods(node: string): void;
  /** The node is Ready again: its pods restart. */
  nodeUp(node: string): void;
}


export class NodeActions implements Pick<Controller, 'reconcile'> {
  private readonly ctx: SimContext;
  private readonly hooks: NodeHooks;
  private readonly queue = new Set<string>();
  private readonly handled = new Map<string, string>();

  constructor(ctx: SimContext, hooks: NodeHooks) {
    this.ctx = ctx;
    this.hooks = hooks;
  }

  onChange(change: Change): void {
    if (change.type === 'DELETED') return;
    const before = change.old?.metadata.annotations?.[ACTION_ANNOTATION];
    const after = change.object.metadata.annotations?.[ACTION_ANNOTATION];
    if (after !== undefined && after !== before) this.queue.add(change.object.metadata.name);
  }

  reconcile(): boolean {
    if (this.queue.size === 0) return false;
    const names = [...this.queue];
    this.queue.clear();
    for (const name of names) this.take(name);
    return true;
  }

  private take(name: string): void {
    const node = this.node(name);
    const action = node && readAction(node);
    if (!node || !action) return;
    if ('error' in action) {
      if (this.handled.get(name) === action.raw) return;
      this.handled.set(name, action.raw);
      this.setStatus(name, { id: '', phase: 'failed', message: `${action.error}: ${action.raw}` });
      return;
    }
    if (this.handled.get(name) === action.id || readActionStatus(node)?.id === action.id) return;
    this.handled.set(name, action.id);
    if (this.ctx.faults.node(name)?.failActions) {
      this.setStatus(name, { id: action.id, phase: 'failed', message: 'the node agent failed (simulated fault)' });
      return;
    }
    this.start(node, action);
  }

  private start(node: Node, action: NodeAction): void {
    const name = node.metadata.name;
    if (action.operation === 'reboot' || action.operation === 'patch') {
      this.setStatus(name, { id: action.id, phase: 'running', message: action.operation === 'patch' ? 'installing patches, then rebooting' : 'rebooting' });
      this.down(name, { state: 'unreachable' });
      this.hooks.killPods(name);
      this.ctx.referee.reboot(this.ctx.region, name);
      this.later(name, numberAnnotation(node, NODE_TIMING.rebootSeconds, 120), () => this.up(name, action, true));
    } else if (action.operation === 'upgrade') {
      if (!isExactVersion(action.version)) {
        this.setStatus(name, { id: action.id, phase: 'failed', message: `upgrade needs "version" like "v1.31.2", got ${JSON.stringify(action.version)}` });
        return;
      }
      this.setStatus(name, { id: action.id, phase: 'running', message: `upgrading the kubelet to ${action.version}` });
      this.down(name, { state: 'not-ready', message: `kubelet is restarting: upgrade to ${action.version}` });
      this.later(name, numberAnnotation(node, NODE_TIMING.upgradeSeconds, 60), () => this.up(name, action, false));
    } else {
      this.setStatus(name, { id: action.id, phase: 'failed', message: `unknown operation "${action.operation}"; use reboot, patch or upgrade` });
    }
  }

  /** Schedules the node's return, unless the fleet file says it never comes back. */
  private later(name: string, seconds: number, f: () => void): void {
    if (this.ctx.faults.node(name)?.neverReturns) return;
    this.ctx.clock.after(this.ctx.rng.jitter(seconds * 1000, 0.1), f);
  }

  private down(name: string, r: Readiness): void {
    const node = this.node(name);
    if (!node) return;
    this.ctx.store.replace('nodes', withReadiness(node, r, this.ctx.clock.nowMs()));
    recordEvent(this.ctx, node, { reason: 'NodeNotReady', message: `Node ${name} status is now: NodeNotReady`, component: 'node-controller' });
  }

  private up(name: string, action: NodeAction, reboot: boolean): void {
    const node = this.node(name);
    if (!node) return;
    const ready = withReadiness(node, { state: 'ready' }, this.ctx.clock.nowMs());
    const nodeInfo = { ...ready.status.nodeInfo };
    if (reboot) nodeInfo.bootID = randomUUID();
    if (action.operation === 'upgrade' && action.version) {
      nodeInfo.kubeletVersion = action.version;
      nodeInfo.kubeProxyVersion = action.version;
    }
    const message = reboot ? `rebooted, boot id ${nodeInfo.bootID}` : `kubelet upgraded to ${nodeInfo.kubeletVersion}`;
    const next = withActionStatus({ ...ready, status: { ...ready.status, nodeInfo } }, { id: action.id, phase: 'done', message });
    this.ctx.store.replace('nodes', next);
    if (reboot) recordEvent(this.ctx, node, { reason: 'Rebooted', message: `Node ${name} has been rebooted, boot id: ${nodeInfo.bootID}`, type: 'Warning', component: 'kubelet' });
    this.hooks.nodeUp(name);
  }

  private setStatus(name: string, status: NodeActionStatus): void {
    const node = this.node(name);
    if (node) this.ctx.store.replace('nodes', withActionStatus(node, status));
  }

  private node(name: string): Node | undefined {
    return this.ctx.store.get('nodes', undefined, name) as Node | undefined;
  }
}
