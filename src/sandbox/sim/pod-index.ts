// Pods by node with their resource requests, kept current from store changes: the scheduler's
// accounting, the kubelet's view of its node and the DaemonSet controller's coverage all read it.
import type { Pod } from '../k8s-types.ts';
import { Quantity } from '../../lib/quantity.ts';
import type { Change } from '../store.ts';
import { objectKey } from '../store.ts';

export interface Requests {
  readonly milliCpu: number;
  readonly memory: number;
}

export interface Usage {
  milliCpu: number;
  memory: number;
  pods: number;
}

const ZERO: Requests = { milliCpu: 0, memory: 0 };

/** Sum of the containers' requests; unparsable values count as zero (the API validated them). */
export function podRequests(p: Pod): Requests {
  let milliCpu = 0;
  let memory = 0;
  for (const c of p.spec?.containers ?? []) {
    const r = c.resources?.requests;
    if (!r) continue;
    milliCpu += safe(() => Quantity.parse(r.cpu ?? '0').milli);
    memory += safe(() => Quantity.parse(r.memory ?? '0').value);
  }
  return milliCpu === 0 && memory === 0 ? ZERO : { milliCpu, memory };
}

function safe(f: () => number): number {
  try {
    return f();
  } catch {
    return 0;
  }
}

/** Pods that hold resources on a node: bound and not finished (terminating pods still hold theirs). */
function holdsNode(p: Pod): boolean {
  return !!p.spec?.nodeName && p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed';
}

export class PodIndex {
  private readonly byNode = new Map<string, Map<string, Pod>>();
  private readonly usage = new Map<string, Usage>();
  private readonly requests = new Map<string, Requests>();

  onChange(change: Change): void {
    if (change.resource !== 'pods') return;
    const old = change.old as Pod | undefined;
    const pod = change.object as Pod;
    if (old && holdsNode(old)) this.unbind(old);
    if (change.type !== 'DELETED' && holdsNode(pod)) this.bind(pod);
    if (change.type === 'DELETED') this.requests.delete(pod.metadata.uid);
  }

  podsOn(node: string): Pod[] {
    return [...(this.byNode.get(node)?.values() ?? [])];
  }

  nodes(): string[] {
    return [...this.byNode.keys()];
  }

  usageOf(node: string): Usage {
    return this.usage.get(node) ?? { milliCpu: 0, memory: 0, pods: 0 };
  }

  requestsOf(p: Pod): Requests {
    let r = this.requests.get(p.metadata.uid);
    if (!r) {
      r = podRequests(p);
      this.requests.set(p.metadata.uid, r);
    }
    return r;
  }

  private bind(p: Pod): void {
    const node = p.spec.nodeName as string;
    let pods = this.byNode.get(node);
    if (!pods) {
      pods = new Map();
      this.byNode.set(node, pods);
    }
    pods.set(objectKey(p.metadata.namespace, p.metadata.name), p);
    const u = this.usage.get(node) ?? { milliCpu: 0, memory: 0, pods: 0 };
    const r = this.requestsOf(p);
    u.milliCpu += r.milliCpu;
    u.memory += r.memory;
    u.pods += 1;
    this.usage.set(node, u);
  }

  private unbind(p: Pod): void {
    const node = p.spec.nodeName as string;
    this.byNode.get(node)?.delete(objectKey(p.metadata.namespace, p.metadata.name));
    const u = this.usage.get(node);
    if (!u) return;
    const r = this.requestsOf(p);
    u.milliCpu -= r.milliCpu;
    u.memory -= r.memory;
    u.pods -= 1;
  }
}
