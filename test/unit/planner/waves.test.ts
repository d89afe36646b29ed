// Unit tests for the wave planner: canary, node budget with already-unavailable nodes, percentages,
// topology (serial zones, whole racks, per-zone caps), PodDisruptionBudget-aware splitting, determinism.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { planPhase } from '../../../src/planner/plan-phase.ts';
import type { PhasePlan } from '../../../src/planner/types.ts';
import { every, node, nodes, pdb, phase, pods, RACK, snapshot, ZONE } from './fixtures.ts';

const TOPOLOGY = { key: ZONE, serial: true, then: { key: RACK } };

function zoneOf(name: string): string {
  return `eu-1${name.split('-')[1]?.slice(1)}`;
}

function waveSizes(p: PhasePlan): number[] {
  return p.waves.map((w) => w.nodes.length);
}

test('given a canary of 1, when planned, then the first wave is one node of the first zone, alone, and no other wave is a canary', () => {
  const p = planPhase({ snapshot: snapshot({ nodes: nodes() }), phase: phase({ maxUnavailable: 3, canary: 1, topology: TOPOLOGY }) });
  assert.deepEqual(p.waves[0]?.nodes, ['w-1a-r1-1']);
  assert.equal(p.waves[0]?.canary, true);
  assert.equal(p.waves[0]?.domain, 'eu-1a');
  assert.match(p.waves[0]?.reason ?? '', /^canary: zone eu-1a \(1\/3 by name\), rack r1 \(1 of 2\): 1 node first, alone \(budget 3 of 12\)$/);
  assert.deepEqual(p.waves.slice(1).map((w) => w.canary), p.waves.slice(1).map(() => false));
  assert.equal(p.waves[1]?.nodes.length, 3);
});

test('given a canary of 2 and no topology, when planned, then the first wave holds the first two nodes by name', () => {
  const p = planPhase({ snapshot: snapshot({ nodes: nodes() }), phase: phase({ maxUnavailable: 4, canary: 2 }) });
  assert.deepEqual(p.waves[0]?.nodes, ['w-1a-r1-1', 'w-1a-r1-2']);
  assert.equal(p.waves[0]?.domain, '');
  assert.match(p.waves[0]?.reason ?? '', /^canary: all nodes by name: 2 nodes first, alone/);
});

test('given canary 0, when planned, then the first wave is a full wave', () => {
  const p = planPhase({ snapshot: snapshot({ nodes: nodes() }), phase: phase({ maxUnavailable: 3, canary: 0, topology: TOPOLOGY }) });
  assert.equal(p.waves[0]?.canary, false);
  assert.equal(p.waves[0]?.nodes.length, 3);
});

for (const maxUnavailable of [1, 2, 3, 5, '25%', '50%', '100%']) {
  test(`given maxUnavailable ${maxUnavailable}, when planned, then no wave exceeds the budget and every node is maintained exactly once`, () => {
    const fleet = nodes({ zones: 3, racks: 3, nodesPerRack: 3 });
    const p = planPhase({ snapshot: snapshot({ nodes: fleet }), phase: phase({ maxUnavailable, topology: TOPOLOGY }) });
    assert.ok(Math.max(...waveSizes(p)) <= p.budget.perWave, `sizes ${waveSizes(p).join(',')} over ${p.budget.perWave}`);
    assert.deepEqual(p.waves.flatMap((w) => w.nodes).sort(), fleet.map((n) => n.name).sort());
    assert.deepEqual(p.waves.map((w) => w.index), p.waves.map((_, i) => i + 1));
  });
}

test('given percentages, when resolved against 12 selected nodes, then they round down and never below 1', () => {
  const resolved = (maxUnavailable: string) => planPhase({ snapshot: snapshot({ nodes: nodes() }), phase: phase({ maxUnavailable }) }).budget.resolved;
  assert.equal(resolved('25%'), 3);
  assert.equal(resolved('10%'), 1);
  assert.equal(resolved('5%'), 1);
  assert.equal(resolved('100%'), 12);
});

