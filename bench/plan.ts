// Benchmark of planRun on 5,000 nodes (5 zones × 50 racks × 20) and 150,000 pods with budgets: time and peak
// RSS against goals, and a naive sort-and-cut planner as the peer. Run: npx node bench/plan.ts [--runs N]
import { parseArgs } from 'node:util';
import type { ClusterSnapshot, NodeView, PdbView, PodView } from '../src/kube/types.ts';
import { naturalCompare } from '../src/lib/natural-compare.ts';
import { PlanSchema } from '../src/plan/schema.ts';
import type { Plan } from '../src/plan/schema.ts';
import { resolveIntOrPercent } from '../src/plan/values.ts';
import { planRun } from '../src/planner/plan-run.ts';
import type { RunPlan } from '../src/planner/plan-run.ts';
import { overBudget } from '../test/helpers/budget-referee.ts';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '5' } } });
const RUNS = Number(values.runs);
const ZONES = 5;
const RACKS = 50;
const PER_RACK = 20;
const DEPLOYMENTS = 100;
const REPLICAS = 1400;
const NAMESPACES = 10;
const ZONE = 'topology.kubernetes.io/zone';
const RACK = 'topology.daylight.dev/rack';
const NOW = Date.parse('2026-03-02T07:00:00Z');

function buildNodes(): NodeView[] {
  const out: NodeView[] = [];
  for (let z = 0; z < ZONES; z++) {
    for (let r = 1; r <= RACKS; r++) {
      for (let k = 1; k <= PER_RACK; k++) {
        const name = `w-z${z}-r${r}-${k}`;
        out.push({
          name, uid: name, labels: { [ZONE]: `eu-1${'abcde'[z]}`, [RACK]: `r${r}` }, annotations: {}, unschedulable: false, ready: true, taints: [],
          allocatable: { milliCpu: 32000, memory: 128 * 2 ** 30, pods: 110 }, bootId: `b-${name}`, kubeletVersion: 'v1.30.4', resourceVersion: '1',
        });
      }
    }
  }
  return out;
}

function pod(parts: { ns: string; name: string; node: string; labels: Record<string, string>; kind: string; grace: number }): PodView {
  return {
    namespace: parts.ns, name: parts.name, uid: parts.name, nodeName: parts.node, labels: parts.labels, phase: 'Running', ready: true, terminating: false,
    controller: { kind: parts.kind, name: parts.labels.app ?? '', uid: parts.labels.app ?? '' }, workload: { kind: parts.kind, name: parts.labels.app ?? '' },
    requests: { milliCpu: 100, memory: 2 ** 27 }, emptyDir: false, mirror: false, hasReadinessProbe: true, terminationGracePeriodSeconds: parts.grace,
  };
}

/** Deployment d's pod i on node (37·d + 3571·i) mod N: 3571 is prime to 5,000, so replicas land on distinct nodes across all zones. */
function buildSnapshot(): ClusterSnapshot {
  const nodes = buildNodes();
  const pods: PodView[] = [];
  const pdbs: PdbView[] = [];
  for (let d = 0; d < DEPLOYMENTS; d++) {
    const ns = `team-${d % NAMESPACES}`;
    const labels = { app: `svc-${d}`, tier: d % 2 ? 'web' : 'api' };
    for (let i = 0; i < REPLICAS; i++) {
      pods.push(pod({ ns, name: `svc-${d}-${i}`, node: (nodes[(37 * d + 3571 * i) % nodes.length] as NodeView).name, labels, kind: 'ReplicaSet', grace: 30 + (d % 4) * 15 }));
    }
    const allowed = Math.ceil(REPLICAS * 0.1);
    pdbs.push({ namespace: ns, name: `svc-${d}`, selector: { matchLabels: { app: `svc-${d}` } }, maxUnavailable: '10%', currentHealthy: REPLICAS, desiredHealthy: REPLICAS - allowed, disruptionsAllowed: allowed, expectedPods: REPLICAS });
  }
  for (const ds of ['node-agent', 'log-shipper']) {
    const labels = { app: ds };
    for (const n of nodes) pods.push(pod({ ns: 'kube-system', name: `${ds}-${n.name}`, node: n.name, labels, kind: 'DaemonSet', grace: 5 }));
  }
  return { cluster: 'eu-central', takenAt: NOW, version: 'v1.30.4', nodes, pods, pdbs, workloads: [] };
}

function buildPlan(): Plan {
  return PlanSchema.parse({
    apiVersion: 'daylight.dev/v1alpha1', kind: 'MaintenancePlan', metadata: { name: 'bench' },
    spec: {
      clusters: [{ name: 'eu-central' }],
      window: { timezone: 'Europe/Berlin', allow: [{ days: ['Mon', 'Tue', 'Wed', 'Thu', 'Fri'], start: '08:00', end: '18:00' }] },
      phases: [{ name: 'os-patch', type: 'nodes', maxUnavailable: '10%', canary: 1, soak: '30s', topology: { key: ZONE, serial: true, then: { key: RACK } } }],
      gates: [{ type: 'kube', check: 'nodes-ready' }],
    },
  });
}

