// What can be checked of the agent's image and manifest without Docker or a cluster: the Dockerfile's bases
// pinned to the project's Node, its ENTRYPOINT the command the DaemonSet runs, every file it copies there
// and let through by its .dockerignore, and the DaemonSet's arguments accepted by `daylight agent` itself.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { parse } from '../../../src/cli/args.ts';
import { AGENT_OPTIONS, agentSettings } from '../../../src/cli/agent.ts';

const ROOT = resolve(import.meta.dirname, '../../..');
const DOCKERFILE = join(ROOT, 'images/agent/Dockerfile');

interface Instruction {
  readonly op: string;
  readonly args: string;
}

/** The Dockerfile's instructions, comments dropped and continued lines joined. */
function instructions(text: string): Instruction[] {
  return text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => {
      const [op = '', ...rest] = l.split(/\s+/);
      return { op: op.toUpperCase(), args: rest.join(' ') };
    });
}

interface Container {
  command?: string[];
  args?: string[];
}

/** The DaemonSet's container in deploy/daylight-agent.yaml, the chart rendered with its default values. */
function renderedContainer(): Container {
  const docs = parseAllDocuments(readFileSync(join(ROOT, 'deploy/daylight-agent.yaml'), 'utf8')).map((d) => d.toJS() as { kind?: string; spec?: { template: { spec: { containers: Container[] } } } });
  const ds = docs.find((d) => d?.kind === 'DaemonSet');
  const container = ds?.spec?.template.spec.containers[0];
  assert.ok(container, 'deploy/daylight-agent.yaml has a DaemonSet with a container');
  return container;
}

const steps = instructions(readFileSync(DOCKERFILE, 'utf8'));

test('every stage of the image starts from node:<the project\'s pinned Node>-bookworm-slim, and the last is the runtime', () => {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> };
  const node = pkg.devDependencies.node;
  assert.match(node ?? '', /^\d+\.\d+\.\d+$/, 'package.json pins an exact Node');
  const froms = steps.filter((s) => s.op === 'FROM').map((s) => s.args);
  assert.ok(froms.length >= 2, 'a build stage and a runtime stage');
  for (const from of froms) assert.match(from, new RegExp(`^node:${node?.replace(/\./g, '\\.')}-bookworm-slim AS \\w+$`), `FROM ${from}`);
  assert.match(froms.at(-1) ?? '', / AS runtime$/);
});

test('the image\'s ENTRYPOINT is the command the DaemonSet runs: `daylight agent` from a file the image holds', () => {
  const entrypoint = steps.filter((s) => s.op === 'ENTRYPOINT').at(-1);
  assert.ok(entrypoint, 'the Dockerfile has an ENTRYPOINT');
  const argv = JSON.parse(entrypoint.args) as string[];
  assert.deepEqual(renderedContainer().command, argv);
  assert.deepEqual([argv[0], argv.at(-1)], ['node', 'agent']);
  // The script is the repository's CLI entry, under the runtime stage's WORKDIR where src/ is copied
  const runtime = steps.slice(steps.findLastIndex((s) => s.op === 'FROM'));
  const workdir = runtime.filter((s) => s.op === 'WORKDIR').at(-1)?.args;
  assert.equal(workdir, '/app');
  const script = relative(workdir, argv[1] ?? '');
  assert.equal(script, 'src/cli/entry.ts');
  assert.ok(existsSync(join(ROOT, script)));
  assert.ok(runtime.some((s) => s.op === 'COPY' && /(^|\s)\/app\/src \.\/src$/.test(s.args)), 'the runtime stage copies src/');
});

test('every file the image copies from the build context is in the repository and let through by its .dockerignore', () => {
  const ignore = readFileSync(`${DOCKERFILE}.dockerignore`, 'utf8').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  const allowed = ignore.filter((l) => l.startsWith('!')).map((l) => l.slice(1).replace(/\/$/, ''));
  assert.ok(ignore.includes('*'), 'the context is everything ignored but what the image needs (not node_modules)');
  const sources = steps.filter((s) => s.op === 'COPY' && !s.args.startsWith('--from')).flatMap((s) => s.args.split(/\s+/).slice(0, -1));
  assert.deepEqual(sources, ['package.json', 'package-lock.json', 'src']);
  for (const source of sources) {
    assert.ok(existsSync(join(ROOT, source)), `${source} exists`);
    assert.ok(allowed.includes(source), `${source} is let through by Dockerfile.dockerignore`);
  }
});

test('the DaemonSet\'s arguments are ones `daylight agent` accepts: the node from NODE_NAME, in-cluster, reboot by signal, the host\'s sentinel', () => {
  const c = renderedContainer();
  const s = agentSettings(parse('agent', c.args ?? [], AGENT_OPTIONS), { NODE_NAME: 'node-a', KUBERNETES_SERVICE_HOST: '10.96.0.1' });
  assert.deepEqual(s, {
    node: 'node-a',
    kubeconfig: 'in-cluster',
    metrics: { port: 9102, host: '0.0.0.0' },
    host: { reboot: { method: 'signal' }, sentinelFile: '/host/var/run/reboot-required' },
    rebootAfterPatch: 'needed',
    sentinelPeriodMs: 60_000,
    confirmGraceMs: 600_000,
  });
});
