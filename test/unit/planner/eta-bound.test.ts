// Unit tests for wave ETAs and lower bounds, on examples computed by hand: grace periods, waits for
// replacements, where each step's duration comes from, and which bound binds; and on random fleets, that
// no plan the planner makes beats its own lower bound.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { lowerBound } from '../../../src/planner/lower-bound.ts';
import { planPhase } from '../../../src/planner/plan-phase.ts';
import type { PdbBudget } from '../../../src/planner/pdb-index.ts';
import { MINUTE, node, nodes, pdb, phase, pods, RACK, SECOND, snapshot, ZONE } from './fixtures.ts';
import { build, planWorld, world } from './random-fleet.ts';

const FOUR = ['n-1', 'n-2', 'n-3', 'n-4'];

function fourNodes() {
  return snapshot({
    nodes: FOUR.map((n) => node(n)),
    pods: [...pods({ name: 'web', on: FOUR }), ...pods({ name: 'db', on: ['n-2'], graceSeconds: 90 })],
    pdbs: [pdb('web', 2)],
  });
}

test('given four nodes, a canary and a budget of 2, when estimated, then each wave is drain + action + ready + soak + gates, back to back', () => {
  const p = planPhase({ snapshot: fourNodes(), phase: phase({ maxUnavailable: 2, canary: 1, soak: '30s' }) });
  assert.deepEqual(p.waves.map((w) => w.nodes), [['n-1'], ['n-2', 'n-3'], ['n-4']]);
  // 30s drain (web's grace) + 3m reboot + 1m ready + 30s soak + 5s gates; wave 2 drains db's 90s.
  assert.deepEqual(p.eta.waves.map((w) => [w.drainMs, w.durationMs, w.startOffsetMs, w.endOffsetMs]), [
    [30 * SECOND, 305 * SECOND, 0, 305 * SECOND],
    [90 * SECOND, 365 * SECOND, 305 * SECOND, 670 * SECOND],
    [30 * SECOND, 305 * SECOND, 670 * SECOND, 975 * SECOND],
  ]);
  assert.equal(p.eta.totalMs, 16 * MINUTE + 15 * SECOND);
  assert.deepEqual(p.eta.steps.sources, { drain: 'pods', action: 'default', ready: 'default', replacement: 'default' });
});

test('given the same four nodes, when bounded, then throughput binds: ceil(4 / 2) waves × 5m5s per node beats 4 web pods / 2 × 1m', () => {
  const p = planPhase({ snapshot: fourNodes(), phase: phase({ maxUnavailable: 2, canary: 0, soak: '30s' }) });
  assert.equal(p.lowerBound?.binding, 'nodes');
  assert.deepEqual(p.lowerBound?.nodes, { ms: 610 * SECOND, count: 4, perWave: 2, waves: 2, nodeMs: 305 * SECOND });
  assert.deepEqual(p.lowerBound?.pdb, { ms: 2 * MINUTE, name: 'shop/web', pods: 4, allowed: 2, replacementMs: MINUTE });
  assert.equal(p.lowerBound?.ms, 610 * SECOND);
  assert.equal(p.lowerBound?.text, 'node throughput: 4 nodes, 2 at a time = 2 waves × 5m5s per node');
  assert.ok((p.lowerBound?.ms ?? Infinity) <= p.eta.totalMs);
});

test('given the same four nodes and a canary, when bounded, then the canary goes alone: 1 + ceil(3 / 2) waves, still within the ETA', () => {
  const p = planPhase({ snapshot: fourNodes(), phase: phase({ maxUnavailable: 2, canary: 1, soak: '30s' }) });
  assert.deepEqual(p.lowerBound?.nodes, { ms: 915 * SECOND, count: 4, perWave: 2, waves: 3, nodeMs: 305 * SECOND });
  assert.equal(p.lowerBound?.text, 'node throughput: 4 nodes, the canary (1) alone, then 2 at a time = 3 waves × 5m5s per node');
  assert.ok((p.lowerBound?.ms ?? Infinity) <= p.eta.totalMs);
});

