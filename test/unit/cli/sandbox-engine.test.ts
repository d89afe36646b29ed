// `daylight sandbox up --engine`: a bad engine name, flags the kubernetes engine has no counterpart for,
// a fleet asking for faults the engine cannot play, and missing upstream binaries each exit 2 with what to do, before anything is started or built.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../../src/cli/main.ts';
import { smallFleetYaml } from '../../support/fleets.ts';

async function daylight(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(args, { out: (t) => (out += `${t}\n`), err: (t) => (err += `${t}\n`), isTty: false });
  return { code, out, err };
}

test('an unknown engine exits 2 naming both engines', async () => {
  const r = await daylight(['sandbox', 'up', '--engine', 'kind']);
  assert.equal(r.code, 2);
  assert.match(r.err, /--engine kind is not an engine; use --engine simulated or --engine kubernetes/);
});

test('--speed with the kubernetes engine exits 2: it runs in real time', async () => {
  const r = await daylight(['sandbox', 'up', '--engine', 'kubernetes', '--speed', '10']);
  assert.equal(r.code, 2);
  assert.match(r.err, /--speed is not supported with --engine kubernetes \(it runs real components in real time\)/);
});

test('without the upstream binaries the kubernetes engine exits 2, asks for npm run lab:build and builds nothing', async () => {
  const cache = await mkdtemp(join(tmpdir(), 'daylight-empty-cache-'));
  const saved = process.env.XDG_CACHE_HOME;
  process.env.XDG_CACHE_HOME = cache;
  try {
    const r = await daylight(['sandbox', 'up', '--engine', 'kubernetes', '--port', '0']);
    assert.equal(r.code, 2);
    assert.match(r.err, /etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kwok are not in .*daylight\/kubernetes\/v\d+\.\d+\.\d+\/bin; run `npm run lab:build`/);
    assert.deepEqual(await readdir(cache), [], 'nothing built or created in the cache');
  } finally {
    if (saved === undefined) delete process.env.XDG_CACHE_HOME;
    else process.env.XDG_CACHE_HOME = saved;
    await rm(cache, { recursive: true, force: true });
  }
});

test('a fleet with pod faults exits 2 on the kubernetes engine, naming each field and why, before looking for binaries', async () => {
  // Given a fleet file asking for API faults (which the engine plays) and a never-ready pod, and no upstream binaries at all
  const cache = await mkdtemp(join(tmpdir(), 'daylight-empty-cache-'));
  const file = join(cache, 'fleet.yaml');
  await writeFile(file, smallFleetYaml({ faults: '{api: {errorRate: 0.2}, pods: [{namespace: shop, workload: web, neverReady: true}]}' }));
  const saved = process.env.XDG_CACHE_HOME;
  process.env.XDG_CACHE_HOME = cache;
  try {
    // When it is brought up on the kubernetes engine
    const r = await daylight(['sandbox', 'up', '--engine', 'kubernetes', '--fleet', file, '--port', '0']);

    // Then it exits 2 with one line per field it cannot play (not the API faults), and never asks for a build
    assert.equal(r.code, 2);
    assert.match(r.err, /--engine kubernetes cannot run this fleet as written:/);
    assert.doesNotMatch(r.err, /faults\.api/);
    assert.match(r.err, /faults\.pods\[0\] \(shop\/web: neverReady\): kwok plays every pod of a workload alike/);
    assert.doesNotMatch(r.err, /lab:build/);
  } finally {
    if (saved === undefined) delete process.env.XDG_CACHE_HOME;
    else process.env.XDG_CACHE_HOME = saved;
    await rm(cache, { recursive: true, force: true });
  }
});

test('--node-agents takes built-in or processes, and only with the kubernetes engine', async () => {
  const simulated = await daylight(['sandbox', 'up', '--node-agents', 'processes']);
  assert.equal(simulated.code, 2);
  assert.match(simulated.err, /--node-agents is for --engine kubernetes/);
  const bad = await daylight(['sandbox', 'up', '--engine', 'kubernetes', '--node-agents', 'kured']);
  assert.equal(bad.code, 2);
  assert.match(bad.err, /--node-agents kured: expected built-in or processes/);
});
