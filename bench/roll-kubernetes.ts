// Daylight's cost as the real API server counts it, on the sandbox's kubernetes engine (kube-apiserver,
// controllers, scheduler, kwok): a fleet of --nodes workers and about --pods pods in one region, then
//   1. Daylight maintaining --maintain nodes (a real runSession of a reboot plan, as the roll tests run);
//   2. `kubectl drain --ignore-daemonsets --delete-emptydir-data` then `kubectl uncordon` on as many other
//      nodes, one after the other, as a runbook does;
//   3. an idle Daylight run (soaking after its one node), its LIST requests per minute over --idle-window.
// Every figure is read from the API server's own /metrics before and after. Daylight and kubectl each run
// as a ServiceAccount of their own (bound to cluster-admin), and one FlowSchema per verb for each (API
// Priority and Fairness) makes the server count their requests apart from everyone else's:
// `apiserver_flowcontrol_dispatched_requests_total{flow_schema="bench-<client>-<verb>"}`. Evicted pods are
// `apiserver_request_total{resource="pods",subresource="eviction",code="201"}`; the whole window's
// `apiserver_request_total` by verb and resource (less the control plane at rest, measured first over
// --baseline seconds) is printed beside, since it also holds the cluster's reaction to each eviction
// (the replacement created, bound and started, slices, events, the final delete) and the server's own
// loopback calls (the eviction handler's budget lookups), the same per pod whichever client evicts.
// Prints requests per evicted pod by verb for both, the ratio Daylight ÷ kubectl (goal ≤ 1), and the idle
// LIST rate per watched resource (goal ≤ 1 per minute).
// Run: npm run bench:roll-kubernetes [-- --nodes 200 --pods 3000 --maintain 10 --idle-window 120]
import { execFile } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { runSession } from '../src/cli/run-session.ts';
import { RequestTally } from '../src/lib/request-tally.ts';
import { journalSigner } from '../src/engine/ports/journal-signing.ts';
import { parsePlan } from '../src/plan/load.ts';
import { parseFleet } from '../src/sandbox/fleet-load.ts';
import type { ApiTarget } from '../src/sandbox/kubernetes/api-create.ts';
import { apiCallOk } from '../src/sandbox/kubernetes/api-request.ts';
import { startKubernetesSandbox } from '../src/sandbox/kubernetes/kubernetes-sandbox.ts';
import { buildUpstream } from '../src/sandbox/kubernetes/upstream-build.ts';
import { kubeconfigYamlPerRegion } from '../src/sandbox/kubeconfig.ts';

const { values } = parseArgs({
  options: {
    nodes: { type: 'string', default: '200' },
    pods: { type: 'string', default: '3000' },
    maintain: { type: 'string', default: '10' },
    'idle-window': { type: 'string', default: '120' },
    baseline: { type: 'string', default: '60' },
  },
});
const NODES = Number(values.nodes);
const PODS = Number(values.pods);
const MAINTAIN = Number(values.maintain);
const IDLE_WINDOW_S = Number(values['idle-window']);
const BASELINE_S = Number(values.baseline);
const REGION = 'bench';
const GROUP_LABEL = 'bench.daylight.dev/group';
/** Workloads of about 100 replicas each, each with a budget of 10%, and a DaemonSet on every node. */
const REPLICAS = 100;
/**
 * Soak after each wave: on a real control plane the last node's DaemonSet pod is recreated only after the
 * node is Ready again, and the plan's after-phase gates are evaluated once, without retry; a short soak
 * lets it start first (without it the run fails its workloads-available gate on the DaemonSet).
 */
const SOAK = '15s';

