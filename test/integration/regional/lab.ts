// A two-region lab for regional maintenance, every part real: the sandbox's two regions with their HTTP
// ingress, a real HAProxy in front of them as the global load balancer, a real Prometheus scraping the
// sandbox's /metrics, a real Alertmanager for silences, and autocannon load on HAProxy's frontend.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { parsePlan } from '../../../src/plan/load.ts';
import type { LoadedPlan } from '../../../src/plan/load.ts';
import { smallFleet } from '../../support/fleets.ts';
import { allPodsReady, startTestSandbox } from '../../support/sandbox.ts';
import type { TestSandbox } from '../../support/sandbox.ts';
import { startAlertmanager } from '../../helpers/alertmanager.ts';
import type { RunningAlertmanager } from '../../helpers/alertmanager.ts';
import { freePort } from '../../helpers/free-port.ts';
import { startHaproxy } from '../../helpers/haproxy.ts';
import type { RunningHaproxy } from '../../helpers/haproxy.ts';

export const REGIONS = ['eu-central', 'region-2'] as const;

export interface Lab {
  readonly ts: TestSandbox;
  readonly haproxy: RunningHaproxy;
  readonly prometheus: string;
  readonly alertmanager: RunningAlertmanager;
  readonly dir: string;
  /** PUT /sandbox/v1/faults: the region's ingress answers 500 at this rate. */
  fault(region: string, errorRate: number, latencyMs?: number): Promise<void>;
  stop(): Promise<void>;
}

/** Two regions of two zones with one worker each; the storefront keeps 3 of 4 pods (one node at a time). */
export async function startLab(o: { speed?: number } = {}): Promise<Lab> {
  const dir = await mkdtemp(join(tmpdir(), 'dl-reg-'));
  const stops: (() => Promise<unknown>)[] = [() => rm(dir, { recursive: true, force: true })];
  const stop = async () => {
    for (const s of stops.reverse()) await s().catch(() => undefined);
  };
  try {
    const ts = await startTestSandbox(smallFleet({ regions: 2, zones: 2, nodesPerRack: 1, rebootSeconds: 30, speed: o.speed ?? 30 }), { speed: o.speed ?? 30 });
    stops.push(() => ts.stop());
    await ts.until('every pod is Ready', () => allPodsReady(ts.sandbox), 30_000);
    const ingress = Object.fromEntries(REGIONS.map((r) => [r, ts.sandbox.ingress.get(r)?.url ?? '']));
    const haproxy = await startHaproxy({ servers: ingress, dir, weight: 100, checkInterval: '500ms' });
    stops.push(() => haproxy.stop());
    const prometheus = await startPrometheus(ts, dir, stops);
    const alertmanager = await startAlertmanager(await mkdtemp(join(dir, 'am-')));
    stops.push(() => alertmanager.stop());
    const fault = async (region: string, errorRate: number, latencyMs = 0) => {
      ts.sandbox.ingressFaults.apply({ ingress: { [region]: { errorRate, latencyMs } } });
    };
    return { ts, haproxy, prometheus, alertmanager, dir, fault, stop };
  } catch (e: unknown) {
    await stop();
    throw e;
  }
}

