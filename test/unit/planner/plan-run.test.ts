// Unit tests for a whole run's plan: clusters and phases one after another, blockers with fixes, regional
// traffic steps, history, determinism, and what `daylight plan` prints as text and JSON.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { planRunJson } from '../../../src/planner/json.ts';
import { planRun } from '../../../src/planner/plan-run.ts';
import type { RunInput } from '../../../src/planner/plan-run.ts';
import { renderPlan } from '../../../src/planner/render.ts';
import { every, MINUTE, nodes, pdb, plan, pods, RACK, SECOND, snapshot, ZONE } from './fixtures.ts';

const NOW = Date.parse('2026-03-04T08:00:00Z');
const TWO_CLUSTERS = { clusters: [{ name: 'eu-central' }, { name: 'eu-west' }] };
const PHASE = { maxUnavailable: '25%', soak: '30s', topology: { key: ZONE, serial: true, then: { key: RACK } } };

function cluster(name: string) {
  const fleet = nodes();
  const names = fleet.map((n) => n.name);
  return snapshot({ cluster: name, nodes: fleet, pods: pods({ name: 'web', on: every(names, 6, 2) }), pdbs: [pdb('web', 1)] });
}

function input(over: Partial<RunInput> = {}): RunInput {
  return { snapshots: [cluster('eu-central'), cluster('eu-west')], plan: plan(TWO_CLUSTERS, PHASE), now: NOW, ...over };
}

test('given two clusters, when planned, then the second starts when the first ends and the run ends with the last', () => {
  const run = planRun(input());
  const [a, b] = run.clusters.map((c) => c.phases[0]);
  assert.deepEqual(run.clusters.map((c) => c.name), ['eu-central', 'eu-west']);
  assert.deepEqual([a?.order, b?.order], [1, 2]);
  assert.equal(a?.schedule.startMs, NOW);
  assert.equal(b?.schedule.startMs, a?.schedule.endMs);
  assert.equal(run.endMs, b?.schedule.endMs);
  assert.equal(run.makespanMs, (a?.plan.eta.totalMs ?? 0) + (b?.plan.eta.totalMs ?? 0));
  assert.equal(run.lowerBoundMs, (a?.plan.lowerBound?.ms ?? 0) + (b?.plan.lowerBound?.ms ?? 0));
  assert.deepEqual(run.blockers, []);
});

test('given two phases, when planned, then each phase runs on every cluster before the next phase starts', () => {
  const p = plan({ ...TWO_CLUSTERS, phases: [{ name: 'os-patch', type: 'nodes', ...PHASE }, { name: 'k8s-upgrade', type: 'nodes', action: { type: 'agent', operation: 'upgrade', version: 'v1.31.2' } }] });
  const run = planRun(input({ plan: p }));
  const order = run.clusters.flatMap((c) => c.phases.map((ph) => [ph.order, c.name, ph.plan.phase])).sort((x, y) => Number(x[0]) - Number(y[0]));
  assert.deepEqual(order, [[1, 'eu-central', 'os-patch'], [2, 'eu-west', 'os-patch'], [3, 'eu-central', 'k8s-upgrade'], [4, 'eu-west', 'k8s-upgrade']]);
});

test('given a cluster whose unavailable nodes use up the budget, when planned, then the run lists the blocker with cluster, phase and fix', () => {
  const west = cluster('eu-west');
  const broken = { ...west, nodes: west.nodes.map((n, i) => (i < 3 ? { ...n, ready: false } : n)) };
  const run = planRun(input({ snapshots: [cluster('eu-central'), broken] }));
  assert.deepEqual(run.blockers, [{
    cluster: 'eu-west',
    phase: 'os-patch',
    message: 'maxUnavailable 25% of 12 nodes (3) leaves no room: 3 nodes are already unavailable (w-1a-r1-1 NotReady, w-1a-r1-2 NotReady, w-1a-r2-1 NotReady); uncordon or repair them, or raise maxUnavailable',
  }]);
  assert.deepEqual(run.clusters[1]?.phases[0]?.schedule.steps, []);
});

test('given no snapshot of a cluster, when planned, then a blocker says which and what to check', () => {
  const run = planRun(input({ snapshots: [cluster('eu-central')] }));
  assert.deepEqual(run.blockers, [{ cluster: 'eu-west', phase: 'os-patch', message: 'no snapshot of cluster eu-west; check its kubeconfig and context' }]);
});

test('given snapshots named after kube contexts, when planned, then they are taken in plan order', () => {
  const run = planRun(input({ snapshots: [cluster('ctx-a'), cluster('ctx-b')] }));
  assert.deepEqual(run.clusters.map((c) => c.phases[0]?.plan.cluster), ['eu-central', 'eu-west']);
  assert.deepEqual(run.blockers, []);
});

test('given a regional phase with traffic, when planned, then the region leaves traffic before the first wave and comes back step by step after the last', () => {
  const p = plan({ ...TWO_CLUSTERS, traffic: { provider: 'sandbox', drain: { timeout: '1m' }, restore: { steps: [10, 50, 100], interval: '20s' } } }, { ...PHASE, regional: true });
  const steps = planRun(input({ plan: p })).clusters[0]?.phases[0]?.schedule.steps ?? [];
  assert.deepEqual(steps[0], { id: 'traffic out', startMs: NOW, endMs: NOW + MINUTE, waitMs: 0, fits: true });
  assert.equal(steps[1]?.id, 'wave 1');
  assert.deepEqual([steps.at(-1)?.id, (steps.at(-1)?.endMs ?? 0) - (steps.at(-1)?.startMs ?? 0)], ['traffic back', 60 * SECOND]);
});