const progress = (what: string) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${what}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** 4 zones of racks of 10 nodes; Deployments of REPLICAS spread over zones; a DaemonSet. */
function fleetYaml(): string {
  const racksPerZone = Math.max(1, Math.ceil(NODES / 4 / 10));
  const deployments = Math.max(1, Math.round((PODS - NODES) / REPLICAS));
  const zones = ['a', 'b', 'c', 'd'].map((z) => `        - {name: ${REGION}-${z}, racks: ${racksPerZone}, nodesPerRack: ${Math.ceil(NODES / 4 / racksPerZone)}}`);
  const workloads = Array.from({ length: deployments }, (_, i) =>
    `    - {name: app-${i + 1}, namespace: ns-${(i % 5) + 1}, kind: Deployment, replicas: ${REPLICAS}, cpu: 100m, memory: 64Mi, startupSeconds: 1, readinessSeconds: 1, shutdownSeconds: 1, pdb: {maxUnavailable: 10%}, spread: zone${i === 0 ? ', service: {rpsPerPod: 100}' : ''}}`);
  return [
    'apiVersion: sandbox.daylight.dev/v1alpha1',
    'kind: Fleet',
    'metadata: {name: bench-kubernetes}',
    'spec:',
    '  speed: 1',
    '  regions:',
    `    - name: ${REGION}`,
    '      zones:',
    ...zones,
    '      node: {cpu: "8", memory: 32Gi, rebootSeconds: 15}',
    '  workloads:',
    ...workloads,
    '    - {name: node-agent, namespace: kube-system, kind: DaemonSet, cpu: 10m, memory: 16Mi, startupSeconds: 1, readinessSeconds: 1}',
    '  traffic: {rps: 100}',
    '',
  ].join('\n');
}

function planYaml(o: { name: string; group: string; maxUnavailable: number; soak: string }): string {
  return [
    'apiVersion: daylight.dev/v1alpha1',
    'kind: MaintenancePlan',
    `metadata: {name: ${o.name}}`,
    'spec:',
    `  clusters: [{name: ${REGION}, context: ${REGION}}]`,
    '  phases:',
    '    - name: os-patch',
    '      type: nodes',
    `      selector: "${GROUP_LABEL}=${o.group}"`,
    `      maxUnavailable: ${o.maxUnavailable}`,
    '      canary: 1',
    '      drain: {timeout: 10m, onTimeout: fail, ignoreDaemonSets: true, deleteEmptyDirData: true}',
    '      action: {type: agent, operation: reboot}',
    '      ready: {timeout: 10m}',
    `      soak: ${o.soak}`,
    '  gates:',
    '    - {type: kube, check: nodes-ready}',
    '    - {type: kube, check: workloads-available}',
    '',
  ].join('\n');
}

/** `apiserver_request_total` by "VERB group/resource/subresource" (resource requests only) and the evictions accepted. */
interface Counts {
  readonly at: number;
  readonly byKey: Map<string, number>;
  readonly evicted: number;
  /** `apiserver_flowcontrol_dispatched_requests_total` by flow schema. */
  readonly bySchema: Map<string, number>;
}

async function scrape(target: ApiTarget): Promise<Counts> {
  const text = (await apiCallOk(target, 'GET', '/metrics')).body;
  const byKey = new Map<string, number>();
  const bySchema = new Map<string, number>();
  let evicted = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith('apiserver_flowcontrol_dispatched_requests_total{')) {
      const schema = /flow_schema="([^"]*)"/.exec(line)?.[1] ?? '';
      bySchema.set(schema, (bySchema.get(schema) ?? 0) + Number(line.slice(line.lastIndexOf(' ') + 1)));
      continue;
    }
    if (!line.startsWith('apiserver_request_total{')) continue;
    const labels = Object.fromEntries([...line.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    const value = Number(line.slice(line.lastIndexOf(' ') + 1));
    if (!labels.resource) continue;
    const key = `${labels.verb} ${labels.group ? `${labels.group}/` : ''}${labels.resource}${labels.subresource ? `/${labels.subresource}` : ''}`;
    byKey.set(key, (byKey.get(key) ?? 0) + value);
    if (labels.resource === 'pods' && labels.subresource === 'eviction' && labels.verb === 'POST' && labels.code === '201') evicted += value;
  }
  return { at: performance.now(), byKey, evicted, bySchema };
}

/** After − before, less the control plane's own rate at rest over the window; never below 0. */
interface Window {
  readonly byKey: Map<string, number>;
  readonly evicted: number;
  readonly seconds: number;
  /** The client's own requests, by verb ("eviction" apart from other creates, "discovery"), from its flow schemas. */
  readonly client: Map<string, number>;
}

