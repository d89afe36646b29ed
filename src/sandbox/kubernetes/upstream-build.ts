// Builds the upstream control plane (etcd, kube-apiserver, kube-controller-manager, kube-scheduler,
// kwok) and Helm (the charts' renderer) from the Go modules under lab/ into a cache outside git; a binary
// already built from the same module files is kept, so a second call costs a hash and a few stat calls.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LAB_DIR, pinUpstreamBinaries } from './upstream-modules.ts';
import type { PinnedBinary, UpstreamName } from './upstream-modules.ts';

export interface BuildOptions {
  /** `$XDG_CACHE_HOME` or `~/.cache`; binaries go to `<cacheRoot>/daylight/kubernetes/<version>/bin/`. */
  readonly cacheRoot: string;
  readonly labDir?: string;
  /** Packages Go compiles at once (`go build -p`); the default 2 leaves a shared machine usable. */
  readonly parallelism?: number;
  /** Only these binaries; all of them when absent. */
  readonly only?: readonly UpstreamName[];
  /** Progress lines for a person: which binary, built or cached, how long. */
  readonly log?: (line: string) => void;
  readonly signal?: AbortSignal;
}

export interface BuiltBinary {
  readonly name: UpstreamName;
  readonly path: string;
  readonly upstreamModule: string;
  readonly upstreamVersion: string;
  readonly outcome: 'built' | 'cached';
  /** Fetching the module's dependencies from the proxy (0 when already fetched for an earlier binary). */
  readonly downloadMs: number;
  /** Compiling and linking, or checking the cache. */
  readonly durationMs: number;
}

export interface UpstreamBuild {
  /** The Kubernetes release the binaries belong to, e.g. v1.37.2. */
  readonly version: string;
  readonly binDir: string;
  readonly binaries: Readonly<Record<UpstreamName, string>>;
  readonly results: readonly BuiltBinary[];
  readonly durationMs: number;
}

/** A module Go could not fetch or build: names it, its go.mod, and ends with what Go said. */
export class UpstreamBuildError extends Error {
  override name = 'UpstreamBuildError';
}

/** Longest a single `go` command may take before it counts as hung; a first build on 2 cores is tens of minutes. */
const GO_TIMEOUT_MS = 90 * 60 * 1000;

export async function buildUpstream(options: BuildOptions): Promise<UpstreamBuild> {
  const started = performance.now();
  const labDir = options.labDir ?? LAB_DIR;
  const log = options.log ?? (() => {});
  const all = await pinUpstreamBinaries(labDir);
  const version = all.find((b) => b.upstreamModule === 'k8s.io/kubernetes')?.upstreamVersion;
  if (version === undefined) throw new Error(`${join(labDir, 'go.mod')} pins no k8s.io/kubernetes release`);
  const binDir = join(options.cacheRoot, 'daylight', 'kubernetes', version, 'bin');
  await mkdir(binDir, { recursive: true });
  const goVersion = await goToolchain(options.signal);
  const wanted = all.filter((b) => options.only === undefined || options.only.includes(b.name));
  const results: BuiltBinary[] = [];
  const downloaded = new Set<string>();
  for (const binary of wanted) {
    results.push(await buildOne(binary, { ...options, labDir, binDir, goVersion, log, downloaded }));
  }
  const binaries = Object.fromEntries(results.map((r) => [r.name, r.path])) as Record<UpstreamName, string>;
  return { version, binDir, binaries, results, durationMs: performance.now() - started };
}

interface BuildOneContext extends BuildOptions {
  readonly labDir: string;
  readonly binDir: string;
  readonly goVersion: string;
  readonly log: (line: string) => void;
  /** Module directories whose dependencies this build has already fetched. */
  readonly downloaded: Set<string>;
}

async function buildOne(binary: PinnedBinary, ctx: BuildOneContext): Promise<BuiltBinary> {
  const started = performance.now();
  const path = join(ctx.binDir, binary.name);
  const stampPath = `${path}.stamp`;
  const flags = ldflags(binary);
  const stamp = `${binary.upstreamModule} ${binary.upstreamVersion} modules:${binary.moduleHash} ${ctx.goVersion} ldflags:${flags}\n`;
  const base = { name: binary.name, path, upstreamModule: binary.upstreamModule, upstreamVersion: binary.upstreamVersion };
  const built = async () => (await isFile(path)) && (await readFile(stampPath, 'utf8').catch(() => '')) === stamp;
  if (await built()) {
    ctx.log(`${binary.name}: cached (${binary.upstreamModule} ${binary.upstreamVersion}) at ${path}`);
    return { ...base, outcome: 'cached', downloadMs: 0, durationMs: performance.now() - started };
  }
  // One build of a binary at a time on this machine: two test files that need Helm at once wait for one build
  const release = await buildLock(`${path}.lock`, built, ctx);
  if (release === 'built') {
    ctx.log(`${binary.name}: built by another process meanwhile, at ${path}`);
    return { ...base, outcome: 'cached', downloadMs: 0, durationMs: performance.now() - started };
  }
  try {
    return await compile(binary, ctx, { path, stampPath, stamp, flags, base });
  } finally {
    await release();
  }
}

