// Fakes for gate tests: a ClusterPort that answers only what the kube gates ask (nodes, workloads) and
// throws for the rest, a fixed clock, gates parsed through the plan schema, and a local HTTP server.
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { GateContext } from '../../../src/checks/types.ts';
import type { ClusterPort, NodeView, WorkloadView } from '../../../src/kube/types.ts';
import { GateSchema } from '../../../src/plan/schema.ts';
import type { Gate } from '../../../src/plan/schema.ts';

export const NOW = 1_700_000_000_000;

function unused(method: string): () => never {
  return () => {
    throw new Error(`the kube gates should not call ${method}`);
  };
}

export function fakeCluster(o: { nodes?: () => Promise<NodeView[]>; workloads?: () => Promise<WorkloadView[]> } = {}): ClusterPort {
  return {
    name: 'eu-central',
    requestCount: 0,
    requestKinds: new Map(),
    listNodes: o.nodes ?? unused('listNodes'),
    workloads: o.workloads ?? unused('workloads'),
    snapshot: unused('snapshot'),
    getNode: unused('getNode'),
    podsOnNode: unused('podsOnNode'),
    cordon: unused('cordon'),
    uncordon: unused('uncordon'),
    evict: unused('evict'),
    deletePod: unused('deletePod'),
    waitPodsGone: unused('waitPodsGone'),
    waitPodsOnNode: unused('waitPodsOnNode'),
    requestNodeAction: unused('requestNodeAction'),
    waitForNode: unused('waitForNode'),
    pdbs: unused('pdbs'),
    recordNodeEvent: unused('recordNodeEvent'),
    acquireLease: unused('acquireLease'),
    renewLease: unused('renewLease'),
    releaseLease: unused('releaseLease'),
    readLease: unused('readLease'),
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
