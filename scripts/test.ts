// `npm test`: the type check, the lint and every test file, run side by side so the machine's cores are busy.
// Most of the suite's files wait on real time (an upstream control plane's controllers, a sandbox's reboots,
// child processes), so the files run several at a time, the slowest first: the durations of the last run on
// this machine are kept outside the repo (as Jest keeps its timings), and a fresh machine starts with the
// upstream and end-to-end files, which are the slow ones. The last lines are node's own test summary.
//
//   node scripts/test.ts                      type check, lint, the unit tests in one process, every other test file in its own
//   node scripts/test.ts test/unit/plan       only these files or directories (no type check, no lint)
//   DAYLIGHT_TEST_CONCURRENCY=2               files at a time (default: three times the cores, at least 2)
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { glob } from 'node:fs/promises';
import { availableParallelism, homedir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { run } from 'node:test';
import { spec } from 'node:test/reporters';
import { pathToFileURL } from 'node:url';
import { buildClientNodeBundle } from '../src/cli/client-node-bundle.ts';

const ROOT = resolve(import.meta.dirname, '..');
const TIMINGS = join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'daylight', 'test-durations.json');

/** Where a file with no recorded duration goes in the queue: the upstream control plane's files first, then end to end, then the rest. */
function guessSeconds(file: string): number {
  if (file === 'test/unit/index.ts') return 60;
  if (/kubernetes|kubectl|differential|kube-adapter|kube-real-api|crash-resume/.test(file)) return 60;
  if (/^test\/(e2e|integration)\//.test(file)) return 20;
  return 1;
}

function readTimings(): Record<string, number> {
  try {
    const parsed: unknown = JSON.parse(readFileSync(TIMINGS, 'utf8'));
    return parsed && typeof parsed === 'object' ? (parsed as Record<string, number>) : {};
  } catch {
    return {};
  }
}

/** The files `patterns` name: a file, a directory (its *.test.ts files) or a glob; one that names nothing is an error. */
async function testFiles(patterns: readonly string[]): Promise<string[]> {
  const files = new Set<string>();
  for (const pattern of patterns) {
    const path = join(ROOT, pattern);
    const found: string[] = [];
    if (existsSync(path) && !statSync(path).isDirectory()) found.push(relative(ROOT, path));
    else for await (const f of glob(existsSync(path) ? join(pattern, '**/*.test.ts') : pattern, { cwd: ROOT })) found.push(f);
    if (found.length === 0) {
      process.stderr.write(`daylight test: no test file matches ${pattern}\n`);
      process.exit(2);
    }
    for (const f of found) files.add(f);
  }
  return [...files];
}

interface Check {
  readonly name: string;
  readonly done: Promise<{ ok: boolean; output: string }>;
}

/** A command run beside the tests, its output kept until it ends. */
function check(name: string, command: string, args: readonly string[]): Check {
  const child = spawn(command, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr.on('data', (c: Buffer) => (output += c.toString()));
  const done = new Promise<{ ok: boolean; output: string }>((done) => {
    child.once('error', (e) => done({ ok: false, output: `${name}: could not start ${command}: ${e.message}` }));
    child.once('close', (code) => done({ ok: code === 0, output }));
  });
  return { name, done };
}

const patterns = process.argv.slice(2);
const whole = patterns.length === 0;
// The unit tests run as one file (test/unit/index.ts loads them all in one process); every other file in its own.
const files = whole ? ['test/unit/index.ts', ...(await testFiles(['test/**/*.test.ts'])).filter((f) => !f.startsWith('test/unit/'))] : await testFiles(patterns);
const timings = readTimings();
const weight = (f: string) => timings[f] ?? guessSeconds(f);
files.sort((a, b) => weight(b) - weight(a) || a.localeCompare(b));

// Most files wait in real time (reboots, Leases, a controller's takeover), so more files than cores run at once:
// on 2 cores, 6 at a time took 8 min 49 s with the CPU 134% busy and passed; 9 at a time took 6 min 30 s at 191%
// once, and failed three timing-bound tests the next time (a pause, other clients' writes, a Prometheus scrape).
const concurrency = Number(process.env.DAYLIGHT_TEST_CONCURRENCY) || Math.max(2, 3 * availableParallelism());
const bin = (name: string) => join(ROOT, 'node_modules', '.bin', name);
// The type check is TypeScript 7's native compiler (the npm package `typescript-native`), about five times
// less CPU than TypeScript 6's, which typescript-eslint still needs and keeps as `typescript`. The lint runs in
// two parts: every file but the engine's with ESLint's cache (its rules read one file each, so an unchanged
// file's result stands), and the engine with its typed rule, uncached (a type can change in another file),
// over the engine's own small project (src/engine/tsconfig.json). `npm run lint` is the same lint in one go.
const lintCache = `${join(dirname(TIMINGS), 'eslint', createHash('sha256').update(ROOT).digest('hex').slice(0, 16))}/`;
const checks = whole
  ? [
      check('typecheck', process.execPath, [join(ROOT, 'node_modules', 'typescript-native', 'bin', 'tsc'), '--noEmit', '-p', '.']),
      check('lint', bin('eslint'), ['--cache', '--cache-strategy', 'content', '--cache-location', lintCache, '--ignore-pattern', 'src/engine/**', '.']),
      check('typed lint of the engine', bin('eslint'), ['src/engine']),
    ]
  : [];
let summaryPrinted = false;
let late = false;
const checked = checks.map((c) =>
  c.done.then((r) => {
    process.stdout.write(`${r.ok ? '✔' : '✖'} ${c.name}${r.ok ? '' : ' failed:'}\n${r.ok ? '' : r.output}`);
    late ||= summaryPrinted;
    return r;
  }),
);

// Each file's time: the sum of its top-level tests' durations (its hooks are not counted). Events of files that
// run side by side reach this process file by file, so their arrival times say nothing of a file's own time.
const seconds: Record<string, number> = {};
let counts: { passed: number; failed: number } | undefined;
let success = false;
// Each test process keeps its stripped and compiled modules in Node's compile cache, and loads the Kubernetes
// client as one bundled module, as the CLI does (built here once, so the files that start together do not
// each build it; a process that finds no bundle loads the package as it is).
process.env.NODE_COMPILE_CACHE ??= join(dirname(TIMINGS), 'node-compile-cache');
try {
  buildClientNodeBundle();
  const preload = `--import=${pathToFileURL(join(ROOT, 'src', 'cli', 'client-node-preload.ts')).href}`;
  process.env.NODE_OPTIONS = [process.env.NODE_OPTIONS, preload].filter(Boolean).join(' ');
} catch (e: unknown) {
  process.stderr.write(`daylight test: the Kubernetes client is loaded unbundled (${e instanceof Error ? e.message : String(e)})\n`);
}
const stream = run({ files: files.map((f) => join(ROOT, f)), concurrency, cwd: ROOT });
const listed = new Set(files);
const tally = (data: { nesting: number; file?: string; details: { duration_ms: number } }) => {
  if (data.nesting === 0 && data.file) {
    // (a unit test's file is one test/unit/index.ts loaded)
    const path = relative(ROOT, data.file);
    const file = listed.has(path) ? path : 'test/unit/index.ts';
    seconds[file] = (seconds[file] ?? 0) + data.details.duration_ms / 1000;
  }
};
stream.on('test:pass', tally);
stream.on('test:fail', tally);
stream.on('test:summary', (data: { file?: string; success: boolean; counts: { passed: number; failed: number } }) => {
  if (data.file === undefined) {
    success = data.success;
    counts = data.counts;
  }
});
const report = stream.compose(spec);
report.on('data', (chunk: string | Buffer) => process.stdout.write(chunk));
await new Promise<void>((done) => report.once('end', done));
summaryPrinted = true;
const results = await Promise.all(checked);
if (whole && success) {
  mkdirSync(dirname(TIMINGS), { recursive: true });
  writeFileSync(TIMINGS, JSON.stringify(seconds, null, 1));
}
const failedChecks = checks.filter((_, i) => !results[i]?.ok).map((c) => c.name);
// A check that failed, or ended after node's summary: the last line counts it with the tests, so a run whose
// type check or lint failed never ends on a summary that says nothing failed.
if (counts && (late || failedChecks.length > 0)) {
  const why = failedChecks.length > 0 ? ` (${failedChecks.join(' and ')} failed)` : '';
  process.stdout.write(`${counts.passed} passed, ${counts.failed + failedChecks.length} failed${why}\n`);
}
process.exitCode = success && failedChecks.length === 0 ? 0 : 1;
