// The controller's lab on the sandbox's kubernetes engine, shared by controller.test.ts and
// controller-runs.test.ts (each file its own process, so each its own sandbox): 2 zones × 2 workers and a
// control-plane node, the CRDs, the controller's namespace and a roll plan as a MaintenancePlan; replicas
// of `daylight controller` as processes; and reads of the Lease, the runs' journals and statuses.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { CRD_DIR } from '../../scripts/crd-render.ts';
import { REGION, rollFleet, rollPlanYaml } from './roll/fixtures.ts';
import { upKubernetesFleet } from './roll/kubernetes-fixtures.ts';
import type { KubernetesFleet } from './roll/kubernetes-fixtures.ts';
import { tempConfigHome } from '../helpers/journal-key.ts';

export const ENTRY = fileURLToPath(new URL('../../src/cli/entry.ts', import.meta.url));
export const NS = 'daylight-system';
/** client-go's lease duration plus one retry period: the longest a standby may take to lead. */
export const TAKEOVER_MS = 15_000 + 2_000;
export const configHome = tempConfigHome();

let k: KubernetesFleet | undefined;

/** The sandbox, once `setUp` has started it. */
export function fleet(): KubernetesFleet {
  assert.ok(k, 'the controller lab is not set up');
  return k;
}

export function kubectl(args: readonly string[], input?: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  assert.ok(k);
  const child = spawn('kubectl', ['--kubeconfig', k.kubeconfigPath, '--context', REGION, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  child.stdin.end(input ?? '');
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr })));
}

export async function kubectlOk(args: readonly string[], input?: string): Promise<string> {
  const r = await kubectl(args, input);
  assert.equal(r.code, 0, `kubectl ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

export interface Replica {
  readonly identity: string;
  readonly child: ChildProcess;
  readonly log: string[];
  readonly exited: Promise<void>;
}

/** A replica of `daylight controller`, with `extra` flags (`--listen`, `--token-file`) after the lab's. */
export function replica(identity: string, extra: readonly string[] = []): Replica {
  assert.ok(k);
  const child = spawn(process.execPath, [ENTRY, 'controller', '--kubeconfig', k.kubeconfigPath, '--context', REGION, '--namespace', NS, '--identity', identity, ...extra], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, XDG_CONFIG_HOME: configHome } });
  const log: string[] = [];
  let rest = '';
  child.stderr?.on('data', (c: Buffer) => {
    const lines = (rest + c.toString()).split('\n');
    rest = lines.pop() ?? '';
    log.push(...lines);
  });
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  return { identity, child, log, exited };
}

export async function holder(): Promise<string | undefined> {
  const lease = (await k?.api(REGION, '/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/daylight-controller')) as { spec?: { holderIdentity?: string } } | undefined;
  return lease?.spec?.holderIdentity;
}

/** Entries of the run's journal in the API server so far. */
export async function journalLength(run: string): Promise<number> {
  const list = (await k?.api(REGION, `/api/v1/namespaces/${NS}/configmaps?labelSelector=${encodeURIComponent(`daylight.dev/run=${run}`)}`)) as { items?: { data?: Record<string, string> }[] };
  return (list.items ?? []).reduce((n, c) => n + (c.data?.['journal.jsonl'] ?? '').split('\n').filter((l) => l.trim()).length, 0);
}

/** The run's journal entries from its ConfigMaps, in order. */
export async function journalEntries(run: string): Promise<{ seq: number; event: { type: string } }[]> {
  const list = (await k?.api(REGION, `/api/v1/namespaces/${NS}/configmaps?labelSelector=${encodeURIComponent(`daylight.dev/run=${run}`)}`)) as { items?: { metadata: { name: string }; data?: Record<string, string> }[] };
  const chunks = (list.items ?? []).sort((a, b) => Number(a.metadata.name.split('-').at(-1)) - Number(b.metadata.name.split('-').at(-1)));
  return chunks.flatMap((c) => (c.data?.['journal.jsonl'] ?? '').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as { seq: number; event: { type: string } }));
}

export interface RunStatusRead {
  phase?: string;
  progress?: string;
  lastEvents?: string[];
  conditions?: { type: string; status: string; reason: string; message: string }[];
}

export async function runStatus(run: string): Promise<RunStatusRead> {
  const r = (await k?.api(REGION, `/apis/daylight.dev/v1alpha1/namespaces/${NS}/maintenanceruns/${run}`)) as { status?: RunStatusRead };
  return r.status ?? {};
}

/** The types of the run's conditions that are True, sorted. */
export function trueConditions(s: RunStatusRead): string[] {
  return (s.conditions ?? []).filter((c) => c.status === 'True').map((c) => c.type).sort();
}

export const replicas: Replica[] = [];

/** The replicas still running. */
export const live = (): Replica[] => replicas.filter((r) => r.child.exitCode === null && r.child.signalCode === null);

export async function setUp(): Promise<void> {
  // 2 zones × 2 workers and a control-plane node, a Deployment under a budget and a DaemonSet
  k = await upKubernetesFleet(rollFleet({
    zones: 2,
    racks: 1,
    nodesPerRack: 2,
    rebootSeconds: 6,
    workloads: [
      '{name: web, namespace: shop, kind: Deployment, replicas: 4, cpu: 500m, memory: 256Mi, startupSeconds: 1, readinessSeconds: 1, pdb: {minAvailable: 3}, spread: zone}',
      '{name: node-agent, namespace: kube-system, kind: DaemonSet, startupSeconds: 1, readinessSeconds: 1}',
    ],
  }));
  // Given the CRDs installed and the controller's namespace
  await kubectlOk(['apply', '--server-side', '-f', CRD_DIR]);
  await kubectlOk(['wait', '--for=condition=Established', '--timeout=60s', 'crd/maintenanceplans.daylight.dev', 'crd/maintenanceruns.daylight.dev']);
  await kubectlOk(['create', 'namespace', NS]);
  // And the plan as a MaintenancePlan: every worker, 2 at a time, zone by zone
  const planSpec = (parse(rollPlanYaml({ maxUnavailable: 2, topology: '{key: topology.kubernetes.io/zone, serial: true}', soak: '0s', ready: '{timeout: 10m}', drain: '{timeout: 10m, onTimeout: fail, ignoreDaemonSets: true}' })) as { spec: unknown }).spec;
  await kubectlOk(['apply', '-n', NS, '-f', '-'], JSON.stringify({ apiVersion: 'daylight.dev/v1alpha1', kind: 'MaintenancePlan', metadata: { name: 'roll' }, spec: planSpec }));
}

export async function tearDown(): Promise<void> {
  for (const r of replicas) r.child.kill('SIGKILL');
  await Promise.all(replicas.map((r) => r.exited));
  await k?.stop();
}
