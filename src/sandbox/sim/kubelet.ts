// The simulated kubelets of one region: pods start, become Ready and terminate on their nodes after the
// delays the fleet file gives; node actions (reboot, patch, upgrade) arrive through the agent protocol.
import type { Timer } from '../clock.ts';
import type { ContainerStatus, Node, Pod } from '../k8s-types.ts';
import type { Change } from '../store.ts';
import { removePod } from './pods.ts';
import { objectKey } from '../store.ts';
import type { Controller, SimContext } from './context.ts';
import { recordEvent } from './events.ts';
import { iso, isDaemonSetPod, isPodReady, numberAnnotation, parseTime, setCondition, SIM } from './objects.ts';
import type { PodIndex } from './pod-index.ts';
import { NodeActions } from './node-actions.ts';
import { isNodeReady } from './node-status.ts';

type Step = 'start' | 'ready' | 'stop';

interface Pending {
  readonly step: Step;
  readonly at: number;
  readonly timer: Timer;
}

export class Kubelet implements Controller {
  readonly name = 'kubelet';
  private readonly ctx: SimContext;
  private readonly pods: PodIndex;
  private readonly actions: NodeActions;
  private readonly queue = new Set<string>();
  private readonly pending = new Map<string, Pending>();
  private readonly terminationSeen = new Map<string, number>();

  constructor(ctx: SimContext, pods: PodIndex) {
    this.ctx = ctx;
    this.pods = pods;
    this.actions = new NodeActions(ctx, { killPods: (node) => this.killPods(node), nodeUp: (node) => this.requeueNode(node) });
  }

  onChange(change: Change): void {
    if (change.resource === 'nodes') {
      this.actions.onChange(change);
      return;
    }
    if (change.resource !== 'pods') return;
    const pod = change.object as Pod;
    if (change.type === 'DELETED') {
      this.forget(pod.metadata.uid);
      return;
    }
    if (pod.spec?.nodeName) this.queue.add(objectKey(pod.metadata.namespace, pod.metadata.name));
  }

  reconcile(): boolean {
    const did = this.actions.reconcile();
    if (this.queue.size === 0) return did;
    const keys = [...this.queue];
    this.queue.clear();
    for (const key of keys) this.syncPod(key);
    return true;
  }

  private syncPod(key: string): void {
    const [namespace, name] = key.split('/') as [string, string];
    const pod = this.ctx.store.get('pods', namespace, name) as Pod | undefined;
    if (!pod?.spec.nodeName) return;
    const node = this.ctx.store.get('nodes', undefined, pod.spec.nodeName) as Node | undefined;
    if (!node || !isNodeReady(node)) return;
    if (pod.metadata.deletionTimestamp) {
      this.terminate(pod);
      return;
    }
    if (pod.status.phase === 'Succeeded' || pod.status.phase === 'Failed') return;
    if (!started(pod)) {
      this.schedule(pod, 'start', this.delay(pod, SIM.startupSeconds, 2));
    } else if (!isPodReady(pod) && pod.metadata.annotations?.[SIM.fault] !== 'never-ready') {
      this.schedule(pod, 'ready', this.delay(pod, SIM.readinessSeconds, probeDelay(pod)));
    }
  }

  private delay(pod: Pod, annotation: string, fallback: number): number {
    const seconds = numberAnnotation(pod, annotation, fallback);
    return this.ctx.clock.nowMs() + this.ctx.rng.jitter(seconds * 1000, 0.1);
  }

  /** Runs `step` for the pod at `at`, unless the same step is already due no later. */
  private schedule(pod: Pod, step: Step, at: number): void {
    const uid = pod.metadata.uid;
    const existing = this.pending.get(uid);
    if (existing && existing.step === step && existing.at <= at) return;
    existing?.timer.cancel();
    const timer = this.ctx.clock.at(at, () => {
      this.pending.delete(uid);
      this.fire(pod.metadata.namespace as string, pod.metadata.name, uid, step);
    });
    this.pending.set(uid, { step, at, timer });
  }

  private fire(namespace: string, name: string, uid: string, step: Step): void {
    const pod = this.ctx.store.get('pods', namespace, name) as Pod | undefined;
    if (!pod || pod.metadata.uid !== uid) return;
    const node = this.ctx.store.get('nodes', undefined, pod.spec.nodeName ?? '') as Node | undefined;
    if (!node || !isNodeReady(node)) return;
    if (step === 'stop') {
      removePod(this.ctx, pod);
      return;
    }
    if (pod.metadata.deletionTimestamp) return;
    this.ctx.store.replace('pods', step === 'start' ? this.running(pod, node) : this.ready(pod));
  }

