// Rolling maintenance of examples/fleets/large.yaml (1,000 workers, ~30,000 pods) in one run, side by side:
//   - Daylight with examples/plans/large.yaml (10% at a time, zone then rack, canary first), run for real;
//   - the runbook (one node at a time: drain as kubectl does, reboot, wait Ready, uncordon), run on a sample
//     of nodes on the same sandbox and extrapolated (it is strictly sequential, so it scales linearly);
//   - kured's defaults (concurrency 1, --period 1h lock ticks), modelled over the runbook's measured steps.
// Prints simulated makespans, the lower bound, Daylight ÷ lower bound (goal ≤ 1.15), the speed-up over the
// runbook (goal ≥ 10×), and API requests per evicted pod against real `kubectl drain` (goal ≤ 0.5×).
// kubectl drain runs with the sandbox at real speed (1×), so it polls its pods as often as on a real cluster.
// Run: npm run bench:roll [-- --speed 20 --sample 8]
import { execFile } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { runSession } from '../src/cli/run-session.ts';
import { RequestTally } from '../src/lib/request-tally.ts';
import type { JournalEntry } from '../src/engine/events.ts';
import { journalSigner } from '../src/engine/ports/journal-signing.ts';
import { connect } from '../src/kube/client.ts';
import { parsePlan } from '../src/plan/load.ts';
import { lowerBound } from '../src/planner/index.ts';
import { indexPods } from '../src/planner/pdb-index.ts';
import { kuredMakespan, runbookNode } from './roll-peers.ts';
import type { NodeTiming } from './roll-peers.ts';
import { call, poll, startSandboxChild } from './sandbox-child.ts';

const { values } = parseArgs({ options: { fleet: { type: 'string', default: 'examples/fleets/large.yaml' }, plan: { type: 'string', default: 'examples/plans/large.yaml' }, speed: { type: 'string', default: '5' }, sample: { type: 'string', default: '4' } } });
const SPEED = Number(values.speed);
const SAMPLE = Number(values.sample);
/** An evicted pod's replacement-to-Ready time in large.yaml: startupSeconds 10 + readinessSeconds 5. */
const REPLACEMENT_MS = 15_000;
/** kured uncordons once its own DaemonSet pod runs again after the boot: the fleet's DaemonSet start-up, 5 s + 5 s. */
const KURED_BACK_MS = 10_000;

