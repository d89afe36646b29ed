// The bundled Kubernetes client: the same exports as the package, built once and atomically, named by the
// installed version, and taken by a process through the resolve hook (in a child, so this process's own
// imports are left as they are).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, realpathSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildClientNodeBundle, clientNodeBundlePath, clientNodeEntry } from '../../../src/cli/client-node-bundle.ts';

const require = createRequire(import.meta.url);
const ROOT = join(import.meta.dirname, '..', '..', '..');

test('the bundle is named by the installed client-node version and lives beside the packages it imports', () => {
  const version = (JSON.parse(readFileSync(require.resolve('@kubernetes/client-node/package.json'), 'utf8')) as { version: string }).version;
  assert.equal(clientNodeBundlePath(), join(realpathSync(join(ROOT, 'node_modules')), '.cache', 'daylight', `client-node-${version}.mjs`));
});

test('a bundle built afresh exports every name the package exports, with the same kinds of value, and leaves no partial file', async () => {
  // The bare packages it imports resolve from the project, as they do for the bundle in node_modules/.cache
  const out = join(ROOT, 'node_modules', '.cache', 'daylight', `test-${process.pid}.mjs`);
  try {
    assert.equal(buildClientNodeBundle(out), out);
    const built = statSync(out).mtimeMs;
    // Built once: a second call finds it
    buildClientNodeBundle(out);
    assert.equal(statSync(out).mtimeMs, built);
    assert.deepEqual(readdirSync(join(ROOT, 'node_modules', '.cache', 'daylight')).filter((f) => f.startsWith(`test-${process.pid}.mjs.`)), []);
    const bundled = (await import(pathToFileURL(out).href)) as Record<string, unknown>;
    // (by file, not by name: the name may already be sent to the bundle in this process)
    assert.match(clientNodeEntry(), /\/node_modules\/@kubernetes\/client-node\/dist\/index\.js$/);
    const original = (await import(pathToFileURL(clientNodeEntry()).href)) as Record<string, unknown>;
    assert.ok(Object.keys(original).length > 500, 'the package exports its API classes and models');
    assert.deepEqual(Object.keys(bundled).sort(), Object.keys(original).sort());
    for (const name of Object.keys(original)) assert.equal(typeof bundled[name], typeof original[name], name);
    // And it works: a kubeconfig loads and names its server
    const { KubeConfig } = bundled as { KubeConfig: new () => { loadFromString(s: string): void; getCurrentCluster(): { server: string } | null } };
    const kc = new KubeConfig();
    kc.loadFromString('{"apiVersion":"v1","kind":"Config","clusters":[{"name":"c","cluster":{"server":"https://127.0.0.1:6443"}}],"users":[{"name":"u","user":{"token":"t"}}],"contexts":[{"name":"x","context":{"cluster":"c","user":"u"}}],"current-context":"x"}');
    assert.equal(kc.getCurrentCluster()?.server, 'https://127.0.0.1:6443');
  } finally {
    rmSync(out, { force: true });
  }
});

test('a process started with the preload imports client-node from the bundle, and one without it from the package', () => {
  assert.ok(existsSync(buildClientNodeBundle()));
  const resolve = (args: string[]) => {
    const r = spawnSync(process.execPath, [...args, '--input-type=module', '-e', "process.stdout.write(import.meta.resolve('@kubernetes/client-node'))"], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } });
    assert.equal(r.status, 0, r.stderr);
    return r.stdout;
  };
  assert.equal(resolve(['--import', './src/cli/client-node-preload.ts']), pathToFileURL(clientNodeBundlePath()).href);
  assert.equal(resolve([]), pathToFileURL(clientNodeEntry()).href);
});