  private running(pod: Pod, node: Node): Pod {
    const now = this.ctx.clock.nowMs();
    const readyAtStart = !hasReadinessProbe(pod) && pod.metadata.annotations?.[SIM.fault] !== 'never-ready';
    const previous = new Map((pod.status.containerStatuses ?? []).map((c) => [c.name, c]));
    const containerStatuses: ContainerStatus[] = pod.spec.containers.map((c) => ({
      name: c.name,
      image: c.image,
      imageID: `${c.image}@sha256:${'0'.repeat(64)}`,
      containerID: `containerd://${this.ctx.rng.suffix(32)}`,
      ready: readyAtStart,
      started: true,
      restartCount: previous.get(c.name)?.restartCount ?? 0,
      ...(previous.get(c.name)?.lastState ? { lastState: previous.get(c.name)?.lastState } : {}),
      state: { running: { startedAt: iso(now) } },
    }));
    let conditions = pod.status.conditions;
    for (const type of ['PodReadyToStartContainers', 'Initialized', 'PodScheduled']) {
      conditions = setCondition(conditions, { type, status: 'True' }, now);
    }
    const readiness = readyAtStart ? 'True' : 'False';
    conditions = setCondition(conditions, { type: 'ContainersReady', status: readiness }, now);
    conditions = setCondition(conditions, { type: 'Ready', status: readiness }, now);
    const hostIP = node.status.addresses.find((a) => a.type === 'InternalIP')?.address;
    const podIP = pod.status.podIP ?? this.podIp(node);
    return {
      ...pod,
      status: { ...pod.status, phase: 'Running', conditions, containerStatuses, hostIP, podIP, podIPs: [{ ip: podIP }], startTime: pod.status.startTime ?? iso(now) },
    };
  }

  private ready(pod: Pod): Pod {
    const now = this.ctx.clock.nowMs();
    let conditions = setCondition(pod.status.conditions, { type: 'ContainersReady', status: 'True' }, now);
    conditions = setCondition(conditions, { type: 'Ready', status: 'True' }, now);
    const containerStatuses = pod.status.containerStatuses?.map((c) => ({ ...c, ready: true }));
    return { ...pod, status: { ...pod.status, conditions, containerStatuses } };
  }

  private podIp(node: Node): string {
    const base = node.status.addresses.find((a) => a.type === 'InternalIP')?.address ?? '10.0.0.1';
    const [a, b, c] = base.split('.');
    return `${Number(a) + 90}.${b}.${c}.${2 + Math.floor(this.ctx.rng.next() * 250)}`;
  }

  /** Graceful termination: the app shuts down in its own time, never longer than the grace period. */
  private terminate(pod: Pod): void {
    if (pod.metadata.annotations?.[SIM.fault] === 'stuck-terminating') return;
    const uid = pod.metadata.uid;
    const now = this.ctx.clock.nowMs();
    const seen = this.terminationSeen.get(uid) ?? now;
    this.terminationSeen.set(uid, seen);
    const shutdownMs = numberAnnotation(pod, SIM.shutdownSeconds, 1) * 1000;
    const deadline = parseTime(pod.metadata.deletionTimestamp) ?? now;
    this.schedule(pod, 'stop', Math.min(seen + shutdownMs, deadline));
  }

  /** A node went down: its running pods die where they stand. */
  private killPods(node: string): void {
    const now = this.ctx.clock.nowMs();
    for (const pod of this.pods.podsOn(node)) {
      this.forget(pod.metadata.uid);
      if (pod.metadata.deletionTimestamp) continue;
      if (pod.status.phase === 'Running' && !isDaemonSetPod(pod)) {
        this.ctx.referee.podKilledWithoutEviction(this.ctx.region, pod, `node ${node} went down`);
      }
      this.ctx.store.replace('pods', killed(pod, now));
    }
  }

  private requeueNode(node: string): void {
    for (const pod of this.pods.podsOn(node)) this.queue.add(objectKey(pod.metadata.namespace, pod.metadata.name));
    const n = this.ctx.store.get('nodes', undefined, node) as Node | undefined;
    if (n) recordEvent(this.ctx, n, { reason: 'NodeReady', message: `Node ${node} status is now: NodeReady`, component: 'kubelet' });
  }

  private forget(uid: string): void {
    this.pending.get(uid)?.timer.cancel();
    this.pending.delete(uid);
    this.terminationSeen.delete(uid);
  }
}

function started(pod: Pod): boolean {
  const cs = pod.status.containerStatuses;
  return !!cs && cs.length > 0 && cs.every((c) => c.state.running !== undefined);
}

function hasReadinessProbe(pod: Pod): boolean {
  return pod.spec.containers.some((c) => c.readinessProbe !== undefined);
}

function probeDelay(pod: Pod): number {
  const probe = pod.spec.containers.find((c) => c.readinessProbe)?.readinessProbe as { initialDelaySeconds?: number } | undefined;
  return probe?.initialDelaySeconds ?? 1;
}

/** The pod as the API shows it after its node died: not ready, containers to be restarted. */
function killed(pod: Pod, now: number): Pod {
  let conditions = setCondition(pod.status.conditions, { type: 'Ready', status: 'False', reason: 'NodeNotReady' }, now);
  conditions = setCondition(conditions, { type: 'ContainersReady', status: 'False' }, now);
  const containerStatuses = pod.status.containerStatuses?.map((c) => ({
    ...c,
    ready: false,
    started: false,
    restartCount: c.state.running ? c.restartCount + 1 : c.restartCount,
    lastState: c.state.running ? { terminated: { exitCode: 255, reason: 'Unknown', startedAt: c.state.running.startedAt, finishedAt: iso(now) } } : c.lastState,
    state: { waiting: { reason: 'ContainerCreating' } },
  }));
  return { ...pod, status: { ...pod.status, conditions, containerStatuses } };
}
