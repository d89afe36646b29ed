// What `daylight plan` shows of spec.rollout, as text and JSON: the stages in order with their groups and
// clusters, gates and soak, and an ETA per stage from the clusters' own estimates; nothing without a rollout.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadPlanFile } from '../../../src/plan/load.ts';
import type { Plan } from '../../../src/plan/schema.ts';
import { planRunJson } from '../../../src/planner/json.ts';
import { planRun } from '../../../src/planner/plan-run.ts';
import { renderPlan } from '../../../src/planner/render.ts';
import { HOUR, MINUTE, nodes, SECOND, snapshot } from './fixtures.ts';

const NOW = Date.parse('2026-03-04T08:00:00Z');
/** One node a wave, no pods to drain: 3m reboot + 1m ready + 30s soak each. */
const WAVE = 4 * MINUTE + 30 * SECOND;
/** Nodes per cluster: prod-eu-1 has three, so its region's chain is the longest. */
const FLEET: readonly { name: string; labels: Record<string, string>; nodes: number }[] = [
  { name: 'dev-eu', labels: { env: 'dev', region: 'eu' }, nodes: 2 },
  { name: 'dev-us', labels: { env: 'dev', region: 'us' }, nodes: 2 },
  { name: 'staging-eu', labels: { env: 'staging', region: 'eu' }, nodes: 2 },
  { name: 'prod-eu-1', labels: { env: 'prod', region: 'eu' }, nodes: 3 },
  { name: 'prod-eu-2', labels: { env: 'prod', region: 'eu' }, nodes: 2 },
  { name: 'prod-us-1', labels: { env: 'prod', region: 'us' }, nodes: 2 },
  { name: 'prod-ap-1', labels: { env: 'prod', region: 'ap' }, nodes: 2 },
];

const ROLLOUT = `
  rollout:
    stages:
      - name: dev
        clusters: { selector: env=dev }
        maxConcurrency: "100%"
        afterStageWait: 1h
      - name: staging
        clusters: { selector: env=staging }
        before: [{ type: approval, name: change board, timeout: 4h }]
      - name: prod
        clusters: { selector: env=prod }
        groups: { by: region }
        maxConcurrency: 2
        after: [{ type: kube, check: nodes-ready, name: analysis }]`;

function planYaml(rollout: string): string {
  const clusters = FLEET.map((c) => `    - name: ${c.name}\n      labels: { ${Object.entries(c.labels).map(([k, v]) => `${k}: ${v}`).join(', ')} }`).join('\n');
  return `apiVersion: daylight.dev/v1alpha1
kind: MaintenancePlan
metadata: { name: fleet-os-patch }
spec:
  clusters:
${clusters}
  phases:
    - { name: os-patch, type: nodes, maxUnavailable: 1, soak: 30s }
${rollout}
`;
}