test('given a regional phase and no traffic provider, when the plan is read, then it is refused with the fix', () => {
  assert.throws(() => plan(TWO_CLUSTERS, { ...PHASE, regional: true }), /a regional phase needs spec\.traffic with a provider \(haproxy, gateway-api, sandbox or manual\); set it, or regional: false/);
});

test('given a regional phase and one cluster, when the plan is read, then it is refused: the last region never leaves traffic', () => {
  assert.throws(() => plan({ traffic: { provider: 'sandbox' } }, { ...PHASE, regional: true }), /a regional phase needs two clusters or more/);
});

test('given gates in the plan, when planned, then every wave spends 5s on them, and none without gates', () => {
  const withGates = planRun(input({ plan: plan({ ...TWO_CLUSTERS, gates: [{ type: 'kube', check: 'nodes-ready' }] }, PHASE) }));
  const without = planRun(input());
  assert.equal(withGates.clusters[0]?.phases[0]?.plan.eta.steps.gateMs, 5 * SECOND);
  assert.equal(without.clusters[0]?.phases[0]?.plan.eta.steps.gateMs, 0);
});

test('given history for one cluster and for the phase, when planned, then the cluster\'s own history wins', () => {
  const run = planRun(input({ history: { 'eu-west/os-patch': { actionMs: 100 * SECOND }, 'os-patch': { actionMs: 200 * SECOND } } }));
  assert.deepEqual(run.clusters.map((c) => c.phases[0]?.plan.eta.steps.actionMs), [200 * SECOND, 100 * SECOND]);
});

test('given the same input listed in another order, when planned twice, then the JSON is the same', () => {
  const shuffled = input({ snapshots: [cluster('eu-west'), cluster('eu-central')].map((s) => ({ ...s, nodes: [...s.nodes].reverse(), pods: [...s.pods].reverse() })) });
  assert.equal(JSON.stringify(planRunJson(planRun(shuffled))), JSON.stringify(planRunJson(planRun(input()))));
});

test('given a window, when planned, then the run starts at the next opening and times are shown in its zone', () => {
  const p = plan({ ...TWO_CLUSTERS, window: { timezone: 'Europe/Berlin', allow: [{ days: ['Mon', 'Tue', 'Wed', 'Thu', 'Fri'], start: '10:00', end: '16:00' }] } }, PHASE);
  const run = planRun(input({ plan: p }));
  assert.equal(run.startMs, Date.parse('2026-03-04T09:00:00Z'));
  assert.equal(run.timezone, 'Europe/Berlin');
  assert.match(renderPlan(run), /^start Wed 2026-03-04 10:00, end Wed 2026-03-04 /m);
});

test('given a plan, when rendered as text, then it shows each wave with nodes, domain, ETA and reason, the lower bound and the blockers', () => {
  const text = renderPlan(planRun(input()));
  assert.match(text, /^plan weekly-os-patch: 1 phase on 2 clusters, \d+ waves; times in UTC$/m);
  assert.match(text, /^eu-central · os-patch \(1 of 2\)$/m);
  assert.match(text, /^ {2}12 nodes selected, 12 to maintain; maxUnavailable 25% = 3, 0 already unavailable, so 3 at once$/m);
  assert.match(text, /^ {2}WAVE +NODES +DOMAIN +ETA +START +REASON$/m);
  assert.match(text, /^ {2}1 +w-1a-r1-1 +eu-1a +\S+ +Wed 2026-03-04 08:00 +canary: zone eu-1a/m);
  // Each zone's 4 nodes need 2 waves of at most 3, and its 2 web pods 2 waves under a budget of 1: 6 waves
  assert.match(text, /^ {2}lower bound 27m, waves that keep every budget and the topology: 6 × 4m30s per node \(node throughput alone: 22m30s\); ETA \S+ is \d\.\d\d× it$/m);
  assert.match(text, /^blockers: none$/m);
});

test('given a plan, when turned into JSON, then durations come as ms and Go-style text and instants as ms and ISO text', () => {
  const json = planRunJson(planRun(input()));
  assert.deepEqual(JSON.parse(JSON.stringify(json)), json);
  const wave = json.clusters[0]?.phases[0]?.waves[0];
  // 30s of web's grace + 3m reboot + 1m ready + 30s soak, no gates.
  assert.equal(wave?.durationMs, 300 * SECOND);
  assert.equal(wave?.duration, '5m');
  assert.equal(wave?.start, '2026-03-04T08:00:00.000Z');
  assert.equal(wave?.startMs, NOW);
  // Serial zones of 4 nodes, 3 at a time, each with 2 web pods under a budget of 1: 2 waves per zone, 6 in
  // all × (0s drain of an empty node + 3m + 1m + 30s); the canary alone, then ceil(11 / 3) = 5 waves beside it.
  const bound = json.clusters[0]?.phases[0]?.lowerBound;
  assert.deepEqual([bound?.ms, bound?.duration, bound?.binding, bound?.waves?.waves, bound?.nodes.ms], [27 * MINUTE, '27m', 'waves', 6, 22.5 * MINUTE]);
  assert.deepEqual([json.lowerBoundMs, json.lowerBound], [54 * MINUTE, '54m']);
  assert.deepEqual(json.clusters[0]?.phases[0]?.blockedNodes, []);
});

test('given a regional phase whose waves wait for the next window, when planned, then a note says how long the region stays out of traffic', () => {
  const p = plan({ ...TWO_CLUSTERS, traffic: { provider: 'sandbox' }, window: { allow: [{ start: '08:00', end: '08:20' }] } }, { ...PHASE, regional: true });
  const phase = planRun(input({ plan: p })).clusters[0]?.phases[0];
  assert.match(phase?.notes[0] ?? '', /^the region stays out of traffic for \S+ while waves wait for the next window/);
});
