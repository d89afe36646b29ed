// A rollout across a fleet of many small clusters: 50 sandbox regions of 10 workers each, labelled dev (5),
// staging (10) and prod (35, over five regions), every worker rebooted by a plan whose spec.rollout runs dev
// all at once, staging five at a time and prod one group per region, three regions at a time, with a soak
// after dev and staging. Daylight runs for real in this process against the sandbox in a child process.
// Prints, from the journal, the makespan against the rollout's lower bound over each cluster's measured
// time (goal ≤ 1.1), this process's peak RSS (goal ≤ 1 GiB) and the most connections it held open to the
// sandbox at once, in all and per cluster.
// The prod regions are of uneven sizes (12, 8, 6, 5, 4 clusters), as real ones are: the bound's "stage work
// ÷ lanes" cannot be met by whole groups of equal size (5 groups of 7 over 3 lanes take 14 cluster-times,
// the bound 11.7), and that gap belongs to the plan, not to Daylight; `--prod us-east:7,eu-west:7,...` runs
// equal regions, and the line "÷ the plan's own schedule" shows the two apart.
// Run: npm run bench:fleet [-- --speed 20 --workers 10 --prod us-east:12,eu-west:8,ap-south:6,us-west:5,eu-north:4]
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { parse as parseYaml } from 'yaml';
import { runSession } from '../src/cli/run-session.ts';
import type { JournalEntry } from '../src/engine/events.ts';
import { journalSigner } from '../src/engine/ports/journal-signing.ts';
import { RequestTally } from '../src/lib/request-tally.ts';
import { parsePlan } from '../src/plan/load.ts';
import { resolveRollout, rolloutLowerBound } from '../src/planner/rollout.ts';
import type { ResolvedRollout } from '../src/planner/rollout.ts';
import { fleetClusters, fleetYaml, parseProdRegions, planYaml } from './fleet-files.ts';
import { ConnectionPeaks } from './open-connections.ts';
import { poll, startSandboxChild } from './sandbox-child.ts';

const { values } = parseArgs({
  options: {
    speed: { type: 'string', default: '20' },
    workers: { type: 'string', default: '10' },
    dev: { type: 'string', default: '5' },
    staging: { type: 'string', default: '10' },
    prod: { type: 'string', default: 'us-east:12,eu-west:8,ap-south:6,us-west:5,eu-north:4' },
    soak: { type: 'string', default: '10m' },
    'staging-concurrency': { type: 'string', default: '5' },
    'prod-concurrency': { type: 'string', default: '3' },
    'max-unavailable': { type: 'string', default: '50%' },
  },
});
const SPEED = Number(values.speed);
const RATIO_GOAL = 1.1;
const RSS_GOAL = 1024 * 1024 * 1024;
const SAMPLE_MS = 250;

