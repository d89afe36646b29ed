// `npm run lab:build`: builds the upstream control plane the kubernetes engine runs (etcd,
// kube-apiserver, kube-controller-manager, kube-scheduler, kwok) and Helm, the charts' renderer, from
// lab/ into the user's cache and prints how long each binary took; binaries already built from the same
// module files are kept.
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { buildUpstream, formatDuration, UpstreamBuildError } from '../src/sandbox/kubernetes/upstream-build.ts';
import { UPSTREAM_BINARIES } from '../src/sandbox/kubernetes/upstream-modules.ts';
import type { UpstreamName } from '../src/sandbox/kubernetes/upstream-modules.ts';

const { values } = parseArgs({ options: { only: { type: 'string', multiple: true }, engine: { type: 'boolean', default: false }, jobs: { type: 'string', default: '2' } } });
const cacheRoot = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
const names = UPSTREAM_BINARIES.map((b) => b.name as string);
const unknown = (values.only ?? []).filter((n) => !names.includes(n));
const jobs = Number(values.jobs);
if (unknown.length > 0 || !Number.isInteger(jobs) || jobs < 1 || (values.engine && values.only)) {
  console.error(`usage: npm run lab:build [-- --only NAME ... | --engine] [--jobs N]; NAME is one of ${names.join(', ')}, --engine builds the engine's binaries and not the tools (Helm), and N is a whole number of parallel compile jobs (default 2)`);
  process.exit(2);
}

try {
  const build = await buildUpstream({
    cacheRoot,
    parallelism: jobs,
    // --engine: what the sandbox runs; the tests that need a tool (Helm) build it when they start, beside the others
    only: values.engine ? UPSTREAM_BINARIES.filter((b) => b.role === 'engine').map((b) => b.name) : (values.only as UpstreamName[] | undefined),
    log: (line) => console.log(`lab:build ${line}`),
  });
  for (const r of build.results) {
    console.log(`lab:build ${r.name.padEnd(24)} ${r.upstreamVersion.padEnd(8)} ${r.outcome.padEnd(6)} ${formatDuration(r.durationMs)}${r.downloadMs > 0 ? ` (+ ${formatDuration(r.downloadMs)} fetching modules)` : ''}`);
  }
  console.log(`lab:build Kubernetes ${build.version} in ${build.binDir}: total ${formatDuration(build.durationMs)}`);
} catch (e: unknown) {
  if (!(e instanceof UpstreamBuildError)) throw e;
  console.error(`lab:build ${e.message}`);
  process.exitCode = 1;
}