test('given a node NotReady and one cordoned by someone else, when planned, then they are left alone, counted against the budget, and waves shrink', () => {
  const fleet = nodes().map((n) => {
    if (n.name === 'w-1a-r1-1') return { ...n, ready: false, readyMessage: 'kubelet stopped posting node status' };
    if (n.name === 'w-1b-r1-1') return { ...n, unschedulable: true };
    return n;
  });
  const p = planPhase({ snapshot: snapshot({ nodes: fleet }), phase: phase({ maxUnavailable: 3, topology: TOPOLOGY }) });
  assert.deepEqual(p.excluded.map((e) => [e.name, e.reason, e.unavailable]), [
    ['w-1a-r1-1', 'NotReady (kubelet stopped posting node status)', true],
    ['w-1b-r1-1', 'cordoned by someone else', true],
  ]);
  assert.equal(p.alreadyUnavailable.length, 2);
  assert.equal(p.budget.perWave, 1);
  assert.deepEqual(waveSizes(p), Array.from({ length: 10 }, () => 1));
  assert.ok(!p.waves.some((w) => w.nodes.includes('w-1a-r1-1') || w.nodes.includes('w-1b-r1-1')));
  assert.match(p.waves[1]?.reason ?? '', /\(budget 1 of 12, 2 already out\)/);
  assert.deepEqual(p.blockers, []);
});

test('given more nodes already unavailable than the budget allows, when planned, then the phase is blocked with a sentence that says how to fix it', () => {
  const fleet = nodes().map((n) => (n.name === 'w-1a-r1-1' ? { ...n, ready: false } : n.name === 'w-1b-r1-1' ? { ...n, unschedulable: true } : n));
  const p = planPhase({ snapshot: snapshot({ nodes: fleet }), phase: phase({ maxUnavailable: 1 }) });
  assert.deepEqual(p.waves, []);
  assert.deepEqual(p.blockers, [
    'maxUnavailable 1 of 12 nodes leaves no room: 2 nodes are already unavailable (w-1a-r1-1 NotReady, w-1b-r1-1 cordoned by someone else); uncordon or repair them, or raise maxUnavailable',
  ]);
  assert.equal(p.lowerBound, undefined);
});

test('given a percentage budget used up by one node cordoned by an earlier Daylight run, when planned, then the sentence names the percentage and the run', () => {
  const fleet = nodes().map((n) => (n.name === 'w-1c-r2-2' ? { ...n, unschedulable: true, cordonedBy: 'run-42' } : n));
  const p = planPhase({ snapshot: snapshot({ nodes: fleet }), phase: phase({ maxUnavailable: '5%' }) });
  assert.equal(p.blockers[0], 'maxUnavailable 5% of 12 nodes (1) leaves no room: 1 node is already unavailable (w-1c-r2-2 cordoned by Daylight run run-42); uncordon or repair them, or raise maxUnavailable');
});

test('given an upgrade to the version a node already runs, when planned, then that node is left alone without counting as unavailable', () => {
  const fleet = nodes().map((n) => (n.name === 'w-1a-r1-1' ? { ...n, kubeletVersion: 'v1.31.2' } : n));
  const p = planPhase({ snapshot: snapshot({ nodes: fleet }), phase: phase({ maxUnavailable: 2, action: { type: 'agent', operation: 'upgrade', version: '1.31.2' } }) });
  assert.deepEqual(p.excluded, [{ name: 'w-1a-r1-1', reason: 'already runs kubelet v1.31.2', unavailable: false }]);
  assert.equal(p.budget.perWave, 2);
  assert.equal(p.waves.flatMap((w) => w.nodes).length, 11);
});

