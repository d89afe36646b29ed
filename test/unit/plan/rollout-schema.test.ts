// spec.rollout and clusters[].labels as the plan file loads them: the defaults, every cluster in exactly one
// stage, groups that cover their stage, counts and percentages, stage gates; and the rollout the planner
// resolves from them (groups, rounding, the lower bound a run is measured against).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UserError } from '../../../src/lib/errors.ts';
import { parsePlan } from '../../../src/plan/load.ts';
import { IN_ORDER, nextStageStart, resolveCount, resolveRollout, rolloutLowerBound } from '../../../src/planner/rollout.ts';

const CLUSTERS = `  clusters:
    - {name: dev-eu, context: dev-eu, labels: {env: dev, region: eu}}
    - {name: prod-eu-1, context: prod-eu-1, labels: {env: prod, region: eu}}
    - {name: prod-eu-2, context: prod-eu-2, labels: {env: prod, region: eu}}
    - {name: prod-us-1, context: prod-us-1, labels: {env: prod, region: us}}
`;

function text(rollout: string, clusters = CLUSTERS): string {
  return `apiVersion: daylight.dev/v1alpha1
kind: MaintenancePlan
metadata:
  name: fleet
spec:
${clusters}  phases:
    - name: os-patch
      type: nodes
  rollout:
${rollout}`;
}

const load = (rollout: string, clusters?: string) => parsePlan('plans/fleet.yaml', text(rollout, clusters)).plan;

function problems(rollout: string, clusters?: string): string[] {
  try {
    load(rollout, clusters);
  } catch (e: unknown) {
    assert.ok(e instanceof UserError, `expected a UserError, got ${String(e)}`);
    return e.message.split('\n');
  }
  assert.fail('the plan was accepted');
}

const TWO_STAGES = `    stages:
      - name: dev
        clusters: {selector: env=dev}
      - name: prod
        clusters: {selector: env=prod}
        groups: {by: region}
        maxConcurrency: 2
`;

test('a rollout gets safe defaults: one group at a time, no failure allowed, no soak, consistent versions', () => {
  const plan = load(TWO_STAGES);
  const [dev, prod] = plan.spec.rollout?.stages ?? [];
  assert.equal(plan.spec.rollout?.versions, 'consistent');
  assert.deepEqual([dev?.maxConcurrency, dev?.maxAllowedFailures, dev?.afterStageWait.ms, dev?.before, dev?.after], [1, 0, 0, [], []]);
  assert.deepEqual(prod?.groups, { by: 'region' });
  assert.deepEqual(plan.spec.clusters[0]?.labels, { env: 'dev', region: 'eu' });
});

