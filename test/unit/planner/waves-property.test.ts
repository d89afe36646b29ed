// Property tests for the wave planner over random fleets, workloads and budgets: every node once, no wave
// over the node budget, a zone cap or (when avoidable) a PDB, and the same waves however the cluster is listed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { planPhase } from '../../../src/planner/plan-phase.ts';
import type { PhasePlan } from '../../../src/planner/types.ts';
import type { ClusterSnapshot } from '../../../src/kube/types.ts';
import { nodes, pdb, phase, pods, RACK, snapshot, ZONE } from './fixtures.ts';

const world = fc.record({
  zones: fc.integer({ min: 1, max: 4 }),
  racks: fc.integer({ min: 1, max: 3 }),
  nodesPerRack: fc.integer({ min: 1, max: 4 }),
  workloads: fc.array(fc.record({ placement: fc.array(fc.nat(), { minLength: 1, maxLength: 24 }), allowed: fc.integer({ min: 0, max: 3 }) }), { maxLength: 4 }),
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
  return snapshot({ nodes: fleet, pods: podList, pdbs: w.workloads.map((wl, i) => pdb(`app${i}`, wl.allowed)) });
}

function plan(w: World, snap: ClusterSnapshot): PhasePlan {
  const topology = { key: ZONE, serial: w.serial, then: { key: RACK }, ...(w.perZone ? { maxPerDomain: w.perZone } : {}) };
  return planPhase({ snapshot: snap, phase: phase({ maxUnavailable: w.maxUnavailable, canary: w.canary, topology }) });
}

function podsOnWave(snap: ClusterSnapshot, wave: readonly string[], app: string): number {
  const on = new Set(wave);
  return snap.pods.filter((p) => p.labels.app === app && p.nodeName !== undefined && on.has(p.nodeName)).length;
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

test('a wave of several nodes never holds more pods of a budget than it allows at once', () => {
  fc.assert(fc.property(world, (w) => {
    const snap = build(w);
    const p = plan(w, snap);
    for (const wave of p.waves.filter((x) => x.nodes.length > 1)) {
      w.workloads.forEach((wl, i) => assert.ok(podsOnWave(snap, wave.nodes, `app${i}`) <= wl.allowed, `wave ${wave.index} over app${i}: ${wave.reason}`));
    }
  }), { numRuns: 300 });
});

test('the same cluster listed in reverse gives the same plan', () => {
  fc.assert(fc.property(world, (w) => {
    const snap = build(w);
    const reversed = { ...snap, nodes: [...snap.nodes].reverse(), pods: [...snap.pods].reverse() };
    assert.deepEqual(plan(w, reversed), plan(w, snap));
  }), { numRuns: 100 });
});