test('given serial topology, when planned, then no wave mixes zones and each zone is finished before the next starts, in name order', () => {
  const fleet = nodes({ zones: 3, racks: 2, nodesPerRack: 3 }).reverse();
  const p = planPhase({ snapshot: snapshot({ nodes: fleet }), phase: phase({ maxUnavailable: 4, topology: TOPOLOGY }) });
  for (const w of p.waves) assert.equal(new Set(w.nodes.map(zoneOf)).size, 1, `wave ${w.index} mixes zones: ${w.nodes.join(',')}`);
  const order = p.waves.map((w) => w.domain).filter((d, i, all) => all[i - 1] !== d);
  assert.deepEqual(order, ['eu-1a', 'eu-1b', 'eu-1c']);
  assert.match(p.waves.at(-1)?.reason ?? '', /zone eu-1c \(3\/3 by name\)/);
});

test('given racks of 2 and a budget of 4, when planned, then waves take whole racks', () => {
  const p = planPhase({ snapshot: snapshot({ nodes: nodes({ zones: 1, racks: 4, nodesPerRack: 2 }) }), phase: phase({ maxUnavailable: 4, canary: 0, topology: TOPOLOGY }) });
  assert.deepEqual(p.waves.map((w) => w.racks), [['r1', 'r2'], ['r3', 'r4']]);
  assert.deepEqual(p.waves[0]?.nodes, ['w-1a-r1-1', 'w-1a-r1-2', 'w-1a-r2-1', 'w-1a-r2-2']);
  assert.match(p.waves[0]?.reason ?? '', /racks r1\+r2: 4 nodes/);
});

test('given racks of 3 and a budget of 4, when planned, then whole racks come first and a rack is split only to fill the wave', () => {
  const p = planPhase({ snapshot: snapshot({ nodes: nodes({ zones: 1, racks: 3, nodesPerRack: 3 }) }), phase: phase({ maxUnavailable: 4, canary: 0, topology: TOPOLOGY }) });
  assert.deepEqual(p.waves.map((w) => w.nodes), [
    ['w-1a-r1-1', 'w-1a-r1-2', 'w-1a-r1-3', 'w-1a-r2-1'],
    ['w-1a-r2-2', 'w-1a-r2-3', 'w-1a-r3-1', 'w-1a-r3-2'],
    ['w-1a-r3-3'],
  ]);
  assert.match(p.waves[0]?.reason ?? '', /racks r1\+r2 \(1 of 3\)/);
});

test('given maxPerDomain 1 per zone, when planned, then no wave holds two nodes of a zone', () => {
  const p = planPhase({ snapshot: snapshot({ nodes: nodes() }), phase: phase({ maxUnavailable: 6, canary: 0, topology: { key: ZONE, serial: true, maxPerDomain: 1 } }) });
  assert.deepEqual(waveSizes(p), Array.from({ length: 12 }, () => 1));
  assert.match(p.waves[0]?.reason ?? '', /held to 1 by maxPerDomain 1 per zone/);
});

test('given maxPerDomain 50% of 4-node zones and 1 per rack, when planned, then each wave takes 2 nodes of different racks', () => {
  const p = planPhase({ snapshot: snapshot({ nodes: nodes() }), phase: phase({ maxUnavailable: 6, canary: 0, topology: { key: ZONE, serial: true, maxPerDomain: '50%', then: { key: RACK, maxPerDomain: 1 } } }) });
  assert.deepEqual(waveSizes(p), [2, 2, 2, 2, 2, 2]);
  for (const w of p.waves) assert.deepEqual(w.racks, ['r1', 'r2']);
});

test('given topology that is not serial with 1 per zone, when planned, then a wave takes one node from each zone', () => {
  const p = planPhase({ snapshot: snapshot({ nodes: nodes() }), phase: phase({ maxUnavailable: 6, canary: 0, topology: { key: ZONE, serial: false, maxPerDomain: 1 } }) });
  assert.deepEqual(waveSizes(p), [3, 3, 3, 3]);
  assert.equal(p.waves[0]?.domain, 'eu-1a+eu-1b+eu-1c');
  assert.deepEqual(p.waves[0]?.nodes.map(zoneOf), ['eu-1a', 'eu-1b', 'eu-1c']);
});