const progress = (what: string) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${what}\n`);
const minutes = (ms: number) => `${(ms / 60_000).toFixed(1)} min`;
const hoursMinutes = (ms: number) => (Number.isFinite(ms) ? `${Math.floor(ms / 3_600_000)} h ${String(Math.round((ms % 3_600_000) / 60_000)).padStart(2, '0')} min` : 'n/a');
const seconds = (ms: number) => `${(ms / 1000).toFixed(0)} s`;
const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
const mib = (bytes: number) => Math.round(bytes / (1024 * 1024));

const benchStart = performance.now();
const layout = { dev: Number(values.dev), staging: Number(values.staging), prod: parseProdRegions(values.prod as string), workersPerCluster: Number(values.workers) };
const clusters = fleetClusters(layout);
const dir = await mkdtemp(join(tmpdir(), 'daylight-fleet-'));
const fleetPath = join(dir, 'fleet.yaml');
const planPath = join(dir, 'plan.yaml');
await writeFile(fleetPath, fleetYaml(clusters, layout.workersPerCluster));
const planText = planYaml(clusters, { soak: values.soak as string, stagingConcurrency: Number(values['staging-concurrency']), prodConcurrency: Number(values['prod-concurrency']), maxUnavailable: values['max-unavailable'] as string });
await writeFile(planPath, planText);

progress(`starting the sandbox: ${clusters.length} regions × ${layout.workersPerCluster} workers at ${SPEED}×`);
const sandbox = await startSandboxChild({ fleet: fleetPath, speed: SPEED, dir });
try {
  const ready = await poll(sandbox, (st) => st.allPodsReady, 600_000);
  if (!ready.allPodsReady) throw new Error('the sandbox did not get every pod Ready within 10 minutes');
  const sandboxUp = performance.now();
  const ports = await apiPorts(sandbox.kubeconfig);
  const plan = parsePlan(planPath, planText);
  const rollout = resolveRollout(plan.plan.spec);

  progress(`Daylight: ${rollout.stages.map((s) => `${s.name} ${s.groups.length} group(s), ${s.maxConcurrency} at once`).join('; ')}`);
  const leased = new Set<string>();
  const peaks = new ConnectionPeaks(ports, (cluster) => leased.has(cluster));
  peaks.start(SAMPLE_MS);
  const requests = new RequestTally();
  const runStart = performance.now();
  const end = await runSession({ plan, stateDir: join(dir, 'state'), kubeconfig: sandbox.kubeconfig, view: 'json', write: (text) => trackLeases(text, leased), skipPreflight: false, signer: journalSigner(generateKeyPairSync('ed25519').privateKey), onRequest: requests.observe }).finally(() => peaks.stop());
  const runWall = performance.now() - runStart;
  const maxRssBytes = process.resourceUsage().maxRSS * 1024;
  if (end.status === 'refused') throw new Error(`preflight refused the plan: ${end.findings.map((f) => f.message).join('; ')}`);

  const entries = JSON.parse(`[${(await readFile(end.paths.journal, 'utf8')).trim().split('\n').join(',')}]`) as JournalEntry[];
  const leases = clusterTimes(entries);
  const clusterMs = (name: string) => leases.get(name) ?? 0;
  const bound = rolloutLowerBound(rollout, clusterMs);
  const schedule = planSchedule(rollout, clusterMs);
  const makespan = end.status === 'succeeded' ? (entries.at(-1)?.at ?? 0) - (entries[0]?.at ?? 0) : NaN;
  const ratio = makespan / bound;
  const times = [...leases.values()];
  const busy = [...peaks.perCluster.values()].map((p) => p.busy);
  const idle = [...peaks.perCluster.values()].map((p) => p.idle);
  const watches = [...requests.kinds].filter(([k]) => k.startsWith('WATCH ')).sort((a, b) => b[1] - a[1]);
  const watchCount = watches.reduce((n, [, c]) => n + c, 0);

  const rows: [string, string, string, string, string][] = [
    ['makespan (simulated)', hoursMinutes(makespan), `${minutes(makespan)}: first journal entry → last, run ${end.status}`, '', ''],
    ['lower bound', hoursMinutes(bound), `${minutes(bound)}: per stage max(longest group chain, stage work ÷ lanes) + soak, over measured cluster times`, '', ''],
    ['makespan ÷ lower bound', ratio.toFixed(2), '', `goal ≤ ${RATIO_GOAL}`, ratio <= RATIO_GOAL ? 'yes' : 'NO'],
    ["  ÷ the plan's own schedule", (makespan / schedule).toFixed(2), `${minutes(schedule)}: whole groups into lanes in plan order, measured cluster times, soaks, no other time`, '', ''],
    ['cluster maintenance time', `${minutes(median(times))} median`, `lease.acquired → lease.released; ${minutes(Math.min(...times))} to ${minutes(Math.max(...times))}, ${times.length} of ${clusters.length} clusters`, '', ''],
    ['peak RSS', `${mib(maxRssBytes)} MiB`, 'this process (Daylight and the bench) by process.resourceUsage().maxRSS; the sandbox runs in a child', `goal ≤ ${mib(RSS_GOAL)} MiB`, maxRssBytes <= RSS_GOAL ? 'yes' : 'NO'],
    ['open connections to the sandbox, at most', String(peaks.total), `ESTABLISHED sockets in /proc/self/fd to the ${ports.size} API servers' ports, sampled every ${SAMPLE_MS} ms (${peaks.samples} samples)`, 'no goal', ''],
    ['  to one cluster under its lease', String(Math.max(...busy)), `median ${median(busy)}; bounded by its request pool (at most 64) plus one per open watch`, 'no goal', ''],
    ['  to one cluster not under its lease', String(Math.max(...idle)), `median ${median(idle)}; all such clusters together at most ${peaks.idleTotal}: what a connected cluster keeps before and after its turn`, 'no goal', ''],
    ['API requests', String(requests.count), `${(requests.count / clusters.length).toFixed(0)} per cluster; ${watchCount} watches (${watches.slice(0, 6).map(([k, n]) => `${k.slice(6)} ${n}`).join(', ')})`, '', ''],
    ['wall time', seconds(runWall), `Daylight's run; whole bench ${seconds(performance.now() - benchStart)}, sandbox up and every pod Ready in ${seconds(sandboxUp - sandbox.startedAt)}`, '', ''],
    // At a speed-up every real delay counts that many times over in cluster time: a busy machine shows in the makespan
    ['machine load at the end', loadavg().map((l) => l.toFixed(1)).join(' / '), `1, 5 and 15 min load averages on ${availableParallelism()} cores`, '', ''],
  ];
  const widths = [0, 1, 2, 3, 4].map((i) => Math.max(...rows.map((r) => r[i]?.length ?? 0)));
  console.log(`fleet benchmark: ${clusters.length} clusters × ${layout.workersPerCluster} workers (dev ${layout.dev}, staging ${layout.staging}, prod ${layout.prod.map((p) => `${p.region} ${p.clusters}`).join(', ')}), sandbox at ${SPEED}×, node ${process.version}`);
  for (const r of rows) console.log(r.map((c, i) => c.padEnd(widths[i] as number)).join('  ').trimEnd());
  for (const line of stageLines(entries, rollout, clusterMs)) console.log(line);
  if (end.status !== 'succeeded') {
    const exit = sandbox.child.exitCode ?? sandbox.child.signalCode;
    console.log(`the run ended ${end.status}${end.reason ? `: ${end.reason}` : ''}; the sandbox ${exit === null ? 'was still up' : `had exited (${exit})`}`);
  }
} finally {
  sandbox.child.kill('SIGTERM');
  await rm(dir, { recursive: true, force: true });
}

