// `daylight platform diff` as a user runs it: the shipped examples (cert-manager ← ingress-nginx ←
// grafana) as text and JSON, help, and bad input exiting 2 with file:line:column and no stack trace.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DiffJson } from '../../src/platform/render-diff.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const NODE = join(ROOT, 'node_modules/.bin/node');
const OLD = 'examples/platform/old.yaml';
const NEW = 'examples/platform/new.yaml';

function daylight(args: readonly string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(NODE, ['src/cli/entry.ts', ...args], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('given the example workspaces, platform diff shows the three upgrades, their order and the breaking changes, and exits 0', () => {
  const r = daylight(['platform', 'diff', OLD, NEW]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, '');
  const out = r.stdout;
  assert.match(out, /^Platform diff examples\/platform\/old\.yaml → examples\/platform\/new\.yaml$/m);
  assert.match(out, /^ {2}cert-manager {3}v1\.14\.5 → v1\.15\.3$/m);
  assert.match(out, /^ {2}ingress-nginx {2}4\.10\.1 → 4\.11\.2 {2}also changed: checks\.imageTag, checks\.builtin$/m);
  assert.match(out, /^ {2}grafana {8}8\.4\.0 → 8\.5\.1 {2}also changed: checks\.imageTag$/m);
  const order = out.slice(out.indexOf('Upgrade order:')).split('\n').slice(1, 4);
  assert.deepEqual(order, ['  1. cert-manager', '  2. ingress-nginx  after cert-manager', '  3. grafana        after cert-manager, ingress-nginx']);
  assert.match(out, /Changelog cert-manager v1\.14\.5 → v1\.15\.3 \(examples\/platform\/changelogs\/cert-manager\.md\), entries between:/);
  assert.match(out, /BREAKING CHANGES \(2\):\n {4}v1\.15\.0: The Helm value `installCRDs` is replaced by `crds\.enabled`/);
  assert.match(out, /BREAKING CHANGES \(1\):\n {4}4\.11\.0: BREAKING: the `controller\.admissionWebhooks\.patch\.image` value moves/);
  assert.doesNotMatch(out, /v1\.14\.5\n {4}- Fix: a Certificate/, 'the entry of the version already installed is not shown');
  assert.ok(out.indexOf('Changelog cert-manager') < out.indexOf('Changelog ingress-nginx') && out.indexOf('Changelog ingress-nginx') < out.indexOf('Changelog grafana'), 'changelogs follow the upgrade order');
});

test('-o json gives the same diff as data: order, directions, changelog entries', () => {
  const r = daylight(['platform', 'diff', OLD, NEW, '-o', 'json']);
  assert.equal(r.code, 0, r.stderr);
  const d = JSON.parse(r.stdout) as DiffJson;
  assert.deepEqual(d.order.map((o) => o.name), ['cert-manager', 'ingress-nginx', 'grafana']);
  assert.deepEqual(d.upgraded.map((u) => [u.name, u.from, u.to, u.downgrade]), [['cert-manager', 'v1.14.5', 'v1.15.3', false], ['grafana', '8.4.0', '8.5.1', false], ['ingress-nginx', '4.10.1', '4.11.2', false]]);
  const cm = d.upgraded.find((u) => u.name === 'cert-manager');
  assert.deepEqual(cm?.changelog?.entries.map((e) => e.version), ['v1.15.3', 'v1.15.2', 'v1.15.0']);
  assert.deepEqual([d.added, d.removed], [[], []]);
});

test('the reverse diff flags every component as a downgrade and shows what it undoes', () => {
  const r = daylight(['platform', 'diff', NEW, OLD]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^ {2}cert-manager {3}v1\.15\.3 → v1\.14\.5 {2}DOWNGRADE$/m);
  assert.match(r.stdout, /Changelog grafana 8\.5\.1 → 8\.4\.0 \(examples\/platform\/changelogs\/grafana\.md\), entries undone by the downgrade:/);
});

test('the same file twice: no changes, exit 0', () => {
  const r = daylight(['platform', 'diff', NEW, NEW]);
  assert.equal(r.code, 0);
  assert.match(r.stdout, /No changes: all 3 components are the same\./);
});

test('--help explains the command; a missing or unknown subcommand exits 2 with the usage', () => {
  const help = daylight(['platform', '--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /^Usage: daylight platform diff OLD\.yaml NEW\.yaml \[-o json\]/);
  assert.match(daylight(['--help']).stdout, /platform\s+platform-stack upgrades/);
  const sub = daylight(['platform', 'dif', OLD, NEW]);
  assert.equal(sub.code, 2);
  assert.equal(sub.stderr, 'daylight: unknown subcommand "dif"; use: daylight platform diff OLD.yaml NEW.yaml\n');
  const one = daylight(['platform', 'diff', OLD]);
  assert.equal(one.code, 2);
  assert.match(one.stderr, /platform diff needs two workspace files/);
});

test('bad input exits 2 with file:line:column and the fix, never a stack trace: a cycle, a missing changelog, a missing file', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'daylight-platform-'));
  try {
    const cyclic = join(dir, 'cyclic.yaml');
    await writeFile(cyclic, ['apiVersion: daylight.dev/v1alpha1', 'kind: Workspace', 'metadata: {name: x}', 'spec:', '  components:', '    - {name: a, version: "1.0.0", upgrade: x, dependsOn: [b]}', '    - {name: b, version: "1.0.0", upgrade: x, dependsOn: [a]}', ''].join('\n'));
    const cycle = daylight(['platform', 'diff', OLD, cyclic]);
    assert.equal(cycle.code, 2);
    assert.equal(cycle.stderr, `daylight: ${cyclic}:6:59: spec.components[0].dependsOn[0]: dependency cycle: a → b → a; remove one of these dependsOn entries\n`);

    const noLog = join(dir, 'new.yaml');
    await writeFile(noLog, ['apiVersion: daylight.dev/v1alpha1', 'kind: Workspace', 'metadata: {name: x}', 'spec:', '  components:', '    - name: cert-manager', '      version: v1.16.0', '      upgrade: x', '      changelog: changelogs/cert-manager.md', ''].join('\n'));
    const missingLog = daylight(['platform', 'diff', OLD, noLog]);
    assert.equal(missingLog.code, 2);
    assert.match(missingLog.stderr, new RegExp(`^daylight: ${dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/new\\.yaml:9:18: spec\\.components\\[0\\]\\.changelog: .*changelogs/cert-manager\\.md: no such file; write the path relative to the workspace file, or remove changelog\n$`));

    const missing = daylight(['platform', 'diff', OLD, join(dir, 'nope.yaml')]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /nope\.yaml: no such workspace file/);
    for (const r of [cycle, missingLog, missing]) assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
