// The run state reducer gives new state and never touches the state it is given: the status page, the
// notifier and the server hold states while the engine goes on, so a reducer that changed its input in
// place would change what they show under them. Each state here is frozen deeply before the next entry is
// applied (a write to a frozen object throws in a module), and each step must equal a fresh replay.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { JournalEntry, RunEvent } from '../../../src/engine/events.ts';
import { apply, emptyState, LiveState, replay } from '../../../src/engine/state.ts';
import type { RunState } from '../../../src/engine/state.ts';
import { NOW, regionTraffic } from './regional-fakes.ts';

const C = 'eu-central';
const RUN = 'run-1';
const at = (node: string) => ({ cluster: C, node });
const gate = { gate: 'prom', type: 'prometheus', passed: true, message: 'ok' };

/** A run that goes through every branch of the reducer: run, lease, phase, gates, region, silence and node events. */
const EVENTS: readonly RunEvent[] = [
  { type: 'run.started', plan: { name: 'patch', path: 'plan.yaml', sha256: 'ab' }, clusters: [C], holder: RUN },
  { type: 'lease.acquired', cluster: C, holder: RUN },
  { type: 'phase.planned', cluster: C, phase: 'os-patch', budget: 1, waves: [{ index: 0, nodes: ['n1', 'n2'] }], excluded: [{ node: 'n3', reason: 'NotReady', unavailable: true }] },
  { type: 'gates.evaluated', cluster: C, phase: 'os-patch', when: 'before-wave', wave: 0, passed: true, results: [gate] },
  { type: 'traffic.before', cluster: C, regions: { [C]: regionTraffic() } },
  { type: 'region.preconditions', cluster: C, passed: true, results: [gate] },
  { type: 'silence.created', cluster: C, alertmanager: 'http://am', id: 's1' },
  { type: 'traffic.drain.requested', cluster: C, before: regionTraffic() },
  { type: 'node.cordon.requested', ...at('n1') },
  { type: 'node.cordoned', changed: true, ...at('n1') },
  { type: 'node.drain.started', pods: [], ...at('n1') },
  { type: 'node.drain.timeout', policy: 'force', blockers: ['shop/cart-0'], ...at('n1') },
  { type: 'node.pods.deleted', pods: ['shop/cart-0'], budgets: [{ pdb: 'shop/cart', desiredHealthy: 1, healthyBefore: 1, deleted: 1 }], ...at('n1') },
  { type: 'node.action.requested', id: 'a1', operation: 'reboot', bootIdBefore: 'b0', kubeletBefore: 'v1.36.0', ...at('n1') },
  { type: 'node.action.confirmed', bootId: 'b1', kubeletVersion: 'v1.36.0', ms: 1000, ...at('n1') },
  { type: 'node.ready', ms: 2000, ...at('n1') },
  { type: 'node.uncordon.requested', ...at('n1') },
  { type: 'node.uncordoned', changed: true, ...at('n1') },
  { type: 'node.done', outcome: 'maintained', ...at('n1') },
  { type: 'node.cordon.requested', ...at('n2') },
  { type: 'node.action.failed', message: 'no answer', ...at('n2') },
  { type: 'node.held', reason: 'left cordoned for a person', ...at('n2') },
  { type: 'node.recovered', by: 'daylight recover', ...at('n2') },
  { type: 'wave.completed', cluster: C, phase: 'os-patch', wave: 0 },
  { type: 'phase.completed', cluster: C, phase: 'os-patch' },
  { type: 'traffic.drained', cluster: C, result: { newTrafficStoppedMs: 500, sessionsGoneMs: 1000, sessionsShut: 0 } },
  { type: 'region.validated', cluster: C, passed: true, results: [gate] },
  { type: 'traffic.step.requested', cluster: C, step: 0, percent: 50 },
  { type: 'traffic.step.passed', cluster: C, step: 0, percent: 50 },
  { type: 'traffic.restored', cluster: C, weight: 100 },
  { type: 'silence.expired', cluster: C, alertmanager: 'http://am', id: 's1' },
  { type: 'warning', cluster: C, message: 'a silence could not be expired' },
  { type: 'run.paused', reason: 'pause from the terminal' },
  { type: 'run.resumed', holder: RUN },
  { type: 'lease.released', cluster: C },
  { type: 'run.degraded', reason: 'one node held', problems: ['eu-central/n2 held'] },
];

function journal(events: readonly RunEvent[]): JournalEntry[] {
  return events.map((event, i) => ({ seq: i + 1, at: NOW + i * 1000, wall: new Date(NOW + i * 1000).toISOString(), runId: RUN, event, prev: '', hash: '' }));
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

test('apply returns a new state and leaves the one it was given as it was, for every kind of entry', () => {
  // Given the journal of a run that touches every part of the state
  const entries = journal(EVENTS);
  let state: RunState = deepFreeze(emptyState(RUN));
  for (const [i, entry] of entries.entries()) {
    // When the next entry is applied to a deeply frozen state
    const before = JSON.stringify(state);
    const next = apply(state, entry);
    // Then the input is unchanged (a write would have thrown), the result is a new object, and it equals a replay
    assert.equal(JSON.stringify(state), before, `${entry.event.type} changed its input`);
    assert.notEqual(next, state, `${entry.event.type} returned its input`);
    assert.deepEqual(next, replay(RUN, entries.slice(0, i + 1)), `${entry.event.type}: apply and replay disagree`);
    state = deepFreeze(next);
  }
  // And the end state is the run as it went
  assert.equal(state.status, 'degraded');
  assert.equal(state.nodes[`${C}/n1`]?.step, 'done');
  assert.deepEqual(state.nodes[`${C}/n1`]?.forced?.pods, ['shop/cart-0']);
  assert.equal(state.nodes[`${C}/n2`]?.step, 'pending');
  assert.equal(state.regions[C]?.stage, 'restored');
  assert.deepEqual(state.regions[C]?.silences, {});
  assert.deepEqual(state.leases, {});
  assert.equal(state.phases[0]?.completed, true);
  assert.equal(state.gates.length, 1);
  assert.deepEqual(state.warnings, [`${C}: a silence could not be expired`]);
});

test('a live state follows its journal, and a state read earlier stays what it was', () => {
  // Given a live state over the first half of the journal, and a reader holding its state
  const entries = journal(EVENTS);
  const half = Math.floor(entries.length / 2);
  const live = new LiveState(RUN, entries.slice(0, half));
  const held = live.state;
  const heldText = JSON.stringify(held);
  // When the rest of the journal is followed
  for (const e of entries.slice(half)) live.follow(e);
  // Then the live state is the replay of the whole journal, and the held state did not move
  assert.deepEqual(live.state, replay(RUN, entries));
  assert.equal(JSON.stringify(held), heldText);
  assert.equal(held.status, 'running');
});
