// What can be checked of one of Daylight's images without Docker: its Dockerfile's bases pinned to the project's
// Node, its ENTRYPOINT the command its chart's rendered manifest runs, and every file it copies in the repository
// and let through by its .dockerignore. The agent's and the controller's image tests register these for each.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';

export const ROOT = resolve(import.meta.dirname, '../../..');

export interface Instruction {
  readonly op: string;
  readonly args: string;
}

/** The Dockerfile's instructions, comments dropped and continued lines joined. */
export function instructions(text: string): Instruction[] {
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

export interface Container {
  command?: string[];
  args?: string[];
  securityContext?: Record<string, unknown>;
}

/** The first container of the `kind` (DaemonSet, Deployment) in a committed manifest of deploy/. */
export function renderedContainer(manifest: string, kind: string): Container {
  const docs = parseAllDocuments(readFileSync(join(ROOT, manifest), 'utf8')).map((d) => d.toJS() as { kind?: string; spec?: { template: { spec: { containers: Container[] } } } } | null);
  const container = docs.find((d) => d?.kind === kind)?.spec?.template.spec.containers[0];
  assert.ok(container, `${manifest} has a ${kind} with a container`);
  return container;
}

export interface ImageUnderTest {
  /** The Dockerfile, from the repository's root; its .dockerignore beside it. */
  readonly dockerfile: string;
  /** The manifest the chart renders to, and the kind of the workload running the image. */
  readonly manifest: string;
  readonly kind: string;
  /** The `daylight` subcommand the ENTRYPOINT runs. */
  readonly subcommand: string;
}

/** The checks every image of Daylight passes, as tests. */
export function imageTests(image: ImageUnderTest): void {
  const dockerfile = join(ROOT, image.dockerfile);
  const steps = instructions(readFileSync(dockerfile, 'utf8'));

  test(`${image.dockerfile}: every stage starts from node:<the project's pinned Node>-bookworm-slim, and the last is the runtime`, () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> };
    const node = pkg.devDependencies.node;
    assert.match(node ?? '', /^\d+\.\d+\.\d+$/, 'package.json pins an exact Node');
    const froms = steps.filter((s) => s.op === 'FROM').map((s) => s.args);
    assert.ok(froms.length >= 2, 'a build stage and a runtime stage');
    for (const from of froms) assert.match(from, new RegExp(`^node:${node?.replace(/\./g, '\\.')}-bookworm-slim AS \\w+$`), `FROM ${from}`);
    assert.match(froms.at(-1) ?? '', / AS runtime$/);
  });

  test(`${image.dockerfile}: the ENTRYPOINT is the command the ${image.kind} runs: \`daylight ${image.subcommand}\` from a file the image holds`, () => {
    const entrypoint = steps.filter((s) => s.op === 'ENTRYPOINT').at(-1);
    assert.ok(entrypoint, 'the Dockerfile has an ENTRYPOINT');
    const argv = JSON.parse(entrypoint.args) as string[];
    assert.deepEqual(renderedContainer(image.manifest, image.kind).command, argv);
    assert.deepEqual([argv[0], argv.at(-1)], ['node', image.subcommand]);
    // The script is the repository's CLI entry, under the runtime stage's WORKDIR where src/ is copied
    const runtime = steps.slice(steps.findLastIndex((s) => s.op === 'FROM'));
    const workdir = runtime.filter((s) => s.op === 'WORKDIR').at(-1)?.args;
    assert.equal(workdir, '/app');
    const script = relative(workdir, argv[1] ?? '');
    assert.equal(script, 'src/cli/entry.ts');
    assert.ok(existsSync(join(ROOT, script)));
    assert.ok(runtime.some((s) => s.op === 'COPY' && /(^|\s)\/app\/src \.\/src$/.test(s.args)), 'the runtime stage copies src/');
  });

  test(`${image.dockerfile}: every file copied from the build context is in the repository and let through by its .dockerignore`, () => {
    const ignore = readFileSync(`${dockerfile}.dockerignore`, 'utf8').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
    const allowed = ignore.filter((l) => l.startsWith('!')).map((l) => l.slice(1).replace(/\/$/, ''));
    assert.ok(ignore.includes('*'), 'the context is everything ignored but what the image needs (not node_modules)');
    const sources = steps.filter((s) => s.op === 'COPY' && !s.args.startsWith('--from')).flatMap((s) => s.args.split(/\s+/).slice(0, -1));
    assert.deepEqual(sources, ['package.json', 'package-lock.json', 'src']);
    for (const source of sources) {
      assert.ok(existsSync(join(ROOT, source)), `${source} exists`);
      assert.ok(allowed.includes(source), `${source} is let through by Dockerfile.dockerignore`);
    }
  });
}

/** The runtime stage's USER, as `uid[:gid]`; undefined when it sets none (root). */
export function runtimeUser(dockerfile: string): string | undefined {
  const steps = instructions(readFileSync(join(ROOT, dockerfile), 'utf8'));
  return steps.slice(steps.findLastIndex((s) => s.op === 'FROM')).filter((s) => s.op === 'USER').at(-1)?.args;
}
