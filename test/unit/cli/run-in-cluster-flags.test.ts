// `daylight run --in-cluster`'s flags, checked before anything is read or sent: the local run's flags are
// refused with it, and its own are refused without it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { main } from '../../../src/cli/main.ts';

async function daylight(args: string[]): Promise<{ code: number; err: string }> {
  let err = '';
  const code = await main(args, { out: () => {}, err: (t) => (err += `${t}\n`), isTty: false });
  return { code, err };
}

test('--in-cluster excludes --resume, --state-dir and --skip-preflight; --namespace and --context need it', async () => {
  for (const [flag, value] of [['--resume', 'weekly-1'], ['--state-dir', '/tmp/x'], ['--skip-preflight', undefined]] as const) {
    const r = await daylight(['run', '-f', 'examples/plans/demo.yaml', '--in-cluster', flag, ...(value ? [value] : [])]);
    assert.equal(r.code, 2, r.err);
    assert.match(r.err, new RegExp(`--in-cluster excludes ${flag}: the controller keeps the run`));
  }
  for (const flag of ['--namespace', '--context']) {
    const r = await daylight(['run', '-f', 'examples/plans/demo.yaml', flag, 'x']);
    assert.equal(r.code, 2, r.err);
    assert.match(r.err, new RegExp(`${flag} is for --in-cluster`));
  }
});

test('approve --in-cluster takes no --as (the answer is in the Kubernetes user\'s name) and no --state-dir; --namespace needs --in-cluster', async () => {
  const as = await daylight(['approve', 'weekly-1', '--in-cluster', '--as', 'alice']);
  assert.equal(as.code, 2, as.err);
  assert.match(as.err, /--in-cluster excludes --as: the answer is written in your Kubernetes user's name/);
  const dir = await daylight(['reject', 'weekly-1', '--in-cluster', '--state-dir', '/tmp/x', '--comment', 'no']);
  assert.equal(dir.code, 2, dir.err);
  assert.match(dir.err, /--in-cluster excludes --state-dir/);
  const ns = await daylight(['approve', 'weekly-1', '--namespace', 'daylight-system']);
  assert.equal(ns.code, 2, ns.err);
  assert.match(ns.err, /--namespace is for --in-cluster/);
});
