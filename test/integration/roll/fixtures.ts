// Fixtures for the run engine's integration tests: fleets and plans from factory functions, one run of a
// plan in this process against a sandbox, and what an outside observer reads afterwards.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runSession } from '../../../src/cli/run-session.ts';
import { RequestTally } from '../../../src/lib/request-tally.ts';
import type { SessionEnd } from '../../../src/cli/run-session.ts';
import type { JournalEntry, RunEvent, RunEventType } from '../../../src/engine/events.ts';
import { verifyChain } from '../../../src/journal/file-journal.ts';
import type { ChainCheck } from '../../../src/journal/file-journal.ts';
import { parsePlan } from '../../../src/plan/load.ts';
import type { LoadedPlan } from '../../../src/plan/load.ts';
import type { RefereeReport } from '../../../src/sandbox/referee.ts';
import { smallFleet } from '../../support/fleets.ts';
import type { SmallFleet } from '../../support/fleets.ts';
import { allPodsReady, simulatedReferee, startTestSandbox } from '../../support/sandbox.ts';
import type { RefereeSource, TestSandbox } from '../../support/sandbox.ts';
import { testSigner } from '../../helpers/journal-key.ts';

export const REGION = 'eu-central';
/** Real-time limit for the fleet to come up before the run. */
const UP_MS = 20_000;

/**
 * The demo's workloads, sized for a small fleet: budgets of 80% and of one, zone spread, a DaemonSet, a
 * StatefulSet with emptyDir. `delays` sets every workload's start-up and readiness delays (a real-time engine).
 */
export function demoWorkloads(delays?: { startupSeconds: number; readinessSeconds: number }): string[] {
  const all = [
    '{name: web, namespace: shop, kind: Deployment, replicas: 6, cpu: 250m, memory: 256Mi, startupSeconds: 10, readinessSeconds: 5, pdb: {minAvailable: 80%}, spread: zone, service: {rpsPerPod: 100}}',
    '{name: api, namespace: shop, kind: Deployment, replicas: 4, cpu: 250m, memory: 256Mi, startupSeconds: 5, readinessSeconds: 5, pdb: {maxUnavailable: 1}, spread: zone}',
    '{name: db, namespace: shop, kind: StatefulSet, replicas: 3, cpu: 250m, memory: 512Mi, startupSeconds: 10, readinessSeconds: 5, pdb: {maxUnavailable: 1}, emptyDir: true, spread: zone}',
    '{name: node-agent, namespace: kube-system, kind: DaemonSet, cpu: 50m, memory: 64Mi}',
  ];
  if (!delays) return all;
  const timing = `startupSeconds: ${delays.startupSeconds}, readinessSeconds: ${delays.readinessSeconds}`;
  return all.map((w) => (w.includes('startupSeconds') ? w.replace(/startupSeconds: \d+, readinessSeconds: \d+/, timing) : w.replace(/}$/, `, ${timing}}`)));
}

/** 3 zones × 2 racks × 2 nodes = 12 workers with the demo's workloads. */
export function rollFleet(o: SmallFleet = {}): SmallFleet {
  return { zones: 3, racks: 2, nodesPerRack: 2, rebootSeconds: 60, workloads: demoWorkloads(), ...o };
}

export interface PlanOptions {
  readonly rolling?: boolean;
  readonly name?: string;
  readonly maxUnavailable?: string | number;
  /** YAML of `topology`; zone then rack when omitted, `null` for none. */
  readonly topology?: string | null;
  readonly canary?: number;
  readonly selector?: string;
  /** YAML of `drain`. */
  readonly drain?: string;
  /** YAML of `ready`. */
  readonly ready?: string;
  readonly soak?: string;
  /** YAML list items of `gates`. */
  readonly gates?: readonly string[];
  /** YAML of `action`; an agent's reboot when omitted. */
  readonly action?: string;
}

