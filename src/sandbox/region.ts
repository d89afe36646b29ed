// One simulated region: a cluster's object store, its resource types, and the controllers that make it
// behave like Kubernetes, all on the fleet's simulated clock.
import type { SimClock } from './clock.ts';
import type { Node, Pod } from './k8s-types.ts';
import { ResourceRegistry } from './resources.ts';
import { servedVersion } from './served-version.ts';
import { ObjectStore } from './store.ts';
import type { Controller, RefereeSink, RegionFaults, SimContext } from './sim/context.ts';
import { CrdController } from './sim/crds.ts';
import { DaemonSetController } from './sim/daemonset.ts';
import { DeploymentController } from './sim/deployment.ts';
import { DisruptionController } from './sim/disruption.ts';
import { EndpointsController } from './sim/endpoints.ts';
import { EventExpiry } from './sim/event-expiry.ts';
import { GarbageCollector } from './sim/garbage-collector.ts';
import { Kubelet } from './sim/kubelet.ts';
import { NodeLifecycle } from './sim/node-lifecycle.ts';
import { isNodeReady } from './sim/node-status.ts';
import { isPodReady } from './sim/objects.ts';
import { OwnerIndex } from './sim/owner-index.ts';
import { PodIndex } from './sim/pod-index.ts';
import type { Rng } from './sim/random.ts';
import { ReplicaSetController } from './sim/replicaset.ts';
import { Scheduler } from './sim/scheduler.ts';
import { StatefulSetController } from './sim/statefulset.ts';

/** Rounds of controller work in one settle before the region reports it does not converge. */
const MAX_ROUNDS = 200;

export interface RegionOptions {
  readonly name: string;
  readonly clock: SimClock;
  readonly rng: Rng;
  readonly referee: RefereeSink;
  readonly faults: RegionFaults;
  readonly kubernetesVersion: string;
}

export class Region {
  readonly name: string;
  /** The fleet file's version: what the API server serves until the control-plane nodes are upgraded. */
  private readonly initialVersion: string;
  readonly store = new ObjectStore();
  readonly resources = new ResourceRegistry();
  readonly ctx: SimContext;
  readonly pods = new PodIndex();
  readonly disruption: DisruptionController;
  readonly endpoints: EndpointsController;
  private readonly controllers: Controller[];

  constructor(o: RegionOptions) {
    this.name = o.name;
    this.initialVersion = o.kubernetesVersion;
    const owners = new OwnerIndex();
    this.ctx = { region: o.name, store: this.store, clock: o.clock, rng: o.rng, owners, referee: o.referee, faults: o.faults };
    this.disruption = new DisruptionController(this.ctx);
    this.endpoints = new EndpointsController(this.ctx);
    this.controllers = [
      new CrdController(this.ctx, this.resources),
      new GarbageCollector(this.ctx, this.pods),
      new DeploymentController(this.ctx),
      new ReplicaSetController(this.ctx),
      new StatefulSetController(this.ctx),
      new DaemonSetController(this.ctx, this.pods),
      new Scheduler(this.ctx, this.pods),
      new Kubelet(this.ctx, this.pods),
      new NodeLifecycle(this.ctx, this.pods),
      this.disruption,
      this.endpoints,
      new EventExpiry(this.ctx),
    ];
    this.store.subscribe((change) => {
      owners.onChange(change);
      this.pods.onChange(change);
      for (const c of this.controllers) c.onChange(change);
    });
  }

  /** What /version serves: it follows the control-plane nodes once all of them are upgraded. */
  get kubernetesVersion(): string {
    return servedVersion(this.initialVersion, this.store.list('nodes'));
  }

  private settleQueued = false;

  /**
   * Settles soon, once for a burst of API writes: controllers react to writes asynchronously, as on a real
   * cluster, and a wave of evictions costs one pass of the scheduler, not one per eviction.
   */
  requestSettle(): void {
    if (this.settleQueued) return;
    this.settleQueued = true;
    setImmediate(() => {
      this.settleQueued = false;
      this.settleSafely();
    });
  }

  /** A settle from the event loop: a fault in one controller is reported, and the region keeps serving. */
  settleSafely(): void {
    try {
      this.settle();
    } catch (e: unknown) {
      process.stderr.write(`sandbox region ${this.name}: a controller failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    }
  }

  /** Runs the controllers until none has work left; returns the rounds it took. */
  settle(): number {
    for (let round = 1; round <= MAX_ROUNDS; round++) {
      let busy = false;
      for (const c of this.controllers) if (c.reconcile()) busy = true;
      if (!busy) return round;
    }
    return MAX_ROUNDS;
  }

  counts(): { nodes: { total: number; ready: number; unschedulable: number }; pods: { total: number; ready: number; pending: number; terminating: number } } {
    const nodes = this.store.list('nodes') as Node[];
    const pods = this.store.list('pods') as Pod[];
    return {
      nodes: { total: nodes.length, ready: nodes.filter(isNodeReady).length, unschedulable: nodes.filter((n) => n.spec.unschedulable).length },
      pods: {
        total: pods.length,
        ready: pods.filter(isPodReady).length,
        pending: pods.filter((p) => p.status?.phase === 'Pending').length,
        terminating: pods.filter((p) => p.metadata.deletionTimestamp).length,
      },
    };
  }
}
