// The node action through the agent and its independent confirmation (`performAction`), and the give-back
// of what a stopped run still holds (`giveBackAll`) where another test does not cover it, over an in-memory
// node and a fake clock: confirmed only by the node's own word (a new boot, or the kubelet asked for), an
// agent's failure said at once, a timeout that says where the node stands, and a resumed run that writes a
// request lost in a crash but never asks twice.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RunEvent } from '../../../src/engine/events.ts';
import { giveBackAll } from '../../../src/engine/give-back.ts';
import type { NodeContext } from '../../../src/engine/node-context.ts';
import { performAction } from '../../../src/engine/node-action.ts';
import { SharedReads } from '../../../src/engine/shared-reads.ts';
import { replay } from '../../../src/engine/state.ts';
import type { JournalEntry } from '../../../src/engine/events.ts';
import { ANNOTATIONS } from '../../../src/kube/types.ts';
import type { NodeActionRequest, NodeView } from '../../../src/engine/ports/cluster-views.ts';
import { fakeCluster, noBudgets, nodeView } from '../checks/fakes.ts';
import { phaseOf, plan } from '../preflight/fixtures.ts';
import { manualClock, NOW } from './regional-fakes.ts';

const NODE = 'node-a1';
const RUN = 'run-1';

interface FakeAgent {
  readonly ctx: NodeContext;
  readonly events: RunEvent[];
  readonly requests: NodeActionRequest[];
  node(): NodeView;
}

/** A node whose agent answers each request with `agent(node, request)`: the node as it is once the agent is done. */
function fakeAgent(action: Record<string, unknown>, agent: (n: NodeView, r: NodeActionRequest) => NodeView, start: Partial<NodeView> = {}): FakeAgent {
  const clock = manualClock();
  const events: RunEvent[] = [];
  const requests: NodeActionRequest[] = [];
  let node = nodeView(NODE, { bootId: 'boot-1', kubeletVersion: 'v1.30.4', ...start });
  const cluster = fakeCluster({
    nodes: {
      get: async () => node,
      requestAction: async (_n, r) => {
        requests.push(r);
        node = agent({ ...node, annotations: { ...node.annotations, [ANNOTATIONS.action]: JSON.stringify(r) } }, r);
      },
      // The node does not change while waited for: a wait not satisfied now lasts its whole timeout.
      waitFor: async (_n, done, timeoutMs) => {
        if (done(node)) return node;
        await clock.sleep(timeoutMs);
        return undefined;
      },
    },
  });
  const phase = phaseOf(plan({ phase: { action: { type: 'agent', ...action }, ready: { timeout: '10m' } } }));
  const ctx: NodeContext = { cluster, clusterName: 'eu-central', node: NODE, runId: RUN, phase, clock, record: async (e) => void events.push(e), signal: new AbortController().signal, reads: new SharedReads(cluster), budgets: noBudgets() };
  return { ctx, events, requests, node: () => node };
}

const exec = () => Promise.reject(new Error('an agent action runs no command'));
const rebooted = (n: NodeView): NodeView => ({ ...n, bootId: 'boot-2' });

test('a reboot is journaled with the boot id before it is asked for, and confirmed by the new boot id', async () => {
  // Given a node whose agent reboots it
  const f = fakeAgent({ operation: 'reboot' }, rebooted);
  // When the action is performed
  const outcome = await performAction(f.ctx, exec);
  // Then the request was journaled first with the boot before, then written once, and the new boot confirms it
  assert.deepEqual(f.events, [{ type: 'node.action.requested', cluster: 'eu-central', node: NODE, id: `${RUN}/${NODE}/1`, operation: 'reboot', version: undefined, bootIdBefore: 'boot-1', kubeletBefore: 'v1.30.4' }]);
  assert.deepEqual(f.requests, [{ id: `${RUN}/${NODE}/1`, operation: 'reboot' }]);
  assert.equal(outcome.kind, 'confirmed');
  assert.deepEqual(outcome.kind === 'confirmed' && [outcome.node.bootId, outcome.mark], ['boot-2', { requestedAt: NOW, bootIdBefore: 'boot-1' }]);
});

