#!/usr/bin/env node
// Entry point of the `daylight` command: runs the TypeScript CLI on Node 24, re-executing with the
// project's pinned Node (npm package `node`) when the Node on PATH is too old to strip types.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';

const here = dirname(fileURLToPath(import.meta.url));
const main = join(here, '..', 'src', 'cli', 'entry.ts');
const [major, minor] = process.versions.node.split('.').map(Number);
const canStripTypes = major > 23 || (major === 22 && minor >= 18) || (major === 23 && minor >= 6);

if (canStripTypes) {
  await import(pathToFileURL(main).href);
} else {
  const pinned = join(here, '..', 'node_modules', 'node', 'bin', 'node');
  if (!existsSync(pinned)) {
    process.stderr.write(`daylight needs Node.js 24 (found ${process.versions.node}); run \`npm ci\` in the project to install the pinned one.\n`);
    process.exit(2);
  }
  const child = spawn(pinned, [main, ...process.argv.slice(2)], { stdio: 'inherit' });
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 128 + 2 : 1)));
}