const progress = (what: string) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${what}\n`);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
const hours = (ms: number) => `${(ms / 3_600_000).toFixed(2)} h`;
const minutes = (ms: number) => `${(ms / 60_000).toFixed(1)} min`;

const dir = await mkdtemp(join(tmpdir(), 'daylight-roll-'));
progress(`starting the sandbox on ${values.fleet} at ${SPEED}×`);
const sandbox = await startSandboxChild({ fleet: values.fleet as string, speed: SPEED, dir });
try {
  await poll(sandbox, (st) => st.allPodsReady, 600_000);
  const cluster = await connect({ name: 'big', kubeconfig: sandbox.kubeconfig, context: sandbox.regions[0] });
  const snapshot = await cluster.snapshot();
  const workers = snapshot.nodes.filter((n) => !('node-role.kubernetes.io/control-plane' in n.labels)).map((n) => n.name);
  const text = (await readFile(values.plan as string, 'utf8')).replace('context: big', `context: ${sandbox.regions[0]}`);
  const plan = parsePlan(values.plan as string, text);
  const phase = plan.plan.spec.phases[0];
  if (phase?.type !== 'nodes') throw new Error('the plan has no nodes phase');

  progress(`Daylight: ${workers.length} workers with ${values.plan}`);
  const events: JournalEntry[] = [];
  const requests = new RequestTally();
  const end = await runSession({ plan, stateDir: join(dir, 'state'), kubeconfig: sandbox.kubeconfig, view: 'json', write: () => undefined, skipPreflight: false, signer: journalSigner(generateKeyPairSync('ed25519').privateKey), onRequest: requests.observe });
  if (end.status === 'refused') throw new Error('preflight refused the plan');
  events.push(...JSON.parse(`[${(await readFile(end.paths.journal, 'utf8')).trim().split('\n').join(',')}]`) as JournalEntry[]);
  const started = events.find((e) => e.event.type === 'run.started')?.at ?? 0;
  const ended = events.at(-1)?.at ?? 0;
  const cycles = nodeCycles(events);
  const evicted = events.reduce((n, e) => n + (e.event.type === 'node.drained' ? e.event.evicted : 0), 0);
  const planned = events.find((e) => e.event.type === 'phase.planned')?.event;
  const perWave = planned?.type === 'phase.planned' ? planned.budget : 1;
  const waves = planned?.type === 'phase.planned' ? planned.waves.length : 0;
  const referee = (await call(sandbox, 'GET', '/sandbox/v1/referee')) as { podsKilledWithoutEviction: number; pdbBreaches: number; maxConcurrentUnavailableNodes: Record<string, number> };

  const pdbs = indexPods(snapshot, new Set(workers), phase.drain).pdbs;
  const bound = lowerBound({ nodes: workers.length, perWave, nodeMs: median(cycles), pdbs, replacementMs: REPLACEMENT_MS, canary: phase.canary });
  // The reference's plain bound, ceil(N / c) cycles, shown beside it: it ignores the canary the plan sends alone.
  const plain = lowerBound({ nodes: workers.length, perWave, nodeMs: median(cycles), pdbs, replacementMs: REPLACEMENT_MS });

  progress(`runbook on a sample of ${SAMPLE} nodes`);
  const sample: NodeTiming[] = [];
  for (const node of workers.slice(0, SAMPLE)) sample.push(await runbookNode(cluster, cluster.clock, node));
  const runbookNodeMs = median(sample.map((t) => t.drainMs + t.rebootMs + t.readyMs));
  const runbookMs = runbookNodeMs * workers.length;
  const kuredMs = kuredMakespan({ nodes: workers.length, drainMs: median(sample.map((t) => t.drainMs)), rebootMs: median(sample.map((t) => t.rebootMs)), kuredBackMs: KURED_BACK_MS });

  progress(`kubectl drain on ${SAMPLE} nodes at real speed, counting its requests`);
  await call(sandbox, 'PUT', '/sandbox/v1/speed', { speed: 1 });
  const kubectl = await kubectlDrains(sandbox.kubeconfig, workers.slice(SAMPLE, 2 * SAMPLE), join(dir, 'kcache'));
  await call(sandbox, 'PUT', '/sandbox/v1/speed', { speed: SPEED });
  await cluster.close();

  const daylightMs = end.status === 'succeeded' ? ended - started : NaN;
  const perPod = requests.count / Math.max(1, evicted);
  const kubectlPerPod = kubectl.requests / Math.max(1, kubectl.evicted);
  const rows: [string, string, string, string, string][] = [
    ['Daylight makespan (simulated)', `${minutes(daylightMs)} (${hours(daylightMs)})`, `${waves} waves of up to ${perWave} nodes, run ${end.status}`, '', ''],
    ['lower bound', minutes(bound.ms), bound.text, '', ''],
    ['Daylight ÷ lower bound', (daylightMs / bound.ms).toFixed(2), `node cycle ${minutes(median(cycles))} measured (median)`, '≤ 1.15', daylightMs / bound.ms <= 1.15 ? 'yes' : 'NO'],
    ['  ÷ the bound without the canary', (daylightMs / plain.ms).toFixed(2), `${plain.text}: ${minutes(plain.ms)}`, '', ''],
    ['runbook makespan', `${minutes(runbookMs)} (${hours(runbookMs)})`, `${workers.length} × ${minutes(runbookNodeMs)} measured on ${SAMPLE} nodes`, '', ''],
    ['speed-up over the runbook', `${(runbookMs / daylightMs).toFixed(1)}×`, 'runbook ÷ Daylight', '≥ 10×', runbookMs / daylightMs >= 10 ? 'yes' : 'NO'],
    ["kured's default (concurrency 1, 1h period)", `${minutes(kuredMs)} (${hours(kuredMs)})`, `${(kuredMs / daylightMs).toFixed(1)}× Daylight; steps measured, lock ticks modelled`, '', ''],
    ['API requests per evicted pod', perPod.toFixed(2), `Daylight's whole run: ${requests.count} requests (snapshots, gates, lease, cordons, evictions, reboots, events), ${evicted} pods evicted`, '', ''],
    ['  against kubectl drain', `${(perPod / kubectlPerPod).toFixed(2)}×`, `kubectl drain alone: ${kubectlPerPod.toFixed(2)} (${kubectl.requests} requests, ${kubectl.evicted} pods on ${SAMPLE} nodes)`, '≤ 0.5×', perPod / kubectlPerPod <= 0.5 ? 'yes' : 'NO'],
    ['referee during Daylight', `${referee.podsKilledWithoutEviction} killed, ${referee.pdbBreaches} breaches`, `max unavailable at once: ${JSON.stringify(referee.maxConcurrentUnavailableNodes)}`, '0, 0', referee.podsKilledWithoutEviction === 0 && referee.pdbBreaches === 0 ? 'yes' : 'NO'],
  ];
  const widths = [0, 1, 2, 3, 4].map((i) => Math.max(...rows.map((r) => r[i]?.length ?? 0)));
  console.log(`roll benchmark: ${values.fleet}, ${workers.length} workers, sandbox at ${SPEED}×, node ${process.version}`);
  for (const r of rows) console.log(r.map((c, i) => c.padEnd(widths[i] as number)).join('  '));
  const kinds = [...requests.kinds].sort((a, b) => b[1] - a[1]);
  console.log(`Daylight's requests by kind: ${kinds.map(([k, n]) => `${k} ${n} (${(n / Math.max(1, evicted)).toFixed(2)}/pod)`).join('; ')}`);
} finally {
  sandbox.child.kill('SIGTERM');
  await rm(dir, { recursive: true, force: true });
}