/** Follows the run's JSON view: which clusters hold their lease now. */
function trackLeases(text: string, leased: Set<string>): void {
  for (const line of text.split('\n')) {
    if (!line.includes('"lease.')) continue;
    const e = JSON.parse(line) as { type: string; cluster?: string };
    if (e.cluster === undefined) continue;
    if (e.type === 'lease.acquired') leased.add(e.cluster);
    if (e.type === 'lease.released') leased.delete(e.cluster);
  }
}

/** Context → the port of its API server, from the kubeconfig the sandbox wrote. */
async function apiPorts(kubeconfig: string): Promise<Map<string, number>> {
  const kc = parseYaml(await readFile(kubeconfig, 'utf8')) as { clusters: { name: string; cluster: { server: string } }[]; contexts: { name: string; context: { cluster: string } }[] };
  const server = new Map(kc.clusters.map((c) => [c.name, c.cluster.server]));
  return new Map(kc.contexts.map((c) => [c.name, Number(new URL(server.get(c.context.cluster) ?? '').port)]));
}

/** Each cluster's time under its lease, from its first lease.acquired to its last lease.released. */
function clusterTimes(entries: readonly JournalEntry[]): Map<string, number> {
  const acquired = new Map<string, number>();
  const out = new Map<string, number>();
  for (const e of entries) {
    if (e.event.type === 'lease.acquired' && !acquired.has(e.event.cluster)) acquired.set(e.event.cluster, e.at);
    if (e.event.type === 'lease.released' && acquired.has(e.event.cluster)) out.set(e.event.cluster, e.at - (acquired.get(e.event.cluster) as number));
  }
  return out;
}

/** The stage's own schedule with no overhead: each group, in order, takes the lane free first; stages add their soak (none after the last, as the engine runs it). */
function planSchedule(r: ResolvedRollout, clusterMs: (name: string) => number): number {
  return r.stages.reduce((total, s, i) => total + stageSchedule(s, clusterMs) + (i === r.stages.length - 1 ? 0 : s.afterStageWaitMs), 0);
}

function stageSchedule(s: ResolvedRollout['stages'][number], clusterMs: (name: string) => number): number {
  const lanes = new Array<number>(Math.max(1, Math.min(s.maxConcurrency, s.groups.length))).fill(0);
  for (const g of s.groups) {
    const i = lanes.indexOf(Math.min(...lanes));
    lanes[i] = (lanes[i] as number) + g.clusters.reduce((sum, c) => sum + clusterMs(c), 0);
  }
  return Math.max(...lanes);
}

/** Per stage: its time from rollout.stage.started to rollout.stage.completed against its schedule and its bound, and its soak. */
function stageLines(entries: readonly JournalEntry[], r: ResolvedRollout, clusterMs: (name: string) => number): string[] {
  const at = (type: string, stage: string) => entries.find((e) => e.event.type === type && 'stage' in e.event && e.event.stage === stage)?.at;
  return r.stages.map((s) => {
    const started = at('rollout.stage.started', s.name);
    const completed = at('rollout.stage.completed', s.name);
    const soakStart = at('rollout.soak.started', s.name);
    const soakEnd = at('rollout.soak.completed', s.name);
    const took = started !== undefined && completed !== undefined ? minutes(completed - started) : 'not completed';
    const soak = soakStart !== undefined && soakEnd !== undefined ? `, soak ${minutes(soakEnd - soakStart)} of ${minutes(s.afterStageWaitMs)}` : '';
    const bound = rolloutLowerBound({ ...r, stages: [{ ...s, afterStageWaitMs: 0 }] }, clusterMs);
    return `stage ${s.name}: ${s.groups.length} group(s), ${s.maxConcurrency} at once: ${took} (its schedule ${minutes(stageSchedule(s, clusterMs))}, its bound ${minutes(bound)})${soak}`;
  });
}
