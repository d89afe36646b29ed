// One build of a binary at a time on the machine: a second process waits while the first holds the lock and
// takes the built binary; a lock left by a process that is gone is taken over.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildLock } from '../../../src/sandbox/kubernetes/upstream-build.ts';

test('a lock held by a live process is waited for, and its build taken; a lock of a process that is gone is taken over', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'daylight-lock-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const lock = join(dir, 'helm.lock');
  const lines: string[] = [];
  // Given a lock held by a live process that builds the binary
  const holder = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)']);
  t.after(() => holder.kill('SIGKILL'));
  await writeFile(lock, String(holder.pid));
  let built = false;
  setTimeout(() => (built = true), 150);
  // When another process wants it, then it waits and takes the other's build
  assert.equal(await buildLock(lock, async () => built, { log: (l) => lines.push(l), pollMs: 20 }), 'built');
  assert.match(lines[0] ?? '', new RegExp(`waiting for process ${holder.pid}, which is building`));
  // Given the holder gone, when it is asked again, then the lock is taken (this process's pid in it) and given back
  holder.kill('SIGKILL');
  await new Promise((r) => holder.once('close', r));
  const release = await buildLock(lock, async () => false, { log: () => {}, pollMs: 20 });
  assert.notEqual(release, 'built');
  assert.equal(await readFile(lock, 'utf8'), String(process.pid));
  if (release !== 'built') await release();
  assert.equal(existsSync(lock), false);
});