/**
 * Takes `lock` (a file holding this process's pid), waiting while a live process holds it; a lock whose
 * process is gone is taken over. Resolves to 'built' when the other process built the binary meanwhile.
 */
export async function buildLock(lock: string, built: () => Promise<boolean>, ctx: { readonly log: (line: string) => void; readonly signal?: AbortSignal; readonly pollMs?: number }): Promise<(() => Promise<void>) | 'built'> {
  let told = false;
  for (;;) {
    try {
      await writeFile(lock, String(process.pid), { flag: 'wx' });
      return () => rm(lock, { force: true });
    } catch (e: unknown) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const holder = Number(await readFile(lock, 'utf8').catch(() => ''));
    if (!Number.isInteger(holder) || holder <= 0 || !alive(holder)) {
      await rm(lock, { force: true });
      continue;
    }
    if (!told) ctx.log(`waiting for process ${holder}, which is building ${lock.replace(/\.lock$/, '')}`);
    told = true;
    await new Promise((r) => setTimeout(r, ctx.pollMs ?? 1_000));
    if (ctx.signal?.aborted) throw ctx.signal.reason;
    if (await built()) return 'built';
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e: unknown) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

interface CompileTarget {
  readonly path: string;
  readonly stampPath: string;
  readonly stamp: string;
  readonly flags: string;
  readonly base: Omit<BuiltBinary, 'outcome' | 'downloadMs' | 'durationMs'>;
}

async function compile(binary: PinnedBinary, ctx: BuildOneContext, t: CompileTarget): Promise<BuiltBinary> {
  const { path, stampPath, stamp, flags, base } = t;
  const moduleDir = join(ctx.labDir, binary.moduleDir);
  const downloadMs = await download(binary, moduleDir, ctx);
  const compileStarted = performance.now();
  ctx.log(`${binary.name}: building ${binary.mainPackage} from ${binary.upstreamModule} ${binary.upstreamVersion} ...`);
  // Two builds at once (two test files, two shells) each write their own file and rename it into place.
  const partial = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.partial`;
  const args = ['build', '-p', String(ctx.parallelism ?? 2), '-trimpath', '-ldflags', flags, '-o', partial, binary.mainPackage];
  const outcome = await runGo(args, moduleDir, ctx.signal);
  if (outcome.exitCode !== 0) {
    await rm(partial, { force: true });
    throw new UpstreamBuildError(
      `could not build ${binary.name}: module ${binary.upstreamModule} ${binary.upstreamVersion} ` +
        `(${join(moduleDir, 'go.mod')}) did not compile; \`go ${args.join(' ')}\` ` +
        `in ${moduleDir} exited ${outcome.exitCode ?? outcome.signal}:\n${outcome.output.trim()}`,
    );
  }
  await rename(partial, path);
  await writeFile(stampPath, stamp);
  const durationMs = performance.now() - compileStarted;
  ctx.log(`${binary.name}: built in ${formatDuration(durationMs)} at ${path}`);
  return { ...base, outcome: 'built', downloadMs, durationMs };
}

/**
 * `go mod download` before the build, once per module directory: a module the proxy cannot serve is
 * named by Go (`reading https://proxy.golang.org/...: 404`), and fetching is timed apart from compiling.
 */
async function download(binary: PinnedBinary, moduleDir: string, ctx: BuildOneContext): Promise<number> {
  if (ctx.downloaded.has(moduleDir)) return 0;
  const started = performance.now();
  const outcome = await runGo(['mod', 'download'], moduleDir, ctx.signal);
  if (outcome.exitCode !== 0) {
    throw new UpstreamBuildError(
      `could not fetch the modules for ${binary.name}: module ${binary.upstreamModule} ${binary.upstreamVersion} ` +
        `(${join(moduleDir, 'go.mod')}) or one of its dependencies could not be had from the Go module proxy; ` +
        `\`go mod download\` in ${moduleDir} exited ${outcome.exitCode ?? outcome.signal}:\n${outcome.output.trim()}`,
    );
  }
  ctx.downloaded.add(moduleDir);
  const ms = performance.now() - started;
  ctx.log(`${binary.name}: modules of ${moduleDir} fetched in ${formatDuration(ms)}`);
  return ms;
}

