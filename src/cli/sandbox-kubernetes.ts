// `daylight sandbox up --engine kubernetes`: the fleet on real control planes, one per region, until
// Ctrl-C or SIGTERM; then every process it started is stopped. It never builds the binaries itself.
import { mkdtemp, rm } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { UserError } from '../lib/errors.ts';
import type { Fleet } from '../sandbox/fleet-schema.ts';
import { startKubernetesSandbox } from '../sandbox/kubernetes/kubernetes-sandbox.ts';
import type { RunningKubernetesSandbox } from '../sandbox/kubernetes/kubernetes-sandbox.ts';
import { findUpstream } from '../sandbox/kubernetes/upstream-build.ts';
import type { Parsed } from './args.ts';
import { numberFlag, outputFlag, stringFlag } from './args.ts';
import type { Io } from './command.ts';
import { untilSignal } from './sandbox.ts';

/** Flags of the simulated engine the kubernetes engine has no counterpart for yet. */
const SIMULATED_ONLY = ['speed', 'ingress-port', 'endpoints'] as const;

export async function runKubernetesEngine(p: Parsed, fleet: Fleet, io: Io): Promise<number> {
  for (const flag of SIMULATED_ONLY) {
    if (p.values[flag] !== undefined) {
      const why = flag === 'speed' ? 'it runs real components in real time' : 'it serves no ingress yet';
      throw new UserError(`--${flag} is not supported with --engine kubernetes (${why}); leave it out, or use --engine simulated`);
    }
  }
  const port = numberFlag(p, 'port', { min: 0, max: 65535, integer: true }) ?? 6443;
  const kubeconfigPath = stringFlag(p, 'kubeconfig') ?? 'sandbox.kubeconfig';
  const output = outputFlag(p);
  const cacheRoot = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  const upstream = await findUpstream(cacheRoot);
  if (upstream.missing.length > 0) {
    throw new UserError(
      `the kubernetes engine needs the upstream control plane ${upstream.version}, and ${upstream.missing.join(', ')} ` +
        `${upstream.missing.length === 1 ? 'is' : 'are'} not in ${upstream.binDir}; run \`npm run lab:build\` once ` +
        '(it builds them from the Go module proxy; the first build takes about 35 minutes), then start the sandbox again',
    );
  }
  const dir = await mkdtemp(join(tmpdir(), 'daylight-sandbox-'));
  // Listening from before the start: Ctrl-C while the control planes come up stops what has started.
  const signalled = untilSignal();
  const abort = new AbortController();
  void signalled.then(() => abort.abort());
  const started = performance.now();
  let sandbox: RunningKubernetesSandbox;
  try {
    sandbox = await startKubernetesSandbox({
      fleet,
      binaries: upstream.binaries,
      dir,
      port,
      kubeconfigPath,
      signal: abort.signal,
      log: (line) => {
        if (output === 'text') io.out(line);
      },
    });
  } catch (e: unknown) {
    if (!abort.signal.aborted) throw e;
    await rm(dir, { recursive: true, force: true });
    io.out('Sandbox stopped while starting.');
    return 0;
  }
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  const regions = Object.fromEntries([...sandbox.regions].map(([name, plane]) => [name, { api: plane.url, auditLog: plane.auditLogPath, logs: plane.dir }]));
  if (output === 'json') io.out(JSON.stringify({ fleet: fleet.metadata.name, engine: 'kubernetes', kubernetesVersion: upstream.version, kubeconfig: kubeconfigPath, referee: `${sandbox.extrasUrl}/sandbox/v1/referee`, regions }));
  else {
    io.out(`Sandbox "${fleet.metadata.name}" on Kubernetes ${upstream.version} (real control planes, kwok nodes) up in ${seconds} s.`);
    io.out(`kubeconfig: ${kubeconfigPath} (contexts: ${[...sandbox.regions.keys()].join(', ')}); logs in ${dir}`);
    io.out(`referee: ${sandbox.extrasUrl}/sandbox/v1/referee (from the audit logs and watches; the API ports belong to the real API servers)`);
    io.out('Stop with Ctrl-C.');
  }
  await signalled;
  await sandbox.stop();
  await rm(dir, { recursive: true, force: true });
  if (output === 'text') io.out('Sandbox stopped: every control plane process ended.');
  return 0;
}
