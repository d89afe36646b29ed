// spare-capacity: the pods of the biggest wave (the waveSize in-scope nodes that request most) must
// fit in what the other nodes that accept pods have free, in CPU, memory and pod slots.
import type { NodeView, PodView } from '../kube/types.ts';
import { finding } from './rule.ts';
import type { Rule } from './rule.ts';
import { acceptsPods, isActive, movesOnDrain } from './scope.ts';
import type { Scope } from './scope.ts';
import { cores, gib, list } from './subjects.ts';
import type { Finding } from './types.ts';

type Dimension = 'cpu' | 'memory' | 'pods';

interface Need {
  readonly dimension: Dimension;
  /** Requests of the pods that must move off the biggest wave for this dimension. */
  readonly moving: number;
  /** Free allocatable on the nodes that accept pods outside that wave. */
  readonly free: number;
  readonly wave: readonly string[];
}

const DIMENSIONS: readonly Dimension[] = ['cpu', 'memory', 'pods'];

export const spareCapacity: Rule = {
  id: 'spare-capacity',
  check: (scope) => {
    if (scope.nodes.length === 0) return [];
    const needs = DIMENSIONS.map((d) => need(scope, d));
    const short = needs.filter((n) => n.moving > n.free);
    return short.length > 0 ? [toFinding(scope, needs, short)] : [];
  },
};

function need(scope: Scope, dimension: Dimension): Need {
  const active = scope.snapshot.pods.filter(isActive);
  const byNode = podsByNode(active);
  const movingOf = (n: NodeView) => sum((byNode.get(n.name) ?? []).filter(movesOnDrain), dimension);
  const wave = [...scope.nodes].sort((a, b) => movingOf(b) - movingOf(a) || (a.name < b.name ? -1 : 1)).slice(0, scope.waveSize);
  const inWave = new Set(wave.map((n) => n.name));
  const receivers = scope.snapshot.nodes.filter((n) => !inWave.has(n.name) && acceptsPods(n));
  const free = receivers.reduce((acc, n) => acc + Math.max(0, allocatable(n, dimension) - sum(byNode.get(n.name) ?? [], dimension)), 0);
  return { dimension, moving: wave.reduce((acc, n) => acc + movingOf(n), 0), free, wave: wave.map((n) => n.name) };
}

function podsByNode(pods: readonly PodView[]): Map<string, PodView[]> {
  const map = new Map<string, PodView[]>();
  for (const p of pods) {
    if (p.nodeName === undefined) continue;
    const onNode = map.get(p.nodeName) ?? [];
    onNode.push(p);
    map.set(p.nodeName, onNode);
  }
  return map;
}

function sum(pods: readonly PodView[], d: Dimension): number {
  if (d === 'pods') return pods.length;
  return pods.reduce((acc, p) => acc + (d === 'cpu' ? p.requests.milliCpu : p.requests.memory), 0);
}

function allocatable(n: NodeView, d: Dimension): number {
  return d === 'cpu' ? n.allocatable.milliCpu : d === 'memory' ? n.allocatable.memory : n.allocatable.pods;
}

function amount(d: Dimension, v: number): string {
  return d === 'cpu' ? cores(v) : d === 'memory' ? gib(v) : `${v} pods`;
}

function toFinding(scope: Scope, needs: readonly Need[], short: readonly Need[]): Finding {
  const first = short[0] as Need;
  const requested = needs.map((n) => amount(n.dimension, n.moving)).join(', ');
  const free = needs.map((n) => amount(n.dimension, n.free)).join(', ');
  const missing = short.map((n) => amount(n.dimension, n.moving - n.free)).join(', ');
  const size = scope.waveSize;
  return finding(scope, {
    rule: 'spare-capacity',
    severity: 'blocking',
    subject: list(first.wave),
    message:
      `the biggest wave (${size} of ${scope.nodes.length} nodes at maxUnavailable ${scope.phase.maxUnavailable}: ${list(first.wave)}) has pods requesting ${requested} that must move; ` +
      `the other nodes that accept pods have ${free} free: short by ${missing}, so evicted pods would stay Pending`,
    fix: `add capacity before the run (more nodes or a surge pool), lower maxUnavailable${size > 1 ? ` below ${size}` : ''}, or lower the requests of the pods on these nodes`,
  });
}