export const ZONE_THEN_RACK = '{key: topology.kubernetes.io/zone, serial: true, then: {key: topology.daylight.dev/rack}}';

/** A one-phase reboot plan for the sandbox's first region; every field can be overridden. */
export function rollPlanYaml(o: PlanOptions = {}): string {
  const topology = o.topology === undefined ? ZONE_THEN_RACK : o.topology;
  const gates = o.gates ?? ['{type: kube, check: nodes-ready}', '{type: kube, check: workloads-available}'];
  return [
    'apiVersion: daylight.dev/v1alpha1',
    'kind: MaintenancePlan',
    `metadata: {name: ${o.name ?? 'roll'}}`,
    'spec:',
    `  clusters: [{name: ${REGION}, context: ${REGION}}]`,
    '  phases:',
    '    - name: os-patch',
    '      type: nodes',
    `      selector: "${o.selector ?? '!node-role.kubernetes.io/control-plane'}"`,
    `      maxUnavailable: ${String(o.maxUnavailable ?? '25%')}`,
    ...(topology === null ? [] : [`      topology: ${topology}`]),
    `      canary: ${o.canary ?? 1}`,
    `      drain: ${o.drain ?? '{timeout: 10m, onTimeout: fail, ignoreDaemonSets: true, deleteEmptyDirData: true}'}`,
    `      action: ${o.action ?? '{type: agent, operation: reboot}'}`,
    `      ready: ${o.ready ?? '{timeout: 10m}'}`,
    `      soak: ${o.soak ?? '10s'}`,
    ...(o.rolling ? ['      rolling: true'] : []),
    ...(gates.length ? ['  gates:', ...gates.map((g) => `    - ${g}`)] : []),
    '',
  ].join('\n');
}

export function rollPlan(o: PlanOptions = {}): LoadedPlan {
  return parsePlan('roll-plan.yaml', rollPlanYaml(o));
}

/**
 * A sandbox of `fleet` at `speed`, with every pod Ready; with `unready`, every pod but that many of the
 * named workload's (a fleet with pods that never get Ready).
 */
export async function upFleet(fleet: SmallFleet, speed: number, o: { unready?: { namespace: string; workload: string; count: number } } = {}): Promise<TestSandbox> {
  const ts = await startTestSandbox(smallFleet({ ...fleet, speed }), { speed });
  const up = o.unready;
  const ready = up ? async () => unreadyPods(await pods(ts)).join() === Array.from({ length: up.count }, () => `${up.namespace}/${up.workload}`).join() : () => allPodsReady(ts.sandbox);
  try {
    await ts.until(up ? `every pod but ${up.count} of ${up.namespace}/${up.workload} is Ready` : 'every pod of the fleet is Ready', ready, UP_MS);
  } catch (e: unknown) {
    await ts.stop();
    throw e;
  }
  return ts;
}

/** What the fixtures below read a sandbox through, on either engine. */
export interface RollTarget {
  readonly kubeconfigPath: string;
  /** GET on a region's API as its admin; the parsed JSON body. */
  api(region: string, path: string): Promise<unknown>;
}

export interface Roll {
  readonly end: SessionEnd;
  readonly status: string;
  readonly runId: string;
  readonly entries: readonly JournalEntry[];
  readonly chain: ChainCheck;
  /** What the run printed (`-o json` lines). */
  readonly output: string;
  readonly realMs: number;
  /** API requests the run made, counted by the observer the roll installs when it connects. */
  readonly requests: number;
}