/** Each maintained node's time from its cordon to its uncordon, in cluster time. */
function nodeCycles(events: readonly JournalEntry[]): number[] {
  const start = new Map<string, number>();
  const out: number[] = [];
  for (const e of events) {
    const ev = e.event;
    if (ev.type === 'node.cordon.requested') start.set(ev.node, e.at);
    if (ev.type === 'node.done' && ev.outcome === 'maintained' && start.has(ev.node)) out.push(e.at - (start.get(ev.node) as number));
  }
  return out;
}

/** Discovery documents (cached by kubectl across runs) are not part of a drain's own work. */
function isDiscovery(url: string): boolean {
  const path = new URL(url).pathname;
  return /^\/(api|apis)(\/[^/]+){0,2}\/?$/.test(path) && !/\/(nodes|pods)/.test(path);
}

/** Real `kubectl drain` on each node in turn; requests counted from its -v=6 log, pods from "evicting pod". */
async function kubectlDrains(kubeconfig: string, nodes: readonly string[], cache: string): Promise<{ requests: number; evicted: number }> {
  let requests = 0;
  let evicted = 0;
  for (const node of nodes) {
    const log = await new Promise<string>((resolve) => {
      execFile('kubectl', ['--kubeconfig', kubeconfig, '-v=6', 'drain', node, '--ignore-daemonsets', '--delete-emptydir-data', '--timeout=300s'], { encoding: 'utf8', maxBuffer: 1 << 26, env: { ...process.env, KUBECACHEDIR: cache } }, (_e, stdout, stderr) => resolve(`${stdout}\n${stderr}`));
    });
    requests += [...log.matchAll(/round_trippers\.go:\d+\] (?:GET|POST|PUT|PATCH|DELETE) (\S+)/g)].filter((m) => !isDiscovery(m[1] as string)).length;
    evicted += [...log.matchAll(/evicting pod /g)].length;
    await new Promise((r) => execFile('kubectl', ['--kubeconfig', kubeconfig, 'uncordon', node], { env: { ...process.env, KUBECACHEDIR: cache } }, r));
  }
  return { requests, evicted };
}