test('given 6 web pods on each of two nodes and a budget that allows 2, when bounded, then each node is a wave of its own: 2 waves bind, 12 / 2 × 1m beside them', () => {
  const snap = snapshot({ nodes: [node('n-1'), node('n-2')], pods: pods({ name: 'web', on: [...Array(6).fill('n-1'), ...Array(6).fill('n-2')] }), pdbs: [pdb('web', 2)] });
  const p = planPhase({ snapshot: snap, phase: phase({ maxUnavailable: 2, canary: 0, soak: '30s' }) });
  // Each node alone holds more than the budget allows, so no schedule can put both in one wave
  assert.deepEqual(p.blockedNodes.map((b) => b.name), ['n-1', 'n-2']);
  assert.equal(p.lowerBound?.binding, 'waves');
  assert.equal(p.lowerBound?.ms, 610 * SECOND);
  assert.deepEqual(p.lowerBound?.waves, { ms: 610 * SECOND, waves: 2, nodeMs: 305 * SECOND });
  assert.equal(p.lowerBound?.pdb?.ms, 6 * MINUTE);
  assert.equal(p.lowerBound?.nodes.ms, 305 * SECOND);
  assert.equal(p.lowerBound?.text, 'waves that keep every budget and the topology: 2 × 5m5s per node');
  // Each node alone (6 > 2); its drain waits ceil((6 − 2) / 2) = 2 rounds of 1m.
  assert.deepEqual(p.waves.map((w) => w.nodes), [['n-1'], ['n-2']]);
  assert.deepEqual(p.eta.waves.map((w) => [w.pdbWaitMs, w.waitsOn, w.drainMs, w.durationMs]), [
    [2 * MINUTE, 'shop/web', 150 * SECOND, 425 * SECOND],
    [2 * MINUTE, 'shop/web', 150 * SECOND, 425 * SECOND],
  ]);
});

test('given 12 web pods over four nodes and a budget that allows 2, when bounded without waves, then the budget binds: 12 / 2 × 1m', () => {
  const budget: PdbBudget = { name: 'shop/web', allowed: 2, source: 'status', podsInScope: 12 };
  const b = lowerBound({ nodes: 4, perWave: 4, nodeMs: 305 * SECOND, pdbs: [budget], replacementMs: MINUTE });
  assert.equal(b.binding, 'pdb');
  assert.equal(b.ms, 6 * MINUTE);
  assert.equal(b.text, 'PDB shop/web: 12 pods, 2 at a time, 1m to replace each');
});

test('given a replacement time as a parameter, when bounded, then the budget bound and the waits use it', () => {
  const snap = snapshot({ nodes: [node('n-1')], pods: pods({ name: 'web', on: Array(6).fill('n-1') }), pdbs: [pdb('web', 2)] });
  const p = planPhase({ snapshot: snap, phase: phase({ canary: 0 }), options: { replacementMs: 90 * SECOND } });
  assert.equal(p.lowerBound?.pdb?.ms, 270 * SECOND);
  assert.equal(p.eta.waves[0]?.pdbWaitMs, 180 * SECOND);
  assert.equal(p.eta.steps.sources.replacement, 'estimate');
});

test('given the reference examples, when bounded, then 1,000 nodes 10 at a time at 8m take 800m and 60 pods 1 at a time at 90s take 90m', () => {
  const nodesOnly = lowerBound({ nodes: 1000, perWave: 10, nodeMs: 8 * MINUTE, pdbs: [], replacementMs: 90 * SECOND });
  assert.equal(nodesOnly.ms, 800 * MINUTE);
  assert.equal(nodesOnly.pdb, undefined);
  const budget: PdbBudget = { name: 'shop/web', allowed: 1, source: 'status', podsInScope: 60 };
  const pdbBound = lowerBound({ nodes: 60, perWave: 60, nodeMs: 8 * MINUTE, pdbs: [budget], replacementMs: 90 * SECOND });
  assert.equal(pdbBound.binding, 'pdb');
  assert.equal(pdbBound.ms, 90 * MINUTE);
});

