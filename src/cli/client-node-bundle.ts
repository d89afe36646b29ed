// The Kubernetes client as one module. @kubernetes/client-node is about 870 ES modules (its generated API
// classes and models), and Node loads each on its own (resolve, read, compile, link): that cost a command
// that talks to a cluster about 1.2 CPU-seconds at every start, more than all of Daylight's own modules.
// Bundled once with esbuild into node_modules/.cache/daylight/ (the package's own files only: the packages
// it imports stay packages, resolved from the project's node_modules as before), it loads in about 0.4.
// A resolve hook sends every import of the package to the bundle. When the bundle is missing and cannot be
// built, the package loads as it is: slower, and the same code.
import { accessSync, constants, existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { createRequire, registerHooks } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type * as Esbuild from 'esbuild';

const PACKAGE = '@kubernetes/client-node';
const require = createRequire(import.meta.url);
let registered = false;

function manifest(): { path: string; version: string; main: string } {
  const path = require.resolve(`${PACKAGE}/package.json`);
  const { version, main } = JSON.parse(readFileSync(path, 'utf8')) as { version: string; main: string };
  return { path, version, main };
}

/** The installed package's own entry module, read from its package.json (the bare name may already lead to the bundle). */
export function clientNodeEntry(): string {
  const m = manifest();
  return join(dirname(m.path), m.main);
}

/** Where the bundle of the installed client-node lives: beside the packages it imports, named by its version. */
export function clientNodeBundlePath(): string {
  const m = manifest();
  const nodeModules = dirname(dirname(dirname(m.path)));
  return join(nodeModules, '.cache', 'daylight', `client-node-${m.version}.mjs`);
}

/** Builds the bundle unless it is there; written under a temporary name and renamed, so a reader never sees half of it. */
export function buildClientNodeBundle(out = clientNodeBundlePath()): string {
  if (existsSync(out)) return out;
  mkdirSync(dirname(out), { recursive: true });
  // A read-only install (an image's node_modules) is found out here, before a second of building.
  accessSync(dirname(out), constants.W_OK);
  const esbuild = require('esbuild') as typeof Esbuild;
  const partial = `${out}.${process.pid}.partial`;
  try {
    esbuild.buildSync({
      entryPoints: [clientNodeEntry()],
      bundle: true,
      packages: 'external',
      platform: 'node',
      format: 'esm',
      outfile: partial,
      logLevel: 'silent',
    });
    renameSync(partial, out);
  } finally {
    rmSync(partial, { force: true });
  }
  return out;
}

/**
 * Sends this process's imports of client-node to the bundle (built first when `build` is set and it is
 * missing). Call it before anything imports client-node, or the process holds two copies of it.
 */
export function useClientNodeBundle(o: { build: boolean }): boolean {
  if (registered) return true;
  let url: string;
  try {
    const path = clientNodeBundlePath();
    if (!existsSync(path) && !o.build) return false;
    url = pathToFileURL(buildClientNodeBundle(path)).href;
  } catch {
    return false;
  }
  registerHooks({
    resolve: (specifier, context, next) => (specifier === PACKAGE ? { url, format: 'module', shortCircuit: true } : next(specifier, context)),
  });
  registered = true;
  return true;
}
