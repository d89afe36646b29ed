// oneAtATime: functions run one after another in the order given; a failure is its own caller's only.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { oneAtATime } from '../../../src/lib/concurrency.ts';

test('the second starts once the first has ended, and a failure does not stop the next', async () => {
  const run = oneAtATime();
  const seen: string[] = [];
  let release: () => void = () => undefined;
  const first = run(async () => {
    seen.push('first starts');
    await new Promise<void>((r) => (release = r));
    seen.push('first ends');
    throw new Error('first failed');
  });
  const second = run(async () => {
    seen.push('second starts');
    return 2;
  });
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(seen, ['first starts']);
  release();
  await assert.rejects(first, /first failed/);
  assert.equal(await second, 2);
  assert.deepEqual(seen, ['first starts', 'first ends', 'second starts']);
});
