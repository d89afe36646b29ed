// What the engine does with the API server's refusals, over a fake cluster in milliseconds: a missing
// permission (on an eviction or on the cordon) fails the node at once and names who lacked what; flow
// control's 429 is waited out for its Retry-After and never taken for a disruption budget's refusal.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RunEvent } from '../../../src/engine/events.ts';
import type { NodeContext } from '../../../src/engine/node-context.ts';
import { maintainNode, NodeFailure } from '../../../src/engine/node-pipeline.ts';
import { SharedReads } from '../../../src/engine/shared-reads.ts';
import { PermissionDenied } from '../../../src/engine/ports/errors.ts';
import type { Denial, EvictionAnswer, PodRef, PodView } from '../../../src/engine/ports/cluster-views.ts';
import { parsePlan } from '../../../src/plan/load.ts';
import type { NodesPhase } from '../../../src/plan/schema.ts';
import { fakeCluster, noBudgets, nodePodsOver } from '../checks/fakes.ts';
import { manualClock } from './regional-fakes.ts';

const SA = 'system:serviceaccount:ops:daylight';
const NODE = 'node-a1';

function phase(): NodesPhase {
  const text = ['apiVersion: daylight.dev/v1alpha1', 'kind: MaintenancePlan', 'metadata: {name: patch}', 'spec:', '  clusters: [{name: eu-central}]', '  phases:', '    - {name: os-patch, type: nodes, action: {type: agent, operation: reboot}, drain: {timeout: 10m, onTimeout: skip}}', ''].join('\n');
  const p = parsePlan('plan.yaml', text).plan.spec.phases[0];
  assert.ok(p?.type === 'nodes');
  return p;
}

function pod(name: string): PodView {
  return {
    namespace: 'shop', name, uid: `uid-${name}`, nodeName: NODE, labels: { app: 'web' }, phase: 'Running', ready: true, terminating: false,
    controller: { kind: 'ReplicaSet', name: 'web-7d9', uid: 'rs' }, workload: { kind: 'Deployment', name: 'web' },
    requests: { milliCpu: 100, memory: 2 ** 27 }, emptyDir: false, mirror: false, hasReadinessProbe: true, terminationGracePeriodSeconds: 30,
  };
}

interface Fake {
  readonly ctx: NodeContext;
  readonly events: RunEvent[];
  readonly evictions: string[];
  readonly clock: ReturnType<typeof manualClock>;
}

/** A node with three pods of one Deployment, whose evictions answer as `answer` says. */
function fake(o: { answer: (pod: PodRef, attempt: number) => EvictionAnswer; cordon?: () => never }): Fake {
  const events: RunEvent[] = [];
  const evictions: string[] = [];
  const clock = manualClock();
  let pods = [pod('web-1'), pod('web-2'), pod('web-3')];
  const cluster = fakeCluster({
    nodes: { cordon: o.cordon ?? (async () => ({ changed: true })), uncordon: async () => true },
    events: { onNode: async () => undefined },
    pods: {
      onNode: async () => pods,
      watchNode: async () => nodePodsOver(() => pods, clock),
      evict: async (p) => {
        evictions.push(p.name);
        const answer = o.answer(p, evictions.filter((n) => n === p.name).length);
        if (answer.kind === 'evicted') pods = pods.filter((x) => x.uid !== p.uid);
        return answer;
      },
    },
    budgets: { list: async () => [] },
  });
  const ctx: NodeContext = { cluster, clusterName: 'eu-central', node: NODE, runId: 'run-1', phase: phase(), clock, record: async (e) => void events.push(e), signal: new AbortController().signal, reads: new SharedReads(cluster), budgets: noBudgets() };
  return { ctx, events, evictions, clock };
}

const evictionDenial: Denial = { user: SA, verb: 'create', resource: 'pods/eviction', namespace: 'shop', message: `pods "web-1" is forbidden: User "${SA}" cannot create resource "pods/eviction" in API group "" in the namespace "shop"` };