test('given estimates in the plan, when estimated, then they replace the defaults and a fixed drain replaces the grace periods', () => {
  const p = planPhase({ snapshot: fourNodes(), phase: phase({ maxUnavailable: 4, canary: 0, estimates: { drain: '45s', action: '5m', ready: '2m' } }), options: { gateMs: 0 } });
  // web's budget splits the four nodes into two waves of two.
  const wave = [45 * SECOND, 5 * MINUTE, 2 * MINUTE, 7 * MINUTE + 45 * SECOND];
  assert.deepEqual(p.eta.waves.map((w) => [w.drainMs, w.actionMs, w.readyMs, w.durationMs]), [wave, wave]);
  assert.equal(p.eta.steps.replacementMs, 2 * MINUTE);
  assert.deepEqual(p.eta.steps.sources, { drain: 'estimate', action: 'estimate', ready: 'estimate', replacement: 'estimate' });
});

test('given measured history, when estimated, then it replaces both estimates and defaults', () => {
  const p = planPhase({
    snapshot: fourNodes(),
    phase: phase({ maxUnavailable: 4, canary: 0, estimates: { action: '5m' } }),
    history: { drainMs: 20 * SECOND, actionMs: 100 * SECOND, readyMs: 40 * SECOND, replacementMs: 30 * SECOND },
    options: { gateMs: 0 },
  });
  assert.deepEqual(p.eta.waves.map((w) => w.durationMs), [160 * SECOND, 160 * SECOND]);
  assert.deepEqual(p.eta.steps.sources, { drain: 'history', action: 'history', ready: 'history', replacement: 'history' });
});

test('given an upgrade, when estimated, then the action defaults to 1m instead of 3m', () => {
  const p = planPhase({ snapshot: fourNodes(), phase: phase({ action: { type: 'agent', operation: 'upgrade', version: 'v1.31.2' } }) });
  assert.equal(p.eta.steps.actionMs, MINUTE);
});

test('given a drain grace period override and a pod with an hour of grace, when estimated, then the override wins and grace is capped by drain.timeout', () => {
  const snap = snapshot({ nodes: [node('n-1')], pods: pods({ name: 'slow', on: ['n-1'], graceSeconds: 3600 }) });
  const capped = planPhase({ snapshot: snap, phase: phase({ drain: { timeout: '10m' } }) });
  assert.equal(capped.eta.waves[0]?.drainMs, 10 * MINUTE);
  const overridden = planPhase({ snapshot: snap, phase: phase({ drain: { gracePeriod: '10s' } }) });
  assert.equal(overridden.eta.waves[0]?.drainMs, 10 * SECOND);
});

test('given a budget that allows nothing now, when planned, then its node waits the whole drain.timeout and a note says why', () => {
  const snap = snapshot({ nodes: [node('n-1'), node('n-2')], pods: pods({ name: 'db', on: ['n-1'] }), pdbs: [pdb('db', 0)] });
  const p = planPhase({ snapshot: snap, phase: phase({ maxUnavailable: 2, canary: 0, drain: { timeout: '5m' } }) });
  const wave = p.eta.waves.find((w) => w.waitsOn === 'shop/db');
  assert.equal(wave?.drainMs, 5 * MINUTE);
  assert.ok(p.notes.some((n) => n.startsWith('PDB shop/db allows no disruption now and 1 of its pods sit on nodes in scope')), p.notes.join('\n'));
  assert.equal(p.lowerBound?.pdb, undefined);
  // And the node is reported blocked by the budget, alone in its wave, without stopping the phase: the drain's timeout policy decides at run time
  assert.deepEqual(p.blockedNodes, [{ name: 'n-1', pdb: 'shop/db', pods: 1, allowed: 0 }]);
  assert.deepEqual(p.waves.find((w) => w.nodes.includes('n-1'))?.nodes, ['n-1']);
  assert.deepEqual(p.blockers, []);
});