test('given a zone whose cap is filled by its unavailable node, when planned, then its nodes are blocked with the fix and the other zones still get waves', () => {
  const fleet = nodes().map((n) => (n.name === 'w-1b-r1-1' ? { ...n, ready: false } : n));
  const p = planPhase({ snapshot: snapshot({ nodes: fleet }), phase: phase({ maxUnavailable: 3, topology: { key: ZONE, serial: true, maxPerDomain: 1 } }) });
  assert.equal(p.blockers.length, 1);
  assert.match(p.blockers[0] ?? '', /^zone eu-1b: topology.maxPerDomain 1 leaves no room .* raise topology.maxPerDomain$/);
  assert.ok(!p.waves.some((w) => w.domain === 'eu-1b'));
  assert.equal(p.waves.flatMap((w) => w.nodes).length, 8);
});

test('given a budget that allows 2 web pods at once and web on 6 nodes of a zone, when planned, then no wave holds more than 2 web pods and the reason names the budget', () => {
  const fleet = nodes({ zones: 1, racks: 2, nodesPerRack: 4 });
  const names = fleet.map((n) => n.name);
  const snap = snapshot({ nodes: fleet, pods: pods({ name: 'web', on: names.slice(0, 6) }), pdbs: [pdb('web', 2)] });
  const p = planPhase({ snapshot: snap, phase: phase({ maxUnavailable: 8, canary: 0, topology: TOPOLOGY }) });
  const webNodes = new Set(names.slice(0, 6));
  for (const w of p.waves) assert.ok(w.nodes.filter((n) => webNodes.has(n)).length <= 2, `wave ${w.index}: ${w.nodes.join(',')}`);
  // And the zone's 8 nodes are spread over the 3 waves the budget needs, as the reason says
  assert.deepEqual(waveSizes(p), [3, 3, 2]);
  assert.match(p.waves[0]?.reason ?? '', /3 nodes \(budget 8 of 8\); 8 nodes spread over the 3 waves PDB shop\/web needs for its 6 pods left, 2 per wave$/);
});

test('given budgetWaitRounds 1, when planned, then a wave may hold twice what a budget allows at once, and fewer waves result', () => {
  // Given web on 6 nodes of a zone under a budget of 2, and a plan that lets waves wait one replacement round
  const fleet = nodes({ zones: 1, racks: 2, nodesPerRack: 4 });
  const names = fleet.map((n) => n.name);
  const snap = snapshot({ nodes: fleet, pods: pods({ name: 'web', on: names.slice(0, 6) }), pdbs: [pdb('web', 2)] });
  const strict = planPhase({ snapshot: snap, phase: phase({ maxUnavailable: 8, canary: 0, topology: TOPOLOGY }) });
  const p = planPhase({ snapshot: snap, phase: phase({ maxUnavailable: 8, canary: 0, topology: TOPOLOGY, budgetWaitRounds: 1 }) });
  // Then no wave holds more than 2 × (1 + 1) web pods, the 6 are spread evenly (3 and 3) over the 2 waves
  // they need, and there are fewer waves than with strict budgets
  const webNodes = new Set(names.slice(0, 6));
  const perWave = p.waves.map((w) => w.nodes.filter((n) => webNodes.has(n)).length);
  assert.ok(perWave.every((n) => n <= 4), `web pods per wave: ${perWave.join(',')}`);
  assert.deepEqual(perWave.filter((n) => n > 0), [3, 3]);
  assert.ok(p.waves.length < strict.waves.length, `${p.waves.length} waves against ${strict.waves.length}`);
  assert.match(p.waves[0]?.reason ?? '', /spread over the 2 waves PDB shop\/web needs for its 6 pods left, 4 per wave/);
});

