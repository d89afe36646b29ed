// Property tests for the wave planner over random fleets, workloads and budgets: every node once, no wave
// over the node budget, a zone cap or a PDB (a node that alone holds more than a PDB allows is reported
// blocked and goes alone), and the same waves however the cluster is listed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { planPhase } from '../../../src/planner/plan-phase.ts';
import type { PhasePlan } from '../../../src/planner/types.ts';
import type { ClusterSnapshot } from '../../../src/kube/types.ts';
import { overBudget } from '../../helpers/budget-referee.ts';
import { nodes, pdb, phase, pods, RACK, snapshot, ZONE } from './fixtures.ts';

const world = fc.record({
  zones: fc.integer({ min: 1, max: 4 }),
  racks: fc.integer({ min: 1, max: 3 }),
  nodesPerRack: fc.integer({ min: 1, max: 4 }),
  workloads: fc.array(fc.record({ placement: fc.array(fc.nat(), { minLength: 1, maxLength: 24 }), allowed: fc.integer({ min: 0, max: 3 }), fromSpec: fc.option(fc.integer({ min: 1, max: 100 }), { nil: undefined }) }), { maxLength: 4 }),
  maxUnavailable: fc.oneof(fc.integer({ min: 1, max: 8 }), fc.constantFrom('10%', '25%', '50%', '100%')),
  canary: fc.integer({ min: 0, max: 2 }),
  serial: fc.boolean(),
  perZone: fc.option(fc.integer({ min: 1, max: 3 }), { nil: undefined }),
});

type World = typeof world extends fc.Arbitrary<infer T> ? T : never;

function build(w: World): ClusterSnapshot {
  const fleet = nodes(w);
  const names = fleet.map((n) => n.name);
  const podList = w.workloads.flatMap((wl, i) => pods({ name: `app${i}`, on: wl.placement.map((k) => names[k % names.length] as string) }));
  return snapshot({ nodes: fleet, pods: podList, pdbs: w.workloads.map((wl, i) => budget(`app${i}`, wl)) });
}

/** A budget with its status written, or one the disruption controller has not seen yet: maxUnavailable n% of its pods. */
function budget(name: string, wl: World['workloads'][number]) {
  if (wl.fromSpec === undefined) return pdb(name, wl.allowed);
  return pdb(name, 0, { maxUnavailable: `${wl.fromSpec}%`, currentHealthy: 0, desiredHealthy: 0, disruptionsAllowed: 0, expectedPods: 0 });
}

function plan(w: World, snap: ClusterSnapshot): PhasePlan {
  const topology = { key: ZONE, serial: w.serial, then: { key: RACK }, ...(w.perZone ? { maxPerDomain: w.perZone } : {}) };
  return planPhase({ snapshot: snap, phase: phase({ maxUnavailable: w.maxUnavailable, canary: w.canary, topology }) });
}

test('every node is maintained exactly once and no wave exceeds the node budget or a zone cap', () => {
  fc.assert(fc.property(world, (w) => {
    const snap = build(w);
    const p = plan(w, snap);
    assert.deepEqual(p.waves.flatMap((x) => x.nodes).sort(), snap.nodes.map((n) => n.name).sort());
    for (const wave of p.waves) {
      assert.ok(wave.nodes.length <= p.budget.perWave);
      const perZone = new Map<string, number>();
      for (const n of wave.nodes) perZone.set(n.split('-')[1] ?? '', (perZone.get(n.split('-')[1] ?? '') ?? 0) + 1);
      if (w.perZone) assert.ok(Math.max(...perZone.values()) <= w.perZone);
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
