// `daylight skip RUN`: judged against the run's plan and journal before anything is sent (one part named, a
// part the rollout has, a run not over, a plan with a rollout), then written to the run's control file where
// the run's skip inbox reads it, with who and why.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../../src/cli/main.ts';
import type { RunEvent } from '../../../src/engine/events.ts';
import { createRunDir, SkipReader } from '../../../src/engine/run-dir.ts';
import { FileJournal } from '../../../src/journal/file-journal.ts';

const PLAN = `apiVersion: daylight.dev/v1alpha1
kind: MaintenancePlan
metadata: {name: fleet}
spec:
  clusters:
    - {name: dev-eu, context: dev-eu, labels: {env: dev}}
    - {name: prod-eu, context: prod-eu, labels: {env: prod, region: eu}}
  phases: [{name: os-patch, type: nodes}]
  rollout:
    stages:
      - {name: dev, clusters: {selector: env=dev}}
      - {name: prod, clusters: {selector: env=prod}, groups: {by: region}}
`;

function setUp(planText = PLAN, events: RunEvent[] = []) {
  const dir = mkdtempSync(join(tmpdir(), 'daylight-skip-'));
  const plan = join(dir, 'plan.yaml');
  writeFileSync(plan, planText);
  const runId = 'fleet-20261206-100000-abcd';
  const paths = createRunDir(join(dir, 'state'), runId);
  const journal = FileJournal.open<RunEvent>(paths.journal, runId, () => Date.parse('2026-12-06T10:00:00Z'));
  return {
    dir,
    paths,
    runId,
    ready: (async () => {
      await journal.append({ type: 'run.started', plan: { name: 'fleet', path: plan, sha256: 'a'.repeat(64) }, clusters: ['dev-eu', 'prod-eu'], holder: runId });
      for (const e of events) await journal.append(e);
      journal.close();
    })(),
  };
}

async function daylight(args: string[]) {
  let out = '';
  let err = '';
  const code = await main(args, { out: (t) => (out += `${t}\n`), err: (t) => (err += `${t}\n`), isTty: false });
  return { code, out, err };
}

test('a cluster, a group (STAGE/GROUP) or a stage the rollout has is sent with who and why, and the run\'s inbox reads it', async () => {
  const s = setUp();
  try {
    await s.ready;
    const state = ['--state-dir', join(s.dir, 'state')];
    const r = await daylight(['skip', s.runId, ...state, '--cluster', 'prod-eu', '--as', 'alice', '--comment', 'HW-12']);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /skip of cluster prod-eu sent to run fleet-20261206-100000-abcd as alice; no process runs it now: it is taken when the run resumes/);
    assert.equal((await daylight(['skip', s.runId, ...state, '--group', 'prod/region=eu', '--as', 'bob'])).code, 0);
    assert.equal((await daylight(['skip', s.runId, ...state, '--stage', 'dev', '--as', 'carol'])).code, 0);
    const read = new SkipReader(s.paths).poll();
    assert.deepEqual(read.map((q) => [q.target, q.by, q.via, q.comment]), [[{ cluster: 'prod-eu' }, 'alice', 'cli', 'HW-12'], [{ group: 'prod/region=eu' }, 'bob', 'cli', undefined], [{ stage: 'dev' }, 'carol', 'cli', undefined]]);
  } finally {
    rmSync(s.dir, { recursive: true, force: true });
  }
});

test('refused with the reason, nothing sent: no part or two named, a part the rollout lacks, a completed stage, a finished run, a plan without a rollout', async () => {
  const s = setUp(PLAN, [{ type: 'rollout.stage.started', stage: 'dev', groups: [{ name: 'dev-eu', clusters: ['dev-eu'] }] }, { type: 'rollout.stage.completed', stage: 'dev' }]);
  try {
    await s.ready;
    const state = ['--state-dir', join(s.dir, 'state')];
    const cases: [string[], RegExp][] = [
      [[], /name exactly one part to skip: --stage NAME, --group STAGE\/GROUP or --cluster NAME/],
      [['--stage', 'dev', '--cluster', 'dev-eu'], /name exactly one part to skip.*\(got --stage and --cluster\)/],
      [['--cluster', 'nope'], /the rollout has no cluster "nope"/],
      [['--group', 'region=eu'], /the rollout has no group "region=eu" \(write STAGE\/GROUP: dev\/dev-eu, prod\/region=eu\)/],
      [['--stage', 'qa'], /the rollout has no stage "qa" \(it has dev, prod\)/],
      [['--stage', 'dev'], /stage dev is completed; there is nothing of it to skip/],
    ];
    for (const [args, message] of cases) {
      const r = await daylight(['skip', s.runId, ...state, '--as', 'alice', ...args]);
      assert.equal(r.code, 2, args.join(' '));
      assert.match(r.err, message, args.join(' '));
    }
    assert.deepEqual(new SkipReader(s.paths).poll(), []);
  } finally {
    rmSync(s.dir, { recursive: true, force: true });
  }
  const plain = setUp(PLAN.replace(/ {2}rollout:[\s\S]*$/, '').replace(/, labels: \{[^}]*\}/g, ''));
  try {
    await plain.ready;
    const r = await daylight(['skip', plain.runId, '--state-dir', join(plain.dir, 'state'), '--cluster', 'dev-eu']);
    assert.equal(r.code, 2);
    assert.match(r.err, /has no spec\.rollout: there are no stages or groups to skip/);
  } finally {
    rmSync(plain.dir, { recursive: true, force: true });
  }
});