/** Prometheus scraping both regions' /metrics every second over TLS with the sandbox's token. */
async function startPrometheus(ts: TestSandbox, dir: string, stops: (() => Promise<unknown>)[]): Promise<string> {
  const port = await freePort();
  await writeFile(join(dir, 'ca.pem'), ts.sandbox.tls.caPem);
  const targets = REGIONS.map((r) => `'${new URL(ts.sandbox.servers.get(r)?.url ?? '').host}'`).join(', ');
  await writeFile(join(dir, 'prometheus.yml'), [
    'global: {scrape_interval: 1s, evaluation_interval: 1s}',
    'scrape_configs:',
    '  - job_name: sandbox',
    '    scheme: https',
    `    tls_config: {ca_file: ${join(dir, 'ca.pem')}}`,
    `    authorization: {type: Bearer, credentials: '${ts.sandbox.token}'}`,
    `    static_configs: [{targets: [${targets}]}]`,
    '',
  ].join('\n'));
  const child: ChildProcess = spawn('prometheus', [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'prom')}`, `--web.listen-address=127.0.0.1:${port}`], { stdio: 'ignore' });
  stops.push(() => new Promise((resolve) => {
    if (child.exitCode !== null) return resolve(undefined);
    child.once('exit', resolve);
    child.kill('SIGTERM');
  }));
  const base = `http://127.0.0.1:${port}`;
  const end = Date.now() + 40_000;
  for (;;) {
    const res = await fetch(`${base}/api/v1/query?query=${encodeURIComponent('count(daylight_sandbox_capacity_rps)')}`).then((r) => r.json() as Promise<{ data?: { result?: { value: [number, string] }[] } }>).catch(() => undefined);
    if (Number(res?.data?.result?.[0]?.value[1]) === REGIONS.length) return base;
    if (Date.now() > end) throw new Error('Prometheus did not scrape both sandbox regions within 40 s');
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** The regional plan of these tests; `extra` replaces fields of spec.traffic.restore. */
export function regionalPlanYaml(lab: Lab, o: { restore?: string; drainTimeout?: string; name?: string; hooks?: readonly string[] } = {}): string {
  const ratio = (region: string, codes: string) => `sum(rate(daylight_sandbox_ingress_requests_total{region="${region}",code=~"${codes}"}[5s])) / sum(rate(daylight_sandbox_ingress_requests_total{region="${region}"}[5s]))`;
  return [
    'apiVersion: daylight.dev/v1alpha1',
    'kind: MaintenancePlan',
    `metadata: {name: ${o.name ?? 'regional'}}`,
    'spec:',
    `  clusters: [${REGIONS.map((r) => `{name: ${r}, context: ${r}}`).join(', ')}]`,
    '  traffic:',
    '    provider: haproxy',
    `    haproxy: {runtimeApi: "unix://${lab.haproxy.socket}", backend: global}`,
    `    servers: {${REGIONS.map((r) => `${r}: ${r}`).join(', ')}}`,
    `    drain: {timeout: ${o.drainTimeout ?? '1m'}}`,
    `    restore: ${o.restore ?? '{steps: [10, 50, 100], interval: 1m, every: 15s, failureLimit: 0, inconclusiveLimit: 3}'}`,
    `    capacity: {type: prometheus, url: "${lab.prometheus}", query: 'sum(daylight_sandbox_capacity_rps{region!="{{region}}"}) / sum(daylight_sandbox_demand_rps)', min: 1}`,
    '    analysis:',
    '      - {type: proxy, name: 5xx at HAProxy, max: 0.01, minRequests: 5}',
    `      - {type: prometheus, name: 5xx at the ingress, url: "${lab.prometheus}", query: '${ratio('{{region}}', '5..')}', max: 0.01}`,
    '    validation:',
    '      - {type: kube, check: workloads-available}',
    `  silences: {alertmanager: "${lab.alertmanager.url}", matchers: [{name: region, value: "{{region}}"}]}`,
    ...(o.hooks?.length ? ['  hooks:', ...o.hooks.map((h) => `    - ${h}`)] : []),
    '  phases:',
    '    - name: os-patch',
    '      type: nodes',
    '      regional: true',
    '      maxUnavailable: 1',
    '      topology: {key: topology.kubernetes.io/zone, serial: true}',
    '      drain: {timeout: 5m, ignoreDaemonSets: true}',
    '      action: {type: agent, operation: reboot}',
    '  gates:',
    '    - {type: kube, check: nodes-ready}',
    '',
  ].join('\n');
}

export function regionalPlan(lab: Lab, o: Parameters<typeof regionalPlanYaml>[1] = {}): LoadedPlan {
  return parsePlan('regional.yaml', regionalPlanYaml(lab, o));
}

export interface Load {
  /** Stops the load and answers what it saw. */
  stop(): Promise<{ requests: number; non2xx: number; errors: number; timeouts: number }>;
}

/** Steady keep-alive load on HAProxy's frontend until stopped. */
export function startLoad(url: string, o: { connections?: number; rate?: number } = {}): Load {
  let finish: (r: autocannon.Result) => void = () => undefined;
  const done = new Promise<autocannon.Result>((resolve) => (finish = resolve));
  const instance = autocannon({ url, connections: o.connections ?? 4, duration: 3600, ...(o.rate ? { overallRate: o.rate } : {}) }, (_err, result) => finish(result));
  return {
    stop: async () => {
      instance.stop();
      const r = await done;
      return { requests: r.requests.total, non2xx: r.non2xx, errors: r.errors, timeouts: r.timeouts };
    },
  };
}
