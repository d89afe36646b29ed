// Fakes for gate and engine tests: a cluster that answers only what a test gives it and throws for the
// rest, a node's pods watched on an injected clock, a fixed clock, gates parsed through the plan schema,
// and a local HTTP server.
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { GateContext } from '../../../src/checks/types.ts';
import { BudgetQueue } from '../../../src/engine/budget-queue.ts';
import type { BudgetsPort, Cluster, EventsPort, LeasePort, NodesPort, PodsPort, WorkloadsPort } from '../../../src/engine/ports/cluster.ts';
import type { NodePods, NodeView, PodView, WorkloadView } from '../../../src/engine/ports/cluster-views.ts';
import type { Clock } from '../../../src/lib/clock.ts';
import { GateSchema } from '../../../src/plan/schema.ts';
import type { Gate } from '../../../src/plan/schema.ts';

export const NOW = 1_700_000_000_000;

function unused(method: string): () => never {
  return () => {
    throw new Error(`the test should not call ${method}`);
  };
}

/** Each port's members the test gives; the others throw when called. */
export interface FakeParts {
  readonly name?: string;
  readonly snapshot?: Cluster['snapshot'];
  readonly nodes?: Partial<NodesPort>;
  readonly pods?: Partial<PodsPort>;
  readonly budgets?: Partial<BudgetsPort>;
  readonly workloads?: Partial<WorkloadsPort>;
  readonly leases?: Partial<LeasePort>;
  readonly events?: Partial<EventsPort>;
}

/**
 * A cluster in memory: the members `o` gives, and for the rest a throw naming the member, except the
 * budget feed, which by default keeps no budgets (evictions then go to the API, as they would to a
 * cluster without budgets).
 */
export function fakeCluster(o: FakeParts = {}): Cluster {
  const stub = <T extends object>(port: string, names: readonly (keyof T & string)[], given: Partial<T> = {}): T =>
    Object.fromEntries(names.map((n) => [n, given[n] ?? unused(`${port}.${n}`)])) as T;
  return {
    name: o.name ?? 'eu-central',
    snapshot: o.snapshot ?? unused('snapshot'),
    nodes: stub<NodesPort>('nodes', ['get', 'list', 'cordon', 'uncordon', 'requestAction', 'waitFor'], o.nodes),
    pods: stub<PodsPort>('pods', ['onNode', 'watchNode', 'evict', 'delete', 'waitGone'], o.pods),
    budgets: stub<BudgetsPort>('budgets', ['list', 'feed'], { feed: async () => ({ all: () => [], subscribe: () => () => undefined }), ...o.budgets }),
    workloads: stub<WorkloadsPort>('workloads', ['list'], o.workloads),
    leases: stub<LeasePort>('leases', ['acquire', 'renew', 'release', 'read'], o.leases),
    events: stub<EventsPort>('events', ['onNode'], o.events),
  };
}

/** Where evictions wait for their budget's room, over a feed that keeps no budgets: none waits. */
export function noBudgets(): BudgetQueue {
  return new BudgetQueue({ all: () => [], subscribe: () => () => undefined });
}

/**
 * A node's pods as `list` gives them, watched on an injected clock: a wait whose condition does not hold
 * now sleeps its whole timeout of cluster time and looks once more (the fakes change pods only when the
 * engine asks them to, so nothing would wake it earlier).
 */
export function nodePodsOver(list: () => readonly PodView[], clock: Pick<Clock, 'sleep'>): NodePods {
  return {
    pods: async () => [...list()],
    waitUntil: async (done, timeoutMs, signal) => {
      if (done(list())) return true;
      await clock.sleep(timeoutMs, signal);
      return done(list());
    },
    close: () => undefined,
  };
}

export function context(o: Partial<GateContext> = {}): GateContext {
  return { cluster: fakeCluster(), runId: 'run-1', clock: { now: () => NOW }, ...o };
}

export function gate(input: Record<string, unknown>): Gate {
  return GateSchema.parse(input);
}

export function nodeView(name: string, o: Partial<NodeView> = {}): NodeView {
  return {
    name,
    uid: `uid-${name}`,
    labels: {},
    annotations: {},
    unschedulable: false,
    ready: true,
    taints: [],
    allocatable: { milliCpu: 8000, memory: 32 * 2 ** 30, pods: 110 },
    bootId: `boot-${name}`,
    kubeletVersion: 'v1.30.4',
    resourceVersion: '1',
    ...o,
  };
}

export function workloadView(kind: WorkloadView['kind'], name: string, replicas: number, o: Partial<WorkloadView> = {}): WorkloadView {
  return { kind, namespace: 'shop', name, replicas, readyReplicas: replicas, availableReplicas: replicas, updatedReplicas: replicas, observedGeneration: 2, generation: 2, owned: false, ...o };
}

export interface TestServer {
  readonly url: string;
  readonly requests: string[];
  close(): Promise<void>;
}

/** A node:http server on 127.0.0.1:0 that records request paths and answers with `handle`. */
export async function startServer(handle: (req: IncomingMessage, res: ServerResponse) => void): Promise<TestServer> {
  const requests: string[] = [];
  const server = createServer((req, res) => {
    requests.push(req.url ?? '');
    handle(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A port nothing listens on: bound, then closed. */
export async function closedPort(): Promise<number> {
  const s = await startServer((_req, res) => res.end());
  const port = Number(new URL(s.url).port);
  await s.close();
  return port;
}