test('an eviction refused for want of a permission fails the node at once, naming the verb, the resource and the identity', async () => {
  // Given a node whose evictions the API server refuses: the identity may not create pods/eviction
  const f = fake({ answer: () => ({ kind: 'forbidden', denial: evictionDenial }) });
  // When the node is maintained (its drain timeout is 10 minutes, its policy skip)
  const e = await maintainNode({ ctx: f.ctx, state: undefined, evictedWorkloads: [], exec: async () => ({ exitCode: 0, signal: null, timedOut: false, output: '', durationMs: 0 }) }).then(() => undefined, (err: unknown) => err);
  // Then the node fails, not skipped after the drain timeout: the run stops with who lacked what
  assert.ok(e instanceof NodeFailure, String(e));
  assert.match(e.message, /^eviction of shop\/web-\d from node node-a1 refused by the API server: system:serviceaccount:ops:daylight may not create pods\/eviction in namespace shop \(HTTP 403 Forbidden\); grant that permission/);
  // And no pod was asked twice, and no cluster time went by waiting for a retry
  assert.equal(new Set(f.evictions).size, f.evictions.length, f.evictions.join(', '));
  assert.deepEqual(f.clock.slept, []);
  // And the drain never said a pod was blocked: nothing is left to wait for
  assert.deepEqual(f.events.filter((x) => x.type === 'node.pod.blocked' || x.type === 'node.drain.timeout'), []);
});

test('a cordon refused for want of a permission fails the node at once, naming patch on nodes and the identity', async () => {
  // Given an API server that refuses the cordon's patch
  const denial: Denial = { user: SA, verb: 'patch', resource: 'nodes', message: `nodes "${NODE}" is forbidden: User "${SA}" cannot patch resource "nodes" in API group "" at the cluster scope` };
  const refused = new PermissionDenied(`cordon node ${NODE}`, denial);
  const f = fake({ answer: () => ({ kind: 'evicted' }), cordon: () => { throw refused; } });
  // When the node is maintained
  const e = await maintainNode({ ctx: f.ctx, state: undefined, evictedWorkloads: [], exec: async () => ({ exitCode: 0, signal: null, timedOut: false, output: '', durationMs: 0 }) }).then(() => undefined, (err: unknown) => err);
  // Then it fails with the permission named, and nothing was evicted
  assert.ok(e instanceof NodeFailure, String(e));
  assert.equal(e.message, `cordon node ${NODE} refused by the API server: ${SA} may not patch nodes (HTTP 403 Forbidden); grant that permission to Daylight's identity (RBAC) and run again`);
  assert.deepEqual(f.evictions, []);
});

test('an eviction throttled by flow control is tried again after its Retry-After, and is never taken for a budget\'s refusal', async () => {
  // Given an API server whose flow control turns each pod's first eviction away with Retry-After: 7
  const f = fake({ answer: (_p, attempt) => (attempt === 1 ? { kind: 'throttled', retryAfterSeconds: 7, message: 'Too many requests, please try again later.' } : { kind: 'evicted' }) });
  // When the node is drained (the action is not reached: its agent is not faked, so the drain is all we look at)
  await maintainNode({ ctx: f.ctx, state: undefined, evictedWorkloads: [], exec: async () => ({ exitCode: 0, signal: null, timedOut: false, output: '', durationMs: 0 }) }).catch(() => undefined);
  // Then every pod was evicted on its second try, after waiting the 7 seconds the server asked for
  assert.deepEqual([...f.evictions].sort(), ['web-1', 'web-1', 'web-2', 'web-2', 'web-3', 'web-3']);
  assert.ok(f.clock.slept.length >= 3 && f.clock.slept.slice(0, 3).every((ms) => ms === 7000), f.clock.slept.join(', '));
  assert.ok(f.events.some((x) => x.type === 'node.drained'), 'the node was drained');
  // And the journal says throttled, never blocked by a disruption budget
  const blocked = f.events.filter((x) => x.type === 'node.pod.blocked');
  assert.equal(blocked.length, 3);
  for (const b of blocked) {
    assert.equal(b.type === 'node.pod.blocked' && b.answer.kind, 'throttled');
    assert.doesNotMatch(b.type === 'node.pod.blocked' ? b.diagnostic : '', /refused by its disruption budget/);
  }
});