/** The plan as `daylight plan -f` reads it, from a file. */
async function loadPlan(rollout: string): Promise<Plan> {
  const dir = mkdtempSync(join(tmpdir(), 'daylight-plan-rollout-'));
  try {
    const file = join(dir, 'plan.yaml');
    writeFileSync(file, planYaml(rollout));
    return (await loadPlanFile(file)).plan;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function planned(rollout = ROLLOUT) {
  const snapshots = FLEET.map((c) => snapshot({ cluster: c.name, nodes: nodes({ zones: 1, racks: 1, nodesPerRack: c.nodes }) }));
  return planRun({ snapshots, plan: await loadPlan(rollout), now: NOW });
}

test('given a plan with a rollout, when shown as text, then its stages come in order with their groups, clusters, gates, soak and ETA', async () => {
  const text = renderPlan(await planned());
  const section = text.slice(text.indexOf('rollout:'), text.indexOf('\n\n', text.indexOf('rollout:')));
  // dev: its two clusters at once, 9m, then the 1h soak; staging: 9m after its approval; prod: region=eu's
  // 13m30s + 9m chain beats the 40m30s of the three regions spread over 2 lanes; no soak after the last stage
  assert.deepEqual(section.split('\n'), [
    'rollout: 3 stages one after another, versions consistent; from Wed 2026-03-04 08:00 to Wed 2026-03-04 09:40: 1h40m30s, not counting the wait for approvals',
    'stage 1 of 3 · dev: 2 clusters in 2 groups, 2 at once, maxAllowedFailures 0',
    '  before: none',
    '  GROUP   CLUSTERS     MAX FAILURES  ETA',
    '  dev-eu  dev-eu (9m)  0             9m',
    '  dev-us  dev-us (9m)  0             9m',
    '  after: none; soak 1h',
    '  ETA 1h9m: 9m of work (longest group 9m; 2 groups over 2 lanes) + soak 1h; ends 1h9m from the start, Wed 2026-03-04 09:09',
    'stage 2 of 3 · staging: 1 cluster in 1 group, 1 at once, maxAllowedFailures 0',
    '  before: approval "change board", reject after 4h without an answer',
    '  GROUP       CLUSTERS         MAX FAILURES  ETA',
    '  staging-eu  staging-eu (9m)  0             9m',
    '  after: none',
    '  ETA 9m: 9m of work (longest group 9m; 1 group over 1 lane); ends 1h18m from the start, Wed 2026-03-04 09:18',
    'stage 3 of 3 · prod: 4 clusters in 3 groups, 2 at once, maxAllowedFailures 0',
    '  before: none',
    '  GROUP      CLUSTERS                            MAX FAILURES  ETA',
    '  region=eu  prod-eu-1 (13m30s), prod-eu-2 (9m)  0             22m30s',
    '  region=us  prod-us-1 (9m)                      0             9m',
    '  region=ap  prod-ap-1 (9m)                      0             9m',
    '  after: analysis (kube nodes-ready on each cluster)',
    '  ETA 22m30s: 22m30s of work (longest group 22m30s; 3 groups over 2 lanes); ends 1h40m30s from the start, Wed 2026-03-04 09:40',
  ]);
  assert.ok(text.indexOf('rollout:') < text.indexOf('dev-eu · os-patch'), 'the rollout comes before the phases');
});

test('given a plan with a rollout, when turned into JSON, then the rollout carries the same stages, groups, clusters and numbers', async () => {
  const json = planRunJson(await planned());
  assert.deepEqual(JSON.parse(JSON.stringify(json)), json);
  const r = json.rollout;
  assert.deepEqual([r?.startMs, r?.endMs, r?.etaMs, r?.eta], [NOW, NOW + HOUR + 40 * MINUTE + 30 * SECOND, HOUR + 40 * MINUTE + 30 * SECOND, '1h40m30s']);
  assert.deepEqual(r?.stages.map((s) => [s.name, s.maxConcurrency, s.maxAllowedFailures, s.afterStageWaitMs, s.soakMs, s.workMs, s.etaMs, s.cumulativeMs]), [
    ['dev', 2, 0, HOUR, HOUR, 2 * WAVE, 2 * WAVE + HOUR, 2 * WAVE + HOUR],
    ['staging', 1, 0, 0, 0, 2 * WAVE, 2 * WAVE, 4 * WAVE + HOUR],
    ['prod', 2, 0, 0, 0, 5 * WAVE, 5 * WAVE, 9 * WAVE + HOUR],
  ]);
  const prod = r?.stages[2];
  assert.deepEqual(prod?.groups.map((g) => [g.name, g.clusters.map((c) => [c.name, c.etaMs]), g.etaMs]), [
    ['region=eu', [['prod-eu-1', 3 * WAVE], ['prod-eu-2', 2 * WAVE]], 5 * WAVE],
    ['region=us', [['prod-us-1', 2 * WAVE]], 2 * WAVE],
    ['region=ap', [['prod-ap-1', 2 * WAVE]], 2 * WAVE],
  ]);
  assert.deepEqual(r?.stages[1]?.before, [{ type: 'approval', name: 'change board', text: 'approval "change board", reject after 4h without an answer', onTimeout: 'reject', timeoutMs: 4 * HOUR }]);
  assert.deepEqual(prod?.after, [{ type: 'kube', name: 'analysis', text: 'analysis (kube nodes-ready on each cluster)' }]);
  assert.equal(r?.stages[2]?.end, '2026-03-04T09:40:30.000Z');
  // And the plan's own end and makespan are the rollout's, not its clusters one after another
  assert.deepEqual([json.endMs, json.makespanMs], [r?.endMs, (r?.endMs ?? 0) - NOW]);
  assert.ok(json.lowerBoundMs > 0 && json.lowerBoundMs <= json.makespanMs, `bound ${json.lowerBoundMs} ≤ makespan ${json.makespanMs}`);
});

test('given a plan with a rollout, when shown as text, then its header gives the rollout\'s end and the stage structure\'s bound', async () => {
  const text = renderPlan(await planned());
  assert.match(text, /^start .*, end Wed 2026-03-04 09:40: 1h40m30s in the rollout's stages \(working .* over all clusters, some at once\)$/m);
  assert.match(text, /^lower bound \S+ \(the stage structure over each cluster's own bound\); the makespan is \d+\.\d\d× it$/m);
});

test('given prod one group at a time, when planned, then its ETA is the sum of its groups, not its longest', async () => {
  const json = planRunJson(await planned(ROLLOUT.replace('maxConcurrency: 2', 'maxConcurrency: 1')));
  assert.equal(json.rollout?.stages[2]?.workMs, 9 * WAVE);
});

test('given a stage with a scheduled start, when planned, then it starts at the next of its days and time and its ETA counts from there', async () => {
  const scheduled = ROLLOUT.replace('before: [{ type: approval, name: change board, timeout: 4h }]', 'before: [{ type: schedule, days: [Thu], time: "22:00", timezone: Europe/Berlin }]');
  const run = await planned(scheduled);
  const staging = run.rollout?.stages[1];
  // Wed 09:09 UTC after dev's soak; the next Thursday 22:00 in Berlin (UTC+1 in March) is Thu 21:00 UTC
  assert.deepEqual([staging?.startMs, staging?.endMs], [Date.parse('2026-03-05T21:00:00Z'), Date.parse('2026-03-05T21:00:00Z') + 2 * WAVE]);
  assert.match(renderPlan(run), /^ {2}before: scheduled start Thu 22:00 Europe\/Berlin$/m);
  assert.match(renderPlan(run), /^ {2}ETA 9m: .*; starts at its scheduled start Thu 2026-03-05 21:00; ends /m);
});

test('given a rollout cluster that is blocked, when planned, then its stage has no ETA and says which cluster lacks an estimate', async () => {
  const run = await planned();
  const broken = planRun({
    snapshots: FLEET.map((c) => snapshot({ cluster: c.name, nodes: nodes({ zones: 1, racks: 1, nodesPerRack: c.nodes }).map((n) => (c.name === 'prod-us-1' ? { ...n, ready: false } : n)) })),
    plan: await loadPlan(ROLLOUT),
    now: NOW,
  });
  assert.notEqual(run.rollout?.endMs, undefined);
  assert.equal(broken.rollout?.endMs, undefined);
  assert.match(renderPlan(broken), /^ {2}ETA unknown: no estimate for prod-us-1 \(blocked\); see the blockers$/m);
  assert.deepEqual(planRunJson(broken).rollout?.stages[2]?.groups[1]?.clusters, [{ name: 'prod-us-1', why: 'blocked' }]);
});

test('given a plan without a rollout, when shown as text and JSON, then there is no rollout section', async () => {
  const run = await planned('');
  assert.equal(run.rollout, undefined);
  assert.doesNotMatch(renderPlan(run), /rollout|^stage /m);
  assert.equal('rollout' in planRunJson(run), false);
});