/**
 * `-s -w` drops debug tables (smaller binaries, shorter links). Kubernetes commands report their
 * version from component-base, which its release tooling sets by -X; without it they say v0.0.0.
 */
function ldflags(binary: PinnedBinary): string {
  const flags = ['-s', '-w'];
  if (binary.upstreamModule === 'k8s.io/kubernetes') {
    const [major, minor] = binary.upstreamVersion.replace(/^v/, '').split('.');
    const pkg = 'k8s.io/component-base/version';
    flags.push(`-X ${pkg}.gitVersion=${binary.upstreamVersion}`, `-X ${pkg}.gitMajor=${major}`, `-X ${pkg}.gitMinor=${minor}`);
    flags.push(`-X ${pkg}.gitTreeState=clean`);
  }
  // Helm's Makefile sets its version the same way; without it `helm version` says only the minor (v4.3)
  if (binary.upstreamModule === 'helm.sh/helm/v4') flags.push(`-X helm.sh/helm/v4/internal/version.version=${binary.upstreamVersion}`);
  return flags.join(' ');
}

async function goToolchain(signal?: AbortSignal): Promise<string> {
  const outcome = await runGo(['env', 'GOVERSION'], LAB_DIR, signal).catch((e: unknown) => {
    throw new UpstreamBuildError('Go is needed to build the upstream control plane and `go` was not found on PATH; install Go 1.26 or newer', { cause: e });
  });
  if (outcome.exitCode !== 0) throw new UpstreamBuildError(`\`go env GOVERSION\` failed:\n${outcome.output.trim()}`);
  return outcome.output.trim();
}

interface GoOutcome {
  readonly exitCode: number | null;
  readonly signal: string | null;
  readonly output: string;
}

/**
 * Runs `go` at the lowest CPU priority, so a first build does not starve tests sharing the machine.
 * GOTOOLCHAIN=local: a module asking for a newer Go fails with Go's own message instead of a download.
 */
function runGo(args: readonly string[], cwd: string, signal?: AbortSignal): Promise<GoOutcome> {
  return new Promise((resolve, reject) => {
    const child = spawn('nice', ['-n', '19', 'go', ...args], {
      cwd,
      env: { ...process.env, GOTOOLCHAIN: 'local', GOFLAGS: '-mod=readonly -buildvcs=false' },
      stdio: ['ignore', 'pipe', 'pipe'],
      signal,
      timeout: GO_TIMEOUT_MS,
    });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => chunks.push(c));
    child.stderr.on('data', (c: Buffer) => chunks.push(c));
    child.once('error', reject);
    child.once('close', (exitCode, sig) => {
      const text = Buffer.concat(chunks).toString('utf8');
      if (exitCode === 127) reject(new Error(`go not found: ${text.trim()}`));
      else resolve({ exitCode, signal: sig, output: text.split('\n').slice(-40).join('\n') });
    });
  });
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

export function formatDuration(ms: number): string {
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(seconds / 60)} min ${String(seconds % 60).padStart(2, '0')} s`;
}

export interface FoundUpstream {
  readonly version: string;
  readonly binDir: string;
  readonly binaries: Readonly<Record<UpstreamName, string>>;
  /** The engine's binaries not in the cache: it cannot start until `npm run lab:build` has built them (a missing tool, Helm, is not counted). */
  readonly missing: readonly UpstreamName[];
}

/** Where `buildUpstream` puts the binaries, and which of them are there; never builds. */
export async function findUpstream(cacheRoot: string, labDir: string = LAB_DIR): Promise<FoundUpstream> {
  const all = await pinUpstreamBinaries(labDir);
  const version = all.find((b) => b.upstreamModule === 'k8s.io/kubernetes')?.upstreamVersion;
  if (version === undefined) throw new Error(`${join(labDir, 'go.mod')} pins no k8s.io/kubernetes release`);
  const binDir = join(cacheRoot, 'daylight', 'kubernetes', version, 'bin');
  const binaries = Object.fromEntries(all.map((b) => [b.name, join(binDir, b.name)])) as Record<UpstreamName, string>;
  const missing: UpstreamName[] = [];
  for (const b of all) if (b.role === 'engine' && !(await isFile(binaries[b.name]))) missing.push(b.name);
  return { version, binDir, binaries, missing };
}