/** The peer: what a planner without budgets or racks does, sort by zone, rack and name and cut into budget-sized waves. */
function naivePlan(snapshot: ClusterSnapshot, plan: Plan): string[][] {
  const key = (n: NodeView) => `${n.labels[ZONE] ?? ''}/${n.labels[RACK] ?? ''}`;
  const sorted = [...snapshot.nodes].sort((a, b) => naturalCompare(key(a), key(b)) || naturalCompare(a.name, b.name));
  const first = plan.spec.phases[0];
  const size = resolveIntOrPercent(first?.type === 'nodes' ? first.maxUnavailable : 1, sorted.length, 1);
  const waves: string[][] = [];
  for (let i = 0; i < sorted.length; i += size) waves.push(sorted.slice(i, i + size).map((n) => n.name));
  return waves;
}

/** Waves (a lone node's too) holding more pods of some budget than it allows at once, by the independent referee. */
function overBudgetWaves(waves: readonly (readonly string[])[], snapshot: ClusterSnapshot): number {
  return new Set(overBudget(waves, snapshot).map((o) => o.wave)).size;
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
}

function timed<T>(fn: () => T): { ms: number; value: T } {
  const t0 = performance.now();
  const value = fn();
  return { ms: performance.now() - t0, value };
}

interface Row {
  readonly measure: string;
  readonly value: string;
  readonly peer: string;
  readonly ratio: string;
  readonly goal: string;
  readonly met: string;
}

const fmtMin = (ms: number) => `${(ms / 60_000).toFixed(0)} min`;

const built = timed(buildSnapshot);
const plan = buildPlan();
const snapshot = built.value;
process.stderr.write(`[bench] built ${snapshot.nodes.length} nodes, ${snapshot.pods.length} pods, ${snapshot.pdbs.length} PDBs in ${built.ms.toFixed(0)} ms\n`);

const ours = Array.from({ length: RUNS }, () => timed(() => planRun({ snapshots: [snapshot], plan, now: NOW })));
const peer = Array.from({ length: RUNS }, () => timed(() => naivePlan(snapshot, plan)));
const oursMs = median(ours.map((r) => r.ms));
const peerMs = median(peer.map((r) => r.ms));
const run = (ours[0] as { value: RunPlan }).value;
const phase = run.clusters[0]?.phases[0];
const ourWaves = phase?.plan.waves.map((w) => w.nodes) ?? [];
const peerWaves = (peer[0] as { value: string[][] }).value;
const rssMiB = process.resourceUsage().maxRSS / 1024;
const eta = phase?.plan.eta.totalMs ?? 0;
const bound = phase?.plan.lowerBound?.ms ?? 0;
const nodesBound = phase?.plan.lowerBound?.nodes.ms ?? 0;
process.stderr.write(`[bench] ${ourWaves.length} waves of ${ourWaves.map((w) => w.length).join(',')} nodes; lower bound ${fmtMin(bound)}: ${phase?.plan.lowerBound?.text ?? 'none'}\n`);
const ourOver = overBudgetWaves(ourWaves, snapshot);
const peerOver = overBudgetWaves(peerWaves, snapshot);

const rows: Row[] = [
  { measure: `planRun, 5,000 nodes / 150,000 pods (median of ${RUNS})`, value: `${oursMs.toFixed(0)} ms`, peer: `${peerMs.toFixed(1)} ms (naive sort and cut)`, ratio: `${(oursMs / peerMs).toFixed(1)}×`, goal: '< 2 s', met: oursMs < 2000 ? 'yes' : 'NO' },
  { measure: 'peak RSS of this process', value: `${rssMiB.toFixed(0)} MiB`, peer: '1024 MiB (goal)', ratio: `${(rssMiB / 1024).toFixed(2)}×`, goal: '< 1 GiB', met: rssMiB < 1024 ? 'yes' : 'NO' },
  { measure: 'waves over a PDB\'s allowance', value: `${ourOver} of ${ourWaves.length}`, peer: `${peerOver} of ${peerWaves.length} (naive)`, ratio: '-', goal: '0', met: ourOver === 0 ? 'yes' : 'NO' },
  { measure: 'ETA against the lower bound', value: fmtMin(eta), peer: `${fmtMin(bound)} (${phase?.plan.lowerBound?.binding ?? '?'} bound)`, ratio: `${(eta / Math.max(1, bound)).toFixed(2)}×`, goal: '≤ 1.2×', met: bound > 0 && eta <= 1.2 * bound ? 'yes' : 'NO' },
  // The node-throughput bound, which ignores that budgets limit how many nodes with their pods go at once: beside, for comparison.
  { measure: 'ETA against the node-throughput bound', value: fmtMin(eta), peer: `${fmtMin(nodesBound)} (nodes bound)`, ratio: `${(eta / Math.max(1, nodesBound)).toFixed(2)}×`, goal: '-', met: '-' },
];

const header: Row = { measure: 'measure', value: 'value', peer: 'peer', ratio: 'ratio', goal: 'goal', met: 'met' };
const keys = Object.keys(header) as (keyof Row)[];
const widths = keys.map((k) => Math.max(...[header, ...rows].map((r) => r[k].length)));
const line = (r: Row) => keys.map((k, i) => r[k].padEnd(widths[i] ?? 0)).join('  ').trimEnd();
console.log(`planner benchmark, node ${process.version}`);
console.log(line(header));
for (const r of rows) console.log(line(r));
