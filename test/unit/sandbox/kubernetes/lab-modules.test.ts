// The pins under lab/ hold together: the staging modules at the Kubernetes release's own v0.N.P, etcd
// at the minor whose client that release requires, and a binary's cache key moving with its go.sum; Helm
// is built beside them as a tool the engine does not need to start.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findUpstream } from '../../../../src/sandbox/kubernetes/upstream-build.ts';
import { LAB_DIR, pinUpstreamBinaries, requiredVersion } from '../../../../src/sandbox/kubernetes/upstream-modules.ts';

test('requiredVersion reads one-line requires and require blocks, and ignores replace lines', () => {
  const goMod = [
    'module x',
    'require k8s.io/kubernetes v1.37.2',
    'require (',
    '\tgo.etcd.io/etcd/client/v3 v3.7.0 // indirect',
    ')',
    'replace k8s.io/api => k8s.io/api v0.37.2',
  ].join('\n');
  assert.equal(requiredVersion(goMod, 'k8s.io/kubernetes'), 'v1.37.2');
  assert.equal(requiredVersion(goMod, 'go.etcd.io/etcd/client/v3'), 'v3.7.0');
  assert.equal(requiredVersion(goMod, 'k8s.io/api'), undefined);
  assert.equal(requiredVersion(goMod, 'k8s.io/kube'), undefined);
});

test('every staging replace in lab/go.mod points at the v0.N.P of the pinned Kubernetes v1.N.P', async () => {
  const goMod = await readFile(join(LAB_DIR, 'go.mod'), 'utf8');
  const kubernetes = requiredVersion(goMod, 'k8s.io/kubernetes');
  assert.ok(kubernetes, 'lab/go.mod requires k8s.io/kubernetes');
  const staging = kubernetes.replace(/^v1\./, 'v0.');
  const replaces = [...goMod.matchAll(/^\s*(k8s\.io\/\S+) => (\S+) (v\S+)/gm)];
  assert.ok(replaces.length >= 30, `expected the staging replaces, found ${replaces.length}`);
  for (const [, from, to, version] of replaces) assert.deepEqual([to, version], [from, staging], `replace line for ${from}`);
});

test('etcd is built at the minor of the etcd client the pinned Kubernetes requires', async () => {
  const pinned = await pinUpstreamBinaries();
  const etcd = pinned.find((b) => b.name === 'etcd');
  const client = requiredVersion(await readFile(join(LAB_DIR, 'go.mod'), 'utf8'), 'go.etcd.io/etcd/client/v3');
  assert.ok(etcd && client);
  assert.equal(etcd.upstreamVersion.split('.').slice(0, 2).join('.'), client.split('.').slice(0, 2).join('.'));
});

test('a binary is keyed by its own module files: changing kwok/go.sum changes only kwok\'s key', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'daylight-lab-'));
  try {
    await cp(LAB_DIR, dir, { recursive: true });
    const before = await pinUpstreamBinaries(dir);
    await writeFile(join(dir, 'kwok', 'go.sum'), '\n', { flag: 'a' });
    const after = await pinUpstreamBinaries(dir);
    const changed = after.filter((b, i) => b.moduleHash !== before[i]?.moduleHash).map((b) => b.name);
    assert.deepEqual(changed, ['kwok']);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('Helm is built from lab/helm as a tool: it is pinned like the rest, and a missing Helm does not stop the engine from starting', async () => {
  const pinned = await pinUpstreamBinaries();
  const helm = pinned.find((b) => b.name === 'helm');
  assert.ok(helm, 'helm is among the upstream binaries');
  assert.deepEqual([helm.moduleDir, helm.upstreamModule, helm.mainPackage, helm.role], ['helm', 'helm.sh/helm/v4', 'helm.sh/helm/v4/cmd/helm', 'tool']);
  assert.match(helm.upstreamVersion, /^v4\.\d+\.\d+$/);
  assert.deepEqual(pinned.filter((b) => b.role === 'engine').map((b) => b.name).sort(), ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kwok']);
  // Given a cache holding every engine binary but not Helm
  const cacheRoot = await mkdtemp(join(tmpdir(), 'daylight-cache-'));
  try {
    const { binDir, binaries } = await findUpstream(cacheRoot);
    await mkdir(binDir, { recursive: true });
    for (const b of pinned) if (b.role === 'engine') await writeFile(binaries[b.name], '');
    // Then nothing the engine needs is missing, and Helm's path is where the build puts it
    const found = await findUpstream(cacheRoot);
    assert.deepEqual(found.missing, []);
    assert.equal(found.binaries.helm, join(binDir, 'helm'));
    // And an engine binary taken away is named
    await rm(binaries.kwok);
    assert.deepEqual((await findUpstream(cacheRoot)).missing, ['kwok']);
  } finally {
    await rm(cacheRoot, { recursive: true, force: true });
  }
});
