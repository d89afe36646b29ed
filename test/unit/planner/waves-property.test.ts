// Property tests for the wave planner over random fleets, workloads and budgets: every node once, no wave
// over the node budget, a zone cap or a PDB (a node that alone holds more than a PDB allows is reported
// blocked and goes alone), and the same waves however the cluster is listed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { overBudget } from '../../helpers/budget-referee.ts';
import { build, planWorld as plan, world } from './random-fleet.ts';

test('every node is maintained exactly once and no wave exceeds the node budget, a zone cap or a rack cap', () => {
  fc.assert(fc.property(world, (w) => {
    const snap = build(w);
    const p = plan(w, snap);
    assert.deepEqual(p.waves.flatMap((x) => x.nodes).sort(), snap.nodes.map((n) => n.name).sort());
    for (const wave of p.waves) {
      assert.ok(wave.nodes.length <= p.budget.perWave);
      const perZone = new Map<string, number>();
      for (const n of wave.nodes) perZone.set(n.split('-')[1] ?? '', (perZone.get(n.split('-')[1] ?? '') ?? 0) + 1);
      if (w.perZone) assert.ok(Math.max(...perZone.values()) <= w.perZone);
      const perRack = new Map<string, number>();
      for (const n of wave.nodes) perRack.set(n.split('-').slice(1, 3).join('-'), (perRack.get(n.split('-').slice(1, 3).join('-')) ?? 0) + 1);
      if (w.perRack) assert.ok(Math.max(...perRack.values()) <= w.perRack);
      if (w.serial) assert.equal(perZone.size, 1);
    }
    if (w.canary > 0) assert.ok((p.waves[0]?.nodes.length ?? 0) <= w.canary);
  }), { numRuns: 300 });
});

test('no wave holds more pods of a budget than it allows at once, unless it is one node the plan reports blocked by that budget', () => {
  fc.assert(fc.property(world, (w) => {
    const snap = build(w);
    const p = plan(w, snap);
    const blocked = new Set(p.blockedNodes.map((b) => `${b.name} ${b.pdb}`));
    for (const o of overBudget(p.waves.map((x) => x.nodes), snap)) {
      const wave = p.waves[o.wave - 1];
      const reported = wave?.nodes.length === 1 && blocked.has(`${wave.nodes[0]} ${o.pdb}`);
      assert.ok(reported, `wave ${o.wave} holds ${o.pods} pods of PDB ${o.pdb}, which allows ${o.allowed}: ${wave?.reason}`);
    }
  }), { numRuns: 300 });
});

test('a node is reported blocked exactly when it alone holds more pods of a budget than the budget allows', () => {
  fc.assert(fc.property(world, (w) => {
    const snap = build(w);
    const p = plan(w, snap);
    const alone = overBudget(snap.nodes.map((n) => [n.name]), snap).map((o) => `${snap.nodes[o.wave - 1]?.name} ${o.pdb}`);
    assert.deepEqual(p.blockedNodes.map((b) => `${b.name} ${b.pdb}`).sort(), alone.sort());
  }), { numRuns: 300 });
});

test('the same cluster listed in reverse gives the same plan', () => {
  fc.assert(fc.property(world, (w) => {
    const snap = build(w);
    const reversed = { ...snap, nodes: [...snap.nodes].reverse(), pods: [...snap.pods].reverse() };
    assert.deepEqual(plan(w, reversed), plan(w, snap));
  }), { numRuns: 100 });
});