test('given a drain expected to outlast drain.timeout, when estimated, then a note names the wave, the budget and the fix', () => {
  const snap = snapshot({ nodes: [node('n-1')], pods: pods({ name: 'web', on: Array(12).fill('n-1') }), pdbs: [pdb('web', 1)] });
  const p = planPhase({ snapshot: snap, phase: phase({ canary: 0, drain: { timeout: '5m' } }) });
  assert.ok(p.notes.includes('wave 1: the drain is expected to take 11m30s waiting on PDB shop/web, longer than drain.timeout 5m; raise drain.timeout, or make room in the budget'), p.notes.join('\n'));
});

test('on random fleets, the planner\'s own schedule never has fewer waves or less time than the lower bound', () => {
  const rounds = fc.option(fc.integer({ min: 0, max: 2 }), { nil: undefined });
  const drain = fc.constantFrom(undefined, '0s', '45s');
  fc.assert(fc.property(world, rounds, drain, (w, r, d) => {
    const snap = build(w);
    const p = planWorld(w, snap, { ...(r === undefined ? {} : { budgetWaitRounds: r }), ...(d === undefined ? {} : { estimates: { drain: d } }) });
    const bound = p.lowerBound;
    assert.ok(bound?.waves, 'a phase of waves has a wave bound');
    assert.ok(bound.waves.waves <= p.waves.length, `${p.waves.length} waves planned, the bound says at least ${bound.waves.waves}: ${bound.text}`);
    assert.ok(bound.ms <= p.eta.totalMs, `ETA ${p.eta.totalMs} ms below the bound ${bound.ms} ms: ${bound.text}`);
    assert.ok(bound.ms >= bound.nodes.ms && bound.ms >= (bound.pdb?.ms ?? 0), 'the bound is the largest of the three');
  }), { numRuns: 400 });
});

test('on a fleet of serial zones where budgets need more waves than the node budget, the plan takes the waves the bound counts', () => {
  // Given 4 zones × 5 racks × 10 nodes, 50 at a time (25%), and 12 workloads of 56 replicas spread over all
  // nodes, each under a budget of 10% (6 at once): each zone holds about 14 pods of a budget, so 3 waves
  // per zone, not the 1 (or 2 with the canary) its nodes need
  const fleet = nodes({ zones: 4, racks: 5, nodesPerRack: 10 });
  const names = fleet.map((n) => n.name);
  const podList = Array.from({ length: 12 }, (_, d) => pods({ name: `svc${d}`, on: Array.from({ length: 56 }, (_, i) => names[(7 * d + 37 * i) % names.length] as string) })).flat();
  const snap = snapshot({ nodes: fleet, pods: podList, pdbs: Array.from({ length: 12 }, (_, d) => pdb(`svc${d}`, 6)) });
  const p = planPhase({ snapshot: snap, phase: phase({ maxUnavailable: '25%', canary: 1, topology: { key: ZONE, serial: true, then: { key: RACK } } }) });
  // Then every wave keeps every budget, and the ETA is within 1.2× the bound, which counts budget waves
  assert.deepEqual(p.blockedNodes, []);
  assert.equal(p.lowerBound?.binding, 'waves');
  assert.ok((p.lowerBound?.waves?.waves ?? 0) > (p.lowerBound?.nodes.waves ?? 0));
  assert.ok(p.eta.totalMs <= 1.2 * (p.lowerBound?.ms ?? 0), `ETA ${p.eta.totalMs} against the bound ${p.lowerBound?.ms}: ${p.waves.map((x) => x.nodes.length).join(',')}`);
});
