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