test('every cluster is in exactly one stage, and every stage selects one; each problem says where and what to do', () => {
  const both = problems(`    stages:
      - {name: all, clusters: {selector: "region=eu"}}
      - {name: prod, clusters: {selector: env=prod}}
`);
  assert.ok(both.some((l) => /spec\.rollout\.stages\[1\]\.clusters\.selector: cluster prod-eu-1 is in stage "all" and in stage "prod"; a cluster is maintained once, in one stage: narrow one selector/.test(l)), both.join('\n'));
  const none = problems(`    stages:
      - {name: prod, clusters: {selector: env=prod}}
`);
  assert.ok(none.some((l) => /spec\.clusters\[0\]\.labels: cluster dev-eu \(env=dev,region=eu\) is in no stage of spec\.rollout; label it for a stage's selector, or remove it from spec\.clusters/.test(l)), none.join('\n'));
  const empty = problems(`${TWO_STAGES}      - {name: qa, clusters: {selector: env=qa}}
`);
  assert.ok(empty.some((l) => /spec\.rollout\.stages\[2\]\.clusters\.selector: stage "qa" selects no cluster with "env=qa"; the clusters are dev-eu \(env=dev,region=eu\), prod-eu-1/.test(l)), empty.join('\n'));
  const twice = problems(`${TWO_STAGES}      - {name: dev, clusters: {selector: env=none}}
`);
  assert.ok(twice.some((l) => /stages\[2\]\.name: stage "dev" appears twice/.test(l)), twice.join('\n'));
});

test('groups: by a label every cluster of the stage has, or named groups that hold each of its clusters exactly once', () => {
  const unlabelled = problems(`    stages:
      - {name: dev, clusters: {selector: env=dev}}
      - {name: prod, clusters: {selector: env=prod}, groups: {by: zone}}
`);
  assert.ok(unlabelled.some((l) => /stages\[1\]\.groups\.by: cluster prod-eu-1 of stage "prod" has no label "zone" to be grouped by/.test(l)), unlabelled.join('\n'));
  const missed = problems(`    stages:
      - {name: dev, clusters: {selector: env=dev}}
      - name: prod
        clusters: {selector: env=prod}
        groups: {named: [{name: eu, selector: region=eu}]}
`);
  assert.ok(missed.some((l) => /stages\[1\]\.groups\.named: cluster prod-us-1 \(env=prod,region=us\) of stage "prod" is in none of its groups/.test(l)), missed.join('\n'));
  const doubled = problems(`    stages:
      - {name: dev, clusters: {selector: env=dev}}
      - name: prod
        clusters: {selector: env=prod}
        groups: {named: [{name: eu, selector: region=eu}, {name: all, selector: env=prod}]}
`);
  assert.ok(doubled.some((l) => /cluster prod-eu-1 of stage "prod" is in groups eu and all; a cluster belongs to one group/.test(l)), doubled.join('\n'));
  const either = problems(`    stages:
      - {name: dev, clusters: {selector: env=dev}}
      - {name: prod, clusters: {selector: env=prod}, groups: {by: region, named: [{name: eu, selector: region=eu}]}}
`);
  assert.ok(either.some((l) => /stages\[1\]\.groups: give groups one of by .* or named/.test(l)), either.join('\n'));
});

test('counts, percentages, gates and labels that are not well formed say what to write', () => {
  const lines = problems(`    stages:
      - name: dev
        clusters: {selector: env=dev}
        maxConcurrency: 150%
        maxAllowedFailures: -1
        before: [{type: schedule, time: "25:00"}, {type: webhook}]
      - {name: prod, clusters: {selector: env=prod}}
`);
  const all = lines.join('\n');
  assert.match(all, /stages\[0\]\.maxConcurrency: "150%" is neither a whole number nor a percentage up to 100%; use a whole number of groups or a percentage up to 100%/);
  assert.match(all, /stages\[0\]\.maxAllowedFailures: -1 is not a whole number of clusters from 0 to 10,000/);
  assert.match(all, /stages\[0\]\.before\[0\]\.time: write a time of day as "HH:MM"/);
  assert.match(all, /stages\[0\]\.before\[1\]\.type: "webhook" is not allowed; write one of "approval", "schedule", "kube"/);
  const label = problems(TWO_STAGES, CLUSTERS.replace('region: eu}}', 'region: "eu west"}}'));
  assert.match(label.join('\n'), /spec\.clusters\[0\]\.labels\.region: write a label value as Kubernetes does/);
});

test('the resolved rollout: groups by label in the plan\'s cluster order, concurrency rounded down (at least 1), failures rounded up', () => {
  const r = resolveRollout(load(TWO_STAGES).spec);
  assert.equal(r.explicit, true);
  assert.deepEqual(r.stages.map((s) => [s.name, s.groups.map((g) => [g.name, g.clusters]), s.maxConcurrency]), [
    ['dev', [['dev-eu', ['dev-eu']]], 1],
    ['prod', [['region=eu', ['prod-eu-1', 'prod-eu-2']], ['region=us', ['prod-us-1']]], 2],
  ]);
  assert.equal(resolveCount('50%', 3, 'down'), 1);
  assert.equal(resolveCount('50%', 3, 'up'), 2);
  assert.equal(resolveCount('10%', 3, 'up'), 1);
  assert.equal(resolveCount(4, 3, 'down'), 4);
  const pct = resolveRollout(load(TWO_STAGES.replace('maxConcurrency: 2', 'maxConcurrency: "10%"')).spec);
  assert.equal(pct.stages[1]?.maxConcurrency, 1, '10% of 2 groups is 0, and a stage runs at least one');
});

test('without spec.rollout the clusters go in plan order: one stage, one group per cluster, one at a time, no failure allowed', () => {
  const plan = parsePlan('plans/fleet.yaml', text('').replace('  rollout:\n', '')).plan;
  const r = resolveRollout(plan.spec);
  assert.equal(r.explicit, false);
  assert.deepEqual(r.stages.map((s) => [s.name, s.groups.map((g) => g.clusters), s.maxConcurrency, s.maxAllowedFailures]), [[IN_ORDER, [['dev-eu'], ['prod-eu-1'], ['prod-eu-2'], ['prod-us-1']], 1, 0]]);
});

test('the lower bound: per stage the longer of its longest group chain and its work over its lanes, plus its soak', () => {
  const r = resolveRollout(load(TWO_STAGES.replace('      - name: prod', '        afterStageWait: 10m\n      - name: prod')).spec);
  const ms: Record<string, number> = { 'dev-eu': 5, 'prod-eu-1': 10, 'prod-eu-2': 20, 'prod-us-1': 50 };
  // dev: 5 + soak 600,000; prod: groups eu 30, us 50 on 2 lanes: max(50, 80 / 2) = 50
  assert.equal(rolloutLowerBound(r, (c) => ms[c] ?? 0), 5 + 600_000 + 50);
});

test('a stage\'s scheduled start: the first of its days at its time in its time zone, at or after now', () => {
  const monday = Date.parse('2026-12-07T08:00:00Z');
  assert.equal(new Date(nextStageStart({ days: ['Tue'], time: '09:00', timezone: 'Europe/Berlin' }, monday)).toISOString(), '2026-12-08T08:00:00.000Z');
  assert.equal(new Date(nextStageStart({ days: ['Mon'], time: '08:00', timezone: 'UTC' }, monday)).toISOString(), '2026-12-07T08:00:00.000Z', 'now is at the time: it starts now');
});