test('a node Ready on the same boot is not back: the timeout says it is Ready on the same boot id', async () => {
  // Given an agent that does nothing
  const f = fakeAgent({ operation: 'reboot' }, (n) => n);
  // When the action is performed, then it times out after the ready timeout, saying where the node stands
  const outcome = await performAction(f.ctx, exec);
  assert.deepEqual(outcome, { kind: 'timeout', message: `node ${NODE} did not come back with a new boot within 600s: it is Ready, same boot id as before, kubelet v1.30.4` });
  assert.equal(f.ctx.clock.now(), NOW + 600_000);
});

test('a new boot that is not Ready is not back either', async () => {
  const f = fakeAgent({ operation: 'reboot' }, (n) => ({ ...rebooted(n), ready: false, readyMessage: 'kubelet stopped posting node status' }));
  const outcome = await performAction(f.ctx, exec);
  assert.deepEqual(outcome, { kind: 'timeout', message: `node ${NODE} did not come back with a new boot within 600s: it is NotReady (kubelet stopped posting node status), new boot id, kubelet v1.30.4` });
});

test('an upgrade is confirmed by the kubelet version asked for, not by a reboot', async () => {
  // Given an agent that reboots the node but leaves its kubelet at the old version
  const stale = fakeAgent({ operation: 'upgrade', version: 'v1.31.0' }, rebooted);
  // Then the upgrade is not confirmed
  assert.equal((await performAction(stale.ctx, exec)).kind, 'timeout');
  // Given an agent that upgrades the kubelet in place (same boot)
  const f = fakeAgent({ operation: 'upgrade', version: 'v1.31.0' }, (n) => ({ ...n, kubeletVersion: 'v1.31.0' }));
  // Then it is confirmed, and the request named the version
  assert.equal((await performAction(f.ctx, exec)).kind, 'confirmed');
  assert.deepEqual(f.requests, [{ id: `${RUN}/${NODE}/1`, operation: 'upgrade', version: 'v1.31.0' }]);
});

test("the agent's own failure for this request ends the wait at once; one for an older request does not count", async () => {
  // Given an agent that reports failure for the request it was given
  const failing = fakeAgent({ operation: 'reboot' }, (n, r) => ({ ...n, annotations: { ...n.annotations, [ANNOTATIONS.actionStatus]: JSON.stringify({ id: r.id, phase: 'failed', message: 'apt-get exited 100' }) } }));
  // Then the action failed with its words, and no cluster time was spent waiting
  assert.deepEqual(await performAction(failing.ctx, exec), { kind: 'failed', message: 'the node agent reports: apt-get exited 100' });
  assert.equal(failing.ctx.clock.now(), NOW);
  // Given a node whose status reports the failure of an earlier attempt, and an agent that reboots it now
  const earlier = { [ANNOTATIONS.action]: JSON.stringify({ id: `${RUN}/${NODE}/1` }), [ANNOTATIONS.actionStatus]: JSON.stringify({ id: `${RUN}/${NODE}/1`, phase: 'failed', message: 'old' }) };
  const f = fakeAgent({ operation: 'reboot' }, rebooted, { annotations: earlier });
  // Then the new request is attempt 2, and it is confirmed
  assert.equal((await performAction(f.ctx, exec)).kind, 'confirmed');
  assert.deepEqual(f.requests.map((r) => r.id), [`${RUN}/${NODE}/2`]);
});

test('a resumed run writes a request the crash lost, on the same boot, and never asks again for one written', async () => {
  const resumed = { id: `${RUN}/${NODE}/1`, operation: 'reboot', bootIdBefore: 'boot-1', kubeletBefore: 'v1.30.4', requestedAt: NOW - 5000 };
  // Given a journaled request whose annotation was never written (same boot)
  const lost = fakeAgent({ operation: 'reboot' }, rebooted);
  // When the resumed run performs the action, then it writes the journaled request, nothing new is journaled, and it is confirmed
  const outcome = await performAction(lost.ctx, exec, resumed);
  assert.deepEqual(lost.requests, [{ id: resumed.id, operation: 'reboot' }]);
  assert.deepEqual(lost.events, []);
  assert.deepEqual(outcome.kind === 'confirmed' && outcome.mark, { requestedAt: NOW - 5000, bootIdBefore: 'boot-1' });
  // Given a journaled request already written and the node already rebooted
  const done = fakeAgent({ operation: 'reboot' }, rebooted, { bootId: 'boot-2', annotations: { [ANNOTATIONS.action]: JSON.stringify({ id: resumed.id }) } });
  // Then nothing is asked and it is confirmed at once
  assert.equal((await performAction(done.ctx, exec, resumed)).kind, 'confirmed');
  assert.deepEqual(done.requests, []);
});