test('given budgeted pods bunched at the end of a zone, when planned, then they are spread over the waves the zone needs, with no leftover wave', () => {
  // Given 20 nodes in 4 racks, 10 at a time, and 5 db pods under a budget of 1 (3 per wave with 2 rounds),
  // 4 of them in the last two racks
  const fleet = nodes({ zones: 1, racks: 4, nodesPerRack: 5 });
  const snap = snapshot({ nodes: fleet, pods: pods({ name: 'db', on: ['w-1a-r1-1', 'w-1a-r3-1', 'w-1a-r3-2', 'w-1a-r4-1', 'w-1a-r4-2'] }), pdbs: [pdb('db', 1)] });
  const p = planPhase({ snapshot: snap, phase: phase({ maxUnavailable: 10, canary: 0, topology: TOPOLOGY, budgetWaitRounds: 2 }) });
  // Then two waves of 10 suffice, neither with more than 3 db pods
  assert.deepEqual(waveSizes(p), [10, 10]);
  const db = new Set(['w-1a-r1-1', 'w-1a-r3-1', 'w-1a-r3-2', 'w-1a-r4-1', 'w-1a-r4-2']);
  for (const w of p.waves) assert.ok(w.nodes.filter((n) => db.has(n)).length <= 3, `wave ${w.index}: ${w.nodes.join(',')}`);
});

test('by default no wave holds more pods of a budget than it allows at once, however short a replacement is', () => {
  // Given db on all 8 nodes of a zone under a budget of 1, and room for all 8 at once
  const fleet = nodes({ zones: 1, racks: 1, nodesPerRack: 8 });
  const names = fleet.map((n) => n.name);
  const snap = snapshot({ nodes: fleet, pods: pods({ name: 'db', on: names }), pdbs: [pdb('db', 1)] });
  const p = planPhase({ snapshot: snap, phase: phase({ maxUnavailable: 8, canary: 0, topology: TOPOLOGY }) });
  // Then the nodes go one at a time, none is reported blocked, and no drain waits on the budget
  assert.deepEqual(waveSizes(p), [1, 1, 1, 1, 1, 1, 1, 1]);
  assert.deepEqual(p.blockedNodes, []);
  assert.ok(p.eta.waves.every((w) => w.pdbWaitMs === 0));
});

test('given a node that alone holds more pods of a budget than it allows, when planned, then it forms a wave alone, is reported blocked, and the reason says its drain waits', () => {
  const fleet = nodes({ zones: 1, racks: 1, nodesPerRack: 4 });
  const snap = snapshot({ nodes: fleet, pods: pods({ name: 'db', on: ['w-1a-r1-2', 'w-1a-r1-2', 'w-1a-r1-2', 'w-1a-r1-3'] }), pdbs: [pdb('db', 1)] });
  const p = planPhase({ snapshot: snap, phase: phase({ maxUnavailable: 4, canary: 0, topology: TOPOLOGY }) });
  const lone = p.waves.find((w) => w.nodes.includes('w-1a-r1-2'));
  assert.deepEqual(lone?.nodes, ['w-1a-r1-2']);
  assert.match(lone?.reason ?? '', /1 node alone, it holds 3 pods of PDB shop\/db, which allows 1 at once; its drain waits for replacements/);
  // And the plan reports the node blocked by the budget, with the fix, without stopping the phase
  assert.deepEqual(p.blockedNodes, [{ name: 'w-1a-r1-2', pdb: 'shop/db', pods: 3, allowed: 1 }]);
  assert.ok(p.notes.some((n) => n.startsWith('PDB shop/db allows 1 of its pods per wave, but these nodes alone hold more: w-1a-r1-2 (3); ') && n.endsWith('raise the budget\'s allowance')), p.notes.join('\n'));
  assert.deepEqual(p.blockers, []);
});

test('given a budget with an empty status, when planned, then its allowance comes from its spec and the pods', () => {
  const fleet = nodes({ zones: 1, racks: 1, nodesPerRack: 4 });
  const names = fleet.map((n) => n.name);
  const empty = { currentHealthy: 0, desiredHealthy: 0, disruptionsAllowed: 0, expectedPods: 0 };
  const snap = snapshot({ nodes: fleet, pods: pods({ name: 'web', on: names }), pdbs: [pdb('web', 0, { ...empty, maxUnavailable: '50%' })] });
  const p = planPhase({ snapshot: snap, phase: phase({ maxUnavailable: 4, canary: 0 }) });
  assert.deepEqual(waveSizes(p), [2, 2]);
});