/** Runs `plan` against the sandbox in this process, with a fresh state dir, and reads its journal. */
export async function roll(ts: Pick<RollTarget, 'kubeconfigPath'>, plan: LoadedPlan, o: { skipPreflight?: boolean } = {}): Promise<Roll> {
  const stateDir = await mkdtemp(join(tmpdir(), 'daylight-roll-'));
  try {
    let output = '';
    const started = Date.now();
    const tally = new RequestTally();
    const end = await runSession({ plan, stateDir, kubeconfig: ts.kubeconfigPath, view: 'json', write: (t) => void (output += t), skipPreflight: o.skipPreflight, signer: testSigner(), onRequest: tally.observe });
    const realMs = Date.now() - started;
    const requests = tally.count;
    if (end.status === 'refused') return { end, status: end.status, runId: '', entries: [], chain: { ok: true, entries: 0 }, output, realMs, requests };
    const text = await readFile(end.paths.journal, 'utf8');
    const entries = text.split('\n').filter((l) => l.length > 0).map((l) => JSON.parse(l) as JournalEntry);
    return { end, status: end.status, runId: end.runId, entries, chain: verifyChain(text), output, realMs, requests };
  } finally {
    await rm(stateDir, { recursive: true, force: true });
  }
}

/** The journal's events of one type, with their entries. */
export function eventsOf<T extends RunEventType>(r: Roll, type: T): { at: number; event: Extract<RunEvent, { type: T }> }[] {
  return r.entries.filter((e) => e.event.type === type).map((e) => ({ at: e.at, event: e.event as Extract<RunEvent, { type: T }> }));
}

/** The run's outcome per node, from its `node.done` entries. */
export function outcomes(r: Roll): Record<string, string> {
  return Object.fromEntries(eventsOf(r, 'node.done').map((e) => [e.event.node, e.event.outcome]));
}

/** The referee's report, as any outside observer reads it from the sandbox's API. */
export async function referee(ts: TestSandbox): Promise<RefereeReport> {
  return (await ts.api(REGION, '/sandbox/v1/referee')) as RefereeReport;
}

interface NodeItem {
  readonly metadata: { readonly name: string; readonly labels?: Record<string, string>; readonly annotations?: Record<string, string> };
  readonly spec: { readonly unschedulable?: boolean };
  readonly status: { readonly conditions?: readonly { readonly type: string; readonly status: string }[] };
}