function window(before: Counts, after: Counts, rest: Map<string, number>, client: string): Window {
  const seconds = (after.at - before.at) / 1000;
  const byKey = new Map<string, number>();
  for (const [key, n] of after.byKey) {
    const d = n - (before.byKey.get(key) ?? 0) - (rest.get(key) ?? 0) * seconds;
    if (d >= 0.5) byKey.set(key, Math.round(d));
  }
  const prefix = `bench-${client}-`;
  const own = new Map<string, number>();
  for (const [schema, n] of after.bySchema) {
    const d = n - (before.bySchema.get(schema) ?? 0);
    if (schema.startsWith(prefix) && d > 0) own.set(schema.slice(prefix.length), d);
  }
  return { byKey, evicted: after.evicted - before.evicted, seconds, client: own };
}

const VERBS = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete', 'deletecollection'] as const;
const BENCH_NAMESPACE = 'default';

/**
 * A ServiceAccount for one client, bound to cluster-admin, its FlowSchemas (one per verb, matched before
 * every suggested schema), and a kubeconfig with its token: the server then counts this client's
 * requests by verb in `apiserver_flowcontrol_dispatched_requests_total`, whatever else runs.
 */
async function clientIdentity(admin: ApiTarget, name: string, path: string): Promise<void> {
  const post = (p: string, json: unknown) => apiCallOk(admin, 'POST', p, { contentType: 'application/json', json });
  await post(`/api/v1/namespaces/${BENCH_NAMESPACE}/serviceaccounts`, { metadata: { name } });
  await post('/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', {
    metadata: { name: `bench-${name}` },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
    subjects: [{ kind: 'ServiceAccount', name, namespace: BENCH_NAMESPACE }],
  });
  const subjects = [{ kind: 'ServiceAccount', serviceAccount: { name, namespace: BENCH_NAMESPACE } }];
  const schema = (suffix: string, precedence: number, rule: object) => post('/apis/flowcontrol.apiserver.k8s.io/v1/flowschemas', {
    metadata: { name: `bench-${name}-${suffix}` },
    spec: { priorityLevelConfiguration: { name: 'workload-high' }, matchingPrecedence: precedence, distinguisherMethod: { type: 'ByUser' }, rules: [{ subjects, ...rule }] },
  });
  const every = { apiGroups: ['*'], resources: ['*'], namespaces: ['*'], clusterScope: true };
  await schema('eviction', 400, { resourceRules: [{ verbs: ['create'], apiGroups: [''], resources: ['pods/eviction'], namespaces: ['*'] }] });
  for (const verb of VERBS) await schema(verb, 500, { resourceRules: [{ verbs: [verb], ...every }] });
  await schema('discovery', 500, { nonResourceRules: [{ verbs: ['*'], nonResourceURLs: ['*'] }] });
  const token = (JSON.parse((await post(`/api/v1/namespaces/${BENCH_NAMESPACE}/serviceaccounts/${name}/token`, { spec: { expirationSeconds: 6 * 3600 } })).body) as { status: { token: string } }).status.token;
  await writeFile(path, kubeconfigYamlPerRegion([{ name: REGION, server: admin.url, caPem: admin.caPem, token }]), { mode: 0o600 });
}

function kubectl(kubeconfig: string, cache: string, args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('kubectl', ['--kubeconfig', kubeconfig, ...args], { encoding: 'utf8', maxBuffer: 1 << 26, env: { ...process.env, KUBECACHEDIR: cache } }, (e, stdout, stderr) => {
      if (e) reject(new Error(`kubectl ${args.join(' ')}: ${stderr || e.message}`));
      else resolve(stdout);
    });
  });
}