function journal(events: readonly RunEvent[]): JournalEntry[] {
  return events.map((event, i) => ({ seq: i + 1, at: NOW + i, wall: '', runId: RUN, event, prev: '', hash: '' }));
}

test('give-back leaves done nodes alone, never uncordons a cordon that is not its own, and names a node gone or a cluster unknown', async () => {
  // Given a stopped run with a done node, a node now cordoned by someone else, a node deleted, and a node in a cluster not in the plan
  const C = 'eu-central';
  const state = replay(RUN, journal([
    { type: 'node.cordon.requested', cluster: C, node: 'done-1' },
    { type: 'node.done', cluster: C, node: 'done-1', outcome: 'maintained' },
    { type: 'node.cordon.requested', cluster: C, node: 'theirs-1' },
    { type: 'node.cordon.requested', cluster: C, node: 'gone-1' },
    { type: 'node.cordon.requested', cluster: 'elsewhere', node: 'x-1' },
  ]));
  const uncordoned: string[] = [];
  const cluster = fakeCluster({
    name: C,
    nodes: {
      get: async (name) => (name === 'theirs-1' ? nodeView(name, { unschedulable: true, cordonedBy: 'run-0' }) : name === 'gone-1' ? undefined : nodeView(name)),
      uncordon: async (name) => {
        uncordoned.push(name);
        return true;
      },
    },
  });
  const recorded: RunEvent[] = [];
  // When the run gives back what it holds
  const r = await giveBackAll({ state, clusters: new Map([[C, cluster]]), runId: RUN, outcome: 'failed', why: 'run failed', record: async (e) => void recorded.push(e), clock: manualClock(), readyDeadline: () => NOW });
  // Then the other run's cordon is left in place, and that node is done for this run; the others are named as held
  assert.deepEqual(uncordoned, []);
  assert.deepEqual(r, { returned: [`${C}/theirs-1`], held: [`${C}/gone-1 (no longer exists)`, 'elsewhere/x-1 (cluster elsewhere is not in the plan)'] });
  assert.deepEqual(recorded.map((e) => `${e.type} ${'node' in e ? e.node : ''}`), ['node.uncordoned theirs-1', 'node.done theirs-1', 'node.held gone-1', 'node.held x-1']);
});

test('a patch that needed no reboot is confirmed by the agent\'s done on the same boot; with rebootAfter: always only a new boot confirms it', async () => {
  const patchedOnly = (n: NodeView, r: NodeActionRequest): NodeView => ({ ...n, annotations: { ...n.annotations, [ANNOTATIONS.actionStatus]: JSON.stringify({ id: r.id, phase: 'done', message: 'patched; no reboot needed' }) } });
  // Given an agent that patches and answers done without a reboot
  const needed = fakeAgent({ operation: 'patch' }, patchedOnly);
  // Then the patch is confirmed on the same boot
  const outcome = await performAction(needed.ctx, exec);
  assert.equal(outcome.kind, 'confirmed');
  assert.equal(outcome.kind === 'confirmed' && outcome.node.bootId, 'boot-1');
  // And a plan that reboots after every patch passes rebootAfter in the action, and waits for a new boot
  const always = fakeAgent({ operation: 'patch', rebootAfter: 'always' }, patchedOnly);
  const late = await performAction(always.ctx, exec);
  assert.deepEqual(always.requests, [{ id: `${RUN}/${NODE}/1`, operation: 'patch', rebootAfter: 'always' }]);
  assert.equal(late.kind, 'timeout');
  // And a reboot is never confirmed by the agent's word alone
  const reboot = fakeAgent({ operation: 'reboot' }, patchedOnly);
  assert.equal((await performAction(reboot.ctx, exec)).kind, 'timeout');
});
