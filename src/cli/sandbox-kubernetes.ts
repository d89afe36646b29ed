// `daylight sandbox up --engine kubernetes`: the fleet on real control planes, one per region, until
// Ctrl-C or SIGTERM; then every process it started is stopped. It never builds the binaries itself.
import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { UserError, errnoCode } from '../lib/errors.ts';
import type { Fleet } from '../sandbox/fleet-schema.ts';
import { startKubernetesSandbox } from '../sandbox/kubernetes/kubernetes-sandbox.ts';
import type { RunningKubernetesSandbox } from '../sandbox/kubernetes/kubernetes-sandbox.ts';
import { kubernetesEngineRefusals } from '../sandbox/kubernetes/fleet-support.ts';
import { findUpstream } from '../sandbox/kubernetes/upstream-build.ts';
import type { Parsed } from './args.ts';
import { numberFlag, outputFlag, stringFlag } from './args.ts';
import type { Io } from './command.ts';
import { untilSignal } from './sandbox.ts';

export async function runKubernetesEngine(p: Parsed, fleet: Fleet, io: Io): Promise<number> {
  if (p.values.speed !== undefined) throw new UserError('--speed is not supported with --engine kubernetes (it runs real components in real time); leave it out, or use --engine simulated');
  // Before looking for the binaries: a fleet this engine cannot play is refused whatever the machine has.
  const refusals = kubernetesEngineRefusals(fleet.spec);
  if (refusals.length > 0) throw new UserError(`--engine kubernetes cannot run this fleet as written:\n  ${refusals.join('\n  ')}`);
  const port = numberFlag(p, 'port', { min: 0, max: 65535, integer: true }) ?? 6443;
  const ingressPort = numberFlag(p, 'ingress-port', { min: 0, max: 65535, integer: true }) ?? 0;
  const endpointsPath = stringFlag(p, 'endpoints');
  const kubeconfigPath = stringFlag(p, 'kubeconfig') ?? 'sandbox.kubeconfig';
  const output = outputFlag(p);
  const nodeAgents = stringFlag(p, 'node-agents') ?? 'built-in';
  if (nodeAgents !== 'built-in' && nodeAgents !== 'processes') throw new UserError(`--node-agents ${nodeAgents}: expected built-in or processes`);
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
      ingressPort,
      kubeconfigPath,
      nodeAgents,
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
  const metrics = `${sandbox.extrasUrl}/metrics`;
  const regions = Object.fromEntries(
    [...sandbox.regions].map(([name, plane]) => [name, { api: sandbox.apiUrls.get(name) ?? plane.url, ingress: sandbox.ingress.get(name)?.url, metrics, referee: `${sandbox.extrasUrl}/sandbox/v1/referee`, auditLog: plane.auditLogPath, logs: plane.dir }]),
  );
  if (endpointsPath) {
    try {
      await writeEndpointsJson(endpointsPath, { regions: Object.fromEntries([...sandbox.regions].map(([name, plane]) => [name, { api: sandbox.apiUrls.get(name) ?? plane.url, ingress: sandbox.ingress.get(name)?.url ?? '', metrics }])) });
    } catch (e: unknown) {
      await sandbox.stop();
      await rm(dir, { recursive: true, force: true });
      throw e;
    }
  }
  if (output === 'json') io.out(JSON.stringify({ fleet: fleet.metadata.name, engine: 'kubernetes', kubernetesVersion: upstream.version, kubeconfig: kubeconfigPath, referee: `${sandbox.extrasUrl}/sandbox/v1/referee`, extras: sandbox.extrasUrl, regions }));
  else {
    io.out(`Sandbox "${fleet.metadata.name}" on Kubernetes ${upstream.version} (real control planes, kwok nodes) up in ${seconds} s.`);
    const width = Math.max(...[...sandbox.regions.keys()].map((n) => n.length));
    for (const [name, plane] of sandbox.regions) io.out(`  ${name.padEnd(width)}  ${sandbox.apiUrls.get(name) ?? plane.url}  ingress ${sandbox.ingress.get(name)?.url ?? '?'}`);
    io.out(`kubeconfig: ${kubeconfigPath} (contexts: ${[...sandbox.regions.keys()].join(', ')}); logs in ${dir}`);
    io.out(`referee: ${sandbox.extrasUrl}/sandbox/v1/referee (from the audit logs and watches; the API ports belong to the real API servers)`);
    io.out(`Metrics: ${metrics}   Status: ${sandbox.extrasUrl}/sandbox/v1/status`);
    const first = sandbox.ingress.values().next().value;
    if (first) io.out(`Ingress: curl -i ${first.url}/   Faults: PUT ${sandbox.extrasUrl}/sandbox/v1/faults {"ingress": {"${first.region}": {"errorRate": 1}}}`);
    io.out('Stop with Ctrl-C.');
  }
  await signalled;
  await sandbox.stop();
  await rm(dir, { recursive: true, force: true });
  if (output === 'text') io.out('Sandbox stopped: every control plane process ended.');
  return 0;
}

/** The `--endpoints` file, written whole or not at all (a temp file renamed), as the simulated engine writes it. */
async function writeEndpointsJson(path: string, body: unknown): Promise<void> {
  const temp = `${path}.${process.pid}.tmp`;
  try {
    await writeFile(temp, `${JSON.stringify(body, null, 2)}\n`);
    await rename(temp, path);
  } catch (e: unknown) {
    await rm(temp, { force: true });
    throw new UserError(`cannot write the endpoints file to ${path}: ${errnoCode(e) ?? String(e)}; pass --endpoints with a path in a writable directory`, { cause: e });
  }
}