/** GET on a list, asked again while the API answers with an error (a fleet with API faults fails some). */
async function list<T>(ts: Pick<RollTarget, 'api'>, path: string): Promise<T[]> {
  for (let attempt = 1; ; attempt++) {
    const body = await ts.api(REGION, path);
    if (typeof body === 'object' && body !== null && 'items' in body && Array.isArray(body.items)) return body.items as T[];
    if (attempt >= 20) throw new Error(`GET ${path} kept failing: ${JSON.stringify(body).slice(0, 300)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export async function nodes(ts: Pick<RollTarget, 'api'>): Promise<NodeItem[]> {
  return list<NodeItem>(ts, '/api/v1/nodes');
}

/** The names of the nodes the API shows as cordoned (spec.unschedulable). */
export async function cordonedNodes(ts: Pick<RollTarget, 'api'>): Promise<string[]> {
  return (await nodes(ts)).filter((n) => n.spec.unschedulable === true).map((n) => n.metadata.name).sort();
}

/** The names of the nodes the API shows as NotReady. */
export async function notReadyNodes(ts: Pick<RollTarget, 'api'>): Promise<string[]> {
  return (await nodes(ts)).filter((n) => !n.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')).map((n) => n.metadata.name).sort();
}

/** The worker nodes (every node but the control plane), by name. */
export async function workers(ts: Pick<RollTarget, 'api'>): Promise<string[]> {
  return (await nodes(ts)).filter((n) => n.metadata.labels?.['node-role.kubernetes.io/control-plane'] === undefined).map((n) => n.metadata.name).sort();
}

interface PodItem {
  readonly metadata: { readonly name: string; readonly namespace: string; readonly labels?: Record<string, string>; readonly deletionTimestamp?: string };
  readonly spec: { readonly nodeName?: string };
  readonly status?: { readonly conditions?: readonly { readonly type: string; readonly status: string }[] };
}

async function pods(ts: Pick<RollTarget, 'api'>, namespace?: string, workload?: string): Promise<PodItem[]> {
  const where = namespace ? `/api/v1/namespaces/${namespace}/pods` : '/api/v1/pods';
  return list<PodItem>(ts, workload ? `${where}?labelSelector=${encodeURIComponent(`app.kubernetes.io/name=${workload}`)}` : where);
}

/** `namespace/workload` of every pod that is not Ready, sorted. */
function unreadyPods(items: readonly PodItem[]): string[] {
  const ready = (p: PodItem) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true;
  return items.filter((p) => !ready(p)).map((p) => `${p.metadata.namespace}/${p.metadata.labels?.['app.kubernetes.io/name'] ?? p.metadata.name}`).sort();
}

/** Which nodes the live pods of a workload sit on, from the API. */
export async function nodesOfWorkload(ts: Pick<RollTarget, 'api'>, namespace: string, workload: string): Promise<string[]> {
  const items = (await pods(ts, namespace, workload)).filter((p) => !p.metadata.deletionTimestamp);
  return [...new Set(items.map((p) => p.spec.nodeName ?? ''))].filter((n) => n !== '').sort();
}

/** Cluster time the run took, first journal entry to last, in seconds. */
export function clusterSeconds(r: Roll): number {
  const first = r.entries[0];
  const last = r.entries.at(-1);
  return first && last ? (last.at - first.at) / 1000 : 0;
}

/** Which budgets broke and which pods died without eviction, for a failing assertion's message. */
export async function refereeDetails(ts: TestSandbox): Promise<string> {
  return JSON.stringify(await ts.api(REGION, '/sandbox/v1/referee/details'));
}

export interface CleanRoll {
  /** Every worker the run must have maintained. */
  readonly workers: readonly string[];
  /** maxUnavailable resolved to nodes. */
  readonly maxUnavailable: number;
}

/**
 * What a full roll that keeps every budget looks like from outside: succeeded, every worker rebooted exactly
 * once and given back, no budget breached, no pod killed, never more nodes out than maxUnavailable, and a
 * journal with one `maintained` per worker, an intact hash chain and the run id on every entry.
 */
export async function assertCleanRoll(ts: Pick<RollTarget, 'api'>, r: Roll, e: CleanRoll, source: RefereeSource = simulatedReferee(ts, REGION)): Promise<void> {
  assert.equal(r.status, 'succeeded', `the run ended ${r.status}: ${r.end.status === 'refused' ? r.output : (r.end.reason ?? '')}`);
  const ref = await source.report();
  const details = async () => JSON.stringify(await source.details());
  assert.deepEqual(Object.keys(ref.reboots).sort(), e.workers.map((w) => `${REGION}/${w}`).sort(), 'every worker rebooted');
  assert.ok(Object.values(ref.reboots).every((n) => n === 1), `and none twice: ${JSON.stringify(ref.reboots)}`);
  assert.deepEqual(await cordonedNodes(ts), [], 'no node is left cordoned');
  assert.equal(ref.pdbBreaches, 0, await details());
  assert.equal(ref.podsKilledWithoutEviction, 0, await details());
  const max = ref.maxConcurrentUnavailableNodes[REGION] ?? 0;
  assert.ok(max >= 1 && max <= e.maxUnavailable, `at most ${e.maxUnavailable} nodes unavailable at once, the referee saw ${max}`);
  assert.equal(ref.traffic.failed, 0, 'no request failed');
  const done = eventsOf(r, 'node.done').map((d) => `${d.event.node} ${d.event.outcome}`).sort();
  assert.deepEqual(done, e.workers.map((w) => `${w} maintained`).sort(), 'one node.done per worker, each maintained');
  assert.deepEqual(r.chain, { ok: true, entries: r.entries.length }, 'the hash chain verifies');
  assert.ok(r.runId.length > 0 && r.entries.every((x) => x.runId === r.runId), 'every journal entry carries the run id');
}