const dir = await mkdtemp(join(tmpdir(), 'daylight-bench-k8s-'));
const build = await buildUpstream({ cacheRoot: process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), log: (line) => progress(`lab:build ${line}`) });
const fleet = parseFleet('bench-kubernetes.yaml', fleetYaml());
const kubeconfig = join(dir, 'kubeconfig');
const kcache = join(dir, 'kcache');
const signer = journalSigner(generateKeyPairSync('ed25519').privateKey);
progress(`starting the kubernetes engine: ${NODES} workers, about ${PODS} pods`);
const upStarted = performance.now();
const sandbox = await startKubernetesSandbox({ fleet, binaries: build.binaries, dir: join(dir, 'run'), kubeconfigPath: kubeconfig, log: (line) => progress(line) });
try {
  const plane = sandbox.regions.get(REGION);
  if (!plane) throw new Error(`no region ${REGION}`);
  const admin: ApiTarget = { url: plane.url, caPem: plane.credentials.caPem, token: plane.credentials.admin.token };
  const get = async <T>(path: string): Promise<T> => JSON.parse((await apiCallOk(admin, 'GET', path)).body) as T;
  type Item = { metadata: { name: string; labels?: Record<string, string> }; status?: { conditions?: { type: string; status: string }[] } };
  const ready = (x: Item) => x.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
  let pods = 0;
  for (let i = 0; ; i++) {
    const items = (await get<{ items: Item[] }>('/api/v1/pods')).items;
    pods = items.length;
    if (items.length >= PODS * 0.95 && items.every(ready)) break;
    if (i % 6 === 0) progress(`${items.filter(ready).length}/${items.length} pods Ready`);
    if (performance.now() - upStarted > 30 * 60_000) throw new Error('the fleet did not come up within 30 minutes');
    await sleep(10_000);
  }
  const upSeconds = (performance.now() - upStarted) / 1000;
  const workers = (await get<{ items: Item[] }>('/api/v1/nodes')).items.filter((n) => !('node-role.kubernetes.io/control-plane' in (n.metadata.labels ?? {}))).map((n) => n.metadata.name).sort();
  // Spread over the sorted names (zone by zone, rack by rack), alternating: both groups alike in every zone.
  const stride = Math.max(1, Math.floor(workers.length / (2 * MAINTAIN + 1)));
  const daylightNodes = Array.from({ length: MAINTAIN }, (_, i) => workers[2 * i * stride] as string);
  const kubectlNodes = Array.from({ length: MAINTAIN }, (_, i) => workers[(2 * i + 1) * stride] as string);
  const idleNode = workers[2 * MAINTAIN * stride] as string;
  const label = (node: string, group: string) => apiCallOk(admin, 'PATCH', `/api/v1/nodes/${node}`, { contentType: 'application/merge-patch+json', json: { metadata: { labels: { [GROUP_LABEL]: group } } } });
  for (const n of daylightNodes) await label(n, 'daylight');
  await label(idleNode, 'idle');
  const daylightConfig = join(dir, 'daylight.kubeconfig');
  const kubectlConfig = join(dir, 'kubectl.kubeconfig');
  await clientIdentity(admin, 'daylight', daylightConfig);
  await clientIdentity(admin, 'kubectl', kubectlConfig);
  progress(`fleet up in ${upSeconds.toFixed(0)} s: ${workers.length} workers, ${pods} pods; the control plane at rest for ${BASELINE_S} s`);

  // The control plane's own requests at rest (heartbeats, leader leases, controllers' resyncs), per second.
  await sleep(10_000);
  const restFrom = await scrape(admin);
  await sleep(BASELINE_S * 1000);
  const restTo = await scrape(admin);
  const restSeconds = (restTo.at - restFrom.at) / 1000;
  const rest = new Map([...restTo.byKey].map(([k, n]) => [k, (n - (restFrom.byKey.get(k) ?? 0)) / restSeconds]));

  progress(`Daylight maintains ${daylightNodes.length} nodes`);
  // The referee's counts before each window: what it judged while the fleet came up (on a loaded machine
  // kwok's heartbeats can lag past the grace period) is not a client's doing.
  const judged = async () => {
    const report = (await (await fetch(`${sandbox.extrasUrl}/sandbox/v1/referee`)).json()) as { podsKilledWithoutEviction: number; pdbBreaches: number; traffic: { failed: number } };
    const details = (await (await fetch(`${sandbox.extrasUrl}/sandbox/v1/referee/details`)).json()) as { kills: { pod: string; how: string }[]; breaches: string[] };
    return { ...report, details };
  };
  const refereeBefore = await judged();
  const d0 = await scrape(admin);
  const requests = new RequestTally();
  const end = await runSession({
    plan: parsePlan('bench-plan.yaml', planYaml({ name: 'bench-roll', group: 'daylight', maxUnavailable: Math.max(1, Math.floor(MAINTAIN / 2)), soak: SOAK })),
    stateDir: join(dir, 'state'),
    kubeconfig: daylightConfig,
    view: 'json',
    write: () => undefined,
    signer,
    onRequest: requests.observe,
  });
  const d1 = await scrape(admin);
  if (end.status !== 'succeeded') throw new Error(`the Daylight run ended ${end.status}${end.status === 'refused' ? '' : `: ${end.reason ?? ''}`}`);
  const daylight = window(d0, d1, rest, 'daylight');
  const refereeAfterDaylight = await judged();

  progress(`kubectl drain + uncordon on ${kubectlNodes.length} other nodes, one after the other`);
  // Discovery first, outside the window: kubectl caches it, and a runbook's first command pays it once.
  await kubectl(kubectlConfig, kcache, ['get', 'nodes', '-o', 'name']);
  const k0 = await scrape(admin);
  for (const node of kubectlNodes) {
    await kubectl(kubectlConfig, kcache, ['drain', node, '--ignore-daemonsets', '--delete-emptydir-data', '--timeout=600s']);
    await kubectl(kubectlConfig, kcache, ['uncordon', node]);
  }
  const k1 = await scrape(admin);
  const drain = window(k0, k1, rest, 'kubectl');
  const refereeAfterKubectl = await judged();

  progress(`an idle Daylight run: soaking after its one node, LIST requests over ${IDLE_WINDOW_S} s`);
  const interrupt = new AbortController();
  let soaking!: () => void;
  const soakStarted = new Promise<void>((resolve) => (soaking = resolve));
  const idleRun = runSession({
    plan: parsePlan('idle-plan.yaml', planYaml({ name: 'bench-idle', group: 'idle', maxUnavailable: 1, soak: '1h' })),
    stateDir: join(dir, 'state-idle'),
    kubeconfig: daylightConfig,
    view: 'json',
    write: (t) => {
      if (t.includes('"wave.completed"')) soaking();
    },
    interrupt: interrupt.signal,
    signer,
  });
  await Promise.race([soakStarted, idleRun.then((e) => Promise.reject(new Error(`the idle run ended ${e.status} before soaking`)))]);
  // Its watches settle first (a watch opens with one LIST), then the window.
  await sleep(20_000);
  const i0 = await scrape(admin);
  await sleep(IDLE_WINDOW_S * 1000);
  const i1 = await scrape(admin);
  interrupt.abort();
  await idleRun.catch(() => undefined);
  const idle = window(i0, i1, rest, 'daylight');

  // ---- the report ----
  const own = (w: Window) => {
    const total = [...w.client].filter(([v]) => v !== 'discovery').reduce((n, [, v]) => n + v, 0);
    return { total, perPod: total / Math.max(1, w.evicted) };
  };
  const dl = own(daylight);
  const kc = own(drain);
  const ratio = dl.perPod / kc.perPod;
  const restRate = [...rest.values()].reduce((a, b) => a + b, 0);
  type Judged = Awaited<ReturnType<typeof judged>>;
  const refereeRow = (what: string, from: Judged, to: Judged): [string, string, string, string, string] => {
    const killed = to.podsKilledWithoutEviction - from.podsKilledWithoutEviction;
    const breaches = to.pdbBreaches - from.pdbBreaches;
    const which = [...to.details.breaches.slice(from.details.breaches.length), ...to.details.kills.slice(from.details.kills.length).map((k) => `${k.pod} (${k.how})`)];
    return [what, `${killed} killed, ${breaches} breaches`, `traffic failed: ${to.traffic.failed - from.traffic.failed}${which.length ? `; ${which.join(', ')}` : ''}`, '0, 0', killed === 0 && breaches === 0 ? 'yes' : 'NO'];
  };
  console.log(`roll-kubernetes benchmark: kube-apiserver ${build.version}, ${workers.length} workers, ${pods} pods, up in ${upSeconds.toFixed(0)} s; node ${process.version}`);
  if (refereeBefore.pdbBreaches || refereeBefore.podsKilledWithoutEviction) console.log(`referee while the fleet came up (no client yet): ${refereeBefore.podsKilledWithoutEviction} killed, ${refereeBefore.pdbBreaches} breaches: ${refereeBefore.details.breaches.join(', ')}`);
  console.log('counted by the API server: each client\'s requests by its FlowSchemas (apiserver_flowcontrol_dispatched_requests_total), evictions by apiserver_request_total{subresource="eviction",code="201"}');
  const rows: [string, string, string, string, string][] = [
    ['Daylight: requests per evicted pod', dl.perPod.toFixed(2), `${dl.total} requests, ${daylight.evicted} pods evicted, ${daylightNodes.length} nodes rebooted in ${daylight.seconds.toFixed(0)} s, run ${end.status}`, '', ''],
    ['kubectl drain + uncordon: per evicted pod', kc.perPod.toFixed(2), `${kc.total} requests, ${drain.evicted} pods evicted, ${kubectlNodes.length} nodes in ${drain.seconds.toFixed(0)} s`, '', ''],
    ['Daylight ÷ kubectl drain', `${ratio.toFixed(2)}×`, 'per evicted pod (Daylight also reboots each node, waits on it, and checks gates)', '≤ 1×', ratio <= 1 ? 'yes' : 'NO'],
    refereeRow('referee during Daylight', refereeBefore, refereeAfterDaylight),
    refereeRow('referee during kubectl drain', refereeAfterDaylight, refereeAfterKubectl),
  ];
  const widths = [0, 1, 2, 3, 4].map((i) => Math.max(...rows.map((r) => r[i]?.length ?? 0)));
  for (const r of rows) console.log(r.map((c, i) => c.padEnd(widths[i] as number)).join('  ').trimEnd());
  console.log('by verb, per evicted pod      Daylight  kubectl drain');
  for (const v of ['eviction', ...VERBS, 'discovery']) {
    const a = daylight.client.get(v) ?? 0;
    const b = drain.client.get(v) ?? 0;
    if (a === 0 && b === 0) continue;
    const label = v === 'eviction' ? 'create pods/eviction' : v === 'create' ? 'create (other)' : v === 'discovery' ? 'discovery (not counted above)' : v;
    console.log(`  ${label.padEnd(29)} ${(a / Math.max(1, daylight.evicted)).toFixed(2).padStart(6)}  ${(b / Math.max(1, drain.evicted)).toFixed(2).padStart(6)}   (${a} and ${b})`);
  }
  console.log(`Daylight's own count of its requests: ${requests.count} (${(requests.count / Math.max(1, daylight.evicted)).toFixed(2)}/pod)`);
  const top = (w: Window) => [...w.byKey].sort((a, b) => b[1] - a[1]).slice(0, 12).map(([k, n]) => `${k} ${n}`).join('; ');
  const all = (w: Window) => [...w.byKey.values()].reduce((a, b) => a + b, 0);
  console.log(`whole window, every client and the cluster's reaction (apiserver_request_total less ${restRate.toFixed(1)} requests/s at rest):`);
  console.log(`  Daylight's: ${all(daylight)} (${(all(daylight) / Math.max(1, daylight.evicted)).toFixed(2)}/pod): ${top(daylight)}`);
  console.log(`  kubectl's:  ${all(drain)} (${(all(drain) / Math.max(1, drain.evicted)).toFixed(2)}/pod): ${top(drain)}`);
  const minutes = idle.seconds / 60;
  const lists = [...idle.byKey].filter(([k]) => k.startsWith('LIST ')).map(([k, n]) => [k.slice(5), n / minutes] as const).sort((a, b) => b[1] - a[1]);
  const ownLists = (idle.client.get('list') ?? 0) / minutes;
  const ownWatches = idle.client.get('watch') ?? 0;
  console.log(`idle Daylight run (soaking) over ${idle.seconds.toFixed(0)} s: ${ownLists.toFixed(2)} LIST/min and ${ownWatches} watches opened by Daylight; LIST/min by resource (all clients, less rest): ${lists.length ? lists.map(([k, r]) => `${k} ${r.toFixed(2)}`).join('; ') : 'none'}`);
  const worst = lists[0]?.[1] ?? 0;
  console.log(`  highest LIST rate of one resource: ${worst.toFixed(2)}/min   goal ≤ 1/min per watched resource   ${worst <= 1 ? 'yes' : 'NO'}`);
} finally {
  await sandbox.stop();
  await rm(dir, { recursive: true, force: true });
}
