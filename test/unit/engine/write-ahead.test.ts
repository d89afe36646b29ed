// Write-ahead: the engine journals each intent and waits for the journal to keep it before it acts. A
// journal that refuses the entry (a full disk, an API server that lost the conditional write) stops the
// step it records: the node is not cordoned, the region not taken out of traffic. Over the in-memory
// journal adapter, which refuses what a test tells it to.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RunEvent } from '../../../src/engine/events.ts';
import type { NodeContext } from '../../../src/engine/node-context.ts';
import { maintainNode } from '../../../src/engine/node-pipeline.ts';
import { takeOutOfTraffic } from '../../../src/engine/region.ts';
import { SharedReads } from '../../../src/engine/shared-reads.ts';
import { LiveState } from '../../../src/engine/state.ts';
import { fakeCluster, noBudgets } from '../checks/fakes.ts';
import { MemoryJournal } from '../../support/memory-journal.ts';
import { phaseOf, plan } from '../preflight/fixtures.ts';
import { harness, manualClock, REGION, RUN_ID } from './regional-fakes.ts';

const NODE = 'node-a1';

/** The engine's recorder over a journal: the entry kept, then the run's state follows it (as executeRun's). */
function recorder(journal: MemoryJournal<RunEvent>): { record: (e: RunEvent) => Promise<void>; live: LiveState } {
  const live = new LiveState(RUN_ID, journal.entries);
  return { live, record: async (e) => void live.follow(await journal.append(e)) };
}

const refusedWrite = new Error('the journal ConfigMap changed under this write (resourceVersion conflict)');

test('a node is not cordoned when the journal refuses the cordon\'s intent, and is once the journal keeps it', async () => {
  // Given a node whose cordon is counted (and stops the pipeline right there, the rest is not this test's)
  const cordons: string[] = [];
  const cluster = fakeCluster({
    nodes: {
      cordon: async (node) => {
        cordons.push(node);
        throw new Error('cordon reached');
      },
    },
  });
  const journal = new MemoryJournal<RunEvent>({ runId: RUN_ID });
  const { record } = recorder(journal);
  const ctx: NodeContext = { cluster, clusterName: 'eu-central', node: NODE, runId: RUN_ID, phase: phaseOf(plan()), clock: manualClock(), record, signal: new AbortController().signal, reads: new SharedReads(cluster), budgets: noBudgets() };
  // And a journal that refuses the cordon's intent
  journal.refuseWhen((e) => (e.type === 'node.cordon.requested' ? refusedWrite : undefined));
  // When the node is maintained
  // Then the step fails with the journal's refusal, and the node was never cordoned
  await assert.rejects(maintainNode({ ctx, state: undefined, evictedWorkloads: [], exec: () => Promise.reject(new Error('no command')) }), refusedWrite);
  assert.deepEqual(cordons, []);
  assert.deepEqual(journal.refused.map((e) => e.type), ['node.cordon.requested']);
  assert.equal(journal.entries.length, 0);
  // When the journal keeps entries again and the node is maintained again
  journal.refuseWhen(() => undefined);
  await assert.rejects(maintainNode({ ctx, state: undefined, evictedWorkloads: [], exec: () => Promise.reject(new Error('no command')) }), /cordon reached/);
  // Then the cordon came after its intent was kept, and only the kept intent is in the journal
  assert.deepEqual(cordons, [NODE]);
  assert.deepEqual(journal.entries.map((e) => e.event.type), ['node.cordon.requested']);
});

test('a region stays in traffic when the journal refuses the drain\'s intent: the balancer is never asked', async () => {
  // Given a region the engine may take out of traffic (its neighbour serves and can carry the load)
  const h = harness();
  try {
    const journal = new MemoryJournal<RunEvent>({ runId: RUN_ID, clock: h.clock.now });
    const { record, live } = recorder(journal);
    const run = { ...h.run, record, state: () => live.state };
    // And a journal that refuses the drain's intent
    journal.refuseWhen((e) => (e.type === 'traffic.drain.requested' ? refusedWrite : undefined));
    // When the region is taken out of traffic
    // Then the step fails with the journal's refusal, and the balancer was never asked to drain it
    await assert.rejects(takeOutOfTraffic(run), refusedWrite);
    assert.deepEqual(h.traffic.changes, []);
    assert.equal(h.traffic.state[REGION]?.weight, 100);
    // And the journal holds the steps before the refused one, and nothing after it
    assert.deepEqual(journal.entries.map((e) => e.event.type), ['traffic.before', 'region.preconditions', 'silence.requested', 'silence.created']);
    assert.deepEqual(journal.refused.map((e) => e.type), ['traffic.drain.requested']);
  } finally {
    h.done();
  }
});