test('given DaemonSet pods and ignoreDaemonSets, when planned, then their budget does not split waves', () => {
  const fleet = nodes({ zones: 1, racks: 1, nodesPerRack: 4 });
  const snap = snapshot({ nodes: fleet, pods: pods({ name: 'agent', kind: 'DaemonSet', on: fleet.map((n) => n.name) }), pdbs: [pdb('agent', 1)] });
  const p = planPhase({ snapshot: snap, phase: phase({ maxUnavailable: 4, canary: 0 }) });
  assert.deepEqual(waveSizes(p), [4]);
});

test('given the same cluster listed in another order, when planned, then the waves are the same', () => {
  const fleet = nodes({ zones: 3, racks: 3, nodesPerRack: 3 });
  const names = fleet.map((n) => n.name);
  const podList = [...pods({ name: 'web', on: every(names, 20, 4) }), ...pods({ name: 'db', on: every(names, 9, 3, 1) })];
  const input = (reverse: boolean) => snapshot({ nodes: reverse ? [...fleet].reverse() : fleet, pods: reverse ? [...podList].reverse() : podList, pdbs: [pdb('web', 3), pdb('db', 1)] });
  const p = phase({ maxUnavailable: 5, topology: TOPOLOGY });
  assert.deepEqual(planPhase({ snapshot: input(true), phase: p }).waves, planPhase({ snapshot: input(false), phase: p }).waves);
});

test('given node names with numbers, when planned, then they are ordered as people read them', () => {
  const fleet = ['n-10', 'n-9', 'n-1', 'n-2'].map((n) => node(n));
  const p = planPhase({ snapshot: snapshot({ nodes: fleet }), phase: phase({ maxUnavailable: 4, canary: 0 }) });
  assert.deepEqual(p.waves[0]?.nodes, ['n-1', 'n-2', 'n-9', 'n-10']);
  assert.deepEqual(p.nodes, ['n-1', 'n-2', 'n-9', 'n-10']);
});

test('given a selector, when planned, then only matching nodes are in scope', () => {
  const fleet = [...nodes({ zones: 1, racks: 1, nodesPerRack: 2 }), node('cp-1', { 'node-role.kubernetes.io/control-plane': '' })];
  const p = planPhase({ snapshot: snapshot({ nodes: fleet }), phase: phase({}) });
  assert.deepEqual(p.nodes, ['w-1a-r1-1', 'w-1a-r1-2']);
});

test('given a rolling phase, when planned, then after the canary each zone is one wave run maxUnavailable at a time, and the ETA counts its rounds', () => {
  // Given 3 zones of 4 nodes and maxUnavailable 2
  const snap = snapshot({ nodes: nodes({ zones: 3, racks: 2, nodesPerRack: 2 }) });
  const p = planPhase({ snapshot: snap, phase: phase({ maxUnavailable: 2, canary: 1, rolling: true, topology: { key: ZONE, serial: true }, estimates: { drain: '0s', action: '3m', ready: '1m' } }), options: { gateMs: 0 } });
  // Then the canary, then one wave per zone with all its remaining nodes, 2 at a time
  assert.deepEqual(waveSizes(p), [1, 3, 4, 4]);
  assert.deepEqual(p.waves.map((w) => w.concurrency), [undefined, 2, 2, 2]);
  assert.match(p.waves[1]?.reason ?? '', /3 nodes rolling, 2 at a time/);
  // And a zone of 4 nodes, 2 at a time, takes two node cycles of 4 minutes
  assert.equal(p.eta.waves[2]?.durationMs, 2 * 4 * 60_000);
});

test('a rolling phase with a maxPerDomain cap is refused with the fix', () => {
  assert.throws(() => phase({ rolling: true, topology: { key: ZONE, serial: true, maxPerDomain: 2 } }), /does not apply topology maxPerDomain caps; remove maxPerDomain, or set rolling: false/);
});
